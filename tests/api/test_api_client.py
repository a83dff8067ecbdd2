"""AutoDLClient over httpx.MockTransport: wire shape of all 13 calls, errors, retries, stats."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from api_helpers import TOKEN, Recorder, Sleeps, envelope, page

from autodl_tui.api import (
    ApiError,
    AuthError,
    AutoDLClient,
    BlacklistEntry,
    ContainerFilter,
    ContainerTemplateSpec,
    DeploymentSpec,
    DurationPackage,
    GpuStock,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    ResponseFormatError,
    RetryPolicy,
    StockFilter,
    TransportError,
)
from autodl_tui.api.errors import HINT_AUTH, HINT_PERMISSION
from autodl_tui.catalog import CST

MakeClient = Callable[..., tuple[AutoDLClient, Recorder]]
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=CST)


def spec(name: str = "fleet-a") -> DeploymentSpec:
    return DeploymentSpec.replica_set(
        name,
        ContainerTemplateSpec(
            dc_list=("westDC2",), gpu_name_set=("RTX 4090",), image_uuid="image-1", cmd="sleep 1"
        ),
        2,
    )


# --- the wire shape of every call ---------------------------------------------------------

Call = Callable[[AutoDLClient], Awaitable[Any]]

WIRE_CASES: list[tuple[str, Call, str, str, Any, dict[str, str], Any]] = [
    # (id, call, method, path, json body (None: no body), query, data answered)
    (
        "private_images",
        lambda c: c.list_private_images(2, 10),
        "POST",
        "/api/v1/dev/image/private/list",
        {"page_index": 2, "page_size": 10},
        {},
        page([{"id": 1, "image_name": "n", "image_uuid": "image-1"}], 2, 10),
    ),
    (
        "create",
        lambda c: c.create_deployment(spec()),
        "POST",
        "/api/v1/dev/deployment",
        spec().to_body(),
        {},
        {"deployment_uuid": "833f1cd5a7"},
    ),
    (
        "list_deployments",
        lambda c: c.list_deployments(1, 50, name="n", status="running"),
        "POST",
        "/api/v1/dev/deployment/list",
        {"page_index": 1, "page_size": 50, "name": "n", "status": "running"},
        {},
        page([{"uuid": "d1"}], 1, 50),
    ),
    (
        "events",
        lambda c: c.list_container_events("d1", container_uuid="c1", page_size=20),
        "POST",
        "/api/v1/dev/deployment/container/event/list",
        {
            "deployment_uuid": "d1",
            "deployment_container_uuid": "c1",
            "page_index": 1,
            "page_size": 20,
        },
        {},
        page([], 1, 20),
    ),
    (
        "containers",
        lambda c: c.list_containers("d1", ContainerFilter(status=("running",)), page_size=5),
        "POST",
        "/api/v1/dev/deployment/container/list",
        {"deployment_uuid": "d1", "status": ["running"], "page_index": 1, "page_size": 5},
        {},
        page([{"uuid": "c1"}], 1, 5),
    ),
    (
        "stop_container",
        lambda c: c.stop_container("c1", no_cache=True, cmd_before_shutdown="sleep 5"),
        "PUT",
        "/api/v1/dev/deployment/container/stop",
        {
            "deployment_container_uuid": "c1",
            "decrease_one_replica_num": False,
            "no_cache": True,
            "cmd_before_shutdown": "sleep 5",
        },
        {},
        None,
    ),
    (
        "replicas",
        lambda c: c.set_replica_num("d1", 16),
        "PUT",
        "/api/v1/dev/deployment/replica_num",
        {"deployment_uuid": "d1", "replica_num": 16},
        {},
        None,
    ),
    (
        "stop_deployment",
        lambda c: c.stop_deployment("d1"),
        "PUT",
        "/api/v1/dev/deployment/operate",
        {"deployment_uuid": "d1", "operate": "stop"},
        {},
        None,
    ),
    (
        "delete",
        lambda c: c.delete_deployment("d1"),
        "DELETE",
        "/api/v1/dev/deployment",
        {"deployment_uuid": "d1"},
        {},
        None,
    ),
    (
        "blacklist_set",
        lambda c: c.set_blacklist("c1", expire_in_minutes=60, comment="开机缓慢"),
        "POST",
        "/api/v1/dev/deployment/blacklist",
        {"deployment_container_uuid": "c1", "expire_in_minutes": 60, "comment": "开机缓慢"},
        {},
        None,
    ),
    (
        "blacklist_list",
        lambda c: c.list_blacklist(),
        "GET",
        "/api/v1/dev/deployment/blacklist",
        None,
        {},
        [{"machine_id": "m1", "data_center": "westDC2"}],
    ),
    (
        "gpu_stock",
        lambda c: c.get_gpu_stock("westDC2", StockFilter(cuda_v_from=117, cuda_v_to=128)),
        "POST",
        "/api/v1/dev/machine/region/gpu_stock",
        {"region_sign": "westDC2", "cuda_v_from": 117, "cuda_v_to": 128},
        {},
        [{"RTX 4090": {"idle_gpu_num": 215, "total_gpu_num": 2285}}],
    ),
    (
        "ddp_overview",
        lambda c: c.get_ddp_overview("d1"),
        "GET",
        "/api/v1/dev/deployment/ddp/overview",
        None,
        {"deployment_uuid": "d1"},
        [{"gpu_type": "RTX 4090", "total": 86400, "balance": 83829, "dc_list": "westDC2"}],
    ),
]


@pytest.mark.parametrize(
    ("call", "method", "path", "body", "query", "data"),
    [case[1:] for case in WIRE_CASES],
    ids=[case[0] for case in WIRE_CASES],
)
async def test_wire_shape(
    make_client: MakeClient,
    call: Call,
    method: str,
    path: str,
    body: Any,
    query: dict[str, str],
    data: Any,
) -> None:
    client, rec = make_client(lambda request: envelope(data))
    async with client:
        await call(client)
    (request,) = rec.requests
    assert request.method == method
    assert request.url.path == path
    assert request.url.host == "api.test"
    assert dict(request.url.params) == query
    assert request.headers["authorization"] == TOKEN  # the raw token, no "Bearer"
    if body is None:
        assert request.content == b""  # GET sends no body
    else:
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == body


def test_all_thirteen_calls_covered() -> None:
    assert len({(c[2], c[3]) for c in WIRE_CASES}) == 13


async def test_typed_results(make_client: MakeClient) -> None:
    answers = {case[3] + case[2]: case[6] for case in WIRE_CASES}
    client, _ = make_client(lambda r: envelope(answers[r.url.path + r.method]))
    async with client:
        assert await client.create_deployment(spec()) == "833f1cd5a7"
        images = await client.list_private_images(2, 10)
        assert images.items[0].image_uuid == "image-1" and images.page_index == 2
        assert [d.uuid for d in (await client.list_deployments()).items] == ["d1"]
        assert await client.list_blacklist() == [BlacklistEntry("m1", "westDC2")]
        assert await client.get_gpu_stock("westDC2") == [GpuStock("westDC2", "RTX 4090", 215, 2285)]
        assert await client.get_ddp_overview("d1") == [
            DurationPackage("RTX 4090", 86400, 83829, ("westDC2",))
        ]
        assert await client.stop_deployment("d1") is None


async def test_null_and_wrapped_lists(make_client: MakeClient) -> None:
    answers: list[Any] = [None, {"list": [{"machine_id": "m"}]}, None]
    client, _ = make_client(lambda r: envelope(answers.pop(0)))
    async with client:
        assert await client.list_blacklist() == []
        assert [b.machine_id for b in await client.list_blacklist()] == ["m"]
        assert await client.get_ddp_overview("d1") == []


async def test_create_accepts_bare_string_uuid(make_client: MakeClient) -> None:
    client, _ = make_client(lambda r: envelope("abc123"))
    async with client:
        assert await client.create_deployment(spec()) == "abc123"


# --- client-side validation: nothing is sent ----------------------------------------------

INVALID_CALLS: list[tuple[str, Call]] = [
    ("bad spec", lambda c: c.create_deployment(DeploymentSpec("", "Job", spec().template))),
    ("not a spec", lambda c: c.create_deployment({"name": "x"})),  # type: ignore[arg-type]
    ("blacklist 0", lambda c: c.set_blacklist("c1", expire_in_minutes=0)),
    ("blacklist 30d+1", lambda c: c.set_blacklist("c1", expire_in_minutes=43201)),
    ("replicas -1", lambda c: c.set_replica_num("d1", -1)),
    ("no uuid", lambda c: c.stop_deployment("")),
    ("blank uuid", lambda c: c.delete_deployment("   ")),
    ("page 0", lambda c: c.list_deployments(0)),
    ("page size 0", lambda c: c.list_private_images(1, -1)),
    ("bad status", lambda c: c.list_deployments(status="paused")),
    (
        "bad filter",
        lambda c: c.list_containers("d1", ContainerFilter(cpu_num_from=9, cpu_num_to=1)),
    ),
    ("bad stock", lambda c: c.get_gpu_stock("westDC2", StockFilter(price_from=5, price_to=1))),
    ("no region", lambda c: c.get_gpu_stock("")),
    ("no container", lambda c: c.stop_container("")),
    ("events no dep", lambda c: c.list_container_events("")),
]


@pytest.mark.parametrize("call", [c[1] for c in INVALID_CALLS], ids=[c[0] for c in INVALID_CALLS])
async def test_validation_before_sending(make_client: MakeClient, call: Call) -> None:
    client, rec = make_client()
    with pytest.raises(InvalidRequestError) as info:
        await call(client)
    assert rec.requests == []
    assert client.stats.requests_sent == 0
    assert info.value.code == "ClientValidation" and info.value.hint


# --- error mapping ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "msg", "cls", "hint"),
    [
        ("AuthorizeFailed", "登录超时，请重新登录", AuthError, HINT_AUTH),
        ("BadRequest", "无当前资源访问权限", PermissionDeniedError, HINT_PERMISSION),
        ("RecordNotFoundError", "部署不存在", NotFoundError, "refresh"),
        ("RecordNotFoundError", "私有镜像不存在", NotFoundError, "base image"),
        ("RequestParameterIsWrong", "请求参数错误", InvalidRequestError, "Fix"),
        ("BadRequest", "请在实例关机状态下执行释放操作", ApiError, "refused"),
        ("TORealName", "未完成实名认证,认证后才可使用", ApiError, "实名认证"),
        ("InternalError", "当前算力规格暂无库存", ApiError, "widen"),
    ],
)
async def test_business_errors(
    make_client: MakeClient, code: str, msg: str, cls: type[ApiError], hint: str
) -> None:
    client, rec = make_client(lambda r: envelope(None, code=code, msg=msg))
    with pytest.raises(ApiError) as info:
        await client.list_deployments()
    err = info.value
    assert type(err) is cls
    assert (err.code, err.msg, err.request_id) == (code, msg, "ab" * 16)
    assert err.endpoint == "POST /api/v1/dev/deployment/list"
    assert hint in err.hint
    assert len(rec.requests) == 1  # business errors are never retried
    assert client.stats.failures == 1 and client.stats.retries == 0
    assert msg in client.stats.last_error


@pytest.mark.parametrize("status", [401, 403])
async def test_http_auth_statuses(make_client: MakeClient, status: int) -> None:
    client, rec = make_client(lambda r: httpx.Response(status, text="nope"))
    with pytest.raises(AuthError) as info:
        await client.list_blacklist()
    assert info.value.code == f"HTTP {status}" and info.value.hint == HINT_AUTH
    assert len(rec.requests) == 1


def _raise(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


TRANSPORT_FAILURES: list[tuple[str, Callable[[httpx.Request], httpx.Response], bool]] = [
    # (id, handler, retried)
    ("500", lambda r: httpx.Response(500, text="Internal Server Error"), True),
    ("502", lambda r: httpx.Response(502, text="502 Bad Gateway"), True),
    ("503 envelope", lambda r: httpx.Response(503, json={"code": "X", "msg": "busy"}), True),
    ("429", lambda r: httpx.Response(429, text="Too Many Requests"), True),
    ("408", lambda r: httpx.Response(408), True),
    ("timeout", _raise(httpx.ReadTimeout("read timed out")), True),
    ("connect", _raise(httpx.ConnectError("[Errno 111] Connection refused")), True),
    ("html 200", lambda r: httpx.Response(200, text="<html>portal</html>"), True),
    ("truncated", lambda r: httpx.Response(200, content=b'{"code":"Success","da'), True),
    ("no code", lambda r: httpx.Response(200, json={"data": []}), True),
    ("json list", lambda r: httpx.Response(200, json=[1, 2]), True),
    ("empty 200", lambda r: httpx.Response(200), True),
    ("404 plain", lambda r: httpx.Response(404, text="404 page not found"), False),
    ("302", lambda r: httpx.Response(302, headers={"Location": "/x"}), False),
]


@pytest.mark.parametrize(
    ("handler", "retried"),
    [c[1:] for c in TRANSPORT_FAILURES],
    ids=[c[0] for c in TRANSPORT_FAILURES],
)
async def test_transport_failures_on_reads(
    make_client: MakeClient,
    sleeps: Sleeps,
    handler: Callable[[httpx.Request], httpx.Response],
    retried: bool,
) -> None:
    client, rec = make_client(handler)
    with pytest.raises(TransportError) as info:
        await client.list_deployments()
    assert info.value.hint
    assert len(rec.requests) == (4 if retried else 1)
    assert client.stats.retries == (3 if retried else 0)
    assert client.stats.requests_sent == len(rec.requests)
    assert client.stats.failures == 1
    if retried:
        assert sleeps.delays == [0.25, 0.5, 1.0]  # rand() == 1.0: the full ceilings


async def test_retry_then_success(make_client: MakeClient) -> None:
    answers = [httpx.Response(503), httpx.Response(429), envelope(page([]))]
    client, rec = make_client(lambda r: answers.pop(0), now=lambda: NOW)
    result = await client.list_deployments()
    assert result.items == ()
    assert len(rec.requests) == 3
    assert client.stats.retries == 2 and client.stats.failures == 0
    assert client.stats.last_success_at == NOW
    assert client.stats.last_latency_ms is not None


async def test_backoff_full_jitter_and_cap(sleeps: Sleeps) -> None:
    draws = iter([0.5, 1.0, 0.0, 1.0, 1.0, 1.0])
    client = AutoDLClient(
        TOKEN,
        transport=httpx.MockTransport(lambda r: httpx.Response(500)),
        retry=RetryPolicy(max_retries=6, base_delay=0.25, max_delay=4.0),
        sleep=sleeps,
        random=lambda: next(draws),
    )
    with pytest.raises(TransportError):
        await client.list_blacklist()
    assert sleeps.delays == [0.125, 0.5, 0.0, 2.0, 4.0, 4.0]


async def test_retry_after_is_honoured_never_cut_short(
    make_client: MakeClient, sleeps: Sleeps
) -> None:
    answers = [
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(429, headers={"Retry-After": "60"}),
        envelope(None),
    ]
    client, rec = make_client(lambda r: answers.pop(0), random=lambda: 0.0)
    # A pause longer than a retry inside one call may wait ends the call, with the pause
    # named for the caller (the poller waits it out); it is never shortened to 4 s.
    with pytest.raises(TransportError) as info:
        await client.list_blacklist()
    assert sleeps.delays == [2.0]
    assert len(rec.requests) == 2
    assert info.value.retry_after == 60.0


IDEMPOTENT_WRITES: list[tuple[str, Call]] = [
    ("replicas", lambda c: c.set_replica_num("d1", 3)),
    ("stop container", lambda c: c.stop_container("c1")),
    ("stop deployment", lambda c: c.stop_deployment("d1")),
    ("delete", lambda c: c.delete_deployment("d1")),
    ("blacklist", lambda c: c.set_blacklist("c1")),
]


@pytest.mark.parametrize(
    "call", [c[1] for c in IDEMPOTENT_WRITES], ids=[c[0] for c in IDEMPOTENT_WRITES]
)
async def test_idempotent_writes_are_retried(make_client: MakeClient, call: Call) -> None:
    answers = [httpx.Response(502), envelope(None)]
    client, rec = make_client(lambda r: answers.pop(0))
    await call(client)
    assert len(rec.requests) == 2
    assert rec.body(0) == rec.body(1)


async def test_stop_with_decrease_is_not_retried(make_client: MakeClient) -> None:
    client, rec = make_client(lambda r: httpx.Response(502))
    with pytest.raises(TransportError):
        await client.stop_container("c1", decrease_one_replica_num=True)
    assert len(rec.requests) == 1


@pytest.mark.parametrize(
    "handler",
    [c[1] for c in TRANSPORT_FAILURES],
    ids=[c[0] for c in TRANSPORT_FAILURES],
)
async def test_create_is_sent_exactly_once(
    make_client: MakeClient, handler: Callable[[httpx.Request], httpx.Response]
) -> None:
    client, rec = make_client(handler)
    with pytest.raises(TransportError) as info:
        await client.create_deployment(spec("fleet-x"))
    assert len(rec.requests) == 1
    assert client.stats.retries == 0
    assert "'fleet-x'" in info.value.hint and "deployment list" in info.value.hint


async def test_create_success_without_uuid_is_ambiguous(make_client: MakeClient) -> None:
    client, rec = make_client(lambda r: envelope({}))
    with pytest.raises(TransportError) as info:
        await client.create_deployment(spec("fleet-y"))
    assert "'fleet-y'" in info.value.hint
    assert len(rec.requests) == 1


async def test_create_business_error_keeps_its_class(make_client: MakeClient) -> None:
    client, _ = make_client(
        lambda r: envelope(None, code="RecordNotFoundError", msg="私有镜像不存在")
    )
    with pytest.raises(NotFoundError):
        await client.create_deployment(spec())


async def test_bad_data_shape_is_response_format_error(make_client: MakeClient) -> None:
    client, rec = make_client(lambda r: envelope({"list": "nope"}))
    with pytest.raises(ResponseFormatError) as info:
        await client.list_deployments()
    assert len(rec.requests) == 1  # deterministic: not retried
    assert info.value.endpoint == "POST /api/v1/dev/deployment/list"
    assert client.stats.failures == 1


# --- lifecycle and concurrency ------------------------------------------------------------


async def test_http_client_is_lazy_and_closed(make_client: MakeClient) -> None:
    client, _ = make_client()
    assert client._wire._http is None
    async with client:
        await client.stop_deployment("d1")
        assert client._wire._http is not None
        http = client._wire._http
    assert client._wire._http is None and http.is_closed
    await client.aclose()  # twice is fine


async def test_in_flight_bound() -> None:
    active = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.005)
        active -= 1
        return envelope(page([]))

    client = AutoDLClient(TOKEN, transport=httpx.MockTransport(handler), max_in_flight=3)
    async with client:
        await asyncio.gather(*(client.list_deployments(i) for i in range(1, 21)))
    assert peak == 3
    assert client.stats.requests_sent == 20 and client.stats.in_flight == 0


def test_constructor_checks() -> None:
    with pytest.raises(ValueError):
        AutoDLClient("")
    with pytest.raises(ValueError):
        AutoDLClient(TOKEN, max_in_flight=0)
