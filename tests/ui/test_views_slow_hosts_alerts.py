"""Pilot tests for the slow hosts view (b bans with the evidence as comment) and the alerts view."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from textual.widgets import Input
from views_host import SIZE, Host, screen_text
from waiting import until

from autodl_tui.alerts.model import Alert
from autodl_tui.api.errors import AutoDLError
from autodl_tui.api.models import Container, ContainerEvent
from autodl_tui.catalog import BLACKLIST_DEFAULT_MINUTES, CST
from autodl_tui.timelines import SlowHost, TimelineBook, flag_hosts, host_stats
from autodl_tui.ui.alerts_screen import EMPTY_TEXT as NO_ALERTS, AlertsScreen
from autodl_tui.ui.dialogs import BlacklistDialog
from autodl_tui.ui.slow_hosts_screen import EMPTY_TEXT, SlowHostsScreen

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=CST)
STEPS = ("creating", "created", "starting", "running")


def book_with_a_slow_host() -> TimelineBook:
    book = TimelineBook()
    boots = [("a", 40), ("a", 42), ("b", 39), ("b", 41), ("slow1", 400), ("slow1", 380)]
    boots += [("slow1", 420)]
    for i, (machine, seconds) in enumerate(boots):
        uuid = f"dep-{machine}-{i:08x}"
        book.add_events(
            ContainerEvent(uuid, s, T0 + timedelta(seconds=i * 1000 + k * seconds / 3))
            for k, s in enumerate(STEPS)
        )
        book.add_containers([Container(uuid, machine_id=machine, data_center="westDC2")])
    return book


class FakeClient:
    """Records blacklist calls; can be told to fail."""

    def __init__(self, error: AutoDLError | None = None) -> None:
        self.calls: list[tuple[str, int, str]] = []
        self.error = error

    async def set_blacklist(
        self, container_uuid: str, *, expire_in_minutes: int = 1440, comment: str = ""
    ) -> None:
        if self.error is not None:
            raise self.error
        self.calls.append((container_uuid, expire_in_minutes, comment))


async def open_dialog(pilot: Any, app: Host, screen: SlowHostsScreen) -> None:
    """Wait for the list, press b, wait for the blacklist dialog."""
    await until(pilot, lambda: bool(screen.machine_ids))
    await pilot.press("b")
    await until(pilot, lambda: isinstance(app.screen, BlacklistDialog))


async def test_b_blacklists_the_slow_host_with_its_evidence_as_the_comment() -> None:
    hosts = flag_hosts(host_stats(book_with_a_slow_host()))
    client = FakeClient()
    banned: list[SlowHost] = []
    screen = SlowHostsScreen(lambda: hosts, client, on_blacklisted=banned.append)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: list(screen.machine_ids) == ["slow1"])
        evidence = hosts[0].evidence
        assert evidence == "3 containers, median 6m 40s to running vs fleet 40s"
        await pilot.pause()
        # The table cuts the evidence; the line under it shows the selected host's in full.
        assert f"slow1: {evidence}" in screen_text(app)
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, BlacklistDialog))
        assert app.screen.query_one("#comment", Input).value == evidence
        await pilot.press("enter")
        await until(pilot, lambda: client.calls != [])
        assert client.calls == [("dep-slow1-00000006", BLACKLIST_DEFAULT_MINUTES, evidence)]
        await until(pilot, lambda: banned == hosts)
        row = screen.table.get_row("slow1")
        assert row is not None and row.cells[2] == "blacklisted" and row.style == "dim"
        # A second b says why it does nothing.
        await pilot.press("b")
        await pilot.pause()
        assert len(client.calls) == 1
        assert any("already blacklisted" in str(n.message) for n in app._notifications)


async def test_escape_in_the_dialog_bans_nothing_and_read_only_refuses() -> None:
    hosts = flag_hosts(host_stats(book_with_a_slow_host()))
    client = FakeClient()
    screen = SlowHostsScreen(lambda: hosts, client)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(pilot, app, screen)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        assert client.calls == []
    ro = SlowHostsScreen(lambda: hosts, client, read_only=True)
    app = Host(ro)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(ro.machine_ids))
        await pilot.press("b")
        await pilot.pause()
        assert not isinstance(app.screen, BlacklistDialog)
        assert any("Read-only" in str(n.message) for n in app._notifications)


async def test_a_failed_ban_is_reported_and_the_host_stays_flagged() -> None:
    hosts = flag_hosts(host_stats(book_with_a_slow_host()))
    client = FakeClient(AutoDLError("quota exceeded"))
    screen = SlowHostsScreen(lambda: hosts, client)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(pilot, app, screen)
        await pilot.press("enter")
        await until(pilot, lambda: any("failed" in str(n.title) for n in app._notifications))
        assert screen.banned == set()


async def test_no_flagged_host_explains_the_rule() -> None:
    screen = SlowHostsScreen(lambda: [], FakeClient())
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert screen.table.empty_text == EMPTY_TEXT
        assert "No slow or failing host" in screen_text(app)
        await pilot.press("q")
        await until(pilot, lambda: app.results == [None])


def alert(n: int, what: str = "") -> Alert:
    return Alert(
        key=("container_stopped", "dep1", f"c{n}"),
        at=T0 + timedelta(minutes=n),
        title="Container stopped running",
        what=what or f"Container c{n} of llm left running: now shutdown.",
        todo="Look at its events (3).",
        severity="error",
    )


async def test_the_alerts_view_lists_newest_first_with_time_and_what_to_do() -> None:
    history: list[Alert] = []
    screen = AlertsScreen(lambda: history)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert NO_ALERTS.split(".")[0] in screen_text(app)
        history += [alert(1), alert(2, "evil \x1b]52;c;aGk=\x07[red]x[/]")]
        await until(pilot, lambda: screen.table.row_count == 2, timeout=5)
        text = screen_text(app)
        assert "2026-03-01 12:02:00 UTC+8" in text and "Look at its events (3)." in text
        assert "\x1b" not in text and "␛" in text
        first = screen.table.visible_keys[0]
        assert first.startswith("1:")  # the newest (index 1) on top
        assert screen.selected() == history[1]
        detail = str(screen.query_one("#alerts-detail").render())
        assert "Look at its events" in detail
        await pilot.press("escape")
        await until(pilot, lambda: app.results == [None])
