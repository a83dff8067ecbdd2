"""The simulator over HTTP: every endpoint, auth, permissions, bad input and injected faults.

Each test that takes `conn` or `connect` runs twice: in-process (ASGI) and over a real socket.
"""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sim_process import running_sim

from autodl_tui.sim.app import create_app
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.faults import FAULT_KINDS, FaultConfig
from autodl_tui.sim.server import serve_in_background
from autodl_tui.sim.transport import sim_transport

REPO = Path(__file__).resolve().parents[2]
REQUEST_ID = re.compile(r"[0-9a-f]{32}")
PAGE = {"page_index": 1, "page_size": 1000}
NO_PERMISSION = "无当前资源访问权限"
API = "/api/v1/dev"
AUTH = {"Authorization": "fuzz"}

# conftest.Conn / conftest.Connect; not imported, as `conftest` is no importable module name.
Conn = Any
Connect = Callable[..., Any]


async def deployment(c: Conn, name: str) -> dict[str, Any]:
    """The demo deployment called `name`."""
    found = await c.ok("POST", "/deployment/list", {**PAGE, "name": name})
    assert found["result_total"] == 1, found
    item: dict[str, Any] = found["list"][0]
    return item


async def containers(c: Conn, deployment_uuid: str, **filters: Any) -> list[dict[str, Any]]:
    """Containers of a deployment (released ones excluded unless asked)."""
    body = {"deployment_uuid": deployment_uuid, **PAGE, **filters}
    data = await c.ok("POST", "/deployment/container/list", body)
    items: list[dict[str, Any]] = data["list"]
    return items


async def running_container(c: Conn, name: str = "llm-serve") -> dict[str, Any]:
    dep = await deployment(c, name)
    return (await containers(c, dep["uuid"], status=["running"]))[0]


async def snapshot(c: Conn) -> dict[str, Any]:
    """Everything a client can observe of the account (the clock is paused, so it is stable)."""
    deps = await c.ok("POST", "/deployment/list", PAGE)
    state: dict[str, Any] = {
        "deployments": deps,
        "slim": await c.ok("GET", "/deployment/list"),
        "blacklist": await c.ok("GET", "/deployment/blacklist"),
    }
    for d in deps["list"]:
        uuid = d["uuid"]
        state[uuid] = (
            await containers(c, uuid, released=True),
            await c.ok(
                "POST", "/deployment/container/event/list", {"deployment_uuid": uuid, **PAGE}
            ),
            await c.ok("GET", "/deployment/ddp/overview", params={"deployment_uuid": uuid}),
        )
    return state


def assert_error(r: httpx.Response, code: str, msg: str = "") -> dict[str, Any]:
    """A business error: HTTP 200, the code, a msg containing `msg`, data null."""
    assert r.status_code == 200, r.text
    envelope: dict[str, Any] = r.json()
    assert list(envelope) == ["code", "msg", "data", "request_id"]
    assert envelope["code"] == code, envelope
    assert msg in envelope["msg"], envelope
    assert envelope["data"] is None
    assert REQUEST_ID.fullmatch(envelope["request_id"])
    return envelope


# --- every endpoint ----------------------------------------------------------------------


async def test_envelope_shape(conn: Conn) -> None:
    r = await conn.call("POST", "/image/private/list", {"page_index": 1, "page_size": 10})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.content.startswith(b'{"code":"Success","msg":"","data":{')  # compact
    envelope = r.json()
    assert list(envelope) == ["code", "msg", "data", "request_id"]
    assert REQUEST_ID.fullmatch(envelope["request_id"])
    again = (
        await conn.call("POST", "/image/private/list", {"page_index": 1, "page_size": 10})
    ).json()
    assert again["request_id"] != envelope["request_id"]


async def test_chinese_messages_are_not_escaped(connect: Connect, make_sim: Any) -> None:
    async with connect(make_sim(enterprise_verified=False)) as c:
        r = await c.call("GET", "/deployment/blacklist")
    assert NO_PERMISSION.encode() in r.content
    assert b"\\u" not in r.content


