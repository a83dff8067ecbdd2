"""AutoDLClient against the real simulator, in-process (ASGI) and over a loopback socket.

Every test taking `env` runs twice, once per transport. The simulator's clock is paused and
stepped by hand, so each run is deterministic.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from api_helpers import TOKEN, Sleeps
from hypothesis import HealthCheck, given, settings, strategies as st
from starlette.applications import Starlette

from autodl_tui.api import (
    ApiError,
    AuthError,
    AutoDLClient,
    ContainerEvent,
    ContainerFilter,
    ContainerTemplateSpec,
    DeploymentSpec,
    EventCursor,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RetryPolicy,
    StockFilter,
    TransportError,
)
from autodl_tui.catalog import CONTAINER_STATUSES, CST, GIB
from autodl_tui.sim.app import create_app
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.faults import FaultConfig
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.server import serve_in_background
from autodl_tui.sim.transport import sim_transport

TORCH = "base-image-l2t43iu6uk"


@dataclass
class Env:
    """A client wired to one simulator, plus the handles a test needs to steer it."""

    client: AutoDLClient
    sim: Simulator
    clock: VirtualClock
    app: Starlette
    kind: str
    transport: httpx.AsyncBaseTransport | None = None

    def faults(self, config: FaultConfig | None) -> None:
        self.app.state.faults = config or FaultConfig()


@contextlib.asynccontextmanager
async def open_env(
    kind: str, fleet: str = "demo", *, token: str = TOKEN, retries: int = 3, **sim_kw: Any
) -> AsyncIterator[Env]:
    clock = VirtualClock()
    sim = build_simulator(fleet, seed=7, clock=clock, token=TOKEN, **sim_kw)
    retry = RetryPolicy(max_retries=retries)
    if kind == "asgi":
        transport = sim_transport(sim)
        async with AutoDLClient(
            token, "http://sim", transport=transport, retry=retry, sleep=Sleeps()
        ) as client:
            yield Env(client, sim, clock, transport.app, kind, transport)
        return
    app = create_app(sim)
    async with (
        serve_in_background(app) as url,
        AutoDLClient(token, url, timeout=5.0, retry=retry, sleep=Sleeps()) as client,
    ):
        yield Env(client, sim, clock, app, kind)


@pytest.fixture(params=["asgi", "socket"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def env(kind: str) -> AsyncIterator[Env]:
    async with open_env(kind) as e:
        yield e


def template(**kw: Any) -> ContainerTemplateSpec:
    base: dict[str, Any] = {
        "dc_list": ("westDC2", "westDC3"),
        "gpu_name_set": ("RTX 4090",),
        "image_uuid": TORCH,
        "cmd": "sleep infinity",
        "memory_gb_to": 256,
    }
    base.update(kw)
    return ContainerTemplateSpec(**base)


async def by_name(client: AutoDLClient, name: str) -> str:
    (found,) = (await client.list_deployments(name=name)).items
    return found.uuid


def event_key(event: tuple[str, str, float]) -> tuple[str, str, datetime]:
    container, status, ts = event
    return (container, status, datetime.fromtimestamp(int(ts), CST))


# --- every call ---------------------------------------------------------------------------


async def test_reads(env: Env) -> None:
    client = env.client
    images = await client.list_all_private_images()
    assert images and all(i.image_uuid.startswith("image-") for i in images)

    deployments = await client.list_all_deployments()
    names = {d.name for d in deployments}
    assert {"llm-serve", "nightly-batch", "old-api"} <= names
    llm = next(d for d in deployments if d.name == "llm-serve")
    assert llm.deployment_type == "ReplicaSet" and llm.is_running
    assert llm.template.memory_size_to == 2048 * GIB  # GB in, bytes out
    assert llm.created_at is not None and llm.created_at.tzinfo is not None
    assert (await client.list_deployments(status="stopped")).items[0].name == "old-api"

    containers = await client.list_all_containers(llm.uuid)
    running = await client.list_all_containers(llm.uuid, ContainerFilter(status=("running",)))
    assert running and all(c.status == "running" for c in running)
    assert len(running) <= len(containers)
    c = running[0]
    assert c.memory_size % GIB == 0 and c.price > 0 and c.info.ssh_port
    assert c.info.root_password and c.info.root_password not in repr(c)
    released = await client.list_all_containers(llm.uuid, ContainerFilter(released=True))
    assert len(released) >= len(containers)

    events = await client.list_container_events(llm.uuid, page_size=5)
    assert len(events.items) == 5 and events.max_page > 1
    times = [e.created_at for e in events.items]
    assert times == sorted(times, reverse=True)  # type: ignore[type-var]
    assert {e.status for e in events.items} <= set(CONTAINER_STATUSES)

    (package,) = await client.get_ddp_overview(llm.uuid)
    assert package.gpu_type == "RTX 4090" and package.dc_list == ("westDC2", "westDC3")
    assert 0 < package.balance_s <= package.total_s

    blacklist = await client.list_blacklist()
    assert blacklist and blacklist[0].expired_time is not None

    stock = await client.get_gpu_stock("westDC2")
    assert stock and all(s.region == "westDC2" and s.total >= s.idle >= 0 for s in stock)
    assert {s.chip_corp for s in stock} == {"nvidia"}
    only = await client.get_gpu_stock("westDC2", StockFilter(gpu_name_set=("RTX 4090",)))
    assert {s.gpu_name for s in only} == {"RTX 4090"}
    assert await client.get_gpu_stock("nowhereDC9") == []


async def test_writes_and_lifecycle(env: Env) -> None:
    client, clock = env.client, env.clock
    spec = DeploymentSpec.replica_set("api-made", template(), 2, reuse_container=True)
    uuid = await client.create_deployment(spec)
    assert await by_name(client, "api-made") == uuid

    cursor = client.event_cursor(uuid, page_size=3)
    seen: list[ContainerEvent] = []
    for _ in range(40):
        seen += await cursor.poll()
        clock.advance(1)
    per_container: dict[str, list[str]] = {}
    for e in seen:
        per_container.setdefault(e.container_uuid, []).append(e.status)
    assert len(per_container) == 2
    for statuses in per_container.values():
        assert statuses[-1] == "running"
        # The documented order, possibly skipping the create phase on reuse.
        order = [CONTAINER_STATUSES.index(s) for s in statuses]
        assert order == sorted(order)

    await client.set_replica_num(uuid, 3)
    clock.advance(60)
    running = await client.list_all_containers(uuid, ContainerFilter(status=("running",)))
    assert len(running) == 3

    victim = running[0]
    await client.set_blacklist(victim.uuid, expire_in_minutes=60, comment="slow boot")
    await client.stop_container(victim.uuid, decrease_one_replica_num=True, no_cache=True)
    clock.advance(60)
    entries = {b.machine_id: b for b in await client.list_blacklist()}
    assert entries[victim.machine_id].msg == "slow boot"
    (dep,) = (await client.list_deployments(deployment_uuid=uuid)).items
    assert dep.replica_num == 2

    await client.stop_deployment(uuid)
    await client.stop_deployment(uuid)  # idempotent
    (dep,) = (await client.list_deployments(deployment_uuid=uuid)).items
    assert dep.status == "stopped" and dep.stopped_at is not None
    await client.delete_deployment(uuid)
    assert (await client.list_deployments(deployment_uuid=uuid)).items == ()
    assert client.stats.failures == 0 and client.stats.last_success_at is not None


async def test_job_and_container_types(env: Env) -> None:
    client = env.client
    job = await client.create_deployment(DeploymentSpec.job("api-job", template(), 3, 1))
    box = await client.create_deployment(DeploymentSpec.container("api-box", template()))
    env.clock.advance(30)
    kinds = {d.uuid: d.deployment_type for d in await client.list_all_deployments()}
    assert (kinds[job], kinds[box]) == ("Job", "Container")


async def test_business_errors_from_the_simulator(env: Env) -> None:
    client = env.client
    with pytest.raises(NotFoundError) as info:
        await client.stop_deployment("0000000000")
    assert info.value.request_id and info.value.hint
    with pytest.raises(NotFoundError) as image:
        await client.create_deployment(
            DeploymentSpec.container("x", template(image_uuid="image-db8346e037"))
        )
    assert "镜像" in image.value.msg
    job = await by_name(client, "nightly-batch")
    with pytest.raises(ApiError) as only_rs:
        await client.set_replica_num(job, 5)
    assert only_rs.value.code == "BadRequest"
    assert not isinstance(only_rs.value, PermissionDeniedError)
    with pytest.raises(InvalidRequestError) as bad_region:
        await client.create_deployment(DeploymentSpec.container("x", template(dc_list=("mars",))))
    assert bad_region.value.code == "RequestParameterIsWrong"


async def test_wrong_token(kind: str) -> None:
    async with open_env(kind, "empty", token="not-the-token") as env:
        with pytest.raises(AuthError):
            await env.client.get_gpu_stock("westDC2")


async def test_account_without_enterprise_verification(kind: str) -> None:
    async with open_env(kind, "empty", enterprise_verified=False) as env:
        with pytest.raises(PermissionDeniedError) as info:
            await env.client.list_deployments()
        assert "企业认证" in info.value.hint
        assert await env.client.get_gpu_stock("westDC2")


async def test_reads_survive_injected_faults(env: Env) -> None:
    env.faults(FaultConfig(fault_rate=0.4, seed=3, kinds=("500", "502", "503", "429", "malformed")))
    for _ in range(10):
        assert await env.client.get_gpu_stock("westDC2")
    assert env.client.stats.retries > 0


async def test_create_is_never_repeated_under_faults(env: Env) -> None:
    env.faults(FaultConfig(fault_rate=1.0, seed=1, kinds=("503",), after_fraction=1.0))
    before = env.client.stats.requests_sent
    with pytest.raises(TransportError) as info:
        await env.client.create_deployment(DeploymentSpec.container("once", template()))
    assert env.client.stats.requests_sent == before + 1
    assert "'once'" in info.value.hint
    env.faults(None)
    # The fault struck after the engine ran the call: exactly one deployment exists.
    assert len((await env.client.list_deployments(name="once")).items) == 1


async def test_token_stays_out_of_logs_over_the_wire(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with open_env(kind, "demo") as env:
        for deployment in await env.client.list_all_deployments():
            await env.client.list_all_containers(deployment.uuid)
        await env.client.get_gpu_stock("westDC2")
        env.faults(FaultConfig(fault_rate=1.0, kinds=("500",)))
        with pytest.raises(TransportError) as info:
            await env.client.list_blacklist()
    texts = [caplog.text, str(info.value), repr(info.value), repr(env.client)]
    assert caplog.records and not [t for t in texts if TOKEN in t]


# --- the event cursor against the simulator's event store ---------------------------------

ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("advance"), st.integers(0, 25)),
        st.tuples(st.just("poll"), st.booleans()),
        st.tuples(st.just("scale"), st.integers(0, 6)),
        st.tuples(st.just("stop"), st.integers(0, 20)),
    ),
    min_size=3,
    max_size=20,
)


@settings(
    max_examples=int(os.environ.get("API_PROPERTY_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    replicas=st.integers(1, 5),
    page_size=st.integers(1, 9),
    reuse=st.booleans(),
    actions=ACTIONS,
    fault_seed=st.integers(0, 1000),
)
async def test_event_cursor_against_the_event_store(
    env: Env,
    replicas: int,
    page_size: int,
    reuse: bool,
    actions: list[tuple[str, Any]],
    fault_seed: int,
) -> None:
    # Each example gets its own deployment, so its own event store, in the shared simulator.
    client, clock = env.client, env.clock
    uuid = await client.create_deployment(
        DeploymentSpec.replica_set(
            f"prop-{fault_seed}", template(), replicas, reuse_container=reuse
        )
    )
    # A second client without retries, so injected faults reach the cursor.
    cursor_client = AutoDLClient(
        TOKEN,
        client.base_url,
        transport=env.transport,
        retry=RetryPolicy(max_retries=0),
    )
    cursor = EventCursor(cursor_client, uuid, page_size=page_size)
    kinds = ("500", "503", "429", "malformed") + (("timeout",) if env.kind == "asgi" else ())
    emitted: list[ContainerEvent] = []
    async with cursor_client:
        for action, arg in actions:
            if action == "advance":
                clock.advance(arg)
            elif action == "scale":
                await client.set_replica_num(uuid, arg)
            elif action == "stop":
                running = await client.list_all_containers(uuid)
                live = [c for c in running if c.status == "running"]
                if live:
                    await client.stop_container(live[arg % len(live)].uuid)
            else:
                env.faults(FaultConfig(fault_rate=0.3 if arg else 0, seed=fault_seed, kinds=kinds))
                with contextlib.suppress(TransportError):
                    emitted += await cursor.poll()
                env.faults(None)
        emitted += await cursor.poll()
    store = [event_key(e) for e in env.sim.all_events(uuid)]
    assert [e.key for e in emitted] == store
    await client.delete_deployment(uuid)
