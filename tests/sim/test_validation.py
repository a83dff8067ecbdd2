"""Unit tests of the request validators: every rule, and "only SimError ever escapes"."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from autodl_tui.sim import validation as v
from autodl_tui.sim.errors import PARAMETER_WRONG, SimError

Body = dict[str, Any]


def refused(fn: Callable[[Any], object], body: Any, field: str = "") -> SimError:
    """Assert `fn(body)` raises RequestParameterIsWrong naming `field`; the error."""
    with pytest.raises(SimError) as info:
        fn(body)
    err = info.value
    assert err.code == PARAMETER_WRONG
    assert err.msg.startswith("请求参数错误: ")
    assert field in err.msg
    return err


@pytest.fixture
def body(create_body: Callable[..., Body]) -> Body:
    return create_body()


def without(d: Body, *path: str) -> Body:
    """A deep copy of `d` lacking the field at `path`."""
    out = copy.deepcopy(d)
    target = out
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return out


def with_(d: Body, value: Any, *path: str) -> Body:
    """A deep copy of `d` with the field at `path` set to `value`."""
    out = copy.deepcopy(d)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


ALL_VALIDATORS = [
    v.image_list,
    v.create,
    v.deployment_list,
    v.event_list,
    v.container_list,
    v.stop_container,
    v.set_replicas,
    v.operate,
    v.delete_deployment,
    v.blacklist,
    v.gpu_stock,
    v.ddp_overview,
]


# --- shape -------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", ALL_VALIDATORS)
@pytest.mark.parametrize("value", [None, [], "x", 1, 2.5, True])
def test_non_object_body_is_refused(fn: Callable[[Any], object], value: Any) -> None:
    refused(fn, value)


def test_unknown_fields_are_ignored(body: Body) -> None:
    extra = with_(body, "whatever", "surprise")
    extra["container_template"]["colour"] = "blue"
    assert v.create(extra) == v.create(body)


def test_null_counts_as_absent() -> None:
    assert v.image_list({"page_index": 1, "page_size": 5, "offset": None}).offset == 0
    # Go binds null as the zero value: page_index null is page_index 0, the first page.
    assert v.image_list({"page_index": None, "page_size": 5}) == v.PageArgs(1, 5, 0)


# --- numbers -----------------------------------------------------------------------------


def test_ints_refuse_floats_bools_and_strings() -> None:
    # Issue 13 item 5: the backend is Go (times as {"Time","Valid"}, REAL-WORLD §8.2), whose
    # decoder refuses 2.0 and "10" for an int field.
    refused(v.image_list, {"page_index": 2.0, "page_size": 10}, "page_index: must be an integer")
    refused(v.image_list, {"page_index": 1, "page_size": 10.0}, "page_size: must be an integer")
    refused(v.image_list, {"page_index": True, "page_size": 10}, "page_index: must be an integer")
    refused(v.image_list, {"page_index": 1, "page_size": "10"}, "page_size: must be an integer")
    refused(v.image_list, {"page_index": 1.5, "page_size": 10}, "page_index")
    refused(v.image_list, {"page_index": 1, "page_size": float("inf")}, "page_size")


def test_page_rules() -> None:
    assert v.image_list({"page_index": 0, "page_size": 10}).page_index == 1
    assert v.image_list({"page_index": 1, "page_size": 10}).page_index == 1
    assert v.image_list({"page_index": 3, "page_size": 1000, "offset": 7}) == v.PageArgs(3, 1000, 7)
    # Issue 13 item 1: 缺省值0 / 缺省值10 (document lines 408-409); Go cannot tell a missing
    # field from 0, and page_index 0 works live (REAL-WORLD §3).
    assert v.image_list({}) == v.PageArgs(1, 10, 0)
    assert v.image_list({"page_index": 2}) == v.PageArgs(2, 10, 0)
    assert v.image_list({"page_index": 1, "page_size": 0}) == v.PageArgs(1, 10, 0)
    # Issue 13 item 9: no page_size cap is documented (REAL-WORLD §3: unknown).
    assert v.image_list({"page_size": 5000}).page_size == 5000
    # Negative values get the defaults too (inference: a lenient pager).
    assert v.image_list({"page_index": -1, "page_size": -5, "offset": -1}) == v.PageArgs(1, 10, 0)


def test_ints_beyond_int32_are_refused(body: Body) -> None:
    # 256 GB sent as bytes instead of GB: the real service fails to bind it.
    refused(v.create, with_(body, 256 * 2**30, "container_template", "memory_size_to"), "memory")
    refused(v.image_list, {"page_index": 2**31, "page_size": 10}, "page_index")


# --- create ------------------------------------------------------------------------------


def test_create_replicaset(body: Body) -> None:
    req = v.create(body)
    assert (req.name, req.deployment_type, req.replica_num) == ("api-created", "ReplicaSet", 2)
    assert req.parallelism_num == 1
    assert req.reuse_container is True
    assert (req.service_6006_port_protocol, req.service_6008_port_protocol) == ("http", "http")
    t = req.template
    assert t.dc_list == ("westDC2", "westDC3")
    assert t.gpu_name_set == ("RTX 4090",)
    assert (t.cuda_v_from, t.cuda_v_to, t.cuda_v) == (113, 128, None)
    assert (t.memory_size_from, t.memory_size_to) == (1, 256)  # still GB
    assert (t.cpu_num_from, t.cpu_num_to, t.price_from, t.price_to) == (1, 100, 100, 9000)
    assert (t.image_uuid, t.cmd, t.cmd_before_shutdown) == (
        "base-image-l2t43iu6uk",
        "sleep 100",
        "",
    )
    assert t.env_vars == {}


@pytest.mark.parametrize("field", ["name", "deployment_type", "container_template"])
def test_create_required_top_level(body: Body, field: str) -> None:
    refused(v.create, without(body, field), f"{field}: required")


@pytest.mark.parametrize(
    "field",
    [
        "gpu_name_set",
        "gpu_num",
        "image_uuid",
        "cmd",
    ],
)
def test_create_required_template_fields(body: Body, field: str) -> None:
    refused(v.create, without(body, "container_template", field), f"container_template.{field}")


@pytest.mark.parametrize(
    "field",
    [
        "cuda_v_from",
        "cuda_v_to",
        "memory_size_from",
        "memory_size_to",
        "cpu_num_from",
        "cpu_num_to",
        "price_from",
        "price_to",
    ],
)
def test_create_range_bounds_may_be_absent_or_zero(body: Body, field: str) -> None:
    # Issue 13 item 2: Go reads a missing bound as 0, and 0 is "no constraint" (REAL-WORLD
    # §8.4; the document's own container-list snippet sends 0 for unused bounds, lines 502-507).
    missing = v.create(without(body, "container_template", field)).template
    zero = v.create(with_(body, 0, "container_template", field)).template
    assert missing == zero
    assert getattr(zero, field) in (0, None)


@pytest.mark.parametrize("field", ["name", "image_uuid", "cmd"])
@pytest.mark.parametrize("blank", ["", "   "])
def test_create_blank_required_strings(body: Body, field: str, blank: str) -> None:
    path = ("name",) if field == "name" else ("container_template", field)
    refused(v.create, with_(body, blank, *path), f"{field}: must not be empty")


def test_create_name_length(body: Body) -> None:
    # Issue 13 item 9: no name length is documented; only the simulator's own cap applies.
    assert v.create(with_(body, "名" * 255, "name")).name == "名" * 255
    refused(v.create, with_(body, "x" * 256, "name"), "name: longer than 255 characters")


def test_create_types(body: Body) -> None:
    refused(v.create, with_(body, 1, "name"), "name: must be a string")
    refused(v.create, with_(body, "yes", "reuse_container"), "reuse_container: must be a boolean")
    refused(v.create, with_(body, 1, "reuse_container"), "reuse_container")
    refused(v.create, with_(body, "RTX 4090", "container_template", "gpu_name_set"), "gpu_name_set")
    refused(v.create, with_(body, [1], "container_template", "dc_list"), "dc_list")
    refused(v.create, with_(body, "2", "container_template", "gpu_num"), "gpu_num")
    refused(v.create, with_(body, [], "container_template"), "container_template: must be")
    refused(v.create, with_(body, ["RTX 4090", ""], "container_template", "gpu_name_set"), "gpu")


def test_create_deployment_type_enum(body: Body) -> None:
    refused(v.create, with_(body, "Deployment", "deployment_type"), "deployment_type")
    refused(v.create, with_(body, "replicaset", "deployment_type"), "deployment_type")


def test_create_counts_by_type(body: Body) -> None:
    refused(v.create, without(body, "replica_num"), "replica_num: required")
    job = with_(body, "Job", "deployment_type")
    refused(v.create, job, "parallelism_num: required")
    job["parallelism_num"] = 2
    req = v.create(job)
    assert (req.replica_num, req.parallelism_num) == (2, 2)
    # Issue 13 item 9: no rule ties parallelism to replicas; more parallelism runs them all.
    assert v.create(with_(job, 3, "parallelism_num")).parallelism_num == 3
    # Job必填 (document line 77), and a Go `required` refuses 0.
    refused(v.create, with_(job, 0, "parallelism_num"), "parallelism_num")
    refused(v.create, without(job, "replica_num"), "replica_num: required")
    container = without(with_(body, "Container", "deployment_type"), "replica_num")
    req = v.create(container)
    assert (req.replica_num, req.parallelism_num) == (1, 1)
    refused(v.create, with_(container, "3", "replica_num"), "replica_num")


@pytest.mark.parametrize(("value", "ok"), [(0, False), (1, True), (10000, True), (10001, False)])
def test_create_replica_bounds(body: Body, value: int, ok: bool) -> None:
    if ok:
        assert v.create(with_(body, value, "replica_num")).replica_num == value
    else:
        refused(v.create, with_(body, value, "replica_num"), "replica_num")


# Issue 13 item 9: no gpu_num maximum is documented; one no host has never schedules.
@pytest.mark.parametrize(("value", "ok"), [(0, False), (1, True), (8, True), (64, True)])
def test_create_gpu_num_bounds(body: Body, value: int, ok: bool) -> None:
    b = with_(body, value, "container_template", "gpu_num")
    if ok:
        assert v.create(b).template.gpu_num == value
    else:
        refused(v.create, b, "gpu_num")


@pytest.mark.parametrize("field", ["memory_size", "cpu_num", "price", "cuda_v"])
def test_create_from_above_to(body: Body, field: str) -> None:
    b = with_(body, 200, "container_template", field + "_from")
    b["container_template"][field + "_to"] = 100
    refused(v.create, b, f"{field}_from: must not exceed")


@pytest.mark.parametrize("field", ["memory_size_from", "cpu_num_from", "price_from"])
def test_create_negative_resources(body: Body, field: str) -> None:
    refused(v.create, with_(body, -1, "container_template", field), field)


def test_create_ports(body: Body) -> None:
    req = v.create(with_(body, "tcp", "service_6008_port_protocol"))
    assert (req.service_6006_port_protocol, req.service_6008_port_protocol) == ("http", "tcp")
    refused(v.create, with_(body, "udp", "service_6006_port_protocol"), "service_6006")
    refused(v.create, with_(body, "HTTP", "service_6008_port_protocol"), "service_6008")
    refused(v.create, with_(body, "ftp", "service_port_protocol"), "service_port_protocol")


def test_create_deprecated_port_protocol_fills_absent_ones(body: Body) -> None:
    legacy = with_(body, "tcp", "service_port_protocol")
    req = v.create(legacy)
    assert (req.service_6006_port_protocol, req.service_6008_port_protocol) == ("tcp", "tcp")
    req = v.create(with_(legacy, "http", "service_6006_port_protocol"))
    assert (req.service_6006_port_protocol, req.service_6008_port_protocol) == ("http", "tcp")


def test_create_regions(body: Body) -> None:
    refused(v.create, with_(body, [], "container_template", "dc_list"), "dc_list: required")
    refused(v.create, without(body, "container_template", "dc_list"), "dc_list: required")
    refused(v.create, with_(body, ["westDC9"], "container_template", "dc_list"), "westDC9")
    twice = with_(body, ["westDC3", "westDC2", "westDC3"], "container_template", "dc_list")
    assert v.create(twice).template.dc_list == ("westDC3", "westDC2")


def test_create_deprecated_region_sign_merges_into_dc_list(body: Body) -> None:
    only_legacy = without(body, "container_template", "dc_list")
    only_legacy["container_template"]["region_sign"] = "beijingDC1"
    t = v.create(only_legacy).template
    assert (t.dc_list, t.region_sign) == (("beijingDC1",), "beijingDC1")
    both = with_(body, "beijingDC1", "container_template", "region_sign")
    assert v.create(both).template.dc_list == ("westDC2", "westDC3", "beijingDC1")
    same = with_(body, "westDC2", "container_template", "region_sign")
    assert v.create(same).template.dc_list == ("westDC2", "westDC3")
    refused(v.create, with_(only_legacy, "mars", "container_template", "region_sign"), "mars")


def test_create_empty_gpu_name_set(body: Body) -> None:
    refused(v.create, with_(body, [], "container_template", "gpu_name_set"), "gpu_name_set")


def test_create_deprecated_cuda_v(body: Body) -> None:
    legacy = without(
        without(body, "container_template", "cuda_v_from"), "container_template", "cuda_v_to"
    )
    legacy["container_template"]["cuda_v"] = 117
    t = v.create(legacy).template
    assert (t.cuda_v_from, t.cuda_v_to, t.cuda_v) == (117, None, 117)
    # The explicit range wins over the deprecated field when both are present.
    t = v.create(with_(body, 117, "container_template", "cuda_v")).template
    assert (t.cuda_v_from, t.cuda_v_to) == (113, 128)


def test_create_env_vars(body: Body) -> None:
    b = with_(body, {"JUPYTER_TOKEN": "test123"}, "container_template", "env_vars")
    assert v.create(b).template.env_vars == {"JUPYTER_TOKEN": "test123"}
    refused(v.create, with_(body, {"A": 1}, "container_template", "env_vars"), "env_vars")
    refused(v.create, with_(body, ["A=1"], "container_template", "env_vars"), "env_vars")


def test_create_vendor_container_example() -> None:
    # The document's own Container example: no replica_num, a lone cuda_v.
    req = v.create(
        {
            "name": "api自动创建",
            "deployment_type": "Container",
            "reuse_container": True,
            "container_template": {
                "dc_list": ["westDC2", "westDC3"],
                "gpu_name_set": ["RTX 4090"],
                "gpu_num": 1,
                "cuda_v": 113,
                "cpu_num_from": 1,
                "cpu_num_to": 100,
                "memory_size_from": 1,
                "memory_size_to": 256,
                "cmd": "sleep 100",
                "price_from": 10,
                "price_to": 9000,
                "image_uuid": "image-db8346e037",
            },
        }
    )
    assert (req.replica_num, req.template.cuda_v_from, req.template.cuda_v_to) == (1, 113, None)


# --- the other calls ---------------------------------------------------------------------


def test_deployment_list() -> None:
    a = v.deployment_list({"page_index": 0, "page_size": 10, "status": "running", "name": "x"})
    assert a == v.DeploymentListArgs(v.PageArgs(1, 10), name="x", status="running")
    assert v.deployment_list({"page_index": 1, "page_size": 10, "status": ""}).status == ""
    refused(v.deployment_list, {"page_index": 1, "page_size": 10, "status": "finished"}, "status")
    refused(v.deployment_list, {"page_index": 1, "page_size": 10, "name": 3}, "name")


def test_event_list() -> None:
    a = v.event_list({"deployment_uuid": "d", "page_index": 0, "page_size": 10, "offset": 4})
    assert a == v.EventListArgs("d", v.PageArgs(1, 10, 4))
    refused(v.event_list, {"page_index": 1, "page_size": 10}, "deployment_uuid: required")
    refused(v.event_list, {"deployment_uuid": "", "page_index": 1, "page_size": 10}, "empty")


def test_container_list() -> None:
    base = {"deployment_uuid": "d", "page_index": 1, "page_size": 10}
    q = v.container_list(base)
    assert (q.deployment_uuid, q.page_index, q.page_size, q.status, q.released) == (
        "d",
        1,
        10,
        (),
        False,
    )
    q = v.container_list(
        base
        | {
            "date_from": "2026-11-27 08:00:00",
            "date_to": "2026-11-27T10:00:00+08:00",
            "price_from": 100,
            "price_to": 2500.5,
            "status": ["running", "removed"],
            "released": True,
        }
    )
    assert (q.date_from, q.date_to) == ("2026-11-27T08:00:00+08:00", "2026-11-27T10:00:00+08:00")
    assert (q.price_from, q.price_to, q.status, q.released) == (
        100.0,
        2500.5,
        ("running", "removed"),
        True,
    )
    # The doc's own sample sends every filter zeroed: zero means "no filter", not a bad range.
    zeroed = base | {"cpu_num_from": 4, "cpu_num_to": 0, "price_from": 10, "price_to": 0}
    assert v.container_list(zeroed).cpu_num_to == 0
    refused(v.container_list, base | {"cpu_num_from": 8, "cpu_num_to": 4}, "cpu_num_from")
    refused(v.container_list, base | {"memory_size_from": 8, "memory_size_to": 4}, "memory")
    refused(v.container_list, base | {"price_from": 9.5, "price_to": 4}, "price_from")
    refused(v.container_list, base | {"price_from": -1}, "price_from")
    refused(v.container_list, base | {"price_to": "1"}, "price_to")
    refused(v.container_list, base | {"date_from": "yesterday"}, "date_from")
    late_first = base | {"date_from": "2026-11-28", "date_to": "2026-11-27"}
    refused(v.container_list, late_first, "date_from: must not exceed")
    refused(v.container_list, base | {"status": "running"}, "status")
    refused(v.container_list, base | {"released": "true"}, "released")
    # 缺省值0 (document line 408): a missing page_index is the first page.
    assert v.container_list({"deployment_uuid": "d", "page_size": 10}).page_index == 1


def test_stop_container() -> None:
    a = v.stop_container({"deployment_container_uuid": "c", "decrease_one_replica_num": True})
    assert a == v.StopContainerArgs("c", decrease_one_replica_num=True)
    refused(v.stop_container, {}, "deployment_container_uuid: required")
    refused(v.stop_container, {"deployment_container_uuid": "c", "no_cache": 0}, "no_cache")


@pytest.mark.parametrize(("value", "ok"), [(-1, False), (0, True), (10000, True), (10001, False)])
def test_set_replicas(value: int, ok: bool) -> None:
    body = {"deployment_uuid": "d", "replica_num": value}
    if ok:
        assert v.set_replicas(body) == v.ReplicaArgs("d", value)
    else:
        refused(v.set_replicas, body, "replica_num")


def test_set_replicas_required() -> None:
    refused(v.set_replicas, {"deployment_uuid": "d"}, "replica_num: required")
    refused(v.set_replicas, {"replica_num": 1}, "deployment_uuid: required")


def test_operate() -> None:
    assert v.operate({"deployment_uuid": "d", "operate": "stop"}) == "d"
    refused(v.operate, {"deployment_uuid": "d", "operate": "start"}, "operate: must be stop")
    refused(v.operate, {"deployment_uuid": "d"}, "operate: required")
    refused(v.operate, {"operate": "stop"}, "deployment_uuid")


def test_delete() -> None:
    assert v.delete_deployment({"deployment_uuid": "d"}) == "d"
    refused(v.delete_deployment, {"deployment_uuid": ""}, "deployment_uuid: must not be empty")


# Document line 680: 默认为24小时,最长可设置30天. Issue 13 item 6: 0 is Go's missing value,
# hence the default; 60.0 is no Go int (item 5); a negative expiry is refused (inference).
@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 1440), (1, 1), (43200, 43200), (43201, None), (60.0, None), (-1, None)],
)
def test_blacklist_expiry(value: float, expected: int | None) -> None:
    body = {"deployment_container_uuid": "c", "expire_in_minutes": value}
    if expected is not None:
        assert v.blacklist(body).expire_in_minutes == expected
    else:
        refused(v.blacklist, body, "expire_in_minutes")


def test_blacklist_defaults() -> None:
    assert v.blacklist({"deployment_container_uuid": "c"}) == v.BlacklistArgs("c", 1440, "")
    refused(v.blacklist, {"deployment_container_uuid": "c", "comment": 5}, "comment")
    refused(v.blacklist, {"comment": "x"}, "deployment_container_uuid: required")


def test_gpu_stock() -> None:
    q = v.gpu_stock({"region_sign": "westDC2", "cuda_v_from": 117, "cuda_v_to": 128})
    assert (q.region_sign, q.cuda_v_from, q.cuda_v_to, q.gpu_name_set) == ("westDC2", 117, 128, ())
    # An unknown region is not an error: the real service answers it with an empty list.
    assert v.gpu_stock({"region_sign": "atlantisDC1"}).region_sign == "atlantisDC1"
    legacy = v.gpu_stock({"region_sign": "westDC2", "cuda_v": 117})
    assert (legacy.cuda_v_from, legacy.cuda_v_to) == (117, None)
    refused(v.gpu_stock, {}, "region_sign: required")
    refused(v.gpu_stock, {"region_sign": ""}, "region_sign")
    refused(v.gpu_stock, {"region_sign": "westDC2", "cuda_v_from": 128, "cuda_v_to": 117}, "cuda")
    refused(v.gpu_stock, {"region_sign": "westDC2", "price_from": 9, "price_to": 1}, "price")
    refused(v.gpu_stock, {"region_sign": "westDC2", "gpu_name_set": "RTX 4090"}, "gpu_name_set")
    refused(v.gpu_stock, {"region_sign": "westDC2", "memory_size_from": -1}, "memory_size_from")


def test_ddp_overview() -> None:
    assert v.ddp_overview({"deployment_uuid": "d"}) == "d"
    refused(v.ddp_overview, {}, "deployment_uuid: required")
    refused(v.ddp_overview, {"deployment_uuid": ""}, "deployment_uuid")


# --- robustness --------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["", "stop", "westDC2", "ReplicaSet", "Job", "Container", "http", "tcp"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)

FIELD_NAMES = [
    "page_index",
    "page_size",
    "offset",
    "name",
    "deployment_type",
    "replica_num",
    "parallelism_num",
    "reuse_container",
    "service_port_protocol",
    "service_6006_port_protocol",
    "container_template",
    "dc_list",
    "region_sign",
    "gpu_name_set",
    "gpu_num",
    "cuda_v",
    "cuda_v_from",
    "cuda_v_to",
    "memory_size_from",
    "memory_size_to",
    "cpu_num_from",
    "cpu_num_to",
    "price_from",
    "price_to",
    "image_uuid",
    "cmd",
    "env_vars",
    "deployment_uuid",
    "deployment_container_uuid",
    "status",
    "date_from",
    "date_to",
    "released",
    "operate",
    "expire_in_minutes",
    "comment",
]
# Objects whose keys are the real field names, so validators get past the first check.
plausible_objects = st.recursive(
    st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=12),
    lambda inner: st.dictionaries(st.sampled_from(FIELD_NAMES), inner | json_values, max_size=12),
    max_leaves=10,
)


def only_sim_errors(fn: Callable[[Any], object], value: Any) -> None:
    try:
        fn(value)
    except SimError as err:
        assert err.code == PARAMETER_WRONG


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(value=json_values | plausible_objects)
def test_arbitrary_json_raises_only_sim_error(value: Any) -> None:
    # Every validator sees every value: generating nested JSON is the slow part.
    for fn in ALL_VALIDATORS:
        only_sim_errors(fn, value)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_mutated_valid_create_raises_only_sim_error(
    create_body: Callable[..., Body], data: st.DataObject
) -> None:
    # Start from a valid body and swap single fields for arbitrary JSON: the deep paths.
    b = create_body()
    for _ in range(data.draw(st.integers(1, 3))):
        targets = [b] + [b["container_template"]] * isinstance(b["container_template"], dict)
        target = data.draw(st.sampled_from(targets))
        key = data.draw(st.sampled_from(sorted(target) + ["cuda_v", "region_sign", "env_vars"]))
        target[key] = data.draw(json_values)
    only_sim_errors(v.create, b)