async def test_image_list(conn: Conn) -> None:
    data = await conn.ok("POST", "/image/private/list", {"page_index": 0, "page_size": 2})
    assert {"list", "page_index", "page_size", "max_page", "offset"} <= set(data)
    assert data["page_index"] == 1 and len(data["list"]) <= 2
    assert set(data["list"][0]) == {"id", "image_name", "image_uuid"}


async def test_create_then_list(conn: Conn, create_body: Callable[..., dict[str, Any]]) -> None:
    data = await conn.ok("POST", "/deployment", create_body(name="fresh"))
    uuid = data["deployment_uuid"]
    item = await deployment(conn, "fresh")
    assert item["uuid"] == uuid and item["status"] == "running"
    assert item["template"]["memory_size_to"] == 256 * 1024**3  # GB in, bytes out
    by_uuid = await conn.ok("POST", "/deployment/list", {**PAGE, "deployment_uuid": uuid})
    assert [d["uuid"] for d in by_uuid["list"]] == [uuid]


async def test_create_with_unknown_private_image(
    conn: Conn, create_body: Callable[..., dict[str, Any]]
) -> None:
    r = await conn.call(
        "POST", "/deployment", create_body(template={"image_uuid": "image-db8346e037"})
    )
    assert_error(r, "RecordNotFoundError", "私有镜像不存在")


async def test_list_post_filters_and_pages(conn: Conn) -> None:
    every = await conn.ok("POST", "/deployment/list", PAGE)
    assert {"list", "page_index", "page_size", "offset", "max_page", "result_total", "page"} <= set(
        every
    )
    assert every["result_total"] == len(every["list"]) > 2
    first = await conn.ok("POST", "/deployment/list", {"page_index": 0, "page_size": 2})
    assert [d["uuid"] for d in first["list"]] == [d["uuid"] for d in every["list"][:2]]
    stopped = await conn.ok("POST", "/deployment/list", {**PAGE, "status": "stopped"})
    assert stopped["list"] and all(d["status"] == "stopped" for d in stopped["list"])


async def test_list_get_is_slim_and_complete(conn: Conn) -> None:
    full = await conn.ok("POST", "/deployment/list", PAGE)
    slim = await conn.ok("GET", "/deployment/list")
    assert [d["uuid"] for d in slim["list"]] == [d["uuid"] for d in full["list"]]
    assert set(slim["list"][0]) == {
        "id",
        "uid",
        "uuid",
        "name",
        "deployment_type",
        "status",
        "region_sign",
        "dc_list",
        "gpu_name_set",
        "created_at",
    }


async def test_events_newest_first(conn: Conn) -> None:
    dep = await deployment(conn, "llm-serve")
    body = {"deployment_uuid": dep["uuid"], "page_index": 1, "page_size": 50}
    data = await conn.ok("POST", "/deployment/container/event/list", body)
    times = [e["created_at"] for e in data["list"]]
    assert times and times == sorted(times, reverse=True)
    assert set(data["list"][0]) == {"deployment_container_uuid", "status", "created_at"}
    one = data["list"][0]["deployment_container_uuid"]
    only = await conn.ok(
        "POST", "/deployment/container/event/list", {**body, "deployment_container_uuid": one}
    )
    assert {e["deployment_container_uuid"] for e in only["list"]} == {one}


async def test_container_list(conn: Conn) -> None:
    dep = await deployment(conn, "llm-serve")
    items = await containers(conn, dep["uuid"], status=["running"])
    assert items and all(c["status"] == "running" for c in items)
    assert items[0]["deployment_uuid"] == dep["uuid"]
    assert {"ssh_command", "root_password", "service_6006_port_url"} <= set(items[0]["info"])


