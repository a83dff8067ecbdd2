"""Pre-flight counts and exactly-once create against the in-process simulator."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from autodl_tui.api import AutoDLClient, DeploymentSpec
from autodl_tui.deploy.preflight import run_preflight
from autodl_tui.deploy.submit import CreateOutcomeUnknown, create_once
from autodl_tui.deploy.template import Template, template_from_deployment
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.commands import StockQuery
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport

CREATE = ("POST", "/api/v1/dev/deployment")

TEMPLATE = Template(
    name="pf-test",
    replica_num=2,
    dc_list=("westDC2", "westDC3"),
    gpu_name_set=("RTX 4090",),
    cuda_from=118,
    memory_gb_from=8,
    price_yuan_to=5.0,
    image_uuid="base-image-l2t43iu6uk",
    cmd="sleep 1000",
)


class Faulty(httpx.AsyncBaseTransport):
    """Forwards to the simulator, but can lose the create's answer or the list calls."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.lose_create_answer = False
        self.fail_create_before_sending = False
        self.fail_lists = False
        self.requests: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.method, request.url.path)
        self.requests.append(key)
        if key == CREATE and self.fail_create_before_sending:
            raise httpx.ConnectError("refused", request=request)
        if self.fail_lists and key[1].endswith("/deployment/list"):
            return httpx.Response(503, text="503 Service Temporarily Unavailable")
        response = await self.inner.handle_async_request(request)
        if key == CREATE and self.lose_create_answer:
            await response.aread()
            return httpx.Response(502, text="502 Bad Gateway")
        return response


@pytest.fixture
def sim() -> Simulator:
    return build_simulator("demo", seed=0, clock=VirtualClock())


@pytest.fixture
def wire(sim: Simulator) -> Faulty:
    return Faulty(sim_transport(sim))


@pytest.fixture
async def client(wire: Faulty) -> Any:
    from autodl_tui.api import RetryPolicy

    async def no_sleep(_s: float) -> None:
        return None

    async with AutoDLClient(
        "t", base_url="http://sim", transport=wire, retry=RetryPolicy(max_retries=1),
        sleep=no_sleep,
    ) as c:  # fmt: skip
        yield c


def spec(**changes: Any) -> DeploymentSpec:
    return replace(TEMPLATE, **changes).to_spec()


def named(sim: Simulator, name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = sim.list_deployments(1, 100, name=name)["list"]
    return items


def idle(sim: Simulator, region: str, spec: DeploymentSpec) -> int:
    t = spec.template
    query = StockQuery(
        region_sign=region,
        gpu_name_set=t.gpu_name_set,
        cuda_v_from=t.cuda_v_from,
        cuda_v_to=t.cuda_v_to,
        memory_size_from=t.memory_gb_from,
        memory_size_to=t.memory_gb_to,
        cpu_num_from=t.cpu_num_from,
        cpu_num_to=t.cpu_num_to,
        price_from=t.price_from,
        price_to=t.price_to,
    )
    return sum(v["idle_gpu_num"] for item in sim.gpu_stock(query) for v in item.values())


async def test_preflight_counts_what_the_simulator_would_schedule(client, sim, wire) -> None:
    s = spec()
    result = await run_preflight(client, s)
    assert result.body == s.to_body()
    by_region = {r.region: r.idle for r in result.regions}
    assert by_region == {r: idle(sim, r, s) for r in ("westDC2", "westDC3")}
    assert result.has_stock and result.warnings == ()
    assert "westDC2 西北企业区(推荐)" in result.report()
    assert CREATE not in wire.requests


async def test_preflight_warns_when_nothing_matches_or_cards_are_many(client) -> None:
    none = await run_preflight(client, spec(price_yuan_from=0.01, price_yuan_to=0.01))
    assert not none.has_stock
    assert any("no idle RTX 4090 card matches" in w for w in none.warnings)
    multi = await run_preflight(client, spec(gpu_num=4))
    assert any("single cards" in w for w in multi.warnings)


async def test_preflight_notes_a_taken_name(client, sim) -> None:
    result = await run_preflight(client, spec(name="llm-serve"))
    assert any("already exists" in w for w in result.warnings)


async def test_create_once_sends_one_create(client, sim, wire) -> None:
    created = await create_once(client, spec())
    assert not created.recovered
    assert [d["uuid"] for d in named(sim, "pf-test")] == [created.uuid]
    assert wire.requests.count(CREATE) == 1


async def test_a_lost_answer_is_found_by_name_not_resent(client, sim, wire) -> None:
    wire.lose_create_answer = True
    created = await create_once(client, spec())
    assert created.recovered
    assert [d["uuid"] for d in named(sim, "pf-test")] == [created.uuid]
    assert wire.requests.count(CREATE) == 1


async def test_same_name_deployments_are_not_mistaken_for_ours(client, sim, wire) -> None:
    first = await create_once(client, spec())
    wire.lose_create_answer = True
    second = await create_once(client, spec())
    assert second.recovered and second.uuid != first.uuid
    assert len(named(sim, "pf-test")) == 2


async def test_a_create_that_never_left_is_reported_safe_to_retry(client, sim, wire) -> None:
    wire.fail_create_before_sending = True
    with pytest.raises(CreateOutcomeUnknown) as caught:
        await create_once(client, spec())
    assert caught.value.checked and "a retry is safe" in str(caught.value)
    assert named(sim, "pf-test") == []
    assert wire.requests.count(CREATE) == 1


async def test_when_the_list_fails_too_the_user_is_told_to_check(client, sim, wire) -> None:
    wire.lose_create_answer = True
    wire.fail_lists = True
    with pytest.raises(CreateOutcomeUnknown) as caught:
        await create_once(client, spec())
    assert not caught.value.checked and "look for 'pf-test'" in str(caught.value)
    assert wire.requests.count(CREATE) == 1
    assert len(named(sim, "pf-test")) == 1  # it did happen: that is why nobody may resend


@pytest.mark.parametrize("kind", ["ReplicaSet", "Job", "Container"])
async def test_clone_round_trips_a_template(client, sim, kind: str) -> None:
    original = replace(
        TEMPLATE,
        deployment_type=kind,
        replica_num=3 if kind != "Container" else 1,
        parallelism_num=2 if kind == "Job" else 1,
        memory_gb_to=96,
        price_yuan_from=0.25,
        reuse_container=True,
        service_6008_port_protocol="tcp",
        cmd_before_shutdown="sync",
    )
    created = await create_once(client, original.to_spec())
    page = await client.list_deployments(deployment_uuid=created.uuid)
    assert template_from_deployment(page.items[0]) == original
