"""Helpers for the API tests: a recording MockTransport handler, canned envelopes, instant sleep."""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from autodl_tui.api import ContainerEvent, Page, TransportError

#: Distinctive, so a leak is easy to spot anywhere in text.
TOKEN = "tok-SECRET-5f4dcc3b5aa765d61d8327deb882cf99"

Handler = Callable[[httpx.Request], httpx.Response]


def envelope(
    data: Any = None, code: str = "Success", msg: str = "", **extra: Any
) -> httpx.Response:
    """An HTTP 200 answer in the service's envelope."""
    body = {"code": code, "msg": msg, "data": data, "request_id": "ab" * 16, **extra}
    return httpx.Response(200, content=json.dumps(body, ensure_ascii=False).encode())


def page(
    items: list[Any], page_index: int = 1, page_size: int = 100, **extra: Any
) -> dict[str, Any]:
    """A paginated `data` object."""
    return {
        "list": items,
        "page_index": page_index,
        "page_size": page_size,
        "max_page": extra.pop("max_page", 1),
        "offset": 0,
        **extra,
    }


@dataclass
class Recorder:
    """A MockTransport handler that records every request and answers via `respond`."""

    respond: Handler = field(default=lambda request: envelope(None))
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.respond(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def body(self, index: int = -1) -> Any:
        content = self.requests[index].content
        return json.loads(content) if content else None


@dataclass
class Sleeps:
    """An instant `sleep` that records the delays asked for."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class FakeEventStore:
    """An append-only event log served newest first in pages, like container/event/list.

    Ties (equal timestamps) are listed newest-inserted first, as the simulator does.
    `fail_calls` holds 1-based call numbers that raise TransportError; `on_call(n)` runs
    before call n is answered (to make events arrive in the middle of a poll).
    """

    def __init__(self) -> None:
        self.events: list[ContainerEvent] = []
        self.calls = 0
        self.fail_calls: set[int] = set()
        self.on_call: Callable[[int], None] | None = None
        self.shuffle_ties: random.Random | None = None

    def add(self, container: str, status: str, ts: datetime) -> ContainerEvent:
        event = ContainerEvent(container, status, ts)
        self.events.append(event)
        return event

    def newest_first(self) -> list[ContainerEvent]:
        order = sorted(range(len(self.events)), key=lambda i: (self.events[i].created_at, i))
        return [self.events[i] for i in reversed(order)]

    async def list_container_events(
        self,
        deployment_uuid: str,
        *,
        container_uuid: str = "",
        page_index: int = 1,
        page_size: int | None = None,
        offset: int = 0,
    ) -> Page[ContainerEvent]:
        await asyncio.sleep(0)  # let concurrent callers interleave, as real I/O would
        self.calls += 1
        if self.calls in self.fail_calls:
            raise TransportError("injected fault")
        if self.on_call is not None:
            self.on_call(self.calls)
        size = page_size or 10
        listed = [
            e
            for e in self.newest_first()
            if not container_uuid or e.container_uuid == container_uuid
        ]
        items = listed[(page_index - 1) * size : page_index * size]
        if self.shuffle_ties is not None:
            # A server whose order among equal timestamps differs from request to request.
            rng = self.shuffle_ties
            items = sorted(items, key=lambda e: (e.created_at, rng.random()), reverse=True)
        return Page(
            tuple(items),
            page_index,
            size,
            max_page=math.ceil(len(listed) / size),
            result_total=len(listed),
        )


class FakeService:
    """A tiny paginated AutoDL for MockTransport: deployments, containers, images, stock.

    `cap` makes the service return at most that many items per page whatever was asked
    (with a truthful max_page); `hide_counts` drops max_page/result_total from answers;
    `fail` maps a path to an HTTP status answered every time.
    """

    def __init__(self, deployments: int = 0, containers_each: int = 0) -> None:
        self.deployments = [{"uuid": f"d{i:04d}", "name": f"dep-{i}"} for i in range(deployments)]
        self.containers = {
            d["uuid"]: [
                {"uuid": f"{d['uuid']}-m-{j:04d}", "status": "running"}
                for j in range(containers_each)
            ]
            for d in self.deployments
        }
        self.images = [
            {"id": i, "image_uuid": f"image-{i}", "image_name": f"im{i}"} for i in range(7)
        ]
        self.stock = {"westDC2": [{"RTX 4090": {"idle_gpu_num": 5, "total_gpu_num": 9}}]}
        self.cap: int | None = None
        self.hide_counts = False
        self.fail: dict[str, int] = {}
        self.business: dict[str, tuple[str, str]] = {}
        self.requests: list[httpx.Request] = []

    def _page(self, items: list[Any], body: dict[str, Any]) -> dict[str, Any]:
        size = int(body["page_size"])
        served = min(size, self.cap) if self.cap else size
        index = max(1, int(body["page_index"]))
        data: dict[str, Any] = {
            "list": items[(index - 1) * served : index * served],
            "page_index": index,
            "page_size": size,
            "offset": 0,
        }
        if not self.hide_counts:
            data["max_page"] = math.ceil(len(items) / served)
            data["result_total"] = len(items)
        return data

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/api/v1/dev")
        if path in self.fail:
            return httpx.Response(self.fail[path], text="boom")
        if path in self.business:
            code, msg = self.business[path]
            return envelope(None, code=code, msg=msg)
        body = json.loads(request.content) if request.content else {}
        if path == "/deployment/list":
            return envelope(self._page(self.deployments, body))
        if path == "/deployment/container/list":
            return envelope(self._page(self.containers.get(body["deployment_uuid"], []), body))
        if path == "/image/private/list":
            return envelope(self._page(self.images, body))
        if path == "/machine/region/gpu_stock":
            region = body["region_sign"]
            if f"/stock/{region}" in self.fail:
                return httpx.Response(self.fail[f"/stock/{region}"])
            return envelope(self.stock.get(region, []))
        return httpx.Response(404)
