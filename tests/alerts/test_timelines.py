"""Timelines from events, per-host boot medians, and which hosts get flagged with what evidence."""

from __future__ import annotations

import random
import statistics

from alert_data import at, box

from autodl_tui.api.models import Container, ContainerEvent
from autodl_tui.timelines import (
    EVIDENCE_MAX,
    FAILED_FLAG,
    MIN_CONTAINERS,
    SLOW_FACTOR,
    HostStats,
    TimelineBook,
    _median_without,
    evidence_text,
    flag_hosts,
    host_marks,
    host_stats,
)
from autodl_tui.ui.dialogs import BLACKLIST_COMMENT_MAX

LIFECYCLE = ("creating", "created", "starting", "oss_merged", "running")


def boot(book: TimelineBook, uuid: str, machine: str, start: float, seconds: float) -> None:
    """A container on `machine` that took `seconds` from creating to running."""
    step = seconds / (len(LIFECYCLE) - 1)
    book.add_events(
        ContainerEvent(uuid, status, at(start + i * step)) for i, status in enumerate(LIFECYCLE)
    )
    book.add_containers([box(uuid, machine=machine, dc="westDC2")])


def fail(book: TimelineBook, uuid: str, machine: str, start: float) -> None:
    """A container on `machine` that ended while still starting."""
    book.add_events(
        [
            ContainerEvent(uuid, "creating", at(start)),
            ContainerEvent(uuid, "starting", at(start + 5)),
            ContainerEvent(uuid, "shutting_down", at(start + 20)),
            ContainerEvent(uuid, "shutdown", at(start + 25)),
        ]
    )
    book.add_containers([box(uuid, "shutdown", machine=machine)])


def fleet(book: TimelineBook) -> None:
    """Six healthy containers on three hosts, about 40 s each."""
    for i, (machine, seconds) in enumerate(
        [("a", 38), ("a", 42), ("b", 40), ("b", 44), ("c", 41), ("c", 39)]
    ):
        boot(book, f"ok{i}", machine, i * 100, seconds)


def test_boot_time_runs_from_the_first_event_to_the_first_running_in_any_order() -> None:
    book = TimelineBook()
    events = [ContainerEvent("c1", s, at(t)) for s, t in [("creating", 0), ("created", 5)]]
    events += [ContainerEvent("c1", "running", at(62)), ContainerEvent("c1", "running", at(90))]
    book.add_events(reversed(events))  # newest first, as the service lists them
    line = book.timeline("c1")
    assert line is not None and line.boot_seconds == 62 and not line.failed
    # Seen only from running on (history cut): no boot time, rather than a false zero.
    book.add_events([ContainerEvent("c2", "running", at(0))])
    assert book.timeline("c2").boot_seconds is None  # type: ignore[union-attr]


def test_a_host_slower_than_three_times_the_fleet_over_three_containers_is_flagged() -> None:
    book = TimelineBook()
    fleet(book)
    for i, seconds in enumerate([372, 300, 410]):
        boot(book, f"slow{i}", "s1", 1000 + i * 500, seconds)
    fail(book, "slowfail", "s1", 3000)
    flagged = flag_hosts(host_stats(book))
    assert [f.machine_id for f in flagged] == ["s1"]
    s1 = flagged[0]
    assert s1.slow and not s1.failing and s1.fleet_median == 40.5
    assert host_marks(flagged) == {"s1": "slow"}
    assert s1.stats.container_uuid == "slowfail"  # the newest container names the host
    assert s1.evidence == (
        "4 containers, median 6m 12s to running vs fleet 40s; 1 failed to reach running"
    )


def test_two_slow_boots_or_a_modest_slowness_are_not_enough() -> None:
    book = TimelineBook()
    fleet(book)
    boot(book, "x1", "two", 1000, 600)
    boot(book, "x2", "two", 1100, 600)
    for i in range(MIN_CONTAINERS):
        boot(book, f"y{i}", "modest", 2000 + i * 100, 40.5 * SLOW_FACTOR - 1)
    assert flag_hosts(host_stats(book)) == []


def test_failing_hosts_are_flagged_and_excused_stops_do_not_count() -> None:
    book = TimelineBook()
    fleet(book)
    for i in range(FAILED_FLAG):
        fail(book, f"f{i}", "bad", 1000 + i * 100)
    flagged = flag_hosts(host_stats(book))
    assert [(f.machine_id, f.failing, f.slow) for f in flagged] == [("bad", True, False)]
    assert host_marks(flagged) == {"bad": "failing"}
    assert flagged[0].evidence == f"{FAILED_FLAG} containers; {FAILED_FLAG} failed to reach running"
    assert flag_hosts(host_stats(book, excused={"f0"})) == []


def test_a_container_waiting_for_a_host_counts_for_no_host() -> None:
    book = TimelineBook()
    book.add_events([ContainerEvent("w1", "creating", at(0))])
    book.add_containers([box("w1", "creating", machine="")])
    assert host_stats(book) == []


