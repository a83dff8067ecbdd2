"""Pilot tests of the fleet-wide containers view (`a`) and of polls that change nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from app_helpers import container_status, until
from textual.widget import Widget

from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.panes import ContainersTable, DeploymentsTable
from autodl_tui.ui.rows import ContainerRows
from autodl_tui.ui.widgets.event_log import EventLog
from autodl_tui.ui.widgets.heatmap import StockHeatmap
from autodl_tui.ui.widgets.vtable import VirtualTable

SIZE = (160, 44)


@pytest.fixture
def make_app(make_app: Callable[..., AutoDLApp]) -> Callable[..., AutoDLApp]:
    """The app builds its client after its first paint, as `autodl-tui` does."""
    return partial(make_app, after_first_paint=True)


async def fleet_view(pilot: Any, app: AutoDLApp) -> tuple[MainScreen, ContainersTable]:
    """Wait for data, focus the containers pane and switch it to every deployment."""
    screen = app.main_screen
    deployments = screen.query_one("#deployments", DeploymentsTable)
    await until(pilot, lambda: deployments.total_count > 0 and bool(screen.containers))
    await pilot.press("2", "a")
    table = screen.query_one("#containers", ContainersTable)
    await until(pilot, lambda: len({c.deployment_uuid for c in screen.containers.values()}) > 2)
    return screen, table


async def put_cursor_on(pilot: Any, table: ContainersTable, wanted: Callable[[str], bool]) -> str:
    """Move the cursor down by keys until the row's key satisfies `wanted`."""
    await pilot.press("home")
    for _ in range(table.row_count):
        key = table.cursor_key
        if key is not None and wanted(key):
            return key
        await pilot.press("down")
    raise AssertionError("no such row")


