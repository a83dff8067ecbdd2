"""Rich/Textual markup from outside (`[/]`, `[@click=...]`) is shown as text, never parsed.

A deployment named `exp[/]` made the app exit with a MarkupError at every start: pane
titles and notifications parsed markup. Each test runs the real app in a pty against the
hostile server and checks that the app is still running after the text was shown, and that
the text is visible as written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import hostile as h
import pytest
from session import Session, focus_containers, scale_to, session

MARKUP_NAME = "exp" + h.MARKUP  # exp[/]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "replicaset.toml"
#: A view opens in well under a second; a crashed app never shows it.
VIEW_S = 15.0


def still_running_after_a_poll(s: Session) -> None:
    """The app survives at least one more poll (a crash on repaint would have ended it)."""
    seen = s.hostile.count("/deployment/list")
    s.term.wait(
        lambda: s.hostile.count("/deployment/list") > seen or not s.term.alive(),
        "another poll",
    )
    assert s.term.alive(), f"the app exited (code {s.term.exit_code()})\n{s.term}"


def until_shown(s: Session, text: str, what: str, timeout: float = VIEW_S) -> None:
    """Wait until `text` shows; fail at once, naming `what`, if the app exits meanwhile."""
    s.term.wait(lambda: text in s.term.text() or not s.term.alive(), what, timeout)
    assert s.term.alive(), f"the app exited (code {s.term.exit_code()}) before {what}\n{s.term}"


def markup_fleet(**names: str) -> h.Fleet:
    return h.build_fleet({"plain-ok": "", "exp": h.MARKUP, **names})


@pytest.mark.parametrize("read_only", [False, True], ids=["normal", "read-only"])
def test_a_deployment_named_with_markup_starts_and_shows_literally(read_only: bool) -> None:
    args = ("--read-only",) if read_only else ()
    with session(markup_fleet(), *args, first="") as s:
        s.term.wait(
            lambda: MARKUP_NAME in s.term.text() or not s.term.alive(),
            f"{MARKUP_NAME!r} on screen",
            60,
        )
        assert s.term.alive(), f"the app exited at start\n{s.term}"
        # Selected: the containers and events pane titles name it.
        s.term.press("down")
        until_shown(s, f"Containers: {MARKUP_NAME}", "the pane title to name it", VIEW_S)
        still_running_after_a_poll(s)


def test_click_markup_in_a_title_runs_no_action() -> None:
    name = "clk" + h.CLICK
    with session(h.build_fleet({"plain-ok": "", "clk": h.CLICK}), first="") as s:
        until_shown(s, "clk", "the clk deployment", 60)
        s.term.press("down")
        until_shown(s, "Containers: clk", "the pane title to name it", VIEW_S)
        # Click every cell of the name in the title and in the table row.
        for needle in ("Containers: clk", "clk"):
            where = s.term.find(needle)
            assert where is not None, f"{needle!r} not on screen\n{s.term}"
            col, row = where
            start = col + (len("Containers: ") if needle.startswith("Containers") else 0)
            for x in range(start, min(start + len(name), s.term.cols - 1)):
                s.term.click(x, row)
        # A later key is handled after the clicks: once its effect shows, they have run.
        s.term.press("?")
        s.term.wait(lambda: "Global" in s.term.text() or not s.term.alive(), "the help screen")
        shots = list(s.term.home.rglob("*.svg"))
        assert not shots, f"a click on server text ran app.screenshot: {shots}"
        # The title shows "[@click=app.screenshot(...)]" literally; the action would say so.
        assert "Saved screenshot" not in s.term.text(), (
            f"a click on server text ran app.screenshot (its notification shows)\n{s.term}"
        )
        assert "save screenshot" not in s.term.text(), s.term
        assert s.term.alive()


def test_a_vendor_msg_with_markup_is_shown_literally() -> None:
    fleet = h.build_fleet({"plain-ok": ""})
    modes = {"/deployment/replica_num": "error"}
    with session(fleet, modes=modes, error_msg="denied " + h.MARKUP) as s:
        scale_to(s.term, 3, VIEW_S)
        until_shown(s, "Scale failed", "the refusal's notification", VIEW_S)
        s.home()
        s.term.press("E")
        until_shown(s, "denied [/]", "the vendor msg on the E screen", VIEW_S)
        still_running_after_a_poll(s)


def test_read_only_image_enter_with_markup_in_the_image() -> None:
    fleet = h.build_fleet({"plain-ok": "", "exp": h.MARKUP}, ids=True)
    with session(fleet, "--read-only", first="plain-ok") as s:
        s.term.press("i")
        s.term.wait(lambda: MARKUP_NAME in s.term.text(), "the images list", VIEW_S)
        where = s.term.find(MARKUP_NAME)
        assert where is not None
        # The cursor onto the hostile image, then Enter (read-only: copies its uuid).
        for _ in range(4):
            if s.term.find(MARKUP_NAME) and "plain-ok" not in s.term.text():
                break
            s.term.press("down")
        s.term.press("enter")
        until_shown(s, "Copied", "the copy", VIEW_S)
        still_running_after_a_poll(s)


def test_a_config_path_with_markup_in_the_permission_warning(tmp_path: Path) -> None:
    # "/" separates folders: the path's text holds "cfg[/]" through a folder named "]".
    folder = tmp_path / "cfg[" / "]"
    folder.mkdir(parents=True)
    config = folder / "config.toml"
    config.write_text("refresh = 2\n")
    os.chmod(config, 0o644)
    fleet = h.build_fleet({"plain-ok": ""})
    env = {"AUTODL_TUI_CONFIG": str(config)}
    with session(fleet, env=env, first="") as s:
        until_shown(s, "plain-ok", "the first paint", 60)
        s.term.wait(lambda: "cfg[/]" in s.term.text(), "the warning naming the path", VIEW_S)
        still_running_after_a_poll(s)


def test_a_blacklist_notification_with_markup_in_the_machine_id() -> None:
    # Only the host's id holds markup: the names stay plain, so this reaches the mutation.
    fleet = h.build_fleet({"plain-ok": ""})
    for c in fleet.containers:
        c["machine_id"] += h.MARKUP
    with session(fleet) as s:
        focus_containers(s.term, "dep00-c00", VIEW_S)
        s.term.press("b")
        s.term.wait(lambda: s.modal_open() or not s.term.alive(), "the blacklist dialog", VIEW_S)
        assert s.term.alive(), f"the app exited opening the blacklist dialog\n{s.term}"
        s.term.press("enter")
        s.term.wait(
            lambda: bool(s.hostile.mutations) or not s.term.alive(), "the blacklist call", VIEW_S
        )
        until_shown(s, "Blacklisted", "the notification", VIEW_S)
        assert "m00[/]" in "".join(s.term.text().split()), s.term
        still_running_after_a_poll(s)


def test_a_template_with_a_markup_key_and_a_hostile_name_loads_literally() -> None:
    home = Path(tempfile.mkdtemp(prefix="sec-tpl-"))
    folder = home / "config" / "autodl-tui" / "templates"
    folder.mkdir(parents=True)
    body = EXAMPLE.read_text().replace(
        'name = "llm-serve-4090"', 'name = "tpl\\u001b]52;c;UFdORUQh\\u0007"\n"exp[/]" = 1'
    )
    (folder / "evil.toml").write_text(body)
    with session(h.build_fleet({"plain-ok": ""}), home=home) as s:
        s.term.press("n")
        s.term.wait_for("New deployment", VIEW_S)
        s.term.press("ctrl+o")
        s.term.wait(lambda: "evil" in s.term.text(), "the template list", VIEW_S)
        s.term.press("enter")
        until_shown(s, "Template loaded", "the template to load", VIEW_S)
        assert "exp[/]" in s.term.text(), f"the unknown key is not named literally\n{s.term}"
        assert "tpl␛]52;c;" in s.term.text(), f"the name is not shown literally\n{s.term}"
        assert b"\x1b]52;c;UFdORUQh" not in s.term.raw, "the template's OSC 52 reached the terminal"


def test_a_create_answered_with_a_markup_uuid_is_reported_literally() -> None:
    fleet = h.build_fleet({"plain-ok": ""})
    with session(fleet, created_uuid="new" + h.MARKUP + h.OSC52) as s:
        s.term.press("C")
        s.term.wait_for("New deployment", VIEW_S)
        s.term.press("ctrl+r")
        s.term.wait_for("Enter create", VIEW_S)
        # The hint paints a moment before the dialog takes keys: press again, as a person
        # would, while it is still showing and nothing was sent.
        for _ in range(4):
            s.term.press("enter")
            with contextlib.suppress(AssertionError):
                s.term.wait(lambda: bool(s.hostile.mutations), "the create call", 2.0)
            if s.hostile.mutations or "Enter create" not in s.term.text():
                break
        assert s.hostile.mutations, f"the create was never sent\n{s.term}"
        until_shown(s, "new[/]", "the new uuid on screen", VIEW_S)
        assert b"\x1b]52;c;UFdORUQh" not in s.term.raw, "the uuid's OSC 52 reached the terminal"
        still_running_after_a_poll(s)
