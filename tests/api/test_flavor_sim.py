"""The client suite against the private-cloud simulator (`--flavor private`).

The flavor-neutral tests of test_client_sim.py run here again, unchanged, with `env` a
private-flavor client on a private-flavor simulator (in-process and over a socket); the
differences between the flavors are tested below them.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from api_helpers import TOKEN, Sleeps
from test_client_sim import (
    Env,
    kind,
    template,
    test_create_is_never_repeated_under_faults,
    test_event_cursor_against_the_event_store,
    test_job_and_container_types,
    test_reads_survive_injected_faults,
    test_writes_and_lifecycle,
)

from autodl_tui.api import (
    AutoDLClient,
    ContainerFilter,
    DeploymentSpec,
    InvalidRequestError,
    NotFoundError,
    RetryPolicy,
    StockFilter,
    TransportError,
)
from autodl_tui.api.flavor import CLUSTER
from autodl_tui.sim.app import create_app
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.server import serve_in_background
from autodl_tui.sim.transport import sim_transport

__all__ = [
    "kind",
    "test_create_is_never_repeated_under_faults",
    "test_event_cursor_against_the_event_store",
    "test_job_and_container_types",
    "test_reads_survive_injected_faults",
    "test_writes_and_lifecycle",
]

RTX_4090 = "NVIDIA GeForce RTX 4090"


@contextlib.asynccontextmanager
async def open_private_env(kind: str, fleet: str = "demo", **sim_kw: Any) -> AsyncIterator[Env]:
    """A private-flavor client on a private-flavor simulator, in-process or over a socket."""
    clock = VirtualClock()
    sim = build_simulator(fleet, seed=7, clock=clock, token=TOKEN, **sim_kw)
    options: dict[str, Any] = {
        "retry": RetryPolicy(max_retries=3),
        "sleep": Sleeps(),
        "flavor": "private",
    }
    if kind == "asgi":
        transport = sim_transport(sim, flavor="private")
        async with AutoDLClient(TOKEN, "http://sim", transport=transport, **options) as client:
            yield Env(client, sim, clock, transport.app, kind, transport)
        return
    app = create_app(sim, flavor="private")
    async with (
        serve_in_background(app) as url,
        AutoDLClient(TOKEN, url, timeout=5.0, **options) as client,
    ):
        yield Env(client, sim, clock, app, kind)


@pytest.fixture
async def env(kind: str) -> AsyncIterator[Env]:
    """Overrides test_client_sim's `env` for the tests imported above."""
    async with open_private_env(kind) as e:
        yield e


# --- what differs ----------------------------------------------------------------------------


async def test_private_reads(env: Env) -> None:
    client = env.client
    stock = await client.get_gpu_stock(CLUSTER)
    names = {s.gpu_name for s in stock}
    assert RTX_4090 in names and all(n.startswith("NVIDIA ") for n in names)
    assert all(s.region == CLUSTER and s.total >= s.idle >= 0 for s in stock)
    # The cluster is every region: its 4090s are the regions' summed.
    by_region = [await client.get_gpu_stock(r) for r in ("westDC2", "westDC3", "beijingDC2")]
    some = sum(s.total for part in by_region for s in part if s.gpu_name == RTX_4090)
    cluster = next(s.total for s in stock if s.gpu_name == RTX_4090)
    assert 0 < some <= cluster
    only = await client.get_gpu_stock(CLUSTER, StockFilter(gpu_name_set=(RTX_4090,)))
    assert {s.gpu_name for s in only} == {RTX_4090}

    deployments = await client.list_all_deployments()
    llm = next(d for d in deployments if d.name == "llm-serve")
    assert llm.template.dc_list == () and llm.template.cuda_v > 0
    assert all(n.startswith("NVIDIA ") for n in llm.template.gpu_name_set)
    containers = await client.list_all_containers(
        llm.uuid, ContainerFilter(gpu_name=llm.template.gpu_name_set[0])
    )
    assert containers and {c.gpu_name for c in containers} == {llm.template.gpu_name_set[0]}
    (package,) = await client.get_ddp_overview(llm.uuid)
    assert package.gpu_type == RTX_4090

    assert (await client.list_blacklist())[0].machine_id
    assert env.client.stats.failures == 0


async def test_private_create_schedules_on_the_whole_cluster(env: Env) -> None:
    client = env.client
    spec = DeploymentSpec.replica_set(
        "lab-made", template(dc_list=(), gpu_name_set=(RTX_4090,), cuda_v_from=118), 2
    )
    uuid = await client.create_deployment(spec)
    env.clock.advance(60)
    (dep,) = (await client.list_deployments(deployment_uuid=uuid)).items
    assert (dep.template.cuda_v, dep.template.dc_list) == (118, ())
    running = await client.list_all_containers(uuid, ContainerFilter(status=("running",)))
    assert len(running) == 2 and {c.gpu_name for c in running} == {RTX_4090}


async def test_private_business_errors(env: Env) -> None:
    with pytest.raises(NotFoundError) as info:
        await env.client.stop_deployment("0000000000")
    assert info.value.request_id == ""  # the private cloud sends none
    with pytest.raises(NotFoundError):
        await env.client.create_deployment(
            DeploymentSpec.container("x", template(image_uuid="image-db8346e037"))
        )


async def test_the_flavors_stock_regions_walk_the_cluster(env: Env) -> None:
    regions = env.client.flavor.stock_regions
    assert list(regions) == [CLUSTER]
    assert await env.client.get_gpu_stock(CLUSTER)
    assert list(await env.client.list_all_deployments())


async def test_a_public_client_on_the_private_simulator_fails_clearly(kind: str) -> None:
    async with open_private_env(kind) as env:
        public = AutoDLClient(
            TOKEN, env.client.base_url, transport=env.transport, retry=RetryPolicy(max_retries=0)
        )
        async with public:
            with pytest.raises(InvalidRequestError) as info:
                await public.create_deployment(DeploymentSpec.container("x", template()))
            assert "container_template.dc_list" in info.value.msg
            # GET blacklist is not served there: 405 Method Not Allowed.
            with pytest.raises(TransportError, match="GET /api/v1/dev/deployment/blacklist.*405"):
                await public.list_blacklist()


async def test_the_private_sim_answers_without_request_id(kind: str) -> None:
    async with open_private_env(kind, "empty") as env:
        transport = env.transport
        url = env.client.base_url
        async with httpx.AsyncClient(
            transport=transport, base_url=url, headers={"Authorization": TOKEN}
        ) as http:
            answer = (await http.get("/api/v1/dev/machine/gpu_stock")).json()
    assert answer["code"] == "Success" and "request_id" not in answer
    assert isinstance(answer["data"], dict)


async def test_the_apps_poller_reads_the_clusters_stock_on_a_private_profile() -> None:
    from autodl_tui.ui.messages import StockLoaded
    from autodl_tui.ui.poller import Poller

    async with open_private_env("asgi") as env:
        posted: list[object] = []
        poller = Poller(env.client, posted.append)
        await poller.poll_stock()
    (loaded,) = [m for m in posted if isinstance(m, StockLoaded)]
    assert list(loaded.stock) == [CLUSTER] and loaded.stock[CLUSTER]