async def test_stop_container(conn: Conn) -> None:
    c = await running_container(conn)
    body = {"deployment_container_uuid": c["uuid"], "decrease_one_replica_num": True}
    assert await conn.ok("PUT", "/deployment/container/stop", body) is None
    dep = await conn.ok(
        "POST", "/deployment/list", {**PAGE, "deployment_uuid": c["deployment_uuid"]}
    )
    assert dep["list"][0]["replica_num"] == 4  # the demo raised it to 5
    after = await containers(conn, c["deployment_uuid"], container_uuid=c["uuid"])
    assert after[0]["status"] == "shutting_down"


async def test_set_replicas(conn: Conn) -> None:
    dep = await deployment(conn, "sd-webui")
    body = {"deployment_uuid": dep["uuid"], "replica_num": 0}
    assert await conn.ok("PUT", "/deployment/replica_num", body) is None
    assert (await deployment(conn, "sd-webui"))["replica_num"] == 0
    job = await deployment(conn, "finetune-sweep")
    r = await conn.call("PUT", "/deployment/replica_num", {**body, "deployment_uuid": job["uuid"]})
    assert_error(r, "BadRequest")


async def test_operate_stop(conn: Conn) -> None:
    dep = await deployment(conn, "sd-webui")
    body = {"deployment_uuid": dep["uuid"], "operate": "stop"}
    assert await conn.ok("PUT", "/deployment/operate", body) is None
    assert await conn.ok("PUT", "/deployment/operate", body) is None  # idempotent
    assert (await deployment(conn, "sd-webui"))["status"] == "stopped"


async def test_delete_takes_a_json_body(conn: Conn) -> None:
    dep = await deployment(conn, "sd-webui")
    r = await conn.http.request(
        "DELETE", "/api/v1/dev/deployment", json={"deployment_uuid": dep["uuid"]}
    )
    assert r.json()["code"] == "Success" and r.json()["data"] is None
    gone = await conn.ok("POST", "/deployment/list", {**PAGE, "name": "sd-webui"})
    assert gone["list"] == []
    r = await conn.call("DELETE", "/deployment", {"deployment_uuid": dep["uuid"]})
    assert_error(r, "RecordNotFoundError", "部署不存在")


async def test_blacklist(conn: Conn) -> None:
    before = await conn.ok("GET", "/deployment/blacklist")
    c = await running_container(conn, "l20-infer")
    body = {"deployment_container_uuid": c["uuid"], "expire_in_minutes": 60, "comment": "慢"}
    assert await conn.ok("POST", "/deployment/blacklist", body) is None
    after = await conn.ok("GET", "/deployment/blacklist")
    assert len(after) == len(before) + 1
    entry = next(e for e in after if e["machine_id"] == c["machine_id"])
    assert entry["msg"] == "慢" and entry["data_center"] == c["data_center"]
    assert {"created_at", "updated_at", "expired_time"} <= set(entry)


async def test_gpu_stock(conn: Conn) -> None:
    data = await conn.ok("POST", "/machine/region/gpu_stock", {"region_sign": "westDC2"})
    assert data and all(len(item) == 1 for item in data)
    counts = next(iter(data[0].values()))
    assert {"idle_gpu_num", "total_gpu_num"} <= set(counts)
    only = await conn.ok(
        "POST",
        "/machine/region/gpu_stock",
        {"region_sign": "westDC2", "gpu_name_set": ["RTX 4090"]},
    )
    assert [next(iter(item)) for item in only] == ["RTX 4090"]
    assert await conn.ok("POST", "/machine/region/gpu_stock", {"region_sign": "marsDC1"}) == []


async def test_ddp_overview(conn: Conn) -> None:
    dep = await deployment(conn, "llm-serve")
    data = await conn.ok("GET", "/deployment/ddp/overview", params={"deployment_uuid": dep["uuid"]})
    assert data[0]["gpu_type"] == "RTX 4090" and data[0]["dc_list"] == "westDC2,westDC3"
    assert 0 < data[0]["balance"] <= data[0]["total"]
    r = await conn.call("GET", "/deployment/ddp/overview")
    assert_error(r, "RequestParameterIsWrong", "deployment_uuid")


