"""Pilot tests of the New deployment form: keys in, simulator state out."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import httpx
import pytest
from app_helpers import CREATE, SIZE, Recorder, loaded, notifications, opened, until
from textual.widgets import Button, Input, Select, SelectionList, Static

from autodl_tui.api import Deployment
from autodl_tui.deploy.template import template_from_deployment
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.create_form import CreateFormScreen
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.panes import DeploymentsTable
from autodl_tui.ui.preflight_screen import PreflightScreen

IMAGE = "base-image-l2t43iu6uk"


class Wire(Recorder):
    """Records every request; can hold the create, lose its answer, or fail it unsent."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        super().__init__(inner)
        self.hold_create: asyncio.Event | None = None
        self.lose_create_answer = False
        self.fail_create_before_sending = False

    async def forward(self, request: httpx.Request) -> httpx.Response:
        key = (request.method, request.url.path)
        if key == CREATE:
            if self.fail_create_before_sending:
                raise httpx.ConnectError("refused", request=request)
            if self.hold_create is not None:
                await self.hold_create.wait()
        response = await super().forward(request)
        if key == CREATE and self.lose_create_answer:
            await response.aread()
            return httpx.Response(502, text="502 Bad Gateway")
        return response


@pytest.fixture
def recorder(sim: Simulator) -> Wire:
    """The app's transport (used by `make_app`), able to bend the create request."""
    return Wire(sim_transport(sim))


def named(sim: Simulator, name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = sim.list_deployments(1, 100, name=name)["list"]
    return items


async def landed(
    pilot: Any, app: AutoDLApp, sim: Simulator, name: str
) -> tuple[dict[str, Any], DeploymentsTable]:
    """Back on the main screen with the cursor on the one deployment called `name`."""
    await until(pilot, lambda: isinstance(app.screen, MainScreen))
    [dep] = named(sim, name)
    table = app.main_screen.query_one("#deployments", DeploymentsTable)
    await until(pilot, lambda: table.cursor_key == dep["uuid"])
    return dep, table


async def open_form(pilot: Any, app: AutoDLApp, key: str = "n") -> CreateFormScreen:
    await loaded(pilot, app)
    form = await opened(pilot, app, key, CreateFormScreen)
    await pilot.pause()
    return form


def aside(form: CreateFormScreen, key: str) -> str:
    return str(form.query_one(f"#{key}-error", Static).render())


async def type_in(pilot: Any, form: CreateFormScreen, key: str, text: str) -> None:
    form.query_one(f"#{key}").focus()
    await pilot.press("home", "ctrl+k", *[("space" if c == " " else c) for c in text])


async def choose(pilot: Any, form: CreateFormScreen, key: str, value: object) -> None:
    """Open a Select with Enter, move to `value` with the arrows, Enter again."""
    select: Select[Any] = form.query_one(f"#{key}", Select)
    select.focus()
    values = [v for _, v in select._options]
    await pilot.press("enter")
    await pilot.pause()
    steps = values.index(value) - values.index(select.value)
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps), "enter")
    await until(pilot, lambda: select.value == value)


async def toggle(pilot: Any, form: CreateFormScreen, key: str, value: str) -> None:
    """Highlight `value` in a SelectionList with the arrows and toggle it with space."""
    options: SelectionList[str] = form.query_one(f"#{key}", SelectionList)
    await until(
        pilot,
        lambda: any(
            options.get_option_at_index(i).value == value for i in range(options.option_count)
        ),
    )
    index = next(
        i for i in range(options.option_count) if options.get_option_at_index(i).value == value
    )
    options.focus()
    was = value in options.selected
    await pilot.press("home", *["down"] * index, "space")
    await until(pilot, lambda: (value in options.selected) != was)


async def fill(
    pilot: Any, form: CreateFormScreen, name: str, kind: str = "ReplicaSet", **counts: str
) -> None:
    await type_in(pilot, form, "name", name)
    await choose(pilot, form, "deployment_type", kind)
    for key, text in counts.items():
        await type_in(pilot, form, key, text)
    await toggle(pilot, form, "dc_list", "westDC2")
    await toggle(pilot, form, "gpu_name_set", "RTX 4090")
    await choose(pilot, form, "image_uuid", IMAGE)
    await type_in(pilot, form, "cmd", "sleep 100")
    await until(pilot, lambda: not form.problems)


