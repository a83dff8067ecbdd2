"""All-pages helpers and the containers fan-out, over a small fake service."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from api_helpers import TOKEN, FakeService, Sleeps

from autodl_tui.api import (
    AuthError,
    AutoDLClient,
    Page,
    PermissionDeniedError,
    RetryPolicy,
    TransportError,
)
from autodl_tui.api.fanout import read_containers
from autodl_tui.api.paging import Listing, fetch_all_pages, gather_all


def client_for(service: Any, sleeps: Sleeps | None = None, **kw: Any) -> AutoDLClient:
    return AutoDLClient(
        TOKEN,
        transport=httpx.MockTransport(service),
        sleep=sleeps or Sleeps(),
        retry=RetryPolicy(max_retries=1),
        **kw,
    )


def pages_asked(service: FakeService, path: str) -> list[int]:
    return [
        json.loads(r.content)["page_index"] for r in service.requests if r.url.path.endswith(path)
    ]


async def test_list_all_deployments_page_one_first_then_rest() -> None:
    service = FakeService(deployments=23)
    async with client_for(service, page_size=5) as client:
        items = await client.list_all_deployments()
    assert [d.uuid for d in items] == [d["uuid"] for d in service.deployments]
    asked = pages_asked(service, "/deployment/list")
    assert asked[0] == 1 and sorted(asked) == [1, 2, 3, 4, 5]


async def test_list_all_when_the_service_caps_page_size() -> None:
    service = FakeService(deployments=1, containers_each=25)
    service.cap = 10  # we ask 100 and get 10 per page, with a truthful max_page
    async with client_for(service) as client:
        items = await client.list_all_containers("d0000")
    assert len(items) == 25


async def test_list_all_without_page_counts_walks_until_short_page() -> None:
    service = FakeService()
    service.hide_counts = True
    async with client_for(service, page_size=3) as client:
        images = await client.list_all_private_images()
    assert [i.image_uuid for i in images] == [f"image-{i}" for i in range(7)]
    assert pages_asked(service, "/image/private/list") == [1, 2, 3]


async def test_list_all_empty() -> None:
    service = FakeService()
    async with client_for(service) as client:
        assert await client.list_all_deployments() == []
    assert len(service.requests) == 1


async def test_page_failure_raises_plain_error_and_cancels_others() -> None:
    started: list[int] = []
    cancelled: list[int] = []

    async def fetch(index: int) -> Page[int]:
        started.append(index)
        if index == 1:
            return Page((1,), 1, 1, max_page=6)
        if index == 3:
            raise TransportError("page 3 broke")
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(index)
            raise
        return Page((index,), index, 1, max_page=6)

    with pytest.raises(TransportError, match="page 3"):
        await fetch_all_pages(fetch)
    assert sorted(started) == [1, 2, 3, 4, 5, 6]
    assert sorted(cancelled) == [2, 4, 5, 6]


async def test_runaway_max_page_is_bounded() -> None:
    asked: list[int] = []

    async def fetch(index: int) -> Page[int]:
        asked.append(index)
        return Page((index,), index, 1, max_page=10**9)

    assert await fetch_all_pages(fetch, max_pages=20) == list(range(1, 21))


async def test_gather_all_empty() -> None:
    assert await gather_all([]) == []


async def test_shifted_pages_are_deduplicated() -> None:
    service = FakeService(deployments=6)
    original = service.__call__

    def shifting(request: httpx.Request) -> httpx.Response:
        # A new deployment appears between page 1 and the rest: page 2 repeats one item.
        if len(service.requests) == 1:
            service.deployments.insert(0, {"uuid": "new", "name": "new"})
        return original(request)

    async with client_for(shifting, page_size=3) as client:
        items = await client.list_all_deployments()
    uuids = [d.uuid for d in items]
    assert len(uuids) == len(set(uuids))


# --- containers of many deployments (the fan-out) ------------------------------------


async def test_read_containers_of_every_deployment() -> None:
    service = FakeService(deployments=12, containers_each=7)
    async with client_for(service, page_size=5, max_in_flight=4) as client:
        uuids = [d.uuid for d in await client.list_all_deployments()]
        answers = await read_containers(client, uuids, in_flight=3)
    assert list(answers) == uuids
    assert all(isinstance(a, Listing) and len(a) == 7 for a in answers.values())
    # 3 deployment pages + 12 x 2 container pages
    assert client.stats.requests_sent == 3 + 24
    assert client.stats.in_flight == 0


async def test_a_failing_list_maps_to_its_error_and_the_rest_go_on() -> None:
    service = FakeService(deployments=3, containers_each=1)
    original = service.__call__

    def one_fails(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content).get("deployment_uuid") == "d0001":
            return httpx.Response(503)
        return original(request)

    async with client_for(one_fails) as client:
        answers = await read_containers(client, ["d0000", "d0001", "d0002"], in_flight=2)
    assert isinstance(answers["d0001"], TransportError)
    assert [len(a) for u, a in answers.items() if u != "d0001"] == [1, 1]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "error"),
    [("AuthorizeFailed", AuthError), ("BadRequest", PermissionDeniedError)],
)
async def test_access_errors_are_raised_not_collected(code: str, error: type[Exception]) -> None:
    service = FakeService(deployments=2, containers_each=1)
    msg = "登录超时" if code == "AuthorizeFailed" else "无当前资源访问权限"
    service.business["/deployment/container/list"] = (code, msg)
    async with client_for(service) as client:
        with pytest.raises(error):
            await read_containers(client, ["d0000", "d0001"], in_flight=2)


async def test_read_containers_respects_its_in_flight_bound() -> None:
    service = FakeService(deployments=30, containers_each=3)
    active = 0
    peak = 0
    seen: list[int] = []

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.002)
        active -= 1
        return service(request)

    async with client_for(slow, page_size=10, max_in_flight=8) as client:
        uuids = [d["uuid"] for d in service.deployments]
        answers = await read_containers(
            client, uuids, in_flight=5, on_answer=lambda so_far: seen.append(len(so_far))
        )
    assert peak == 5
    assert sum(len(a) for a in answers.values()) == 90  # type: ignore[arg-type]
    assert seen == list(range(1, 31))
