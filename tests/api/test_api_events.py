"""EventCursor: every event exactly once, oldest first, across bursts, ties, pages and faults."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from api_helpers import FakeEventStore, envelope
from hypothesis import given, settings, strategies as st

from autodl_tui.api import ContainerEvent, EventCursor, TransportError
from autodl_tui.catalog import CONTAINER_STATUSES, CST

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=CST)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def test_first_poll_returns_history_oldest_first() -> None:
    store = FakeEventStore()
    for i, status in enumerate(CONTAINER_STATUSES[:5]):
        store.add("c1", status, at(i))
    cursor = EventCursor(store, "d1", page_size=2)
    got = await cursor.poll()
    assert [e.status for e in got] == list(CONTAINER_STATUSES[:5])
    assert cursor.newest == at(4)
    assert await cursor.poll() == []
    assert cursor.last_poll_pages == 1  # steady state: one page


async def test_ties_across_page_boundary_and_later_same_second_arrivals() -> None:
    store = FakeEventStore()
    store.add("c1", "running", at(0))
    for c in ("c2", "c3", "c4"):
        store.add(c, "starting", at(5))
    cursor = EventCursor(store, "d1", page_size=2)
    first = await cursor.poll()
    assert [e.container_uuid for e in first] == ["c1", "c2", "c3", "c4"]
    # Two more in the same second as the newest seen, then one a second later.
    late = [store.add("c5", "starting", at(5)), store.add("c6", "starting", at(5))]
    assert await cursor.poll() == late
    nxt = store.add("c2", "running", at(6))
    assert await cursor.poll() == [nxt]
    assert await cursor.poll() == []


async def test_same_container_same_status_at_different_times() -> None:
    store = FakeEventStore()
    a = store.add("c1", "running", at(0))
    b = store.add("c1", "shutdown", at(1))
    cursor = EventCursor(store, "d1")
    assert await cursor.poll() == [a, b]
    again = store.add("c1", "running", at(2))  # reused container runs again
    assert await cursor.poll() == [again]


async def test_fault_mid_poll_changes_nothing() -> None:
    store = FakeEventStore()
    events = [store.add(f"c{i}", "running", at(i)) for i in range(7)]
    cursor = EventCursor(store, "d1", page_size=3)
    store.fail_calls = {2}
    with pytest.raises(TransportError):
        await cursor.poll()
    assert cursor.newest is None
    assert await cursor.poll() == events


async def test_burst_larger_than_a_page() -> None:
    store = FakeEventStore()
    store.add("c0", "running", at(0))
    cursor = EventCursor(store, "d1", page_size=4)
    await cursor.poll()
    burst = [store.add(f"c{i}", s, at(1 + i // 3)) for i in range(25) for s in ("created",)]
    assert await cursor.poll() == burst
    assert cursor.last_poll_pages == 7  # 26 events / 4 per page


async def test_arrivals_during_a_poll_shift_pages_without_repeats() -> None:
    store = FakeEventStore()
    cursor = EventCursor(store, "d1", page_size=3)
    old = [store.add(f"c{i}", "running", at(i)) for i in range(9)]
    arrived: list[ContainerEvent] = []

    def arrive(call: int) -> None:
        if call in (2, 3):  # before pages 2 and 3: everything shifts by two
            arrived.extend(store.add(f"n{call}{k}", "creating", at(20)) for k in range(2))

    store.on_call = arrive
    assert await cursor.poll() == old
    store.on_call = None
    assert await cursor.poll() == arrived


async def test_backfill_is_bounded_and_rounded_to_a_whole_second() -> None:
    store = FakeEventStore()
    for i in range(250):
        store.add(f"c{i}", "running", at(i // 4))  # four events per second
    cursor = EventCursor(store, "d1", page_size=30, max_backfill=101)
    got = await cursor.poll()
    assert cursor.truncated
    # The 101st newest (event 149) is in second 37 (events 148..151): that second is kept whole.
    assert len(got) == 102 and got == store.events[148:]
    new = store.add("x", "running", at(100))
    assert await cursor.poll() == [new]
    assert not cursor.truncated


async def test_lookback_catches_late_arrivals() -> None:
    store = FakeEventStore()
    a = store.add("c1", "running", at(10))
    cursor = EventCursor(store, "d1", lookback_s=5)
    assert await cursor.poll() == [a]
    late = store.add("c2", "running", at(7))  # reported late, 3 s in the past
    store.add("c3", "running", at(1))  # beyond the lookback: dropped
    assert await cursor.poll() == [late]
    assert await cursor.poll() == []


async def test_filter_by_container_is_sent(make_client: Any) -> None:
    client, rec = make_client(lambda r: envelope({"list": [], "max_page": 0}))
    cursor = client.event_cursor("d1", "d1-m-c1", page_size=50)
    assert await cursor.poll() == []
    assert rec.body() == {
        "deployment_uuid": "d1",
        "deployment_container_uuid": "d1-m-c1",
        "page_index": 1,
        "page_size": 50,
    }


async def test_overlapping_polls_do_not_repeat() -> None:
    store = FakeEventStore()
    events = [store.add(f"c{i}", "running", at(i)) for i in range(9)]
    cursor = EventCursor(store, "d1", page_size=2)
    first, second = await asyncio.gather(cursor.poll(), cursor.poll())
    assert first + second == events


def test_constructor_checks() -> None:
    with pytest.raises(ValueError):
        EventCursor(FakeEventStore(), "d1", page_size=0)


# --- property: random bursts, page sizes, mid-poll arrivals and faults --------------------

STEP = st.one_of(
    st.tuples(st.just("burst"), st.integers(0, 12), st.integers(0, 2)),
    st.tuples(st.just("poll"), st.integers(0, 4), st.booleans()),
    st.tuples(st.just("arrive"), st.integers(1, 4), st.integers(0, 1)),
)


@settings(max_examples=int(os.environ.get("API_PROPERTY_EXAMPLES", "300")), deadline=None)
@given(
    page_size=st.integers(1, 7),
    steps=st.lists(STEP, max_size=25),
    seed=st.integers(0, 2**16),
    shuffle=st.booleans(),
)
async def test_exactly_once_in_order_property(
    page_size: int, steps: list[tuple[str, int, Any]], seed: int, shuffle: bool
) -> None:
    rng = random.Random(seed)
    store = FakeEventStore()
    if shuffle:
        store.shuffle_ties = random.Random(seed + 1)
    cursor = EventCursor(store, "d1", page_size=page_size)
    clock = [0]
    used: set[tuple[str, str, int]] = set()
    emitted: list[ContainerEvent] = []
    disturbed = [False]  # events arrived while a poll was walking the pages

    def new_event(ts: int) -> None:
        for _ in range(20):  # a container has a given status at most once per second
            key = (f"c{rng.randrange(6)}", rng.choice(CONTAINER_STATUSES), ts)
            if key not in used:
                used.add(key)
                store.add(key[0], key[1], at(ts))
                return

    pending_arrivals: list[tuple[int, int]] = []
    for step in steps:
        if step[0] == "burst":
            clock[0] += step[2]
            for _ in range(step[1]):
                new_event(clock[0])
        elif step[0] == "arrive":
            pending_arrivals.append((step[1], step[2]))
        else:
            fail_at, mid = step[1], step[2]
            base = store.calls
            store.fail_calls = {base + fail_at} if fail_at else set()
            arrivals = list(pending_arrivals)
            pending_arrivals.clear()

            def on_call(
                call: int, base: int = base, arrivals: list[Any] = arrivals, mid: bool = mid
            ) -> None:
                if mid and call == base + 2 and arrivals:
                    disturbed[0] = True
                    for count, advance in arrivals:
                        clock[0] += advance
                        for _ in range(count):
                            new_event(clock[0])
                    arrivals.clear()

            store.on_call = on_call
            with contextlib.suppress(TransportError):
                emitted += await cursor.poll()
            store.on_call = None
            store.fail_calls = set()
    emitted += await cursor.poll()

    # Nothing lost, nothing repeated, in time order (1-second resolution). Ties come in the
    # order they happened, except when the server shuffles ties or events arrived in the middle
    # of a poll: then the order within one second is not knowable from the API.
    assert Counter(e.key for e in emitted) == Counter(e.key for e in store.events)
    times = [e.created_at for e in emitted]
    assert times == sorted(times)  # type: ignore[type-var]
    if not shuffle and not disturbed[0]:
        assert emitted == store.events
    assert await cursor.poll() == []
