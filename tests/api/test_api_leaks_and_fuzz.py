"""The token never shows up anywhere; whatever the server sends, only AutoDLErrors come out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from api_helpers import TOKEN, envelope
from hypothesis import HealthCheck, given, settings, strategies as st

from autodl_tui.api import (
    AutoDLClient,
    AutoDLError,
    ContainerFilter,
    ContainerTemplateSpec,
    DeploymentSpec,
    RetryPolicy,
)

SPEC = DeploymentSpec.container(
    "x", ContainerTemplateSpec(("westDC2",), ("RTX 4090",), image_uuid="i", cmd="c")
)

CALLS: list[Callable[[AutoDLClient], Awaitable[Any]]] = [
    lambda c: c.list_private_images(),
    lambda c: c.create_deployment(SPEC),
    lambda c: c.list_deployments(),
    lambda c: c.list_container_events("d1"),
    lambda c: c.list_containers("d1", ContainerFilter(released=True)),
    lambda c: c.stop_container("c1"),
    lambda c: c.set_replica_num("d1", 1),
    lambda c: c.stop_deployment("d1"),
    lambda c: c.delete_deployment("d1"),
    lambda c: c.set_blacklist("c1"),
    lambda c: c.list_blacklist(),
    lambda c: c.get_gpu_stock("westDC2"),
    lambda c: c.get_ddp_overview("d1"),
    lambda c: c.list_all_deployments(),
    lambda c: c.list_all_containers("d1"),
    lambda c: c.list_all_private_images(),
    lambda c: c.event_cursor("d1").poll(),
]


async def _no_sleep(seconds: float) -> None:
    return None


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> AutoDLClient:
    return AutoDLClient(
        TOKEN,
        base_url="https://api.test",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_retries=1),
        sleep=_no_sleep,
    )


def _texts_of(exc: BaseException) -> list[str]:
    out = [str(exc), repr(exc), getattr(exc, "hint", "")]
    out.append("".join(traceback.format_exception(exc)))
    for linked in (exc.__cause__, exc.__context__):
        if linked is not None:
            out += [str(linked), repr(linked)]
    return out


def _echo_token_handlers() -> list[Callable[[httpx.Request], httpx.Response]]:
    def echo(request: httpx.Request) -> httpx.Response:
        # A server (or proxy) that quotes the header back in its message.
        return envelope(
            None, code="AuthorizeFailed", msg=f"bad token {request.headers['authorization']}"
        )

    def connect(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused for {request.headers['authorization']}", request=request)

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    return [
        echo,
        connect,
        timeout,
        lambda r: httpx.Response(500, text=f"oops {r.headers['authorization']}"),
        lambda r: httpx.Response(401),
        lambda r: httpx.Response(200, text="<html>"),
        lambda r: envelope(None, code="BadRequest", msg="无当前资源访问权限"),
        lambda r: envelope({"list": 5}),
    ]


async def test_token_never_leaks(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    for handler in _echo_token_handlers():
        client = _client(handler)
        async with client:
            for call in CALLS:
                try:
                    result = await call(client)
                except AutoDLError as exc:
                    texts += _texts_of(exc)
                else:
                    texts.append(repr(result))
        texts += [repr(client), str(client), repr(client.stats), repr(vars(client))]
    texts += [r.getMessage() for r in caplog.records]
    texts.append(caplog.text)
    assert texts
    leaks = [t for t in texts if TOKEN in t]
    assert not leaks, leaks[:3]
    # The header itself is right, and httpx masks it in its own reprs too.
    client = _client(lambda r: envelope(None))
    await client.stop_deployment("d1")
    assert client._wire._http is not None and TOKEN not in repr(client._wire._http.headers)
    await client.aclose()


# --- fuzz: random `data` and random bodies ------------------------------------------------

_KEYS = st.sampled_from(
    [
        "list", "page_index", "page_size", "max_page", "result_total", "offset", "uuid", "name",
        "status", "template", "info", "created_at", "stopped_at", "dc_list", "gpu_name_set",
        "memory_size", "price", "deployment_uuid", "deployment_container_uuid", "Time", "Valid",
        "idle_gpu_num", "total_gpu_num", "RTX 4090", "machine_id", "total", "balance", "id",
    ]
) | st.text(max_size=4)  # fmt: skip

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["2022-12-13T16:42:45+08:00", "0001-01-01T00:00:00Z", "westDC2,westDC3"])
)
JSON = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=6),
    max_leaves=25,
)


def _run_all(handler: Callable[[httpx.Request], httpx.Response]) -> None:
    async def main() -> None:
        async with _client(handler) as client:
            for call in CALLS:
                with contextlib.suppress(AutoDLError):
                    await call(client)

    asyncio.run(main())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_random_data_only_raises_autodl_errors(data: Any) -> None:
    _run_all(lambda request: envelope(data))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=100, max_value=599),
    st.binary(max_size=64) | JSON.map(lambda v: json.dumps(v).encode()),
)
def test_random_bodies_only_raise_autodl_errors(status: int, body: bytes) -> None:
    _run_all(lambda request: httpx.Response(status, content=body))
