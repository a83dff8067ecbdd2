"""The poller's events reach the log exactly once, even when the selection moves mid-poll."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime

from textual.message import Message

from autodl_tui.api import AutoDLClient, ContainerEvent
from autodl_tui.catalog import CST
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.faults import FaultConfig
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui.messages import EventsReceived
from autodl_tui.ui.poller import Poller
from autodl_tui.ui.widgets.event_log import event_line


async def test_reselecting_during_a_poll_shows_each_event_once() -> None:
    sim = build_simulator("demo", seed=0, clock=VirtualClock())
    faults = FaultConfig(latency_ms=30)
    client = AutoDLClient("t", base_url="http://sim", transport=sim_transport(sim, faults))
    posted: list[Message] = []
    poller = Poller(client, posted.append, regions=("westDC2",))
    first, second = (d["uuid"] for d in sim.list_deployments(1, 2)["list"])
    poller.select(first)
    in_flight = asyncio.create_task(poller.poll_fast())
    await asyncio.sleep(0.01)
    poller.select(second)
    poller.select(first)  # a new cursor for the same deployment
    await in_flight
    await poller.poll_fast()
    await client.aclose()

    log: Counter[str] = Counter()
    for message in posted:
        if isinstance(message, EventsReceived) and message.deployment_uuid == first:
            if message.reset:
                log.clear()
            log.update(event_line(e)[0] for e in message.events)
    expected = Counter(
        event_line(ContainerEvent(c, s, datetime.fromtimestamp(ts, CST)))[0]
        for c, s, ts in sim.all_events(first)
    )
    assert log == expected and sum(log.values()) > 0
