"""Request shapes other public clients send, replayed against the simulator (issue 13).

Four public clients and the vendor document's own snippets send bodiless GET lists, page_index
0, bodies without paging, 0 for unused filters, a lone `cuda_v`, protocols inside the template,
unknown fields and (by mistake) numbers as strings. Each test names its evidence: a document
line (shared/api/autodl-elastic-deployment-api.zh.md) or a REAL-WORLD.md section.

Each test runs twice: in-process (ASGI) and over a real loopback socket.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from autodl_tui.catalog import GIB

Conn = Any
Body = Callable[..., dict[str, Any]]
ALL = {"page_index": 1, "page_size": 1000}


async def demo_deployment(c: Conn, name: str = "llm-serve") -> dict[str, Any]:
    found = await c.ok("POST", "/deployment/list", {**ALL, "name": name})
    item: dict[str, Any] = found["list"][0]
    return item


def assert_refused(envelope: dict[str, Any], field: str) -> None:
    assert envelope["code"] == "RequestParameterIsWrong", envelope
    assert envelope["data"] is None
    assert field in envelope["msg"], envelope


# --- item 1: list calls without page_index / page_size ------------------------------------


async def test_lists_without_paging_take_the_documented_defaults(conn: Conn) -> None:
    # 缺省值0 / 缺省值10 (document lines 408-409); a Go backend cannot tell missing from 0.
    dep = await demo_deployment(conn)
    uuid = dep["uuid"]
    for path, body in [
        ("/deployment/list", {}),
        ("/image/private/list", {}),
        ("/deployment/container/list", {"deployment_uuid": uuid}),
        ("/deployment/container/event/list", {"deployment_uuid": uuid}),
    ]:
        data = await conn.ok("POST", path, body)
        assert (data["page_index"], data["page_size"]) == (1, 10), path
        explicit = await conn.ok("POST", path, {**body, "page_index": 1, "page_size": 10})
        assert data["list"] == explicit["list"], path


async def test_page_index_zero_is_the_first_page(conn: Conn) -> None:
    # The document's event-list snippet sends page_index 0 (line 383), and it worked live
    # (REAL-WORLD §3, ROOKIE-NB).
    dep = await demo_deployment(conn)
    body = {"deployment_uuid": dep["uuid"], "deployment_container_uuid": "", "page_size": 3}
    zero = await conn.ok("POST", "/deployment/container/event/list", {**body, "page_index": 0})
    one = await conn.ok("POST", "/deployment/container/event/list", {**body, "page_index": 1})
    assert zero["list"] == one["list"] and len(zero["list"]) == 3


# --- item 2: a 0 bound is no bound --------------------------------------------------------


@pytest.mark.parametrize("bound", ["price_to", "memory_size_to", "cuda_v_to", "cpu_num_to"])
async def test_stock_zero_upper_bound_is_no_constraint(conn: Conn, bound: str) -> None:
    # REAL-WORLD §8.4: 0 means no constraint; the vendor's container-list snippet sends 0 for
    # every unused filter (document lines 502-507).
    unfiltered = await conn.ok("POST", "/machine/region/gpu_stock", {"region_sign": "westDC2"})
    assert unfiltered
    zeroed = await conn.ok(
        "POST", "/machine/region/gpu_stock", {"region_sign": "westDC2", bound: 0}
    )
    assert zeroed == unfiltered


async def test_stock_with_every_filter_zeroed(conn: Conn) -> None:
    body = {
        "region_sign": "westDC2",
        "cuda_v_from": 0,
        "cuda_v_to": 0,
        "memory_size_from": 0,
        "memory_size_to": 0,
        "cpu_num_from": 0,
        "cpu_num_to": 0,
        "price_from": 0,
        "price_to": 0,
        "gpu_name_set": [],
    }
    unfiltered = await conn.ok("POST", "/machine/region/gpu_stock", {"region_sign": "westDC2"})
    assert await conn.ok("POST", "/machine/region/gpu_stock", body) == unfiltered


async def test_container_list_with_the_documents_zero_filters(conn: Conn) -> None:
    # The document's snippet (lines 495-511) verbatim apart from the uuid.
    dep = await demo_deployment(conn)
    body = {
        "deployment_uuid": dep["uuid"],
        "container_uuid": "",
        "date_from": "",
        "date_to": "",
        "gpu_name": "",
        "cpu_num_from": 0,
        "cpu_num_to": 0,
        "memory_size_from": 0,
        "memory_size_to": 0,
        "price_from": 0,
        "price_to": 0,
        "released": False,
        "status": ["running"],
        "page_index": 1,
        "page_size": 10,
    }
    data = await conn.ok("POST", "/deployment/container/list", body)
    assert data["list"] and all(c["status"] == "running" for c in data["list"])


async def wait_running(conn: Conn, uuid: str) -> list[dict[str, Any]]:
    """Step the paused clock until the deployment has a running container (bounded)."""
    for _ in range(60):
        body = {"deployment_uuid": uuid, "status": ["running"]}
        found: list[dict[str, Any]] = (await conn.ok("POST", "/deployment/container/list", body))[
            "list"
        ]
        if found:
            return found
        conn.sim.clock.advance(5)
    raise AssertionError("no container ever ran")


@pytest.mark.parametrize(
    "zeroed",
    [
        {"cuda_v_from": 0, "cuda_v_to": 0},
        {"memory_size_from": 0, "memory_size_to": 0},
        {"cpu_num_from": 0, "cpu_num_to": 0},
        {"price_from": 0, "price_to": 0},
    ],
)
async def test_create_with_zero_bounds_schedules(
    conn: Conn, create_body: Body, zeroed: dict[str, int]
) -> None:
    # Issue 13 item 2: accepted and then never scheduled, before.
    body = create_body(name="zeroed", replica_num=1, template=zeroed)
    uuid = (await conn.ok("POST", "/deployment", body))["deployment_uuid"]
    assert await wait_running(conn, uuid)


async def test_create_with_only_cuda_v_round_trips(conn: Conn, create_body: Body) -> None:
    # The document's Container example sends only the deprecated cuda_v (line 208); the answer
    # carries cuda_v_to 0, and sending that template back must work (issue 13 item 2).
    body = create_body(name="legacy-cuda", deployment_type="Container")
    del body["replica_num"]
    tpl = body["container_template"]
    del tpl["cuda_v_from"], tpl["cuda_v_to"]
    tpl["cuda_v"] = 113
    uuid = (await conn.ok("POST", "/deployment", body))["deployment_uuid"]
    echoed = (await demo_deployment(conn, "legacy-cuda"))["template"]
    assert (echoed["cuda_v"], echoed["cuda_v_from"], echoed["cuda_v_to"]) == (113, 113, 0)
    assert await wait_running(conn, uuid)
    # Re-send the template as a client reads it back (memory converted from bytes to GB).
    again = {key: echoed[key] for key in tpl if key in echoed and key != "cuda_v"}
    again["memory_size_from"] = echoed["memory_size_from"] // GIB
    again["memory_size_to"] = echoed["memory_size_to"] // GIB
    again["cuda_v_from"], again["cuda_v_to"] = echoed["cuda_v_from"], echoed["cuda_v_to"]
    resent = create_body(name="legacy-cuda-2", deployment_type="Container", template=again)
    await conn.ok("POST", "/deployment", resent)


# --- item 3: port protocols inside the template -------------------------------------------


async def test_protocols_inside_the_template_are_honoured(conn: Conn, create_body: Body) -> None:
    # The document puts them at the top level (lines 79-81); one public client and one
    # transcription put them in container_template (issue 13 item 3).
    template = {"service_6006_port_protocol": "tcp", "service_6008_port_protocol": "tcp"}
    body = create_body(name="tcp-inside", replica_num=1, template=template)
    uuid = (await conn.ok("POST", "/deployment", body))["deployment_uuid"]
    item = await demo_deployment(conn, "tcp-inside")
    assert item["service_6006_port_protocol"] == item["service_6008_port_protocol"] == "tcp"
    container = (await wait_running(conn, uuid))[0]
    assert not container["info"]["service_6006_port_url"].startswith("https://")


async def test_top_level_protocol_wins_over_the_template(conn: Conn, create_body: Body) -> None:
    body = create_body(
        name="both",
        service_6006_port_protocol="http",
        template={"service_6006_port_protocol": "tcp", "service_6008_port_protocol": "tcp"},
    )
    await conn.ok("POST", "/deployment", body)
    item = await demo_deployment(conn, "both")
    assert (item["service_6006_port_protocol"], item["service_6008_port_protocol"]) == (
        "http",
        "tcp",
    )


async def test_bad_protocol_inside_the_template_is_named(conn: Conn, create_body: Body) -> None:
    body = create_body(template={"service_6008_port_protocol": "udp"})
    envelope = (await conn.call("POST", "/deployment", body)).json()
    assert_refused(envelope, "container_template.service_6008_port_protocol")


# --- item 4: GET binds the query string only ----------------------------------------------


async def test_bodiless_and_bodied_gets(conn: Conn) -> None:
    # REAL-WORLD §7.3: the bare GET deployment/list works (slim items); §8.5: only the query
    # string is bound, so any body on a GET changes nothing.
    bare = await conn.ok("GET", "/deployment/list")
    with_body = await conn.ok("GET", "/deployment/list", {"page_index": 1, "page_size": 1})
    assert bare == with_body and len(bare["list"]) == bare["result_total"] > 1
    assert await conn.ok("GET", "/deployment/blacklist", {"anything": 1}) == await conn.ok(
        "GET", "/deployment/blacklist"
    )


# --- item 5: Go integers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        ("/deployment/list", "POST", {"page_index": 1, "page_size": "10"}, "page_size"),
        ("/deployment/list", "POST", {"page_index": 2.0, "page_size": 10}, "page_index"),
        (
            "/machine/region/gpu_stock",
            "POST",
            {"region_sign": "westDC2", "cuda_v": "117"},
            "cuda_v",
        ),
        (
            "/machine/region/gpu_stock",
            "POST",
            {"region_sign": "westDC2", "cuda_v": 117.0},
            "cuda_v",
        ),
    ],
)
async def test_string_and_float_numbers_are_refused(
    conn: Conn, path: str, method: str, body: dict[str, Any], field: str
) -> None:
    # Issue 13 item 5: a Go decoder refuses "10" and 2.0 for an int (REAL-WORLD §8.2: Go).
    assert_refused((await conn.call(method, path, body)).json(), f"{field}: must be an integer")


async def test_float_fields_still_take_floats(conn: Conn) -> None:
    # container/list price_from/to are Float in the document (lines 404-405).
    dep = await demo_deployment(conn)
    body = {"deployment_uuid": dep["uuid"], "price_from": 0.5, "price_to": 99999.5}
    assert (await conn.ok("POST", "/deployment/container/list", body))["list"]


async def test_replica_num_as_float_is_refused(conn: Conn) -> None:
    dep = await demo_deployment(conn)
    body = {"deployment_uuid": dep["uuid"], "replica_num": 2.0}
    assert_refused((await conn.call("PUT", "/deployment/replica_num", body)).json(), "replica_num")


# --- item 6: blacklist expire_in_minutes 0 -------------------------------------------------


async def test_blacklist_zero_minutes_is_the_default_day(conn: Conn) -> None:
    # Document line 680: 默认为24小时; to Go, 0 is the missing value (issue 13 item 6).
    dep = await demo_deployment(conn)
    body = {"deployment_uuid": dep["uuid"], "status": ["running"]}
    box = (await conn.ok("POST", "/deployment/container/list", body))["list"][0]
    await conn.ok(
        "POST",
        "/deployment/blacklist",
        {"deployment_container_uuid": box["uuid"], "expire_in_minutes": 0, "comment": ""},
    )
    entry = next(
        e
        for e in await conn.ok("GET", "/deployment/blacklist")
        if e["machine_id"] == box["machine_id"]
    )
    span = datetime.fromisoformat(entry["expired_time"]) - datetime.fromisoformat(
        entry["updated_at"]
    )
    assert span.total_seconds() == 1440 * 60


# --- item 7: GET deployment/list pages from its query string -----------------------------


async def test_get_deployment_list_honours_query_paging(conn: Conn) -> None:
    everything = await conn.ok("GET", "/deployment/list")
    page = await conn.ok("GET", "/deployment/list", params={"page_index": 1, "page_size": 2})
    assert page["list"] == everything["list"][:2]
    assert (page["page_size"], page["result_total"]) == (2, everything["result_total"])
    second = await conn.ok("GET", "/deployment/list", params={"page_index": "2", "page_size": "2"})
    assert second["list"] == everything["list"][2:4]
    r = await conn.call("GET", "/deployment/list", params={"page_index": "two"})
    assert_refused(r.json(), "page_index: must be an integer")


# --- item 8: a waiting container keeps the struct's shape ----------------------------------


async def test_waiting_container_has_every_info_key(conn: Conn, create_body: Body) -> None:
    # A Go struct emits every key (the document's example, line 473); one public client's
    # models fail on `{}` and the whole list call errors (issue 13 item 8).
    body = create_body(name="waits", replica_num=1, template={"gpu_name_set": ["RTX 9999"]})
    uuid = (await conn.ok("POST", "/deployment", body))["deployment_uuid"]
    listed = await conn.ok("POST", "/deployment/container/list", {"deployment_uuid": uuid})
    (waiting,) = listed["list"]
    assert waiting["info"] == dict.fromkeys(
        ["ssh_command", "root_password", "service_6006_port_url", "service_6008_port_url"], ""
    )
    assert (waiting["machine_id"], waiting["data_center"], waiting["gpu_name"]) == ("", "", "")
    # A placed container has the same keys, filled.
    running = (await wait_running(conn, (await demo_deployment(conn))["uuid"]))[0]
    assert set(running["info"]) == set(waiting["info"]) and all(running["info"].values())


# --- item 9: no unsourced limits ------------------------------------------------------------


async def test_unsourced_limits_are_gone(conn: Conn, create_body: Body) -> None:
    # Issue 13 item 9: none of these has a source; a lenient Go backend accepts them.
    await conn.ok("POST", "/deployment", create_body(name="n" * 100))
    await conn.ok("POST", "/deployment", create_body(name="big", template={"gpu_num": 16}))
    job = create_body(name="wide-job", deployment_type="Job", replica_num=2, parallelism_num=5)
    await conn.ok("POST", "/deployment", job)
    data = await conn.ok("POST", "/deployment/list", {"page_index": 1, "page_size": 5000})
    assert data["page_size"] == 5000 and len(data["list"]) == data["result_total"]


async def test_enums_stay_exact(conn: Conn, create_body: Body) -> None:
    # Kept on purpose: Go compares strings exactly (inference, GUESSES.md).
    envelope = (
        await conn.call("POST", "/deployment", create_body(deployment_type="replicaset"))
    ).json()
    assert_refused(envelope, "deployment_type")


# --- unknown fields -------------------------------------------------------------------------


async def test_unknown_fields_are_ignored(conn: Conn, create_body: Body) -> None:
    # REAL-WORLD §7.2: an undocumented env_vars was accepted; clients add their own keys too.
    body = create_body(name="extras", reuse_container_scope="all", client="x", template={"note": 1})
    await conn.ok("POST", "/deployment", body)
    await conn.ok("POST", "/deployment/list", {"page_index": 1, "page_size": 10, "sort": "name"})
    stock = {"region_sign": "westDC2", "gpu_name": "RTX 4090", "extra": [1, 2]}
    assert await conn.ok("POST", "/machine/region/gpu_stock", stock)
