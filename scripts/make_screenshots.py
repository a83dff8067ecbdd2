"""Regenerate screenshots/*.svg from the demo fleet (fixed seed, frozen clock, fixed size)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from autodl_tui.shell.client import SshProblem, find_ssh
from autodl_tui.shell.target import parse_ssh_command
from autodl_tui.sim.ssh import start_in_background
from autodl_tui.ui.showcase import (
    press_and_still,
    select_deployment,
    settle,
    showcase_app,
    showcase_simulator,
)

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


async def shoot_tunnels() -> None:
    """The tunnels view (T) with two real tunnels: ssh to the simulator's SSH server."""
    try:
        client = find_ssh()
    except SshProblem as exc:
        print(f"skipped screenshots/tunnels.svg: {exc}")
        return
    sim = showcase_simulator()
    start_in_background(sim)
    with tempfile.TemporaryDirectory() as home:
        options = ["-F", "/dev/null", "-o", f"UserKnownHostsFile={home}/known_hosts"]
        options += ["-o", "StrictHostKeyChecking=accept-new", "-o", "PubkeyAuthentication=no"]
        app = showcase_app(sim, ssh_options=options)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot, app)
            await select_deployment(pilot, app, "llm-serve")
            running = [c for c in app.main_screen.containers.values() if c.status == "running"]
            for c, port in zip(running, (6006, 6008), strict=False):
                await asyncio.to_thread(
                    app.tunnels.open,
                    client,
                    parse_ssh_command(c.info.ssh_command),
                    c.info.root_password,
                    options,
                    container_uuid=c.uuid,
                    label="-".join(c.uuid.rsplit("-", 2)[-2:]),
                    remote_port=port,
                )
            await press_and_still(pilot, app, ("2", "T"))
            app.save_screenshot(filename="tunnels.svg", path=str(OUT))
            print("wrote screenshots/tunnels.svg")
        app.tunnels.close_all()


async def shoot_watch() -> None:
    """The alerts view (A) after a container stopped outside the app, and the slow hosts (H)."""
    sim = showcase_simulator(incidents=("slow-hosts",))
    app = showcase_app(sim)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await select_deployment(pilot, app, "llm-serve")
        running = [c for c in app.main_screen.containers.values() if c.status == "running"]
        sim.stop_container(running[0].uuid)  # someone else, in the console
        sim.clock.advance(5)
        await press_and_still(pilot, app, ("2", "a", "r"))
        await press_and_still(pilot, app, ("A",))
        app.save_screenshot(filename="alerts.svg", path=str(OUT))
        print("wrote screenshots/alerts.svg")
        await press_and_still(pilot, app, ("escape", "H"))
        app.save_screenshot(filename="slow-hosts.svg", path=str(OUT))
        print("wrote screenshots/slow-hosts.svg")


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
    await shoot("why-waiting", (140, 40), ("2", "enter"), deployment="h800-pretrain")
    await shoot_watch()
    await shoot_tunnels()


if __name__ == "__main__":
    asyncio.run(main())
