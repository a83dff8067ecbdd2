"""The fast paths of fleet building give exactly what the plain code they replace gives."""

from __future__ import annotations

import gc
import random

import pytest

from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.fleets import build_simulator, spec
from autodl_tui.sim.incidents import ALL_INCIDENTS, Incidents
from autodl_tui.sim.lifecycle import PASSWORD_ALPHABET, PASSWORD_LENGTH, root_password
from autodl_tui.sim.records import DeploymentRec
from autodl_tui.sim.world import Host


@pytest.mark.parametrize("seed", range(20))
def test_root_password_draws_what_choice_draws(seed: int) -> None:
    fast, plain = random.Random(seed), random.Random(seed)
    for _ in range(50):
        expected = "".join(plain.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
        assert root_password(fast) == expected
        assert fast.getstate() == plain.getstate()


def _plain_pick(sim: Simulator, dep: DeploymentRec) -> Host | None:
    """`_pick_host` as it was before its scan was inlined and full pools remembered."""
    hosts = dep.candidates
    if not hosts:
        return None
    gpu_num = dep.spec.template.gpu_num
    start = sim._rng.randrange(len(hosts))
    slow = sim.incidents.prefer(hosts, lambda h: sim._fits(h, gpu_num))
    if slow is not None:
        return slow
    for i in range(len(hosts)):
        host = hosts[(start + i) % len(hosts)]
        if sim._fits(host, gpu_num):
            return host
    return None


def test_pick_host_matches_the_plain_scan_as_pools_fill_and_free(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = VirtualClock()
    # A tiny world: a few hosts per pool, so pools fill, free up and fill again.
    sim = Simulator(
        seed=3, clock=clock, world_scale=0.1, incidents=Incidents(ALL_INCIDENTS, seed=3)
    )
    sim.max_deployments = 100
    real = sim._pick_host
    picks: list[tuple[tuple[int, int], bool, Host | None]] = []

    def checked(dep: DeploymentRec) -> Host | None:
        key = (id(dep.candidates), dep.spec.template.gpu_num)
        remembered = sim._full_at.get(key) == sim._capacity_epoch
        before = (sim._rng.getstate(), sim.incidents._rng.getstate())
        got = real(dep)
        after = (sim._rng.getstate(), sim.incidents._rng.getstate())
        sim._rng.setstate(before[0])
        sim.incidents._rng.setstate(before[1])
        assert got is _plain_pick(sim, dep)
        assert (sim._rng.getstate(), sim.incidents._rng.getstate()) == after
        picks.append((key, remembered, got))
        return got

    monkeypatch.setattr(sim, "_pick_host", checked)
    image = sim.images[0]["image_uuid"]
    pools = [
        (("beijingDC3",), ("Tesla V100-SXM2-32GB",), 1),
        (("beijingDC3",), ("Tesla V100-SXM2-32GB",), 2),
        (("westDC2",), ("RTX 4090", "RTX 4090D"), 1),
        (("beijingDC4",), ("L20",), 4),
    ]
    deployments = []
    for i in range(24):
        regions, gpus, gpu_num = pools[i % len(pools)]
        kind = "Job" if i % 3 == 2 else "ReplicaSet"
        request = spec(
            f"d{i}",
            kind,
            regions=regions,
            gpus=gpus,
            image=image,
            cmd=f"sleep {30 + 7 * i}",
            replicas=5,
            parallelism=6,
            gpu_num=gpu_num,
            reuse=i % 2 == 0,
        )
        deployments.append(sim.create_deployment(request)["deployment_uuid"])
        clock.advance(20)
        sim.sync()
        if i == 6:
            placed = [u for u in sim.container_uuids(deployments[0]) if sim._containers[u].host]
            sim.set_blacklist(placed[0], 3, "slow")
        if i % 5 == 4:
            sim.set_replica_num(deployments[0], 2 + i)
    for _ in range(60):
        clock.advance(15)
        sim.sync()
    # Some pool was remembered full, and a later pick in it found a host that freed up.
    refilled = {
        key
        for i, (key, remembered, _) in enumerate(picks)
        if remembered and any(k == key and got for k, _, got in picks[i:])
    }
    assert refilled


@pytest.mark.parametrize("enabled", [True, False])
def test_a_build_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        build_simulator("demo", seed=0, clock=VirtualClock())
        assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()