async def preflight(pilot: Any, app: AutoDLApp) -> PreflightScreen:
    dialog = await opened(pilot, app, "ctrl+r", PreflightScreen)
    await until(pilot, lambda: dialog.preflight is not None)
    return dialog


async def test_each_rule_shows_next_to_its_field_and_nothing_is_sent(make_app, recorder) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        button = form.query_one("#preflight", Button)
        assert button.disabled
        assert aside(form, "name") == "required"
        assert aside(form, "dc_list") == "choose at least one region"
        assert aside(form, "gpu_name_set") == "choose at least one GPU model"
        assert aside(form, "image_uuid") == "choose an image"
        assert aside(form, "cmd") == "required: what the container runs"
        await fill(pilot, form, "rules")
        assert not button.disabled

        async def broken(key: str, text: str, field: str, reason: str, fix: str) -> None:
            await type_in(pilot, form, key, text)
            await until(pilot, lambda: reason in aside(form, field))
            assert button.disabled
            await pilot.press("ctrl+r")
            await pilot.pause(0.05)
            assert isinstance(app.screen, CreateFormScreen)
            await type_in(pilot, form, key, fix)
            await until(pilot, lambda: not button.disabled)

        await broken("name", "x" * 65, "name", "at most 64 characters", "rules")
        await broken("replica_num", "0", "replica_num", "1 to 1000", "2")
        await broken("gpu_num", "9", "gpu_num", "must be 1 to 8", "1")
        await broken("cpu_num_from", "128", "cpu_num_from", "must not exceed", "1")
        await broken("memory_gb_to", str(64 * 1024**3), "memory_gb_from", "not bytes", "256")
        await broken("price_yuan_to", "abc", "price_yuan_from", "amount in yuan", "9")
        await broken("cmd", "", "cmd", "required", "sleep 100")
        await choose(pilot, form, "deployment_type", "Job")
        assert form.query_one("#row-parallelism_num").display
        await broken("parallelism_num", "3", "parallelism_num", "replica_num (2)", "1")
        await choose(pilot, form, "deployment_type", "Container")
        assert not form.query_one("#row-replica_num").display
        await choose(pilot, form, "cuda_from", 124)
        await choose(pilot, form, "cuda_to", 118)
        await until(pilot, lambda: "not be above CUDA 11.8" in aside(form, "cuda_from"))
        assert button.disabled
        await choose(pilot, form, "cuda_to", 128)
        await toggle(pilot, form, "dc_list", "westDC2")
        await until(pilot, lambda: "at least one region" in aside(form, "dc_list"))
        await pilot.press("ctrl+r")
        await pilot.pause(0.05)
        assert isinstance(app.screen, CreateFormScreen)
    assert recorder.creates == 0


@pytest.mark.parametrize(
    ("kind", "counts", "replicas", "parallel"),
    [
        ("ReplicaSet", {"replica_num": "2"}, 2, 1),
        ("Job", {"replica_num": "3", "parallelism_num": "2"}, 3, 2),
        ("Container", {}, 1, 1),
    ],
)
async def test_create_each_type_lands_in_the_simulator(
    make_app, sim, recorder, kind: str, counts: dict[str, str], replicas: int, parallel: int
) -> None:
    app = make_app()
    name = f"form-{kind.lower()}"
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        await fill(pilot, form, name, kind, **counts)
        dialog = await preflight(pilot, app)
        assert dialog.preflight is not None
        body = dialog.preflight.body
        assert body["deployment_type"] == kind and body["container_template"]["dc_list"] == [
            "westDC2"
        ]
        assert "westDC2" in str(dialog.query_one("#stock", Static).render())
        assert recorder.creates == 0
        await pilot.press("enter")
        dep, table = await landed(pilot, app, sim, name)
        assert table.has_focus
    assert recorder.creates == 1
    assert dep["deployment_type"] == kind
    assert (dep["replica_num"], dep["parallelism_num"]) == (replicas, parallel)
    t = dep["template"]
    assert t["dc_list"] == ["westDC2"] and t["gpu_name_set"] == ["RTX 4090"]
    assert (t["image_uuid"], t["cmd"]) == (IMAGE, "sleep 100")


