"""All-pages helpers and the fleet snapshot, over a small fake service."""

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
from autodl_tui.api.paging import fetch_all_pages, gather_all


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


# --- fleet snapshot -----------------------------------------------------------------------


async def test_fleet_snapshot_everything() -> None:
    service = FakeService(deployments=12, containers_each=7)
    async with client_for(service, page_size=5, max_in_flight=4) as client:
        snap = await client.fleet_snapshot(("westDC2", "westDC3"))
    assert snap.complete
    assert len(snap.deployments) == 12
    assert set(snap.containers_by_deployment) == {d.uuid for d in snap.deployments}
    assert all(len(v) == 7 for v in snap.containers_by_deployment.values())
    assert len(snap.containers) == 84
    assert [s.gpu_name for s in snap.stock_by_region["westDC2"]] == ["RTX 4090"]
    assert snap.stock_by_region["westDC3"] == ()
    # 3 deployment pages + 12 x 2 container pages + 2 stock calls
    assert client.stats.requests_sent == 3 + 24 + 2
    assert client.stats.in_flight == 0


async def test_snapshot_without_enterprise_still_has_stock() -> None:
    service = FakeService(deployments=3)
    service.business["/deployment/list"] = ("BadRequest", "无当前资源访问权限")
    async with client_for(service) as client:
        snap = await client.fleet_snapshot(("westDC2",))
    assert not snap.complete
    assert isinstance(snap.errors["deployments"], PermissionDeniedError)
    assert snap.deployments == () and snap.containers_by_deployment == {}
    assert len(snap.stock_by_region["westDC2"]) == 1


async def test_snapshot_partial_failures_are_collected() -> None:
    service = FakeService(deployments=2, containers_each=1)
    service.fail["/stock/westDC3"] = 503
    async with client_for(service) as client:
        snap = await client.fleet_snapshot(("westDC2", "westDC3"))
    assert set(snap.errors) == {"stock:westDC3"}
    assert "westDC3" not in snap.stock_by_region
    assert len(snap.containers) == 2


async def test_snapshot_auth_error_is_raised() -> None:
    service = FakeService(deployments=2)
    service.business["/machine/region/gpu_stock"] = ("AuthorizeFailed", "登录超时")
    service.business["/deployment/list"] = ("AuthorizeFailed", "登录超时")
    async with client_for(service) as client:
        with pytest.raises(AuthError):
            await client.fleet_snapshot(("westDC2",))


async def test_snapshot_respects_in_flight_bound() -> None:
    service = FakeService(deployments=30, containers_each=3)
    active = 0
    peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.002)
        active -= 1
        return service(request)

    async with client_for(slow, page_size=10, max_in_flight=5) as client:
        snap = await client.fleet_snapshot()
    assert peak == 5
    assert len(snap.containers) == 90
