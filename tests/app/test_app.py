"""Pilot tests: press the real keys of the fleet screen and check what the simulator holds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from autodl_tui.api import AutoDLClient
from autodl_tui.config import Settings
from autodl_tui.sim.clock import FIXED_START, VirtualClock
from autodl_tui.sim.commands import ContainerQuery
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.panes import ContainersTable, DeploymentsTable

SIZE = (140, 40)
MUTATING = ("PUT", "DELETE")


class Recorder(httpx.AsyncBaseTransport):
    """Records every request the app sends, then forwards it to the simulator."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        return await self.inner.handle_async_request(request)

    def mutations(self) -> list[tuple[str, str]]:
        return [
            r
            for r in self.requests
            if r[0] in MUTATING
            or r == ("POST", "/api/v1/dev/deployment/blacklist")
            or r == ("POST", "/api/v1/dev/deployment")
        ]


@pytest.fixture
def sim() -> Simulator:
    return build_simulator("demo", seed=0, clock=VirtualClock())


@pytest.fixture
def recorder(sim: Simulator) -> Recorder:
    return Recorder(sim_transport(sim))


@pytest.fixture
def make_app(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., AutoDLApp]]:
    monkeypatch.setattr("autodl_tui.ui.clipboard.pyperclip.copy", lambda text: None)

    def make(**settings: Any) -> AutoDLApp:
        client = AutoDLClient("test-token", base_url="http://sim", transport=recorder)
        config = Settings(refresh=3600, stock_refresh=3600, **settings)
        return AutoDLApp(config, client, api_label="sim", now=lambda: FIXED_START)

    yield make


async def until(pilot: Any, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until `condition` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


def deployment(sim: Simulator, name: str) -> dict[str, Any]:
    return sim.list_deployments(1, 10, name=name)["list"][0]


def container_status(sim: Simulator, deployment_uuid: str, uuid: str | None) -> str:
    query = ContainerQuery(deployment_uuid, 1, 10, container_uuid=uuid or "")
    return str(sim.list_containers(query)["list"][0]["status"])


async def select(pilot: Any, app: AutoDLApp, name: str) -> MainScreen:
    """Wait for the deployments, then put the cursor on `name` by keys."""
    screen = app.main_screen
    table = screen.query_one("#deployments", DeploymentsTable)
    await until(pilot, lambda: table.total_count > 0)
    target = next(uuid for uuid, d in screen.deployments.items() if d.name == name)
    await pilot.press("home")
    for _ in range(table.total_count):
        if table.cursor_key == target:
            break
        await pilot.press("down")
    assert table.cursor_key == target
    await until(pilot, lambda: screen.poller.selected == target and bool(screen.containers))
    return screen


async def test_scale_dialog_sets_replica_num(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "llm-serve")
        await pilot.press("s")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("7", "enter")
        await until(pilot, lambda: deployment(sim, "llm-serve")["replica_num"] == 7)


async def test_stop_deployment_asks_first_and_escape_cancels(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "sd-webui")
        await pilot.press("x")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert deployment(sim, "sd-webui")["status"] == "running"
        await pilot.press("x")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("y")
        await until(pilot, lambda: deployment(sim, "sd-webui")["status"] == "stopped")


async def test_delete_needs_the_exact_name(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "eval-once")
        await pilot.press("ctrl+d")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press(*"eval-onc", "enter")
        await pilot.pause(0.1)
        assert sim.list_deployments(1, 10, name="eval-once")["list"]
        await pilot.press("e", "enter")
        await until(pilot, lambda: not sim.list_deployments(1, 10, name="eval-once")["list"])


async def test_copy_keys_put_credentials_on_the_clipboard(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await select(pilot, app, "l20-infer")
        await pilot.press("2")
        table = screen.query_one("#containers", ContainersTable)
        uuid = table.cursor_key
        assert uuid is not None
        container = screen.containers[uuid]
        await pilot.press("c")
        await until(pilot, lambda: app.clipboard == container.info.ssh_command)
        await pilot.press("p")
        await until(pilot, lambda: app.clipboard == container.info.root_password)
        messages = " ".join(str(n.message) for n in app._notifications)
        assert container.info.root_password not in messages
        await pilot.press("u")
        await until(pilot, lambda: app.clipboard == container.info.service_6006_port_url)


async def test_stop_container_lets_the_replicaset_replace_it(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "l20-infer")
        await pilot.press("2")
        uuid = screen.query_one("#containers", ContainersTable).cursor_key
        await pilot.press("x")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("enter")

        def replaced() -> bool:
            dep = deployment(sim, "l20-infer")
            stopped = container_status(sim, dep["uuid"], uuid)
            return (
                stopped == "shutting_down" and dep["replica_num"] == 3 and dep["starting_num"] == 1
            )

        await until(pilot, replaced)


async def test_blacklist_bans_the_container_host(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "v100-train")
        await pilot.press("2")
        uuid = screen.query_one("#containers", ContainersTable).cursor_key
        assert uuid is not None
        machine = screen.containers[uuid].machine_id
        await pilot.press("b")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("enter")
        await until(pilot, lambda: machine in {e["machine_id"] for e in sim.list_blacklist()})


async def test_read_only_sends_no_mutating_request_by_any_key(make_app, sim, recorder) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "llm-serve")
        for key in ("s", "x", "ctrl+d"):
            await pilot.press(key)
            await pilot.pause(0.05)
            assert isinstance(app.screen, MainScreen)
        await pilot.press("2")
        for key in ("x", "b"):
            await pilot.press(key)
            await pilot.pause(0.05)
            assert isinstance(app.screen, MainScreen)
        screen = app.main_screen
        screen.scale_deployment()
        screen.stop_container()
        await pilot.pause(0.1)
        assert isinstance(app.screen, MainScreen)
    assert recorder.mutations() == []


async def test_zoom_help_and_filter(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "llm-serve")
        await pilot.press("z")
        assert screen.has_class("single")
        await pilot.press("z")
        assert not screen.has_class("single")
        await pilot.press("question_mark")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("slash", *"finetune", "enter")
        table = screen.query_one("#deployments", DeploymentsTable)
        finetune = next(u for u, d in screen.deployments.items() if d.name == "finetune-sweep")
        await until(pilot, lambda: table.cursor_key == finetune and table.has_focus)
        assert table.matched_count == 1


async def test_small_terminal_shows_one_pane_at_a_time(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen
        await until(
            pilot, lambda: screen.query_one("#deployments", DeploymentsTable).total_count > 0
        )
        assert screen.has_class("single")
        await pilot.press("4")
        assert screen.current_pane == "stock"
        assert screen.query_one("#pane-stock").display
        assert not screen.query_one("#pane-deployments").display


def test_fixed_start_is_aware() -> None:
    assert isinstance(FIXED_START, datetime) and FIXED_START.tzinfo is not None