async def test_get_binds_only_the_query_string(conn: Conn) -> None:
    # Issue 13 item 4: the service binds a GET's query string only (REAL-WORLD §8.5). A GET
    # whose parameters are in the query is answered whatever its body holds...
    dep = await deployment(conn, "llm-serve")
    expected = await conn.ok(
        "GET", "/deployment/ddp/overview", params={"deployment_uuid": dep["uuid"]}
    )
    r = await conn.http.request(
        "GET",
        "/api/v1/dev/deployment/ddp/overview",
        params={"deployment_uuid": dep["uuid"]},
        json={"deployment_uuid": "something else"},
    )
    assert r.json()["code"] == "Success" and r.json()["data"] == expected
    r = await conn.http.request("GET", "/api/v1/dev/deployment/blacklist", json={})
    assert r.json()["code"] == "Success"
    r = await conn.http.request("GET", "/api/v1/dev/deployment/list", content=b"{oops")
    assert r.json()["code"] == "Success"
    # ...while parameters sent only in the body are missing: RequestParameterIsWrong (§1.3).
    r = await conn.http.request(
        "GET", "/api/v1/dev/deployment/ddp/overview", json={"deployment_uuid": dep["uuid"]}
    )
    assert_error(r, "RequestParameterIsWrong", "deployment_uuid: required")


# --- routing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/api/v1/dev/nope", "/api/v1/dev/deployment/lists", "/api/v2/dev/deployment/list"]
)
async def test_unknown_path_is_404(conn: Conn, path: str) -> None:
    r = await conn.http.post(path, json={}, headers={"Authorization": ""})
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/deployment"),
        ("PUT", "/deployment/list"),
        ("POST", "/deployment/ddp/overview"),
        ("GET", "/deployment/container/stop"),
        ("POST", "/deployment/replica_num"),
        ("DELETE", "/deployment/blacklist"),
        ("GET", "/machine/region/gpu_stock"),
        ("GET", "/image/private/list"),
        ("PATCH", "/deployment/operate"),
        ("GET", "/deployment/container/list"),
        ("GET", "/deployment/container/event/list"),
    ],
)
async def test_wrong_method_is_405(conn: Conn, method: str, path: str) -> None:
    r = await conn.call(method, path, {})
    assert r.status_code == 405


# --- auth and permission -----------------------------------------------------------------


async def test_configured_token(connect: Connect, make_sim: Any) -> None:
    async with connect(make_sim(token="secret"), token=None) as c:
        path, body = "/machine/region/gpu_stock", {"region_sign": "westDC2"}
        assert_error(await c.call("POST", path, body), "AuthorizeFailed", "登录超时")
        for wrong in ("", "wrong", "Bearer secret", "secret2"):
            r = await c.call("POST", path, body, headers={"Authorization": wrong})
            assert_error(r, "AuthorizeFailed")
        r = await c.call("POST", path, body, headers={"Authorization": "secret"})
        assert r.json()["code"] == "Success"


async def test_any_non_empty_token_without_configuration(connect: Connect, sim: Simulator) -> None:
    async with connect(sim, token=None) as c:
        path = "/deployment/blacklist"
        assert_error(await c.call("GET", path), "AuthorizeFailed")
        assert_error(await c.call("GET", path, headers={"Authorization": ""}), "AuthorizeFailed")
        for token in ("x", "Bearer whatever", "eyJhbGciOiJFUzI1NiJ9.e30.sig"):
            r = await c.call("GET", path, headers={"Authorization": token})
            assert r.json()["code"] == "Success"