def test_the_containers_list_stands_in_for_events_not_followed() -> None:
    book = TimelineBook()
    fleet(book)
    listed = [
        Container(
            f"l{i}",
            status="running",
            machine_id="lst",
            created_at=at(i * 900),
            started_at=at(i * 900 + 400),
        )
        for i in range(3)
    ]
    never = Container(
        "n1", status="shutdown", machine_id="lst", created_at=at(5000), updated_at=at(5100)
    )
    book.add_containers([*listed, never])
    assert book.timeline("l0").boot_seconds == 400  # type: ignore[union-attr]
    assert book.timeline("n1").failed  # type: ignore[union-attr]
    flagged = flag_hosts(host_stats(book))
    assert [(f.machine_id, f.evidence) for f in flagged] == [
        ("lst", "4 containers, median 6m 40s to running vs fleet 40s; 1 failed to reach running")
    ]
    # Events seen later refine the times; a list repeating itself changes nothing.
    book.add_events([ContainerEvent("l0", "creating", at(-100))])
    book.add_containers(listed)
    assert book.timeline("l0").boot_seconds == 500  # type: ignore[union-attr]


def test_the_book_is_bounded() -> None:
    book = TimelineBook(max_containers=3)
    for i in range(5):
        boot(book, f"c{i}", "m", i * 10, 5)
    assert list(book.timelines) == ["c2", "c3", "c4"]
    assert set(book.hosts) <= {"c2", "c3", "c4"}


def test_evidence_fits_the_blacklist_comment() -> None:
    assert EVIDENCE_MAX == BLACKLIST_COMMENT_MAX
    huge = HostStats("m", "westDC2", tuple(float(i) for i in range(10**6)), 10**9, "c")
    assert len(evidence_text(huge, 1e12)) <= EVIDENCE_MAX


def test_the_fleet_median_without_a_host_is_the_median_of_the_others() -> None:
    rng = random.Random(1)
    for _ in range(2000):
        others = [float(rng.randint(0, 20)) for _ in range(rng.randint(0, 12))]
        mine = [float(rng.randint(0, 20)) for _ in range(rng.randint(0, 6))]
        expected = statistics.median(others) if len(others) >= MIN_CONTAINERS else None
        assert _median_without(sorted(others + mine), sorted(mine)) == expected


def recount(book: TimelineBook, excused: frozenset[str]) -> list[HostStats]:
    """`host_stats` from scratch: every timeline walked, oldest first (the reference)."""
    # Boots shortest first, as `host_stats` gives them.
    boots: dict[str, list[float]] = {}
    failed: dict[str, int] = {}
    region: dict[str, str] = {}
    newest: dict[str, str] = {}
    for uuid, line in book.timelines.items():
        if (host := book.hosts.get(uuid)) is None:
            continue
        machine, region[machine] = host
        newest[machine] = uuid
        if line.boot_seconds is not None:
            boots.setdefault(machine, []).append(line.boot_seconds)
        elif line.failed and uuid not in excused:
            failed[machine] = failed.get(machine, 0) + 1
    return [
        HostStats(m, region[m], tuple(sorted(boots.get(m, ()))), failed.get(m, 0), newest[m])
        for m in sorted(region)
        if boots.get(m) or failed.get(m)
    ]


def flag_everyone(hosts: list[HostStats]) -> list[tuple[str, bool, bool]]:
    """Which hosts are slow or failing with the exact median of the others for every host."""
    everyone = sorted(b for h in hosts for b in h.boots)
    out = []
    for h in hosts:
        fleet = _median_without(everyone, sorted(h.boots))
        slow = bool(
            h.median is not None
            and fleet is not None
            and len(h.boots) >= MIN_CONTAINERS
            and h.median > SLOW_FACTOR * max(fleet, 1.0)
        )
        if slow or h.failed >= FAILED_FLAG:
            out.append((h.machine_id, slow, h.failed >= FAILED_FLAG))
    return sorted(out)


def test_the_stats_kept_as_the_book_changes_equal_a_count_from_scratch() -> None:
    # Polls that change a few containers, move some to other hosts, push old ones out of a
    # bounded book and excuse some stops: each time, the hosts redone since the last call
    # must give what walking the whole book gives, and the same hosts flagged.
    rng = random.Random(7)
    book = TimelineBook(max_containers=60)
    excused: set[str] = set()
    flagged_some = False
    for poll in range(300):
        for _ in range(rng.randint(1, 8)):
            uuid = f"c{rng.randint(0, 90)}"
            start = rng.uniform(0, 1000)
            machine = f"m{rng.randint(0, 9)}"
            if rng.random() < 0.2:
                fail(book, uuid, machine, start)
            else:
                # Hosts near the slow line too: a bound that skips a host it should not fails.
                factor = (1, 1, 1, 2.8, 3.2, 3.0, 1, 1, 10, 1.5)[int(machine[1:])]
                boot(book, uuid, machine, start, rng.uniform(0.7, 1.3) * 40 * factor)
        if rng.random() < 0.1:
            excused.add(f"c{rng.randint(0, 90)}")
        if rng.random() < 0.05:
            excused.clear()
        frozen = frozenset(excused)
        hosts = host_stats(book, excused=frozen)
        assert hosts == recount(book, frozen), f"poll {poll}"
        flagged = sorted((h.machine_id, h.slow, h.failing) for h in flag_hosts(hosts))
        assert flagged == flag_everyone(hosts), f"poll {poll}"
        flagged_some = flagged_some or any(slow for _, slow, _ in flagged)
    assert flagged_some  # the slow host was found at some point: the comparison saw flags