async def test_create_is_sent_once_while_in_flight(make_app, sim, recorder) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        await fill(pilot, form, "once")
        dialog = await preflight(pilot, app)
        recorder.hold_create = asyncio.Event()
        await pilot.press("enter")
        ok = dialog.query_one("#ok", Button)
        await until(pilot, lambda: dialog.busy and ok.disabled)
        await pilot.press("enter", "enter", "escape")
        await pilot.pause(0.05)
        assert app.screen is dialog
        recorder.hold_create.set()
        await landed(pilot, app, sim, "once")
    assert recorder.creates == 1


async def test_a_lost_answer_is_found_by_name_instead_of_resent(make_app, sim, recorder) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        await fill(pilot, form, "lost-answer")
        await preflight(pilot, app)
        recorder.lose_create_answer = True
        await pilot.press("enter")
        await landed(pilot, app, sim, "lost-answer")
    assert recorder.creates == 1


async def test_a_create_that_never_arrived_offers_a_safe_retry(make_app, sim, recorder) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        await fill(pilot, form, "retry-me")
        dialog = await preflight(pilot, app)
        recorder.fail_create_before_sending = True
        await pilot.press("enter")
        ok = dialog.query_one("#ok", Button)
        await until(pilot, lambda: str(ok.label) == "Retry create" and not ok.disabled)
        assert "a retry is safe" in str(dialog.query_one("#status", Static).render())
        assert named(sim, "retry-me") == []
        recorder.fail_create_before_sending = False
        await pilot.press("enter")
        await landed(pilot, app, sim, "retry-me")
    assert recorder.creates == 2


async def test_clone_prefills_the_form_and_round_trips(make_app, sim, recorder) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot, app)
        table = screen.query_one("#deployments", DeploymentsTable)
        target = next(u for u, d in screen.deployments.items() if d.name == "llm-serve")
        await pilot.press("home")
        while table.cursor_key != target:
            await pilot.press("down")
        original = template_from_deployment(screen.deployments[target])
        form = await open_form(pilot, app, key="C")
        await until(pilot, lambda: "RTX 4090" in form.form_values()["gpu_name_set"])
        template, problems = form.current_template()
        assert problems == {}
        assert template == replace(original, name="llm-serve-copy")
        await preflight(pilot, app)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await until(pilot, lambda: table.cursor_key == named(sim, "llm-serve-copy")[0]["uuid"])
    [copy] = named(sim, "llm-serve-copy")
    cloned = template_from_deployment(Deployment.from_api(copy))
    assert cloned == replace(original, name="llm-serve-copy")


async def test_save_and_load_a_template_by_keys(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        await fill(pilot, form, "saved-one")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, CreateFormScreen))
        await pilot.press("enter")
        path = tmp_path / "templates" / "saved-one.toml"
        await until(pilot, lambda: path.exists())
        text = path.read_text(encoding="utf-8")
        assert 'name = "saved-one"' in text and "# Container memory in GB" in text
        path.write_text(
            "# my note\n" + text.replace("gpu_num = 1", "gpu_num = 2  # two cards"),
            encoding="utf-8",
        )
        await type_in(pilot, form, "name", "something-else")
        # Loading replaces every field: the form holds work, so it asks first.
        from autodl_tui.ui.dialogs import ConfirmDialog

        for answer in ("n", "y"):
            await pilot.press("ctrl+o")
            await until(pilot, lambda: not isinstance(app.screen, CreateFormScreen))
            await opened(pilot, app, "enter", ConfirmDialog)
            await pilot.press(answer)
            await until(pilot, lambda: app.screen is form)
            if answer == "n":
                assert form.form_values()["name"] == "something-else"
        await until(pilot, lambda: form.form_values()["name"] == "saved-one")
        assert form.form_values()["gpu_num"] == "2"
        assert "RTX 4090" in form.form_values()["gpu_name_set"]
        await type_in(pilot, form, "cmd", "sleep 200")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, CreateFormScreen))
        await pilot.press("enter")
        await until(pilot, lambda: 'cmd = "sleep 200"' in path.read_text(encoding="utf-8"))
    saved = path.read_text(encoding="utf-8")
    assert saved.startswith("# my note\n") and "gpu_num = 2  # two cards" in saved


