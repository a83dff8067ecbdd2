"""The private-cloud simulator (`create_app(..., flavor="private")`, `sim --flavor private`)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sim_process import REPO, running_sim

from autodl_tui.sim.app import ROUTES
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.private import driver_name, private_routes, world_name
from autodl_tui.sim.transport import sim_transport

TOKEN = "test-token"
API = "/api/v1/dev"
TORCH = "base-image-l2t43iu6uk"


@contextlib.asynccontextmanager
async def client(sim: Simulator, flavor: str = "private") -> AsyncIterator[httpx.AsyncClient]:
    transport = sim_transport(sim, flavor=flavor, raise_app_exceptions=True)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://sim" + API, headers={"Authorization": TOKEN}
    ) as http:
        yield http


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["code"] == "Success", answer
    assert "request_id" not in answer  # the private cloud sends none
    return answer["data"]


def refused(response: httpx.Response, field: str) -> str:
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["code"] == "RequestParameterIsWrong" and field in answer["msg"], answer
    return str(answer["msg"])


def create_body(**template: Any) -> dict[str, Any]:
    tpl = {
        "gpu_name_set": ["NVIDIA GeForce RTX 4090"],
        "gpu_num": 1,
        "cuda_v": 118,
        "memory_size_from": 1,
        "memory_size_to": 256,
        "cpu_num_from": 1,
        "cpu_num_to": 100,
        "price_from": 100,
        "price_to": 9000,
        "image_uuid": TORCH,
        "cmd": "sleep infinity",
    }
    tpl.update(template)
    return {"name": "lab", "deployment_type": "ReplicaSet", "replica_num": 1,
            "container_template": {k: v for k, v in tpl.items() if v is not None}}  # fmt: skip


def test_driver_names_round_trip() -> None:
    for name in ("RTX 4090", "RTX 3080 Ti", "RTX A5000", "L20", "Tesla V100-SXM2-32GB"):
        assert world_name(driver_name(name)) == name
    assert driver_name("RTX 4090") == "NVIDIA GeForce RTX 4090"
    assert driver_name("RTX A5000") == "NVIDIA RTX A5000"
    assert driver_name("NVIDIA A40") == "NVIDIA A40"


async def test_cluster_stock_is_a_dict_keyed_by_gpu_name(
    make_sim: Callable[..., Simulator],
) -> None:
    sim = make_sim("empty", token=TOKEN)
    async with client(sim) as http:
        stock = ok(await http.get("/machine/gpu_stock"))
        region = ok(await http.post("/machine/region/gpu_stock", json={"dc_list": ["westDC2"]}))
        both = ok(
            await http.post(
                "/machine/region/gpu_stock", json={"dc_list": ["westDC2"], "region_sign": "westDC3"}
            )
        )
        everything = ok(await http.post("/machine/region/gpu_stock", json={}))
        only = ok(
            await http.post(
                "/machine/region/gpu_stock", json={"gpu_name_set": ["NVIDIA GeForce RTX 4090"]}
            )
        )
    assert isinstance(stock, dict) and stock == everything
    for name, entry in stock.items():
        assert entry["gpu_name"] == name and name.startswith("NVIDIA ")
        assert entry["total_gpu_num"] >= entry["idle_gpu_num"] >= 0
    rtx = "NVIDIA GeForce RTX 4090"
    assert region[rtx]["total_gpu_num"] < both[rtx]["total_gpu_num"] <= stock[rtx]["total_gpu_num"]
    assert list(only) == [rtx] and only == {rtx: stock[rtx]}


async def test_bad_stock_requests_are_refused(make_sim: Callable[..., Simulator]) -> None:
    sim = make_sim("empty", token=TOKEN)
    async with client(sim) as http:
        refused(
            await http.post("/machine/region/gpu_stock", json={"dc_list": "westDC2"}), "dc_list"
        )
        refused(
            await http.post("/machine/region/gpu_stock", json={"region_sign": 3}), "region_sign"
        )
        refused(
            await http.post(
                "/machine/region/gpu_stock", json={"cuda_v_from": 128, "cuda_v_to": 118}
            ),
            "cuda_v",
        )
        refused(await http.post("/machine/region/gpu_stock", json=[]), "body")


async def test_blacklist_is_listed_by_post_only(make_sim: Callable[..., Simulator]) -> None:
    sim = make_sim("demo", token=TOKEN)
    async with client(sim) as http:
        listed = ok(await http.post("/deployment/blacklist/list", json={}))
        assert (await http.get("/deployment/blacklist")).status_code == 405
        refused(await http.post("/deployment/blacklist/list", json=[1]), "body")
    assert listed and {"machine_id", "data_center", "expired_time", "msg"} <= set(listed[0])
    async with client(sim, "public") as http:
        assert (await http.post("/deployment/blacklist/list", json={})).status_code == 404
        assert (await http.get("/machine/gpu_stock")).status_code == 404


async def test_create_takes_one_cuda_v_and_no_regions(make_sim: Callable[..., Simulator]) -> None:
    sim = make_sim("empty", token=TOKEN)
    async with client(sim) as http:
        made = ok(await http.post("/deployment", json=create_body()))
        for key, value in (
            ("dc_list", ["westDC2"]),
            ("region_sign", "westDC2"),
            ("cuda_v_from", 118),
            ("cuda_v_to", 128),
        ):
            refused(await http.post("/deployment", json=create_body(**{key: value})), key)
        refused(await http.post("/deployment", json=create_body(cuda_v=None)), "cuda_v")
        refused(await http.post("/deployment", json=create_body(cuda_v="11.8")), "cuda_v")
        refused(
            await http.post("/deployment", json={"name": "x", "deployment_type": "Container"}),
            "container_template",
        )
        sim.clock.advance(60)
        (dep,) = ok(
            await http.post(
                "/deployment/list",
                json={"page_index": 1, "page_size": 10, "deployment_uuid": made["deployment_uuid"]},
            )
        )["list"]
        slim = ok(await http.get("/deployment/list"))["list"]
        (container,) = ok(
            await http.post(
                "/deployment/container/list",
                json={
                    "deployment_uuid": made["deployment_uuid"],
                    "gpu_name": "NVIDIA GeForce RTX 4090",
                    "page_index": 1,
                    "page_size": 10,
                },
            )
        )["list"]
    template = dep["template"]
    assert template["cuda_v"] == 118 and template["gpu_name_set"] == ["NVIDIA GeForce RTX 4090"]
    assert not {"dc_list", "region_sign", "cuda_v_from", "cuda_v_to"} & set(template)
    assert not {"dc_list", "region_sign"} & set(slim[0])
    assert container["gpu_name"] == "NVIDIA GeForce RTX 4090" and container["status"] == "running"


async def test_errors_carry_no_request_id_either(make_sim: Callable[..., Simulator]) -> None:
    sim = make_sim("empty", token=TOKEN)
    async with client(sim) as http:
        stop = {"deployment_uuid": "0" * 10, "operate": "stop"}
        answer = (await http.put("/deployment/operate", json=stop)).json()
        bad_token = (
            await http.get("/machine/gpu_stock", headers={"Authorization": "wrong"})
        ).json()
    assert answer["code"] == "RecordNotFoundError" and "request_id" not in answer
    assert bad_token["code"] == "AuthorizeFailed" and "request_id" not in bad_token


def test_sim_command_serves_the_private_flavor() -> None:
    with running_sim("--fleet", "demo", "--flavor", "private", capture=True) as (proc, url):
        r = httpx.get(f"{url}{API}/machine/gpu_stock", headers={"Authorization": "any"})
        assert isinstance(r.json()["data"], dict)
    out, _ = proc.communicate(timeout=10)
    assert b"private flavor" in out


@pytest.mark.parametrize("value", ["privat", "PRIVATE", ""])
def test_sim_command_refuses_an_unknown_flavor(value: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autodl_tui", "sim", "--flavor", value],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "argument --flavor: the flavor must be public or private" in done.stderr
    if value:
        assert "did you mean 'private'?" in done.stderr


@pytest.mark.parametrize("opener", ["[", '{"a":'])
async def test_a_deeply_nested_body_is_a_parameter_error_not_a_500(
    make_sim: Callable[..., Simulator], opener: str
) -> None:
    sim = make_sim("empty", token=TOKEN)
    closer = "]" if opener == "[" else "}"
    async with client(sim) as http:
        for depth in (100, 900, 5000):
            body = opener * depth + ("0" if opener != "[" else "") + closer * depth
            r = await http.post("/deployment/container/list", content=body)
            assert r.status_code == 200 and r.json()["code"] == "RequestParameterIsWrong", depth


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "dc_list",
                    "region_sign",
                    "cuda_v",
                    "cuda_v_from",
                    "gpu_name_set",
                    "gpu_name",
                    "container_template",
                    "deployment_uuid",
                    "page_index",
                    "page_size",
                    "name",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        )
    ),  # fmt: skip
    max_leaves=12,
)
PRIVATE_ROUTES = sorted(
    (path, method) for path, methods in private_routes(ROUTES).items() for method in methods
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(route=st.sampled_from(PRIVATE_ROUTES), body=JSON)
async def test_no_body_makes_a_private_route_fail_with_a_500(
    route: tuple[str, str], body: Any
) -> None:
    path, method = route
    sim = build_simulator("demo", seed=3, clock=VirtualClock(), token=TOKEN)
    async with client(sim) as http:  # raise_app_exceptions: a bug raises here
        r = await http.request(method, path, json=body)
    assert r.status_code == 200 and r.json()["code"] in (
        "Success",
        "RequestParameterIsWrong",
        "RecordNotFoundError",
        "BadRequest",
    )
