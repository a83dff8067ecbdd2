"""The engine fed by real polls of the simulator, a third of them failing: no false alert."""

from __future__ import annotations

import pytest

from autodl_tui.alerts.engine import AlertEngine
from autodl_tui.alerts.model import Alert, AlertSettings, Snapshot
from autodl_tui.api import AutoDLClient, AutoDLError, Container, Deployment, RetryPolicy
from autodl_tui.api.units import parse_time
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.faults import FaultConfig
from autodl_tui.sim.fleets import build_simulator, spec
from autodl_tui.sim.transport import sim_transport

POLL_S = 5
POLLS = 90


async def poll(
    client: AutoDLClient, clock: VirtualClock, known: list[str]
) -> tuple[Snapshot, bool]:
    """One poll as the app would make it: each part kept only when read whole (and if all were)."""
    whole = True
    deployments: tuple[Deployment, ...] | None = None
    try:
        listing = await client.list_all_deployments()
        if not listing.cut:
            deployments = tuple(listing)
            known[:] = [d.uuid for d in deployments]
    except AutoDLError:
        whole = False
    containers: dict[str, tuple[Container, ...]] = {}
    for uuid in known:
        try:
            group = await client.list_all_containers(uuid)
        except AutoDLError:
            whole = False
            continue  # unknown this time: left out, never "no containers"
        if not group.cut:
            containers[uuid] = tuple(group)
    return Snapshot(at=clock.now(), deployments=deployments, containers=containers), whole


@pytest.mark.parametrize("fault_rate", [0.0, 0.3])
async def test_a_crashing_replicaset_and_a_job_fire_once_each(fault_rate: float) -> None:
    clock = VirtualClock()
    sim = build_simulator("empty", seed=3, clock=clock)
    where = {"regions": ("westDC3",), "gpus": ("RTX 4090",), "image": "base-image-l2t43iu6uk"}
    svc = sim.create_deployment(spec("svc", "ReplicaSet", cmd="sleep 100", replicas=2, **where))
    job = sim.create_deployment(spec("job", "Job", cmd="sleep 50", replicas=2, **where))
    faults = FaultConfig(fault_rate=fault_rate, seed=11, kinds=("500", "502", "503", "malformed"))
    client = AutoDLClient(
        "test-token",
        base_url="http://sim",
        transport=sim_transport(sim, faults),
        retry=RetryPolicy(max_retries=0),
    )
    fired: list[Alert] = []
    engine = AlertEngine(AlertSettings(below_replicas=False), [fired.append])
    known: list[str] = []
    partial = 0
    async with client:
        for _ in range(POLLS):
            snap, whole = await poll(client, clock, known)
            partial += not whole
            engine.observe(snap)
            last_poll = snap.at
            clock.advance(POLL_S)
    assert (partial > POLLS // 4) if fault_rate else partial == 0

    svc_uuid = svc["deployment_uuid"]
    stops = [a for a in fired if a.rule == "container_stopped"]
    assert stops and all(a.deployment_uuid == svc_uuid for a in stops)
    per_container = [a.container_uuid for a in stops if a.container_uuid]
    assert len(per_container) == len(set(per_container))  # once per container
    # Containers that left together are one alert naming them (both, with two replicas).
    batches = " ".join(a.what for a in stops if not a.container_uuid)
    events = sim.list_container_events(svc_uuid, 1, 1000)["list"]
    ended = {
        e["deployment_container_uuid"]
        for e in events
        if e["status"] == "shutting_down" and parse_time(e["created_at"]) <= last_poll
    }
    # Every container named really stopped: a failed list never read as "containers gone".
    named = set(per_container) | {c for c in ended if c.rsplit("-", 1)[-1] in batches}
    assert set(per_container) <= ended
    if not fault_rate:
        assert named == ended  # and with every poll whole, none is missed
    finished = [a for a in fired if a.rule == "job_finished"]
    assert [a.deployment_uuid for a in finished] == [job["deployment_uuid"]]