async def test_token_is_checked_before_anything_else(connect: Connect, make_sim: Any) -> None:
    async with connect(make_sim(enterprise_verified=False), token=None) as c:
        assert_error(await c.call("POST", "/deployment", content=b"not json"), "AuthorizeFailed")


DEPLOYMENT_CALLS = [
    ("POST", "/deployment", {}, None),
    ("DELETE", "/deployment", {"deployment_uuid": "x"}, None),
    ("POST", "/deployment/list", PAGE, None),
    ("GET", "/deployment/list", None, None),
    ("POST", "/deployment/container/event/list", {}, None),
    ("POST", "/deployment/container/list", {}, None),
    ("PUT", "/deployment/container/stop", {}, None),
    ("PUT", "/deployment/replica_num", {}, None),
    ("PUT", "/deployment/operate", {}, None),
    ("POST", "/deployment/blacklist", {}, None),
    ("GET", "/deployment/blacklist", None, None),
    # The permission check runs before the lookup, even for a deployment that does not exist.
    ("GET", "/deployment/ddp/overview", None, {"deployment_uuid": "nonexistent"}),
]


async def test_non_enterprise_account(connect: Connect, make_sim: Any) -> None:
    async with connect(make_sim(enterprise_verified=False)) as c:
        for method, path, body, params in DEPLOYMENT_CALLS:
            r = await c.call(method, path, body, params=params)
            assert_error(r, "BadRequest", NO_PERMISSION)
        assert await c.ok("POST", "/machine/region/gpu_stock", {"region_sign": "westDC2"})
        assert await c.ok("POST", "/image/private/list", {"page_index": 1, "page_size": 10})


# --- bad input ---------------------------------------------------------------------------

JSON_PATHS = [
    ("POST", "/image/private/list"),
    ("POST", "/deployment"),
    ("DELETE", "/deployment"),
    ("POST", "/deployment/list"),
    ("POST", "/deployment/container/event/list"),
    ("POST", "/deployment/container/list"),
    ("PUT", "/deployment/container/stop"),
    ("PUT", "/deployment/replica_num"),
    ("PUT", "/deployment/operate"),
    ("POST", "/deployment/blacklist"),
    ("POST", "/machine/region/gpu_stock"),
]
NOT_JSON = [b"", b"page_index=1", b'{"page_index": 1,', b"\xff\xfe\x00", b"NaN", b"[" * 50_000]


async def test_non_json_bodies(conn: Conn) -> None:
    for method, path in JSON_PATHS:
        for content in NOT_JSON:
            r = await conn.call(method, path, content=content)
            assert_error(r, "RequestParameterIsWrong", "body")
        assert_error(await conn.call(method, path, []), "RequestParameterIsWrong", "JSON object")


async def test_bad_input_never_changes_state(
    conn: Conn, create_body: Callable[..., dict[str, Any]]
) -> None:
    before = await snapshot(conn)
    llm = await deployment(conn, "llm-serve")
    job = await deployment(conn, "finetune-sweep")
    running = await running_container(conn)
    bad: list[tuple[str, str, Any]] = [
        ("POST", "/deployment", create_body(name="")),
        ("POST", "/deployment", create_body(template={"dc_list": ["westDC2", "moonDC1"]})),
        ("POST", "/deployment", create_body(template={"image_uuid": "image-0000000000"})),
        ("POST", "/deployment", create_body(deployment_type="Job")),
        ("POST", "/deployment", create_body(replica_num=True)),
        ("DELETE", "/deployment", {"deployment_uuid": "nope"}),
        ("DELETE", "/deployment", {"uuid": llm["uuid"]}),
        ("PUT", "/deployment/replica_num", {"deployment_uuid": llm["uuid"], "replica_num": -1}),
        ("PUT", "/deployment/replica_num", {"deployment_uuid": llm["uuid"], "replica_num": "9"}),
        ("PUT", "/deployment/replica_num", {"deployment_uuid": job["uuid"], "replica_num": 9}),
        ("PUT", "/deployment/operate", {"deployment_uuid": llm["uuid"], "operate": "start"}),
        ("PUT", "/deployment/operate", {"deployment_uuid": "nope", "operate": "stop"}),
        ("PUT", "/deployment/container/stop", {"deployment_container_uuid": "nope"}),
        (
            "PUT",
            "/deployment/container/stop",
            {"deployment_container_uuid": running["uuid"], "no_cache": "yes"},
        ),
        (
            "POST",
            "/deployment/blacklist",
            {"deployment_container_uuid": running["uuid"], "expire_in_minutes": -1},
        ),
        ("POST", "/deployment/blacklist", {"deployment_container_uuid": "nope"}),
    ]
    for method, path, body in bad:
        r = await conn.call(method, path, body)
        assert r.status_code == 200
        assert r.json()["code"] != "Success", (method, path, body)
    for method, path in JSON_PATHS:
        await conn.call(method, path, content=b"{oops")
    assert await snapshot(conn) == before


