"""Regenerate screenshots/*.svg from the demo fleet (fixed seed, frozen clock, fixed size)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from autodl_tui.ui.showcase import press_and_still, select_deployment, settle, showcase_app

OUT = Path(__file__).resolve().parent.parent / "screenshots"


async def shoot(
    name: str, size: tuple[int, int], keys: tuple[str, ...] = (), deployment: str = ""
) -> None:
    """Select `deployment`, press `keys` and save one SVG."""
    app = showcase_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        if deployment:
            await select_deployment(pilot, app, deployment)
        await press_and_still(pilot, app, keys)
        app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
        print(f"wrote screenshots/{name}.svg")


async def main() -> None:
    """Every screenshot the README shows."""
    OUT.mkdir(exist_ok=True)
    await shoot("main", (140, 40), ("2",), deployment="llm-serve")
    await shoot("scale-dialog", (140, 40), ("s",), deployment="llm-serve")
    await shoot("container-detail", (140, 40), ("2", "enter"), deployment="llm-serve")
    await shoot("narrow-80x24", (80, 24))
    await shoot("fleet-containers", (140, 40), ("2", "a"), deployment="llm-serve")
    await shoot("deployment-detail", (140, 40), ("d",), deployment="llm-serve")
    await shoot("new-deployment-preflight", (140, 40), ("C", "ctrl+r"), deployment="llm-serve")
    await shoot("blacklist", (140, 40), ("B",))


if __name__ == "__main__":
    asyncio.run(main())
