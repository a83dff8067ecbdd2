"""Regenerate screenshots/*.svg from the demo fleet (fixed seed, frozen clock, fixed size)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from autodl_tui.api import AutoDLClient
from autodl_tui.config import Settings
from autodl_tui.sim.clock import FIXED_START, VirtualClock
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.panes import DeploymentsTable

OUT = Path(__file__).resolve().parent.parent / "screenshots"


def make_app() -> AutoDLApp:
    """The app on the demo fleet, polling only when asked, at a fixed instant."""
    sim = build_simulator("demo", seed=0, clock=VirtualClock())
    client = AutoDLClient("screenshot-token", base_url="http://sim", transport=sim_transport(sim))
    settings = Settings(refresh=3600, stock_refresh=3600)
    return AutoDLApp(settings, client, api_label="simulator (demo)", now=lambda: FIXED_START)


async def settle(pilot: object, app: AutoDLApp) -> MainScreen:
    """Wait until the panes hold data."""
    screen = app.main_screen
    table = screen.query_one("#deployments", DeploymentsTable)
    for _ in range(200):
        if table.total_count and screen.containers:
            break
        await pilot.pause(0.02)  # type: ignore[attr-defined]
    await pilot.pause(0.3)  # type: ignore[attr-defined]
    return screen


async def shoot(name: str, size: tuple[int, int], keys: tuple[str, ...] = ()) -> None:
    """Drive the demo with `keys` and save one SVG."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.2)
        await pilot.pause(0.3)
        app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
        print(f"wrote screenshots/{name}.svg")


async def main() -> None:
    """Every screenshot the README shows."""
    OUT.mkdir(exist_ok=True)
    await shoot("main", (140, 40), ("down",) * 8 + ("2",))
    await shoot("scale-dialog", (140, 40), ("down",) * 8 + ("s",))
    await shoot("container-detail", (140, 40), ("down",) * 8 + ("2", "enter"))
    await shoot("narrow-80x24", (80, 24))


if __name__ == "__main__":
    asyncio.run(main())
