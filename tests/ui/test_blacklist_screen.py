"""Pilot tests for the blacklist view: what the simulator holds, live countdowns, expiry."""

from __future__ import annotations

from typing import Any

from views_host import SIZE, CountingTransport, Host, client_for
from waiting import until

from autodl_tui.sim.commands import ContainerQuery
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.fleets import BLACKLIST_COMMENT, build_simulator
from autodl_tui.ui.blacklist_screen import EMPTY_TEXT, BlacklistScreen
from autodl_tui.ui.gauges import EXPIRED, countdown

BLACKLIST = "/deployment/blacklist"


def running_container(sim: Simulator, name: str) -> dict[str, Any]:
    dep = sim.list_deployments(1, 10, name=name)["list"][0]
    found = sim.list_containers(ContainerQuery(dep["uuid"], 1, 10, status=("running",)))
    return dict(found["list"][0])


def ban(sim: Simulator, name: str, minutes: int, comment: str) -> dict[str, Any]:
    """Blacklist the host of a running container of `name`, through the simulator."""
    c = running_container(sim, name)
    sim.set_blacklist(c["uuid"], minutes, comment)
    return c


async def test_a_banned_host_shows_with_region_comment_and_a_ticking_countdown(sim, clock) -> None:
    c = ban(sim, "l20-infer", 90, "GPU fell off the bus")
    transport = CountingTransport(sim)
    screen = BlacklistScreen(client_for(transport), now=clock.now, refresh=3600)
    async with Host(screen).run_test(size=SIZE) as pilot:
        await until(pilot, lambda: screen.fetches == 1)
        listed = {e["machine_id"]: e for e in sim.list_blacklist()}
        assert set(screen.machine_ids) == set(listed)
        row = screen.table.get_row(c["machine_id"])
        assert row is not None
        assert str(row.cells[1]) == "beijingDC4 L20专区(原北京C区)"
        assert row.cells[4] == "GPU fell off the bus"
        assert screen.countdown_of(c["machine_id"]) == "01:30:00"
        # The demo fleet's own ban (24 h, set 20 minutes before now) is listed too.
        demo_ban = next(m for m, e in listed.items() if e["msg"] == BLACKLIST_COMMENT)
        assert screen.countdown_of(demo_ban) == "23:40:00"

        clock.advance(65)
        await until(pilot, lambda: screen.countdown_of(c["machine_id"]) == "01:28:55")
        assert screen.countdown_of(demo_ban) == "23:38:55"
        # Ticking recomputes from the clock; it never asks the service again.
        assert transport.count(BLACKLIST) == 1


async def test_an_expired_ban_reads_expired_then_goes_away_on_refetch(sim, clock) -> None:
    c = ban(sim, "l20-infer", 5, "flaky NIC")
    screen = BlacklistScreen(client_for(CountingTransport(sim)), now=clock.now, refresh=3600)
    async with Host(screen).run_test(size=SIZE) as pilot:
        await until(pilot, lambda: screen.fetches == 1)
        assert c["machine_id"] in screen.machine_ids
        clock.advance(5 * 60 + 1)
        await until(pilot, lambda: screen.countdown_of(c["machine_id"]) == EXPIRED)
        row = screen.table.get_row(c["machine_id"])
        assert row is not None and row.style == "dim"
        await pilot.press("r")
        await until(pilot, lambda: screen.fetches == 2)
        assert c["machine_id"] not in screen.machine_ids
        assert set(screen.machine_ids) == {e["machine_id"] for e in sim.list_blacklist()}
        assert len(screen.machine_ids) == 1  # the demo's 24 h ban is still in force


async def test_setting_a_ban_again_moves_the_countdown_after_refetch(sim, clock) -> None:
    c = ban(sim, "l20-infer", 30, "slow")
    screen = BlacklistScreen(client_for(CountingTransport(sim)), now=clock.now, refresh=3600)
    async with Host(screen).run_test(size=SIZE) as pilot:
        await until(pilot, lambda: screen.fetches == 1)
        assert screen.countdown_of(c["machine_id"]) == "00:30:00"
        sim.set_blacklist(c["uuid"], 3 * 1440, "still slow")
        await pilot.press("r")
        await until(pilot, lambda: screen.fetches == 2)
        assert screen.countdown_of(c["machine_id"]) == countdown(3 * 86400) == "3d 00:00:00"
        row = screen.table.get_row(c["machine_id"])
        assert row is not None and row.cells[4] == "still slow"


async def test_the_list_is_refetched_on_the_refresh_interval(sim, clock) -> None:
    transport = CountingTransport(sim)
    screen = BlacklistScreen(client_for(transport), now=clock.now, refresh=1)
    async with Host(screen).run_test(size=SIZE) as pilot:
        await until(pilot, lambda: screen.fetches == 1)
        c = ban(sim, "l20-infer", 60, "found later")
        await until(pilot, lambda: c["machine_id"] in screen.machine_ids)
        assert transport.count(BLACKLIST) >= 2


async def test_empty_blacklist_is_explained(clock) -> None:
    sim = build_simulator("empty", seed=0, clock=clock)
    screen = BlacklistScreen(client_for(CountingTransport(sim)), now=clock.now)
    async with Host(screen).run_test(size=SIZE) as pilot:
        await until(pilot, lambda: screen.fetches == 1)
        assert screen.table.total_count == 0
        assert screen.table.empty_text == EMPTY_TEXT
        assert "Press b on a container" in EMPTY_TEXT
        assert "0 hosts" in str(screen.query_one("#blacklist-title").render())


async def test_an_account_without_access_is_told_why(clock) -> None:
    sim = build_simulator("demo", seed=0, clock=clock, enterprise_verified=False)
    screen = BlacklistScreen(client_for(CountingTransport(sim)), now=clock.now)
    async with Host(screen).run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(screen.problem))
        problem = screen.query_one("#blacklist-problem")
        assert problem.has_class("visible")
        text = str(problem.render())
        assert "无当前资源访问权限" in text
        assert "enterprise-verified" in text
        assert screen.table.total_count == 0
        assert "unavailable" in screen.table.empty_text
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(pilot.app.screen, BlacklistScreen))