async def test_a_toggles_every_deployment_and_back(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await fleet_view(pilot, app)
        selected = screen.poller.selected
        everyone = {d["uuid"] for d in sim.list_deployments(1, 100)["list"]}
        await until(
            pilot,
            lambda: (
                {c.deployment_uuid for c in screen.containers.values()} <= everyone
                and table.total_count == len(screen.containers)
            ),
        )
        title = str(screen.query_one("#pane-containers").border_title)
        assert "all deployments" in title
        assert "deployment" in [column.key for column in table.columns]
        key = table.cursor_key
        assert key is not None
        name = screen.deployments[screen.containers[key].deployment_uuid].name
        row = table.get_row(key)
        assert row is not None and row.cells[1] == name

        await pilot.press("a")
        await until(
            pilot,
            lambda: (
                bool(screen.containers)
                and {c.deployment_uuid for c in screen.containers.values()} == {selected}
            ),
        )
        assert "deployment" not in [column.key for column in table.columns]
        assert "all deployments" not in str(screen.query_one("#pane-containers").border_title)


async def test_stop_a_container_of_another_deployment(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await fleet_view(pilot, app)
        selected = screen.poller.selected

        def other_running(key: str) -> bool:
            c = screen.containers[key]
            return c.deployment_uuid != selected and c.status == "running"

        uuid = await put_cursor_on(pilot, table, other_running)
        deployment_uuid = screen.containers[uuid].deployment_uuid
        await pilot.press("x")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("enter")
        await until(pilot, lambda: container_status(sim, deployment_uuid, uuid) == "shutting_down")


async def test_blacklist_copy_and_detail_in_fleet_view(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await fleet_view(pilot, app)
        selected = screen.poller.selected

        def other_with_host(key: str) -> bool:
            c = screen.containers[key]
            return c.deployment_uuid != selected and bool(c.machine_id and c.info.ssh_command)

        uuid = await put_cursor_on(pilot, table, other_with_host)
        container = screen.containers[uuid]
        await pilot.press("c")
        await until(pilot, lambda: app.clipboard == container.info.ssh_command)
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("b")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("enter")
        await until(
            pilot, lambda: container.machine_id in {e["machine_id"] for e in sim.list_blacklist()}
        )


async def test_cursor_stays_on_its_container_when_the_fleet_changes(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await fleet_view(pilot, app)
        table.sort_by("status")
        uuid = await put_cursor_on(
            pilot, table, lambda key: screen.containers[key].status == "running"
        )
        before = dict(screen.containers)
        sim.clock.advance(3 * 3600)  # jobs finish, churning services restart elsewhere
        sim.sync()
        await screen.poller.poll_fleet()
        await until(pilot, lambda: screen.containers != before)
        assert table.cursor_key == uuid


async def test_rows_updated_from_what_a_poll_changed_equal_the_rows_made_afresh(
    make_app, sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pane converts only the containers a poll changed (the store's delta); after
    # polls of a churning fleet its rows must be what converting the whole list gives.
    updated: list[int] = []
    update_rows = VirtualTable.update_rows

    def counted(self: VirtualTable, rows: Any) -> int:
        rows = list(rows)
        updated.append(len(rows))
        return update_rows(self, rows)

    monkeypatch.setattr(VirtualTable, "update_rows", counted)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await fleet_view(pilot, app)
        store = screen.fleet.store
        for _ in range(12):
            sim.clock.advance(20)
            sim.sync()
            await screen.poller.poll_fast()
            await screen.poller.poll_fleet()
            await pilot.pause()
            names = {uuid: d.name for uuid, d in store.deployments.items()}
            hosts = screen.fleet_watch.host_marks()
            afresh = ContainerRows().rows(
                tuple(store.containers.values()), names, waiting=store.waiting, hosts=hosts
            )
            assert [table.get_row(row.key) for row in afresh] == afresh
            assert table.total_count == len(afresh)
        assert any(updated)  # some polls took the delta path: the comparison saw it


async def test_a_poll_that_changes_nothing_touches_no_widget(
    make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, _table = await fleet_view(pilot, app)
        await until(pilot, lambda: screen.query_one("#stock", StockHeatmap).loaded)
        poller = screen.poller
        # One more round of every poll, so what follows repeats an answer already shown.
        await poller.poll_fast()
        await poller.poll_fleet()
        await poller.poll_stock()
        await pilot.pause()

        calls: Counter[str] = Counter()

        def counting(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
            def wrapper(self: Widget, *args: Any, **kwargs: Any) -> Any:
                calls[f"{type(self).__name__}.{name}"] += 1
                return original(self, *args, **kwargs)

            return wrapper

        for cls, name in (
            (Widget, "refresh"),
            (VirtualTable, "set_rows"),
            (VirtualTable, "update_rows"),
            (VirtualTable, "set_columns"),
            (EventLog, "append"),
            (EventLog, "clear"),
            (StockHeatmap, "update_stock"),
        ):
            monkeypatch.setattr(cls, name, counting(name, getattr(cls, name)))
        polls = poller.polls
        await poller.poll_fast()
        await poller.poll_fleet()
        await poller.poll_stock()
        await pilot.pause()
        assert poller.polls == polls + 1
        assert calls == Counter()


async def test_the_first_fleet_load_reports_its_progress(
    make_app, sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autodl_tui.ui import poller as poller_module
    from autodl_tui.ui.messages import FleetProgress

    monkeypatch.setattr(poller_module, "FLEET_PROGRESS_STEP", 2)
    seen: list[FleetProgress] = []
    post = MainScreen.post_message

    def spy(self: Any, message: Any) -> Any:
        fact = getattr(message, "fact", message)  # the poller's facts travel as Polled
        if isinstance(fact, FleetProgress):
            seen.append(fact)
        return post(self, message)

    monkeypatch.setattr(MainScreen, "post_message", spy)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await fleet_view(pilot, app)
        total = len(sim.list_deployments(1, 100)["list"])
        assert [p.done for p in seen] == list(range(2, total + 1, 2))
        assert all(p.total == total for p in seen)
        # Later polls have rows on screen to look at: they report nothing.
        count = len(seen)
        screen.poller.refresh_now()
        await pilot.pause(0.5)
        assert len(seen) == count
        # While the pane is empty, its text says how far the load got.
        table.set_rows(())
        screen.fleet.apply(FleetProgress(4, total))
        assert f"4 of {total} read" in table.empty_text