FUZZ_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 2000)
    | st.floats(-10, 1e6)
    | st.text(max_size=6)
    | st.sampled_from(["", "stop", "westDC2", "RTX 4090", "Job", "Container", "tcp", "running"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def valid_bodies(sim: Simulator, create: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """A valid body per JSON endpoint, naming real deployments and containers of `sim`."""
    deps = sim.list_deployments(1, 1000)["list"]
    dep = next(d["uuid"] for d in deps if d["name"] == "llm-serve")
    box = sim.container_uuids(dep)[-1]
    return {
        ("POST", "/image/private/list"): {"page_index": 1, "page_size": 10},
        ("POST", "/deployment"): create,
        ("DELETE", "/deployment"): {"deployment_uuid": deps[-1]["uuid"]},
        ("POST", "/deployment/list"): {"page_index": 1, "page_size": 10, "status": "running"},
        ("POST", "/deployment/container/event/list"): {"deployment_uuid": dep, **PAGE},
        ("POST", "/deployment/container/list"): {"deployment_uuid": dep, **PAGE},
        ("PUT", "/deployment/container/stop"): {"deployment_container_uuid": box},
        ("PUT", "/deployment/replica_num"): {"deployment_uuid": dep, "replica_num": 3},
        ("PUT", "/deployment/operate"): {"deployment_uuid": dep, "operate": "stop"},
        ("POST", "/deployment/blacklist"): {"deployment_container_uuid": box},
        ("POST", "/machine/region/gpu_stock"): {"region_sign": "westDC2"},
    }


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_fuzzed_bodies_never_break_the_server(
    make_sim: Any, create_body: Callable[..., dict[str, Any]], data: st.DataObject
) -> None:
    # Valid bodies with a few fields swapped for arbitrary JSON reach deep into the engine; any
    # exception would surface here (raise_app_exceptions) instead of as an opaque 500.
    sim = make_sim()  # fresh each example: hypothesis needs examples independent of each other
    bodies = valid_bodies(sim, create_body())
    route = data.draw(st.sampled_from(sorted(bodies)))
    body = bodies[route]
    for _ in range(data.draw(st.integers(0, 3))):
        nested = body.get("container_template")
        target = data.draw(st.sampled_from([body, nested] if isinstance(nested, dict) else [body]))
        key = data.draw(st.sampled_from(sorted(target) + ["offset", "cuda_v", "region_sign"]))
        target[key] = data.draw(FUZZ_JSON)

    async def send() -> httpx.Response:
        transport = sim_transport(sim, raise_app_exceptions=True)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
            return await http.request(route[0], API + route[1], json=body, headers=AUTH)

    r = asyncio.run(send())
    assert r.status_code == 200
    assert isinstance(r.json()["code"], str)


async def test_a_simulator_bug_is_a_500(
    conn: Conn, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def boom() -> None:
        raise RuntimeError("engine bug")

    monkeypatch.setattr(conn.sim, "list_blacklist", boom)
    r = await conn.call("GET", "/deployment/blacklist")
    assert r.status_code == 500
    assert "simulator bug" in caplog.text


# --- faults ------------------------------------------------------------------------------


async def attempt(c: Conn, method: str, path: str, body: Any = None) -> str:
    """How a call ended: "ok", "timeout", "malformed" or "http <status>"."""
    try:
        r = await c.call(method, path, body)
    except httpx.ReadTimeout:
        return "timeout"
    if r.status_code != 200:
        return f"http {r.status_code}"
    try:
        r.json()
    except ValueError:
        return "malformed"
    return "ok"


EXPECTED = {
    "500": "http 500",
    "502": "http 502",
    "503": "http 503",
    "429": "http 429",
    "timeout": "timeout",
    "malformed": "malformed",
}
# Short enough that shutting a socket server down never waits long on a held request.
HOLD_S = 0.3
CLIENT_TIMEOUT = httpx.Timeout(5.0, read=0.1)


@pytest.mark.parametrize("kind", FAULT_KINDS)
async def test_each_fault_kind(connect: Connect, sim: Simulator, kind: str) -> None:
    faults = FaultConfig(fault_rate=1.0, kinds=(kind,), timeout_hold_s=HOLD_S)
    async with connect(sim, faults, timeout=CLIENT_TIMEOUT) as c:
        assert await attempt(c, "GET", "/deployment/blacklist") == EXPECTED[kind]
        if kind in ("500", "502", "503", "429"):
            r = await c.call("GET", "/deployment/blacklist")
            assert not r.text.startswith("{")  # not an envelope
            if kind == "429":
                assert r.headers["retry-after"] == "1"
        c.app.state.faults.fault_rate = 0.0  # switched off mid-run
        assert await attempt(c, "GET", "/deployment/blacklist") == "ok"


@pytest.mark.parametrize("kind", FAULT_KINDS)
@pytest.mark.parametrize("after", [False, True])
async def test_before_and_after_faults(
    connect: Connect,
    sim: Simulator,
    create_body: Callable[..., dict[str, Any]],
    kind: str,
    after: bool,
) -> None:
    faults = FaultConfig(
        fault_rate=1.0, kinds=(kind,), after_fraction=float(after), timeout_hold_s=HOLD_S
    )
    async with connect(sim, faults, timeout=CLIENT_TIMEOUT) as c:
        outcome = await attempt(c, "POST", "/deployment", create_body(name="ambiguous"))
        assert outcome == EXPECTED[kind]
        c.app.state.faults = FaultConfig()  # replaced wholesale mid-run
        query = {**PAGE, "name": "ambiguous"}
        found = await c.ok("POST", "/deployment/list", query)
        # Over a socket the client may give up before the server thread reached the engine.
        deadline = time.monotonic() + 2
        while after and not found["result_total"] and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
            found = await c.ok("POST", "/deployment/list", query)
    # "after": the engine applied the create and only the answer was lost.
    assert found["result_total"] == (1 if after else 0)


def test_reads_only_fail_before_the_engine() -> None:
    config = FaultConfig(fault_rate=1.0, after_fraction=1.0)
    assert all(not f.after for f in (config.decide(mutating=False) for _ in range(50)) if f)
    assert all(f and f.after for f in (config.decide(mutating=True) for _ in range(50)))


def test_fault_decisions_are_deterministic() -> None:
    def decisions(seed: int) -> list[Any]:
        config = FaultConfig(fault_rate=0.5, seed=seed)
        return [config.decide(mutating=i % 2 == 0) for i in range(200)]

    first = decisions(5)
    assert first == decisions(5)
    assert first != decisions(6)
    assert any(first) and not all(first)
    assert {f.kind for f in first if f} == set(FAULT_KINDS)


def test_fault_sequence_ignores_the_rate() -> None:
    # The n-th request's fate depends on the seed and n only, so raising the rate only adds faults.
    low, high = FaultConfig(fault_rate=0.2, seed=3), FaultConfig(fault_rate=0.6, seed=3)
    pairs = [(low.decide(mutating=True), high.decide(mutating=True)) for _ in range(300)]
    assert all(h == lo for lo, h in pairs if lo)
    assert sum(1 for _, h in pairs if h) > sum(1 for lo, _ in pairs if lo)


def test_fault_config_is_checked() -> None:
    with pytest.raises(ValueError):
        FaultConfig(kinds=("418",))
    with pytest.raises(ValueError):
        FaultConfig(fault_rate=1.5)
    with pytest.raises(ValueError):
        FaultConfig(latency_ms=-1)


async def test_faults_over_http_are_deterministic(connect: Connect, make_sim: Any) -> None:
    async def outcomes() -> list[str]:
        faults = FaultConfig(fault_rate=0.5, seed=11, kinds=("500", "503", "429"))
        async with connect(make_sim(), faults) as c:
            return [await attempt(c, "GET", "/deployment/blacklist") for _ in range(20)]

    first = await outcomes()
    assert first == await outcomes()
    assert "ok" in first and len(set(first)) > 1


async def test_latency(connect: Connect, sim: Simulator) -> None:
    async with connect(sim, FaultConfig(latency_ms=60)) as c:
        start = time.monotonic()
        await c.ok("GET", "/deployment/blacklist")
        assert time.monotonic() - start >= 0.06
        c.app.state.faults.latency_ms = 0


async def test_serve_in_background(sim: Simulator) -> None:
    async with serve_in_background(create_app(sim)) as url:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url) and not url.endswith(":0")
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": "t"}) as http:
            r = await http.get("/api/v1/dev/deployment/blacklist")
            assert r.json()["code"] == "Success"
    with pytest.raises(httpx.ConnectError):
        await httpx.AsyncClient().get(url + "/api/v1/dev/deployment/blacklist")


# --- the command line --------------------------------------------------------------------


async def test_server_run_announces_and_serves() -> None:
    # server.run() itself, in a child process, on a port the OS picks (--port 0).
    code = (
        "import argparse, sys\n"
        "from autodl_tui.sim import server\n"
        "p = argparse.ArgumentParser(); server.add_arguments(p)\n"
        "sys.exit(server.run(p.parse_args(sys.argv[1:])))\n"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, "--port", "0", "--fleet", "empty", "--not-enterprise",
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        assert match, line
        assert "fleet empty" in line and "any non-empty token" in line
        async with httpx.AsyncClient(base_url=match[1], headers={"Authorization": "t"}) as http:
            r = await http.get("/api/v1/dev/deployment/blacklist")
            assert r.json()["msg"] == NO_PERMISSION
    finally:
        proc.terminate()
        await proc.wait()


def test_run_fails_cleanly_when_the_port_is_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = (
            "import argparse, sys\n"
            "from autodl_tui.sim import server\n"
            "p = argparse.ArgumentParser(); server.add_arguments(p)\n"
            "sys.exit(server.run(p.parse_args(sys.argv[1:])))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, "--port", str(port), "--fleet", "empty"],
            cwd=REPO,
            capture_output=True,
            timeout=30,
        )
    assert done.returncode != 0  # uvicorn's startup-failure status
    assert b"listening" not in done.stdout
    assert b"address already in use" in done.stderr


def test_cli_sim_subcommand() -> None:
    with running_sim("--fleet", "demo", capture=True) as (proc, url):
        r = httpx.post(
            f"{url}/api/v1/dev/deployment/list",
            json={"page_index": 1, "page_size": 10},
            headers={"Authorization": "any-token"},
        )
        envelope = r.json()
        assert envelope["code"] == "Success" and envelope["data"]["result_total"] > 0
    out, _ = proc.communicate(timeout=10)
    assert f"listening on {url}".encode() in out
