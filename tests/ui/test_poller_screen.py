"""On screen: a deleted selection moves to a neighbour and polling stays live; a copy takes
the credentials of the container under the cursor even from a server ignoring the filter."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from app_helpers import SIZE, Recorder, build_app, select
from waiting import until

from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.panes import ContainersTable, DeploymentsTable
from autodl_tui.ui.status_bar import StatusBar


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Config in a temp dir; copies land in `app.clipboard` only."""
    monkeypatch.setenv("AUTODL_TUI_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setattr("autodl_tui.ui.clipboard.pyperclip.copy", lambda text: None)


@pytest.fixture
def sim() -> Simulator:
    return build_simulator("demo", seed=0, clock=VirtualClock())


def listed(sim: Simulator) -> list[str]:
    return [d["uuid"] for d in sim.list_deployments(1, 100)["list"]]


@pytest.mark.parametrize("where", ["here", "elsewhere"])
async def test_deleting_the_selected_deployment_moves_the_selection(
    sim: Simulator, where: str
) -> None:
    app = build_app(Recorder(sim_transport(sim)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "eval-once")
        table = screen.query_one("#deployments", DeploymentsTable)
        gone = table.cursor_key
        assert gone is not None
        if where == "here":
            await pilot.press("ctrl+d")
            await until(pilot, lambda: not isinstance(app.screen, MainScreen))
            await pilot.press(*"eval-once", "enter")
        else:
            sim.delete_deployment(gone)
            await pilot.press("r")
        await until(pilot, lambda: gone not in screen.deployments)
        await until(pilot, lambda: screen.poller.selected not in (None, gone))
        assert table.cursor_key == screen.poller.selected
        await until(pilot, lambda: bool(screen.containers))
        assert {c.deployment_uuid for c in screen.containers.values()} == {table.cursor_key}
        assert screen.poller.state == "live"
        assert screen.query_one(StatusBar).state == "live"
        # r still polls: the next list is fetched and the state stays live.
        polls = screen.poller.polls
        await pilot.press("r")
        await until(pilot, lambda: screen.poller.polls > polls)
        assert screen.poller.state == "live" and gone not in listed(sim)


class IgnoresFilter(Recorder):
    """Drops `container_uuid` from container/list bodies: every container comes back."""

    async def forward(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/deployment/container/list"):
            body = json.loads(request.content)
            body.pop("container_uuid", None)
            headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
            request = httpx.Request(request.method, request.url, json=body, headers=headers)
        return await self.inner.handle_async_request(request)


async def test_copy_takes_the_selected_containers_password(sim: Simulator) -> None:
    app = build_app(IgnoresFilter(sim_transport(sim)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "l20-infer")
        await pilot.press("2")
        table = screen.query_one("#containers", ContainersTable)
        assert table.total_count >= 2
        await pilot.press("end")  # not the first container of the answer
        uuid = table.cursor_key
        assert uuid is not None and uuid != next(iter(screen.containers))
        wanted = screen.containers[uuid].info.root_password
        others = {c.info.root_password for k, c in screen.containers.items() if k != uuid}
        assert wanted and wanted not in others
        await pilot.press("p")
        await until(pilot, lambda: app.clipboard in {wanted, *others})
        assert app.clipboard == wanted
