"""A hostile or broken server cannot flood memory, stall a call, or multiply requests."""

from __future__ import annotations

import asyncio
import gzip
import json
import tracemalloc
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from api_helpers import TOKEN
from hostile_api import answer, app_for, page_data, serving
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from autodl_tui.api import MAX_PAGES, AutoDLClient, NotFoundError, RetryPolicy, TransportError
from autodl_tui.api.retry import MAX_RETRY_AFTER, parse_retry_after, poll_backoff
from autodl_tui.api.wire import MAX_BODY_BYTES

NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
ONCE = RetryPolicy(max_retries=0)


def asgi_client(app: object, **kw: object) -> AutoDLClient:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return AutoDLClient(TOKEN, base_url="http://hostile", transport=transport, **kw)  # type: ignore[arg-type]


# --- Retry-After ---


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        ("0.5", 0.5),
        ("0", 0.0),
        ("120", MAX_RETRY_AFTER),
        ("1e308", MAX_RETRY_AFTER),
        ("nan", None),
        ("inf", None),
        ("-inf", None),
        ("-1", None),
        ("", None),
        ("soon", None),
        ("9" * 5000, None),
        ("Fri, 01 May 2026 12:00:30 GMT", 30.0),
        ("Fri, 01 May 2026 11:00:00 GMT", 0.0),  # in the past: may send now
        ("Sat, 01 May 2100 12:00:00 GMT", MAX_RETRY_AFTER),
        ("Fri, 32 May 2026 12:00:00 GMT", None),
    ],
)
def test_retry_after_seconds_and_dates(header: str, seconds: float | None) -> None:
    assert parse_retry_after(header, lambda: NOW) == seconds


async def test_retry_after_reaches_the_error() -> None:
    async def limited(request: Request) -> Response:
        later = (NOW + timedelta(seconds=42)).strftime("%a, %d %b %Y %H:%M:%S GMT")
        return Response("slow down", status_code=429, headers={"Retry-After": later})

    async with asgi_client(app_for(limited), retry=ONCE, now=lambda: NOW) as client:
        with pytest.raises(TransportError) as info:
            await client.list_blacklist()
    assert info.value.status_code == 429 and info.value.retry_after == 42.0


def test_poll_backoff_doubles_caps_and_honours_retry_after() -> None:
    top, bottom = (lambda: 1.0), (lambda: 0.0)
    assert poll_backoff(2.0, 0, top) == 2.0
    assert [poll_backoff(2.0, n, top) for n in range(1, 7)] == [4, 8, 16, 32, 60, 60]
    # Equal jitter: half the ceiling at the least, never below the interval.
    assert poll_backoff(2.0, 3, bottom) == 8.0
    assert poll_backoff(2.0, 1, bottom) == 2.0
    assert poll_backoff(2.0, 10**6, top) == 60.0  # no overflow
    assert poll_backoff(3600.0, 2, top) == 3600.0  # a long interval is never shortened
    assert poll_backoff(2.0, 0, top, retry_after=45.0) == 45.0
    assert poll_backoff(2.0, 0, top, retry_after=1e308) == MAX_RETRY_AFTER


# --- response size ---


def chunks(total: int, sent: list[int], size: int = 64 * 1024) -> AsyncIterator[bytes]:
    async def gen() -> AsyncIterator[bytes]:
        yield b'{"code":"Success","data":"'
        while sent[0] < total:
            sent[0] += size
            yield b"x" * size
            await asyncio.sleep(0)
        yield b'"}'

    return gen()


async def test_big_body_over_a_socket_is_cut_off_and_not_retried() -> None:
    total = 50 * 1024 * 1024
    sent = [0]
    requests = []

    async def flood(request: Request) -> Response:
        requests.append(request.url.path)
        return StreamingResponse(chunks(total, sent), media_type="application/json")

    async with serving(app_for(flood)) as base, AutoDLClient(TOKEN, base_url=base) as client:
        with pytest.raises(TransportError, match=r"answer larger than 16 MiB") as info:
            await client.list_deployments()
    assert info.value.hint and not info.value.retryable
    assert len(requests) == 1  # not retried: the same request gets the same answer
    assert sent[0] < total  # the client hung up; the rest was never sent