async def test_read_only_hides_and_refuses_new_and_clone(make_app, recorder) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot, app)
        assert screen.check_action("new_deployment", ()) is False
        for key in ("n", "C"):
            await pilot.press(key)
            await pilot.pause(0.05)
            assert isinstance(app.screen, MainScreen)
        screen.action_row("new_deployment")
        screen.action_row("clone_deployment")
        await pilot.pause(0.05)
        assert isinstance(app.screen, MainScreen)
        titles = {c.title for c in app.get_system_commands(screen)}
        assert not {"New deployment", "Clone deployment"} & titles
    assert recorder.creates == 0


async def test_keys_are_listed_palette_offers_them_and_keymap_remaps(make_app) -> None:
    app = make_app(keymap={"deployments-new": "N"})
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot, app)
        rows = {(key, desc) for key, desc, _group in app.key_table()}
        assert {("N", "New"), ("C", "Clone"), ("ctrl+s", "Save template")} <= rows
        titles = {c.title for c in app.get_system_commands(screen)}
        assert {"New deployment", "Clone deployment"} <= titles
        await pilot.press("n")
        await pilot.pause(0.05)
        assert isinstance(app.screen, MainScreen)
        await pilot.press("N")
        await until(pilot, lambda: isinstance(app.screen, CreateFormScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_q_in_the_form_does_not_quit_the_app(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#dc_list").focus()
        await pilot.press("q")
        await pilot.pause(0.1)
        assert app.is_running and app.screen is form
        form.query_one("#name").focus()
        await pilot.press("q")
        assert form.query_one("#name", Input).value.endswith("q")


async def test_ctrl_b_picks_the_image_from_the_images_view(make_app) -> None:
    from autodl_tui.catalog import BASE_IMAGES
    from autodl_tui.ui.images_screen import ImagesScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        await pilot.press("ctrl+b")
        await until(pilot, lambda: isinstance(app.screen, ImagesScreen))
        images = app.screen
        assert isinstance(images, ImagesScreen)
        await until(pilot, lambda: images.exhausted)
        # Past the private images to the first public base image.
        await pilot.press(*["down"] * len(images.private), "enter")
        await until(pilot, lambda: app.screen is form)
        assert form.query_one("#image_uuid", Select).value == BASE_IMAGES[0].uuid
        assert "image_uuid" not in form.problems


async def test_ctrl_o_on_a_fresh_install_says_there_are_no_templates(make_app, tmp_path) -> None:
    # Issue 12: no templates folder yet (nothing was ever saved) crashed the form.
    from autodl_tui.ui.template_dialogs import TemplatePickDialog

    assert not (tmp_path / "templates").exists()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        dialog = await opened(pilot, app, "ctrl+o", TemplatePickDialog)
        shown = " ".join(str(s.render()) for s in dialog.query(Static))
        assert "No saved templates" in shown
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is form)
        assert app.is_running
    assert not (tmp_path / "templates").exists()  # reading never creates it


@pytest.mark.parametrize("kind", ["missing", "a file", "unreadable"])
def test_list_templates_never_assumes_the_folder_exists(tmp_path, kind) -> None:
    import os

    from autodl_tui.deploy.template_file import list_templates

    folder = tmp_path / "templates"
    if kind == "a file":
        folder.write_text("not a folder", encoding="utf-8")
    elif kind == "unreadable":
        folder.mkdir()
        (folder / "x.toml").write_text("", encoding="utf-8")
        folder.chmod(0)
    try:
        if kind == "unreadable" and os.access(folder, os.R_OK):
            pytest.skip("running as a user who reads any folder (root)")
        assert list_templates(folder) == []
    finally:
        if kind == "unreadable":
            folder.chmod(0o700)


async def test_tab_typed_at_speed_moves_on_before_the_next_keys(make_app) -> None:
    # Issue 12: "fastname<Tab><Tab>7" in one burst gave the name "fastname7".
    from textual import events

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        assert form.focused is form.query_one("#name", Input)
        for char in "fastname":
            app.post_message(events.Key(char, char))
        app.post_message(events.Key("tab", "\t"))
        app.post_message(events.Key("tab", "\t"))
        app.post_message(events.Key("7", "7"))  # replaces the selected default count
        await until(pilot, lambda: form.query_one("#replica_num", Input).value == "7")
        assert form.query_one("#name", Input).value == "fastname"


async def test_escape_asks_before_it_discards_a_filled_or_cloned_form(make_app) -> None:
    from autodl_tui.ui.dialogs import ConfirmDialog

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        await pilot.press("escape")  # a blank form holds nothing: it closes at once
        await until(pilot, lambda: isinstance(app.screen, MainScreen))

        form = await opened(pilot, app, "n", CreateFormScreen)
        await type_in(pilot, form, "name", "half-done")
        await opened(pilot, app, "escape", ConfirmDialog)
        await pilot.press("n")  # keep editing: the form and its values stay
        await until(pilot, lambda: app.screen is form)
        assert form.form_values()["name"] == "half-done"
        await opened(pilot, app, "escape", ConfirmDialog)
        await pilot.press("escape")  # Escape in the question also keeps the form
        await until(pilot, lambda: app.screen is form)
        await opened(pilot, app, "escape", ConfirmDialog)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))

        # A clone is work too, even before any edit.
        clone = await opened(pilot, app, "C", CreateFormScreen)
        await pilot.pause()
        assert clone.form_values()["name"]
        await opened(pilot, app, "escape", ConfirmDialog)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_at_80x24_every_fields_hint_is_on_screen_and_ctrl_r_goes_to_a_mark(make_app) -> None:
    # Issue 12: at 80x24 the hint column was clipped, so "Fix the marked fields first."
    # showed no marks.
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        await type_in(pilot, form, "name", "ok-name")
        await type_in(pilot, form, "memory_gb_from", "lots")
        form.query_one("#name").focus()
        await pilot.press("ctrl+r")
        memory = form.query_one("#memory_gb_from", Input)
        await until(pilot, lambda: form.focused is not None and form.focused.id == "dc_list")
        assert "Fix the" in notifications(app) and "marked field" in notifications(app)
        for key in ("dc_list", "memory_gb_from", "cmd"):
            field = form.query_one(f"#{key}")
            field.focus()
            await pilot.pause(0.1)
            hint = form.query_one(f"#{key}-error", Static)
            region = hint.region
            assert region.width >= 19 and region.right <= 80, (key, region)
            assert form.region.contains_region(region), key
            assert hint.has_class("-invalid") == (key in form.problems)
        assert (
            memory.id in form.problems
            and "-invalid" in form.query_one("#memory_gb_from-error").classes
        )


async def test_one_fill_validates_once_and_loads_stock_once(make_app) -> None:
    # The fields' Changed messages arrive after fill() returns; they must not each
    # validate the form again and reload the stock (6 validations, 2 loads extra).
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot, app)
        llm = next(d for d in screen.deployments.values() if d.name == "llm-serve")
        form = await open_form(pilot, app)
        await app.workers.wait_for_complete()
        await pilot.pause()
        calls = {"validate": 0, "stock": 0}
        validate, load_stock = form.validate_form, form._load_stock

        def counted_validate() -> dict[str, str]:
            calls["validate"] += 1
            return validate()

        def counted_stock() -> Any:
            calls["stock"] += 1
            return load_stock()

        form.validate_form = counted_validate  # type: ignore[method-assign]
        form._load_stock = counted_stock  # type: ignore[method-assign]
        form.fill(template_from_deployment(llm))
        assert calls == {"validate": 1, "stock": 1}
        for _ in range(10):
            await pilot.pause()
        await app.workers.wait_for_complete()
        for _ in range(5):
            await pilot.pause()
        assert form.form_values()["name"] == "llm-serve"
        # Once more when the stock it asked for arrives (it changes the GPU models).
        assert calls == {"validate": 2, "stock": 1}
