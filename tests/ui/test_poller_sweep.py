"""Over HTTP against a real `autodl-tui sim`: the fleet-wide view asks only for what changed."""

from __future__ import annotations

import json
from collections import Counter

import httpx
from sim_process import running_sim
from textual.message import Message

from autodl_tui.api import AutoDLClient
from autodl_tui.ui.messages import FleetContainersLoaded
from autodl_tui.ui.poller import Poller

CONTAINERS = "/api/v1/dev/deployment/container/list"


class Counting(httpx.AsyncBaseTransport):
    """Loopback HTTP, counting each container-list request by deployment."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.lists: Counter[str] = Counter()
        self.paths: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths[request.url.path] += 1
        if request.url.path == CONTAINERS:
            self.lists[json.loads(request.content)["deployment_uuid"]] += 1
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def test_the_second_sweep_reads_only_the_changed_and_selected_deployments() -> None:
    with running_sim("--fleet", "large", "--speed", "0") as (_proc, url):
        transport = Counting()
        client = AutoDLClient("t", base_url=url, transport=transport)
        posted: list[Message] = []
        # The poller's clock stands still: the slow sweep (a few lists a poll, spread over a
        # minute) has nothing due, so what is read is what the planner found changed.
        poller = Poller(client, posted.append, regions=("westDC2",), clock=lambda: 1000.0)
        try:
            await poller.poll_fast()
            deployments = poller._last_deployments or ()
            assert len(deployments) == 520
            # One request for the whole list: pages of 1,000.
            assert transport.paths["/api/v1/dev/deployment/list"] == 1
            selected = deployments[3].uuid
            changed = next(
                d
                for d in deployments[4:]
                if d.deployment_type == "ReplicaSet" and d.status == "running"
            )
            poller.select(selected)
            poller.show_fleet(True)
            await poller.poll_fleet()
            assert set(transport.lists) == {d.uuid for d in deployments}
            assert set(transport.lists.values()) == {1}
            loaded = [m for m in posted if isinstance(m, FleetContainersLoaded)]
            assert len(loaded) == 1 and len(loaded[0].containers) > 10_000

            # Nothing changed (the simulator's clock is frozen) but one deployment's target.
            await client.set_replica_num(changed.uuid, changed.replica_num + 1)
            transport.lists.clear()
            await poller.poll_fast()
            await poller.poll_fleet()
            assert dict(transport.lists) == {selected: 1, changed.uuid: 1}
            assert poller.last_plan.reasons == {selected: "selected", changed.uuid: "changed"}
            # Every container kept is the very object posted the first time (held once).
            first = {c.uuid: c for c in loaded[0].containers}
            kept = [c for group in (poller._last_fleet or {}).values() for c in group]
            assert len(kept) >= len(first)
            assert all(first[c.uuid] is c for c in kept if c.uuid in first)
            assert client.stats.reused >= 1  # the selected deployment's unchanged list

            # Out of the fleet-wide view and back: everything shows again at once, and only
            # the selected deployment is read (nothing changed meanwhile).
            poller.show_fleet(False)
            poller.show_fleet(True)
            transport.lists.clear()
            posted.clear()
            await poller.poll_fleet()
            assert dict(transport.lists) == {selected: 1}
            (again,) = [m for m in posted if isinstance(m, FleetContainersLoaded)]
            assert len(again.containers) == len(kept)

            # A new client (a new token: perhaps another account) starts from nothing.
            other = Counting()
            poller.set_client(AutoDLClient("t2", base_url=url, transport=other))
            await poller.poll_fleet()
            assert len(other.lists) == 520
            await poller.client.aclose()
        finally:
            await client.aclose()


async def test_a_long_first_load_shows_the_lists_read_so_far_then_all(monkeypatch) -> None:
    from autodl_tui.ui import poller as poller_module

    monkeypatch.setattr(poller_module, "FLEET_PARTIAL_MIN", 10)
    ticks = iter(range(1_000_000))
    with running_sim("--fleet", "small", "--speed", "0") as (_proc, url):
        client = AutoDLClient("t", base_url=url)
        posted: list[Message] = []
        # Each look at the clock is a second later: partial posts come at doubling gaps.
        poller = Poller(client, posted.append, regions=("westDC2",), clock=lambda: next(ticks))
        try:
            await poller.poll_fast()
            poller.show_fleet(True)
            await poller.poll_fleet()
            loaded = [m for m in posted if isinstance(m, FleetContainersLoaded)]
            partial, final = loaded[:-1], loaded[-1]
            assert partial and not any(m.complete for m in partial) and final.complete
            sizes = [len(m.containers) for m in loaded]
            assert sizes == sorted(sizes)  # each shows more, none loses rows
            everything = {c.uuid: c for c in final.containers}
            # The rows shown early are the very objects of the final list (no re-parse).
            assert all(everything[c.uuid] is c for m in partial for c in m.containers)
            # Later polls have rows on screen already: complete lists only.
            posted.clear()
            poller._last_fleet = {}
            await poller.poll_fleet()
            assert all(m.complete for m in posted if isinstance(m, FleetContainersLoaded))
        finally:
            await client.aclose()


async def test_a_budget_too_small_for_the_first_load_says_the_rows_are_not_whole_yet() -> None:
    from autodl_tui.budget import RequestBudget
    from autodl_tui.ui.messages import FleetProgress

    budget_now = [0.0]
    budget = RequestBudget(40, burst=40, clock=lambda: budget_now[0])
    with running_sim("--fleet", "small", "--speed", "0") as (_proc, url):
        client = AutoDLClient("t", base_url=url, budget=budget)
        posted: list[Message] = []
        poller = Poller(client, posted.append, regions=("westDC2",), clock=lambda: 1000.0)
        try:
            await poller.poll_fast()
            listed = len(poller._last_deployments or ())
            poller.show_fleet(True)
            await poller.poll_fleet()
            # The budget had room for some of the 52 lists: those rows show, marked unfinished.
            (first,) = [m for m in posted if isinstance(m, FleetContainersLoaded)]
            progress = [m for m in posted if isinstance(m, FleetProgress)]
            read = len(poller.last_plan.fetch)
            assert 0 < read < listed and not first.complete
            assert (progress[-1].done, progress[-1].total) == (read, listed)

            # A minute later the budget has refilled: the rest is read and the rows are whole.
            budget_now[0] += 60.0
            posted.clear()
            await poller.poll_fleet()
            (second,) = [m for m in posted if isinstance(m, FleetContainersLoaded)]
            assert second.complete and len(second.containers) > len(first.containers)
            assert not [m for m in posted if isinstance(m, FleetProgress)]
            # Nothing changed since: nothing is posted.
            posted.clear()
            await poller.poll_fleet()
            assert not [m for m in posted if isinstance(m, FleetContainersLoaded)]
        finally:
            await client.aclose()