async def test_streamed_body_stops_at_the_cap_in_process() -> None:
    pulled = [0]

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=_Stream(pulled))

    client = AutoDLClient(
        TOKEN, base_url="http://hostile", transport=httpx.MockTransport(handler), max_body=1000
    )
    with pytest.raises(TransportError, match=r"answer larger than 0.000953674 MiB"):
        await client.list_deployments()
    await client.aclose()
    assert pulled[0] == 11  # 100-byte chunks: the eleventh passes 1000 bytes; no more read


class _Stream(httpx.AsyncByteStream):
    def __init__(self, pulled: list[int]) -> None:
        self.pulled = pulled

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(10**6):
            self.pulled[0] += 1
            yield b"y" * 100


async def test_declared_length_over_the_cap_is_refused_unread() -> None:
    async def big(request: Request) -> Response:
        return Response(b"z" * 5000, media_type="application/json")

    async with asgi_client(app_for(big), max_body=4096) as client:
        with pytest.raises(TransportError, match="answer larger than"):
            await client.list_blacklist()


async def test_body_at_the_cap_is_read() -> None:
    data = [{"machine_id": "m" * 40}]
    body = json.dumps({"code": "Success", "msg": "", "data": data}).encode()

    async def exact(request: Request) -> Response:
        return Response(body, media_type="application/json")

    async with asgi_client(app_for(exact), max_body=len(body)) as client:
        assert [e.machine_id for e in await client.list_blacklist()] == ["m" * 40]
    assert MAX_BODY_BYTES == 16 * 1024 * 1024


# --- overall deadline ---


async def test_a_dripping_server_hits_the_deadline() -> None:
    dripped = [0]

    async def drip(request: Request) -> Response:
        async def one_byte_at_a_time() -> AsyncIterator[bytes]:
            for _ in range(2000):  # bounded: the client gives up long before
                dripped[0] += 1
                yield b" "
                await asyncio.sleep(0.01)

        return StreamingResponse(one_byte_at_a_time(), media_type="application/json")

    # Every byte arrives well within httpx's read timeout: only the deadline ends it.
    async with (
        serving(app_for(drip)) as base,
        AutoDLClient(TOKEN, base_url=base, timeout=5.0, deadline=0.5, retry=ONCE) as client,
    ):
        with pytest.raises(TransportError, match=r"no complete answer within 0.5 s") as info:
            await client.list_deployments()
        assert info.value.retryable and info.value.hint
        assert client.stats.in_flight == 0
    assert 1 < dripped[0] < 2000


def test_deadline_and_cap_must_be_positive() -> None:
    for bad in ({"deadline": 0}, {"deadline": float("nan")}, {"max_body": 0}):
        with pytest.raises(ValueError, match="must be > 0"):
            AutoDLClient(TOKEN, **bad)  # type: ignore[arg-type]


# --- pages per list ---


async def test_hostile_max_page_is_cut_at_max_pages() -> None:
    asked: list[int] = []

    async def runaway(request: Request) -> Response:
        index = (await request.json())["page_index"]
        asked.append(index)
        return answer(page_data([{"uuid": f"d{index}"}], index, max_page=1000, total=100_000))

    async with asgi_client(app_for(runaway)) as client:
        listing = await client.list_all_deployments()
    assert sorted(asked) == list(range(1, MAX_PAGES + 1))
    assert listing.cut and listing.total == 100_000
    assert [d.uuid for d in listing] == [f"d{i}" for i in range(1, MAX_PAGES + 1)]


async def test_pages_without_a_count_are_cut_too() -> None:
    asked: list[int] = []

    async def endless(request: Request) -> Response:
        body = await request.json()
        asked.append(body["page_index"])
        size = body["page_size"]  # always a full page, never a count: a walk that never ends
        items = [{"uuid": f"c{body['page_index']}-{j}"} for j in range(size)]
        return answer({"list": items, "page_index": body["page_index"], "page_size": size})

    async with asgi_client(app_for(endless), page_size=5) as client:
        listing = await client.list_all_containers("d1")
    assert len(asked) == MAX_PAGES and listing.cut and len(listing) == 5 * MAX_PAGES


