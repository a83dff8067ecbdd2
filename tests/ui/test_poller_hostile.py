"""The poller against deletions, hung and rate-limiting servers, and runaway page counts."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from hostile_api import answer, app_for, page_data
from sim_process import running_sim
from starlette.requests import Request
from starlette.responses import Response
from textual.message import Message

from autodl_tui.api import AutoDLClient, RetryPolicy
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui.messages import (
    ConnectionChanged,
    ContainersLoaded,
    DeploymentsLoaded,
    ListTruncated,
)
from autodl_tui.ui.poller import Poller

ONCE = RetryPolicy(max_retries=0)


def states(posted: list[Message]) -> list[str]:
    return [m.state for m in posted if isinstance(m, ConnectionChanged)]


def lists(posted: list[Message]) -> list[set[str]]:
    return [{d.uuid for d in m.deployments} for m in posted if isinstance(m, DeploymentsLoaded)]


async def check_deleting_the_selection_keeps_polling_live(client: AutoDLClient) -> None:
    """Select a deployment, delete it through the API, poll: still live, list without it."""
    posted: list[Message] = []
    poller = Poller(client, posted.append, regions=())
    first = (await client.list_all_deployments())[0].uuid
    poller.select(first)
    await poller.poll_fast()
    assert poller.state == "live" and first in lists(posted)[-1]
    assert any(isinstance(m, ContainersLoaded) and m.deployment_uuid == first for m in posted)

    await client.delete_deployment(first)
    sent = client.stats.requests_sent
    await poller.poll_fast()  # its containers and events answer RecordNotFoundError
    assert poller.state == "live" and states(posted) == ["live"]
    assert first not in lists(posted)[-1]  # the screen moves its cursor on this
    await poller.poll_fast()  # the screen has not re-selected yet: nothing asked for `first`
    assert poller.state == "live" and states(posted) == ["live"]
    assert client.stats.requests_sent - sent == 3 + 1  # (list, containers, events), then list
    assert client.stats.failures == 2


async def test_deleted_selection_in_process() -> None:
    sim = build_simulator("demo", seed=0, clock=VirtualClock())
    async with AutoDLClient("t", base_url="http://sim", transport=sim_transport(sim)) as client:
        await check_deleting_the_selection_keeps_polling_live(client)


async def test_deleted_selection_over_a_socket() -> None:
    with running_sim() as (_proc, base):
        async with AutoDLClient("t", base_url=base, retry=ONCE) as client:
            await check_deleting_the_selection_keeps_polling_live(client)


async def test_a_poll_past_its_deadline_fails_and_live_needs_a_completed_poll() -> None:
    release = asyncio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.wait_for(release.wait(), timeout=30)  # bounded; the poll is cancelled
        return httpx.Response(500)

    posted: list[Message] = []
    client = AutoDLClient("t", base_url="http://x", transport=httpx.MockTransport(hang))
    poller = Poller(client, posted.append, regions=(), poll_deadline=0.2)
    assert poller.state == "connecting"
    await poller.run_poll("deployments", poller.poll_fast, poller.poll_deadline)
    assert poller.state == "retrying" and states(posted) == ["retrying"]
    note = [m.error for m in posted if isinstance(m, ConnectionChanged)][0]
    assert note == "no answer within 0.2 s; still trying"
    assert client.stats.in_flight == 0
    release.set()
    await client.aclose()


class Flaky:
    """Answers 500s, a 429 with Retry-After, or a deployments page, as told."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.calls = 0

    async def handle(self, request: Request) -> Response:
        self.calls += 1
        if self.mode == "500":
            return Response("boom", status_code=500)
        if self.mode == "429":
            return Response("slow down", status_code=429, headers={"Retry-After": "45"})
        return answer(page_data([{"uuid": "d1"}], 1, max_page=1))


def poller_on(flaky: Flaky, now: list[float]) -> tuple[Poller, AutoDLClient, list[Message]]:
    posted: list[Message] = []
    transport = httpx.ASGITransport(app=app_for(flaky.handle))
    client = AutoDLClient("t", base_url="http://x", transport=transport, retry=ONCE)
    poller = Poller(client, posted.append, regions=(), random=lambda: 1.0, clock=lambda: now[0])
    return poller, client, posted


async def test_failed_polls_back_off_and_success_resets() -> None:
    flaky, now = Flaky(), [100.0]
    poller, client, _ = poller_on(flaky, now)
    flaky.mode = "500"
    delays = []
    for _ in range(7):
        await poller.run_poll("deployments", poller.poll_fast, 5)
        delays.append(poller.next_delay("deployments", 2.0))
    assert delays == [4, 8, 16, 32, 60, 60, 60]
    assert poller.state == "offline"
    assert poller.next_delay("stock", 30.0) == 30.0  # another loop's own streak is clean
    flaky.mode = "ok"
    await poller.run_poll("deployments", poller.poll_fast, 5)
    assert poller.state == "live" and poller.next_delay("deployments", 2.0) == 2.0
    await client.aclose()


async def test_retry_after_holds_every_loop_until_refresh() -> None:
    flaky, now = Flaky(), [100.0]
    poller, client, _ = poller_on(flaky, now)
    flaky.mode = "429"
    await poller.run_poll("deployments", poller.poll_fast, 5)
    assert flaky.calls == 1  # 45 s is longer than a retry within the call may wait
    assert poller.next_delay("deployments", 2.0) == 45.0
    assert poller.next_delay("stock", 30.0) == 45.0  # the limit is the token's
    now[0] += 42
    assert poller.next_delay("stock", 30.0) == 30.0
    assert poller.next_delay("deployments", 2.0) == 4.0  # its own back-off, a little longer
    now[0] -= 42
    poller.refresh_now()
    assert poller.next_delay("stock", 30.0) == 30.0  # r: the user's refresh goes now
    await client.aclose()


async def test_refresh_wakes_a_loop_held_by_retry_after() -> None:
    flaky = Flaky()
    flaky.mode = "429"
    poller, client, _ = poller_on(flaky, [0.0])
    poller._clock = lambda: asyncio.get_running_loop().time()
    poller.refresh = 3600.0
    poller.stock_refresh = 3600.0
    poller.start()
    try:
        for _ in range(200):
            if flaky.calls >= 1:
                break
            await asyncio.sleep(0.01)
        assert flaky.calls == 1 and poller.next_delay("deployments", 2.0) > 40
        poller.refresh_now()
        for _ in range(200):
            if flaky.calls >= 2:
                break
            await asyncio.sleep(0.01)
        assert flaky.calls == 2
    finally:
        await poller.stop()
        await client.aclose()


async def test_a_runaway_page_count_is_cut_and_reported_once() -> None:
    asked: list[int] = []

    async def runaway(request: Request) -> Response:
        index = (await request.json())["page_index"]
        asked.append(index)
        return answer(page_data([{"uuid": f"d{index}"}], index, max_page=1000, total=99_999))

    posted: list[Message] = []
    transport = httpx.ASGITransport(app=app_for(runaway))
    async with AutoDLClient("t", base_url="http://x", transport=transport) as client:
        poller = Poller(client, posted.append, regions=())
        await poller.poll_fast()
        await poller.poll_fast()
    cuts: list[Any] = [m for m in posted if isinstance(m, ListTruncated)]
    assert [(m.deployment_uuid, m.shown, m.total) for m in cuts] == [("", 20, 99_999)]
    assert len(asked) == 2 * 20 and poller.state == "live"
