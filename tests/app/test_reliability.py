"""Faults, expired tokens, unverified accounts, API errors and bugs: the app keeps going.

Everything runs on the in-process transport with seeded faults and a paused virtual clock,
so each test is deterministic; polls happen only when `r` is pressed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_helpers import (
    SIZE,
    Recorder,
    build_app,
    expected_event_lines,
    notifications,
    select,
    shown_event_lines,
    until,
)

from autodl_tui.logs import setup_logging, stop_logging
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.faults import FaultConfig
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui.banner import Banner
from autodl_tui.ui.failures import LastErrorScreen
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.panes import ContainersTable, DeploymentsTable
from autodl_tui.ui.status_bar import StatusBar
from autodl_tui.ui.token_screen import TokenScreen
from autodl_tui.ui.widgets.heatmap import StockHeatmap


@pytest.fixture
def faults() -> FaultConfig:
    return FaultConfig(seed=7)


@pytest.fixture
def recorder(sim: Simulator, faults: FaultConfig) -> Recorder:
    return Recorder(sim_transport(sim, faults))


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, config_path: Path, no_clipboard: None) -> Iterator[Path]:
    """Config and log in a temp dir; no real clipboard."""
    setup_logging(tmp_path / "state")
    yield tmp_path / "state" / "autodl-tui.log"
    stop_logging()


def status_text(screen: MainScreen) -> str:
    return str(screen.query_one(StatusBar).content)


def subtitle(screen: MainScreen, pane: str) -> str:
    return str(screen.query_one(f"#pane-{pane}").border_subtitle)


async def test_faults_mark_data_stale_keep_it_and_recover_in_one_refresh(
    sim: Simulator, recorder: Recorder, faults: FaultConfig, clock: VirtualClock
) -> None:
    app = build_app(recorder, clock.now)
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "llm-serve")
        deployments = screen.query_one("#deployments", DeploymentsTable)
        containers = screen.query_one("#containers", ContainersTable)
        rows, container_rows = deployments.total_count, containers.total_count

        faults.fault_rate = 1.0
        await pilot.press("r")
        await until(pilot, lambda: screen.poller.state == "retrying")
        clock.advance(12)
        for _ in range(2):
            await pilot.press("r")
            await pilot.pause(0.1)
        await until(pilot, lambda: screen.poller.state == "offline")
        await until(pilot, lambda: "stale 12s" in subtitle(screen, "deployments"))
        assert "stale 12s" in subtitle(screen, "containers")
        assert screen.query_one("#stock", StockHeatmap).stale
        # The data stays, marked stale; the status line says when it was last fetched.
        assert (deployments.total_count, containers.total_count) == (rows, container_rows)
        assert "offline" in status_text(screen) and "last ok 10:00:00" in status_text(screen)
        # Keys still answer.
        await pilot.press("2")
        assert containers.has_focus
        await pilot.press("1")
        assert deployments.has_focus

        faults.fault_rate = 0.0
        await pilot.press("r")
        await until(pilot, lambda: screen.poller.state == "live")
        assert "stale" not in subtitle(screen, "deployments")
        assert "stale" not in subtitle(screen, "containers")
        assert not screen.query_one("#stock", StockHeatmap).stale
        assert "last ok" not in status_text(screen)
        assert isinstance(app.screen, MainScreen) and app.return_code is None


async def test_no_event_lost_or_repeated_under_faults(
    sim: Simulator, recorder: Recorder, faults: FaultConfig, clock: VirtualClock
) -> None:
    app = build_app(recorder, clock.now)
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "llm-serve")
        uuid = screen.poller.selected
        assert uuid is not None
        faults.fault_rate = 0.5
        replicas = sim.list_deployments(1, 10, name="llm-serve")["list"][0]["replica_num"]
        for step in range(12):
            # New events: scale up and down, let the lifecycle run, poll through faults.
            sim.set_replica_num(uuid, replicas + (step % 3))
            clock.advance(7)
            polls = screen.poller.polls
            await pilot.press("r")
            await until(pilot, lambda p=polls: screen.poller.polls > p)  # type: ignore[misc]
            await pilot.pause(0.05)
            shown, stored = shown_event_lines(screen), expected_event_lines(sim, uuid)
            assert not shown - stored, "a line the simulator never stored, or one shown twice"
        faults.fault_rate = 0.0
        await pilot.press("r")
        await until(pilot, lambda: shown_event_lines(screen) == expected_event_lines(sim, uuid))
        assert sum(shown_event_lines(screen).values()) > 10


async def test_expired_token_asks_for_a_new_one_and_keeps_the_users_place(
    sim: Simulator, recorder: Recorder, clock: VirtualClock
) -> None:
    app = build_app(recorder, clock.now, with_token_screen=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await select(pilot, app, "v100-train")
        await pilot.press("2", "down")
        table = screen.query_one("#containers", ContainersTable)
        place = (screen.poller.selected, table.cursor_key, screen.current_pane)
        old_client = app.client

        sim.token = "renewed-token"
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, TokenScreen))
        assert screen in app.screen_stack
        banner = screen.query_one(Banner)
        assert banner.kind == "auth" and banner.has_class("visible")
        assert "Token rejected" in notifications(app)
        assert screen.poller.state == "unauthorized" and "token rejected" in status_text(screen)

        await pilot.press(*"renewed-token", "enter")
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, lambda: screen.poller.state == "live")
        assert app.client is not old_client and screen.poller.client is app.client
        assert not banner.has_class("visible")
        assert (screen.poller.selected, table.cursor_key, screen.current_pane) == place
        assert "renewed-token" not in app.export_screenshot()


async def test_unverified_account_explains_and_stock_still_works(clock: VirtualClock) -> None:
    sim = build_simulator("demo", seed=0, clock=clock, enterprise_verified=False)
    recorder = Recorder(sim_transport(sim))
    app = build_app(recorder, clock.now, refresh=0.5)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.main_screen
        banner = screen.query_one(Banner)
        stock = screen.query_one("#stock", StockHeatmap)
        await until(pilot, lambda: banner.kind == "permission")
        await until(pilot, lambda: stock.loaded)
        assert "enterprise-verified" in str(banner.content)
        assert "无当前资源访问权限" in screen.query_one("#deployments", DeploymentsTable).empty_text
        assert "No access to elastic deployment" in notifications(app)
        assert screen.poller.state == "live" and not stock.stale
        # Polling every 0.5 s does not hammer a call the account may not make.
        await pilot.pause(1.5)
        lists = [r for r in recorder.requests if r[1] == "/api/v1/dev/deployment/list"]
        assert len(lists) == 1
        assert notifications(app).count("No access to elastic deployment") == 1


async def test_api_error_shows_msg_and_request_id_and_copies_them(
    sim: Simulator, recorder: Recorder, clock: VirtualClock
) -> None:
    app = build_app(recorder, clock.now)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await select(pilot, app, "sd-webui")
        uuid = screen.poller.selected
        assert uuid is not None
        sim.delete_deployment(uuid)  # deleted elsewhere, still on screen
        await pilot.press("x")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("y")
        await until(pilot, lambda: app.last_error is not None)
        record = app.last_error
        assert record is not None and record.code == "RecordNotFoundError"
        assert record.msg and len(record.request_id) == 32
        assert record.request_id in notifications(app)
        await pilot.press("E")
        await until(pilot, lambda: isinstance(app.screen, LastErrorScreen))
        await pilot.press("c")
        assert app.clipboard and record.request_id in app.clipboard
        assert record.msg in app.clipboard
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)


async def test_a_bug_in_an_action_is_notified_and_logged_not_fatal(
    recorder: Recorder, clock: VirtualClock, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(recorder, clock.now)

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("scale exploded")

    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await select(pilot, app, "llm-serve")
        assert app.client is not None
        monkeypatch.setattr(app.client, "set_replica_num", broken)
        await pilot.press("s")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("7", "enter")
        await until(pilot, lambda: "scale exploded" in notifications(app))
        assert "Unexpected error" in notifications(app)
        # Still running, keys still work.
        await pilot.press("2")
        assert app.main_screen.current_pane == "containers"
    assert app.return_code in (None, 0)
    text = isolated.read_text()
    assert "RuntimeError: scale exploded" in text and "Traceback" in text


async def test_a_bug_in_polling_is_reported_once_and_polling_goes_on(
    recorder: Recorder, clock: VirtualClock, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(recorder, clock.now)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await select(pilot, app, "llm-serve")
        assert app.client is not None
        real = app.client.list_all_deployments

        async def broken(*args: Any, **kwargs: Any) -> Any:
            raise KeyError("surprise")

        monkeypatch.setattr(app.client, "list_all_deployments", broken)
        for _ in range(3):
            await pilot.press("r")
            await pilot.pause(0.05)
        await until(pilot, lambda: "KeyError" in notifications(app))
        assert notifications(app).count("KeyError") == 1
        assert screen.poller.state in ("retrying", "offline")
        monkeypatch.setattr(app.client, "list_all_deployments", real)
        await pilot.press("r")
        await until(pilot, lambda: screen.poller.state == "live")
    assert "KeyError: 'surprise'" in isolated.read_text()


async def test_world_readable_config_warns_on_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autodl_tui import cli
    from autodl_tui.config import save_settings

    path = save_settings({"refresh": 5})
    path.chmod(0o644)
    seen: dict[str, Any] = {}

    def fake_run_app(settings: Any, **kwargs: Any) -> int:
        seen.update(kwargs)
        return 0

    monkeypatch.setattr("autodl_tui.ui.launch.run_app", fake_run_app)
    assert cli.main(["--demo"]) == 0
    assert any("chmod 600" in w for w in seen["warnings"])

    sim = build_simulator("empty", seed=0)
    app = build_app(Recorder(sim_transport(sim)), lambda: sim.clock.now())
    app._warnings = tuple(seen["warnings"])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause(0.1)
        assert "chmod 600" in notifications(app)
