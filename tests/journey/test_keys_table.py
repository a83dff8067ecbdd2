"""Every row of the README's keys table, pressed in the real process over a socket.

`autodl-tui` runs in a pty at 80x24 and 120x35 against `autodl-tui sim --fleet demo` (one
simulator for the module). The mutating journeys act on a different deployment at each
size, so the order of the tests does not matter. The token comes through AUTODL_TOKEN, as
users are told to pass it. Keys not walked here are walked elsewhere: `i`, `E`, Enter on a
deployment, `/` and Escape, Tab in forms, `P` between two servers (test_journeys.py);
`s`/`t`/`T` with a real SSH server (tests/shell).
"""

from __future__ import annotations

from journey_steps import SIZES, on_containers, on_deployment, started
from terminal import Terminal

#: Deployments the mutating journeys act on, one per size.
SCALED = {80: "sd-webui", 120: "llm-serve"}
DELETED = {80: "old-api", 120: "nightly-batch"}


def row_of(term: Terminal, name: str) -> str:
    """The deployments pane's row of `name` (its left edge; empty when none shows it)."""
    return next((line for line in term.lines() if line.startswith(f"│ {name} ")), "")


@SIZES
def test_panes_zoom_refresh_help_palette_and_quit(
    terminal, sim_url: str, cols: int, rows: int
) -> None:
    term = started(terminal, sim_url, cols, rows)
    term.press("3")
    term.wait_for("3 Events")
    term.press("4")
    term.wait_for("Region")
    term.press("1")
    term.wait_for("s Scale")
    term.press("tab")  # the next pane: containers
    term.wait_for("c Copy SSH")
    term.press("shift+tab")
    term.wait_for("s Scale")
    term.press("2")
    term.wait_for("c Copy SSH")
    term.press("z")
    term.wait(lambda: "1 Deployments ─" not in term.text(), "the containers pane alone")
    term.press("z")
    term.press("1")
    term.wait_for("s Scale")
    term.press("r")
    term.wait_for("Refreshing")
    term.press("?")
    term.wait_for("Keys")
    term.wait_for("Global")
    term.press("escape")
    term.wait_gone("Global")
    term.press("ctrl+p")
    term.wait_for("Search for commands")
    term.press("escape")
    term.wait_gone("Search for commands")
    term.press("q")
    assert term.wait_exit() == 0


@SIZES
def test_scale_stop_and_delete_a_deployment(terminal, sim_url: str, cols: int, rows: int) -> None:
    term = started(terminal, sim_url, cols, rows)
    name = SCALED[cols]
    on_deployment(term, name)
    term.press("s")
    term.wait_for(f"Scale {name}")
    term.wait_for("replicas: ")
    term.type("2")  # the current count is selected: typing replaces it
    term.wait_for("→ 2")
    term.press("enter")
    term.wait_for("Scaled")
    term.wait(lambda: "/2 " in row_of(term, name), f"{name}'s replicas at 2")
    term.press("x")
    term.wait_for(f"Stop {name}?")
    term.press("y")
    term.wait(lambda: "stopped" in row_of(term, name), f"{name} stopped")
    # Deleting the selected deployment: the cursor moves on and polling stays live.
    gone = DELETED[cols]
    on_deployment(term, gone)
    term.press("ctrl+d")
    term.wait_for(f"Delete {gone}")
    term.type(gone[:-1])
    term.wait_for(f"▊  {gone[:-1]} ")  # as a person would: look, then press Enter
    term.press("enter")
    term.wait_for("exact name")
    assert row_of(term, gone) or cols == 80  # nothing deleted on a wrong name
    term.type(gone[-1])
    term.wait_for(f"▊  {gone} ")
    term.press("enter")
    term.wait(lambda: not row_of(term, gone), f"{gone} gone from the list")
    term.press("r")
    term.wait_for("● live")
    assert "offline" not in term.text() and "retrying" not in term.text()
    assert term.alive()


@SIZES
def test_container_detail_copies_stop_blacklist_and_fleet_view(
    terminal, sim_url: str, cols: int, rows: int
) -> None:
    term = started(terminal, sim_url, cols, rows)
    on_deployment(term, "l20-infer")
    on_containers(term)
    term.press("enter")
    term.wait_for("UUID")
    term.press("end")  # at 80x24 the fields scroll; the password row is near the end
    term.wait_for("(v to reveal)")
    term.press("q")
    term.wait_gone("(v to reveal)")
    for key, shape in (("c", "ssh -p "), ("u", "https://")):
        before = len(term.clipboard())
        term.press(key)
        term.wait(lambda n=before: len(term.clipboard()) > n, f"{key} to copy")
        assert term.clipboard()[-1].startswith(shape), term.clipboard()[-1]
    before = len(term.clipboard())
    term.press("p")
    term.wait(lambda: len(term.clipboard()) > before, "p to copy the password")
    password = term.clipboard()[-1]
    assert password and password not in term.text()  # copied, never shown
    term.press("x")
    term.wait_for("Stop container")
    term.press("escape")
    term.wait_gone("Stop container")
    term.press("b")
    term.wait_for("Blacklist host")
    term.press("escape")
    term.wait_gone("Blacklist host")
    term.press("o")  # sort by the next column, then reverse it
    term.wait(lambda: "▲" in term.text() or "▼" in term.text(), "a sort arrow")
    term.press("O")
    term.press("a")
    term.wait_for("all deployments")
    term.press("a")
    term.wait_for("Containers: l20-infer")
    assert term.alive()


@SIZES
def test_views_and_the_form(terminal, sim_url: str, cols: int, rows: int) -> None:
    term = started(terminal, sim_url, cols, rows)
    on_deployment(term, "v100-train")
    term.press("d")
    term.wait_for("Deployment v100-train")
    term.press("escape")
    term.wait_gone("Deployment v100-train")
    term.press("B")
    term.wait_for("Blacklisted hosts")
    term.press("escape")
    term.wait_gone("Blacklisted hosts")
    term.press("A")  # nothing has fired on a fresh demo: the view says how alerts work
    term.wait_for("No alert yet")
    term.press("escape")
    term.wait_gone("No alert yet")
    term.press("H")
    term.wait_for("No slow or failing host")
    term.press("escape")
    term.wait_gone("No slow or failing host")
    term.press("C")  # the clone: a filled form asks before it is discarded
    term.wait_for("New deployment")
    term.wait_for("v100-train-copy")
    term.press("ctrl+s")
    term.wait_for("Saved in")  # the save dialog says where the file goes
    term.press("escape")
    term.wait_gone("Saved in")
    term.press("ctrl+r")  # pre-flight: the exact body and the matching stock
    term.wait_for("Pre-flight: v100-train-copy")
    term.press("escape")
    term.wait_gone("Pre-flight: v100-train-copy")
    term.press("escape")
    term.wait_for("Discard this form?")
    term.press("y")
    term.wait_gone("New deployment")
    term.press("n")
    term.wait_for("New deployment")
    term.press("escape")
    term.wait_gone("New deployment")
    assert term.alive()