async def test_a_list_that_fits_is_not_cut() -> None:
    async def fits(request: Request) -> Response:
        index = (await request.json())["page_index"]
        return answer(page_data([{"uuid": f"d{index}"}], index, max_page=MAX_PAGES, total=20))

    async with asgi_client(app_for(fits)) as client:
        listing = await client.list_all_deployments()
    assert len(listing) == MAX_PAGES and not listing.cut


# --- the container of a copy is the container asked for ---


def ignoring_filter() -> tuple[object, list[dict[str, object]]]:
    """A server answering container/list with every container, whatever the filter said."""
    bodies: list[dict[str, object]] = []
    fleet = [
        {"uuid": f"c-{i}", "deployment_uuid": "d1", "info": {"root_password": f"pw-{i}"}}
        for i in range(5)
    ]

    async def every_container(request: Request) -> Response:
        body = await request.json()
        bodies.append(body)
        index = body["page_index"]
        return answer(page_data(fleet[(index - 1) * 2 : index * 2], index, max_page=3, total=5))

    return app_for(every_container), bodies


async def test_container_finds_the_exact_uuid_when_the_filter_is_ignored() -> None:
    app, bodies = ignoring_filter()
    async with asgi_client(app) as client:
        found = await client.container("d1", "c-3")  # on page 2 of the unfiltered answer
        assert found.uuid == "c-3" and found.info.root_password == "pw-3"
        with pytest.raises(NotFoundError, match="c-9 is not in the answer") as info:
            await client.container("d1", "c-9")
    assert info.value.hint
    assert bodies[0]["container_uuid"] == "c-3"  # the filter was asked for all the same


async def test_first_item_of_a_filtered_read_is_not_trusted() -> None:
    app, _ = ignoring_filter()
    async with asgi_client(app) as client:
        # The old re-read took items[0]: container c-0's password for a copy of c-4.
        first = (await client.list_containers("d1")).items[0]
        assert first.uuid == "c-0"
        assert (await client.container("d1", "c-4")).info.root_password == "pw-4"


# --- compressed bodies ---


class _Chunks(httpx.AsyncByteStream):
    """A body that arrives in 64 KiB pieces, as over a socket (not read ahead by httpx)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i in range(0, len(self.data), 65536):
            yield self.data[i : i + 65536]


def gzip_answer(payload: bytes, encoding: str = "gzip") -> httpx.MockTransport:
    packed = gzip.compress(payload) if encoding == "gzip" else zlib.compress(payload)

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Encoding": encoding}
        return httpx.Response(200, stream=_Chunks(packed), headers=headers)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_compressed_answers_are_read(encoding: str) -> None:
    body = json.dumps({"code": "Success", "msg": "", "data": [{"machine_id": "m1"}]}).encode()
    client = AutoDLClient(TOKEN, base_url="http://z", transport=gzip_answer(body, encoding))
    assert [e.machine_id for e in await client.list_blacklist()] == ["m1"]
    await client.aclose()


async def test_a_compression_bomb_is_never_inflated_past_the_cap() -> None:
    bomb = gzip_answer(b"[" * (200 * 1024 * 1024))  # 200 MiB in about 200 KB
    client = AutoDLClient(
        TOKEN, base_url="http://z", transport=bomb, max_body=1024 * 1024, retry=ONCE
    )
    tracemalloc.start()
    try:
        with pytest.raises(TransportError, match="answer larger than 1 MiB"):
            await client.list_blacklist()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        await client.aclose()
    assert peak < 16 * 1024 * 1024  # httpx's own decoder would hold all 200 MiB at once


async def test_a_body_that_does_not_decode_is_a_bad_body() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Encoding": "gzip"}
        return httpx.Response(200, stream=_Chunks(b"not gzip"), headers=headers)

    client = AutoDLClient(
        TOKEN, base_url="http://z", transport=httpx.MockTransport(handler), retry=ONCE
    )
    with pytest.raises(TransportError, match="does not decode") as info:
        await client.list_blacklist()
    assert info.value.hint
    await client.aclose()
