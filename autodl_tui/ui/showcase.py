"""The demo fleet frozen at one instant: what screenshots and snapshot tests show.

Fixed seed, a virtual clock that does not run, `now` pinned to the same instant and no
blinking cursors, so the same keys always give the same picture.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual.widgets import Input

from autodl_tui.api import AutoDLClient
from autodl_tui.config import Settings
from autodl_tui.sim.clock import FIXED_START, VirtualClock
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.panes import DeploymentsTable

if TYPE_CHECKING:
    from collections.abc import Iterable

    from textual.pilot import Pilot

    from autodl_tui.sim.engine import Simulator

#: The token the showcase client sends: snapshot and screenshot scans look for it.
SHOWCASE_TOKEN = "showcase-token-do-not-show"


def showcase_simulator(incidents: Iterable[str] = ()) -> Simulator:
    """The demo fleet, seed 0, clock stopped at FIXED_START (with `incidents`, if named)."""
    return build_simulator(
        "demo", seed=0, clock=VirtualClock(), token=SHOWCASE_TOKEN, incidents=incidents
    )


def showcase_app(sim: Simulator | None = None, **settings: Any) -> AutoDLApp:
    """The app on the frozen demo fleet, polling once at start and then only when asked."""
    sim = sim or showcase_simulator()
    client = AutoDLClient(SHOWCASE_TOKEN, base_url="http://sim", transport=sim_transport(sim))
    options = replace(Settings(refresh=3600, stock_refresh=3600), **settings)
    return AutoDLApp(
        options,
        client,
        api_label="simulator (demo)",
        now=lambda: FIXED_START,
    )


async def settle(pilot: Pilot[object], app: AutoDLApp) -> None:
    """Wait until the deployments and the selected deployment's containers are on screen."""
    screen = app.main_screen
    # The main screen is the app's first (get_default_screen): a pilot may start before
    # its panes are mounted.
    for _ in range(250):
        if screen.query("#deployments"):
            break
        await pilot.pause(0.02)
    table = screen.query_one("#deployments", DeploymentsTable)
    for _ in range(250):
        if table.total_count and screen.containers and screen.poller.polls:
            break
        await pilot.pause(0.02)
    await pilot.pause(0.2)


async def select_deployment(pilot: Pilot[object], app: AutoDLApp, name: str) -> None:
    """Put the deployments cursor on `name` with the arrow keys, as a user would."""
    screen = app.main_screen
    table = screen.query_one("#deployments", DeploymentsTable)
    await pilot.press("1", "home")
    for _ in range(table.total_count):
        key = table.cursor_key
        if key is not None and screen.deployments[key].name == name:
            break
        await pilot.press("down")
    for _ in range(250):
        if screen.poller.selected == table.cursor_key and screen.containers:
            break
        await pilot.pause(0.02)
    await pilot.pause(0.2)


async def press_and_still(pilot: Pilot[object], app: AutoDLApp, keys: Iterable[str]) -> None:
    """Press `keys` one by one, then stop every text cursor blinking."""
    for key in keys:
        await pilot.press(key)
        await pilot.pause(0.1)
    await pilot.pause(0.2)
    for box in app.screen.query(Input):
        box.cursor_blink = False
    await pilot.pause()
