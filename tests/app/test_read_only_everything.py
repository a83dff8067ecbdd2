"""Read-only mode: no key, palette command or dialog can send a mutating request.

Every key bound anywhere on the main screen (per pane, as focused) is pressed; whatever opens
is confirmed (y, Enter) before it is closed; every palette command runs; every row action is
called directly. The simulator must receive polls and nothing that changes the account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app_helpers import SIZE, Recorder, select, until
from textual.binding import Binding

from autodl_tui.sim.clock import VirtualClock
from autodl_tui.ui.actions import ACTIONS
from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.panes import PANES, ContainersTable, DeploymentsTable
from autodl_tui.ui.widgets.event_log import EventLog
from autodl_tui.ui.widgets.heatmap import StockHeatmap
from autodl_tui.ui.widgets.vtable import VirtualTable

#: Keys that end the session (nothing left to test after them).
ENDING_KEYS = {"q", "ctrl+q", "ctrl+c", "ctrl+z"}
#: Palette commands that end the session or write files into the working directory.
SKIPPED_COMMANDS = {"Quit", "Save screenshot", "Screenshot"}


def declared_keys() -> set[str]:
    """Every key bound by the app, the screen and the panes, hidden ones included."""
    keys: set[str] = set()
    for cls in (
        AutoDLApp,
        MainScreen,
        DeploymentsTable,
        ContainersTable,
        VirtualTable,
        EventLog,
        StockHeatmap,
    ):
        for binding in cls.BINDINGS:
            key = binding.key if isinstance(binding, Binding) else binding[0]
            keys.update(k.strip() for k in key.split(","))
    return keys


async def back_to_main(pilot: Any, app: AutoDLApp) -> None:
    """Try to confirm whatever opened, then close it, until the main screen is on top."""
    for _ in range(6):
        if isinstance(app.screen, MainScreen):
            return
        await pilot.press("y")
        await pilot.pause(0.02)
        if not isinstance(app.screen, MainScreen):
            await pilot.press("enter")
            await pilot.pause(0.02)
        if not isinstance(app.screen, MainScreen):
            await pilot.press("escape")
            await pilot.pause(0.02)
    assert isinstance(app.screen, MainScreen), app.screen


async def test_read_only_no_key_or_command_sends_a_mutation(
    make_app: Callable[..., AutoDLApp], recorder: Recorder, clock: VirtualClock
) -> None:
    app = make_app(now=clock.now, read_only=True)
    pressed: set[str] = set()
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "l20-infer")
        for number, pane in enumerate((spec.key for spec in PANES), start=1):
            await pilot.press(str(number))
            await until(pilot, lambda p=pane: screen.current_pane == p)  # type: ignore[misc]
            # Read-only hides the mutating bindings, so press the declared keys as well.
            keys = sorted((set(app.screen.active_bindings) | declared_keys()) - ENDING_KEYS)
            for key in keys:
                await pilot.press(key)
                await pilot.pause(0.02)
                await back_to_main(pilot, app)
                if screen.current_pane != pane:
                    await pilot.press(str(number))
                pressed.add(key)
        for command in list(app.get_system_commands(screen)):
            if command.title in SKIPPED_COMMANDS:
                continue
            command.callback()
            await pilot.pause(0.05)
            await back_to_main(pilot, app)
        # The mutating actions themselves, bypassing bindings and palette.
        mutating = [a.name for a in ACTIONS.values() if a.mutates]
        assert {"scale_deployment", "stop_container", "new_deployment"} <= set(mutating)
        for name in mutating:
            screen.action_row(name)
            await pilot.pause(0.05)
            await back_to_main(pilot, app)
        assert app.return_code is None
    # The row keys of both tables were among those pressed.
    assert {"s", "x", "ctrl+d", "b", "c", "p", "u", "r", "E"} <= pressed, pressed
    assert any(path.endswith("/deployment/list") for _, path in recorder.requests)
    assert recorder.mutations() == []
