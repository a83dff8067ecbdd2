"""Issue 12, main screen: keys that cannot act say why, k9s habits, errors, working states."""

from __future__ import annotations

from typing import Any

import httpx
from app_helpers import SIZE, build_app, loaded, notifications, opened, until
from textual.widgets import Input

from autodl_tui.sim.engine import Simulator
from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.create_form import CreateFormScreen
from autodl_tui.ui.failures import LastErrorScreen
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.panes import ContainersTable, DeploymentsTable
from autodl_tui.ui.widgets.heatmap import StockHeatmap


async def on_deployment(pilot: Any, app: AutoDLApp, name: str) -> MainScreen:
    """The deployments cursor on `name`, moved there by keys."""
    screen = await loaded(pilot, app)
    table = screen.query_one("#deployments", DeploymentsTable)
    target = next(uuid for uuid, d in screen.deployments.items() if d.name == name)
    await pilot.press("1", "home")
    for _ in range(table.total_count):
        if table.cursor_key == target:
            break
        await pilot.press("down")
    await until(pilot, lambda: screen.poller.selected == target)
    return screen


async def said(pilot: Any, app: AutoDLApp, *parts: str) -> None:
    """Wait for a notification holding every part."""
    await until(pilot, lambda: all(p in notifications(app) for p in parts))


async def test_s_on_a_job_and_on_a_stopped_replicaset_says_why(make_app, recorder) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await on_deployment(pilot, app, "finetune-sweep")
        await pilot.press("s")
        await said(pilot, app, "finetune-sweep is a Job", "only a ReplicaSet")
        assert isinstance(app.screen, MainScreen)  # no scale dialog
        await on_deployment(pilot, app, "old-api")
        await pilot.press("s")
        await said(pilot, app, "old-api is stopped", "would not start it")
        await pilot.press("x")
        await said(pilot, app, "old-api is already stopped")
        assert isinstance(app.screen, MainScreen)
    assert recorder.mutations() == []


async def test_keys_on_a_container_still_waiting_for_a_host_say_so(make_app, recorder) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_deployment(pilot, app, "h800-pretrain")
        await until(pilot, lambda: bool(screen.containers))
        await pilot.press("2")
        for key in ("c", "p", "u"):
            app._notifications.clear()
            await pilot.press(key)
            await said(pilot, app, "still waiting for a host", "no SSH, password or URL yet")
        await pilot.press("b")
        await said(pilot, app, "no host to blacklist yet")
        assert isinstance(app.screen, MainScreen)
    assert recorder.mutations() == []


async def test_read_only_keys_say_read_only(make_app, recorder) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await on_deployment(pilot, app, "llm-serve")
        for key in ("s", "x", "n"):
            app._notifications.clear()
            await pilot.press(key)
            await said(pilot, app, "Read-only mode")
        assert isinstance(app.screen, MainScreen)
    assert recorder.mutations() == []


async def test_enter_on_a_stock_cell_opens_a_form_for_that_gpu_and_region(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot, app)
        heatmap = screen.query_one("#stock", StockHeatmap)
        await until(pilot, lambda: heatmap.cursor is not None)
        await pilot.press("4")
        region, gpu = heatmap.cursor or ("", "")
        form = await opened(pilot, app, "enter", CreateFormScreen)
        await pilot.pause()
        values = form.form_values()
        assert values["dc_list"] == [region]
        assert values["gpu_name_set"] == [gpu]


async def test_enter_drills_into_containers_and_escape_comes_back(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_deployment(pilot, app, "llm-serve")
        await until(pilot, lambda: bool(screen.containers))
        await pilot.press("enter")
        containers = screen.query_one("#containers", ContainersTable)
        await until(pilot, lambda: screen.focused is containers)
        await pilot.press("escape")
        await until(pilot, lambda: screen.focused is screen.query_one("#deployments"))
        assert screen.poller.selected is not None  # the selection is kept


async def test_the_filter_shows_in_the_title_and_escape_in_the_table_clears_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot, app)
        table = screen.query_one("#deployments", DeploymentsTable)
        pane = screen.query_one("#pane-deployments")
        await pilot.press("slash", "l", "l", "m", "enter")
        await until(pilot, lambda: screen.focused is table and table.filter_text == "llm")
        assert "/llm" in str(pane.border_title)
        assert str(pane.border_subtitle).startswith(f"{table.matched_count} of ")
        await pilot.press("escape")
        await until(pilot, lambda: table.filter_text == "")
        assert "/llm" not in str(pane.border_title)
        assert screen.query_one("#filter", Input).value == ""
        assert table.matched_count == table.total_count


class Unplugged(httpx.AsyncBaseTransport):
    """Every request fails to connect, as when the API host is unreachable."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)


async def test_e_shows_a_connection_failure(config_path, no_clipboard) -> None:
    app = build_app(Unplugged())
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await until(pilot, lambda: screen.poller.state in ("retrying", "offline"))
        dialog = await opened(pilot, app, "E", LastErrorScreen)
        assert dialog.record is not None
        assert "Polling" in dialog.record.copy_text()
        assert "No error so far" not in " ".join(str(s.render()) for s in dialog.query("Static"))


async def test_a_mutation_says_it_is_working_before_its_answer(make_app, sim: Simulator) -> None:
    from autodl_tui.ui.dialogs import ScaleDialog

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await on_deployment(pilot, app, "l20-infer")
        await opened(pilot, app, "s", ScaleDialog)
        await pilot.press("4", "enter")
        await said(pilot, app, "Scaling l20-infer to 4 replicas…")
        await said(pilot, app, "replicas 3 → 4")
        working = notifications(app).index("Scaling l20-infer")
        assert working < notifications(app).index("replicas 3 → 4")
