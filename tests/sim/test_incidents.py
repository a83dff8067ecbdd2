"""Incidents staged on purpose (issue 17 item 4): slow hosts, crashes, stock that comes and goes.

Everything is read back through the engine's own answers (the wire shapes the app sees), so
the tests see the incidents as a client of the real API would.
"""

from __future__ import annotations

import argparse
import statistics
from datetime import datetime
from typing import Any

import pytest

from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.commands import ContainerQuery, StockQuery
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.fleets import build_simulator, spec
from autodl_tui.sim.incidents import (
    ALL_INCIDENTS,
    INCIDENT_KINDS,
    NO_INCIDENTS,
    SCARCE_POOL_MAX_GPUS,
    parse_incidents,
)
from autodl_tui.sim.server import add_arguments, chosen_incidents
from autodl_tui.sim.world import REGION_MODELS


def demo(seed: int, incidents: frozenset[str] = ALL_INCIDENTS) -> Simulator:
    return build_simulator("demo", seed=seed, clock=VirtualClock(), incidents=incidents)


def _deployments(sim: Simulator) -> list[dict[str, Any]]:
    return list(sim.list_deployments(1, 100)["list"])


def _events(sim: Simulator, uuid: str) -> list[dict[str, Any]]:
    return list(sim.list_container_events(uuid, 1, 100_000)["list"])[::-1]


def _containers(sim: Simulator, uuid: str) -> list[dict[str, Any]]:
    query = ContainerQuery(deployment_uuid=uuid, page_index=1, page_size=10_000, released=True)
    return list(sim.list_containers(query)["list"])


def boot_times(sim: Simulator) -> dict[str, list[float]]:
    """Per machine id, each container's seconds from `creating` to `running` (events only)."""
    per_host: dict[str, list[float]] = {}
    for dep in _deployments(sim):
        machine = {c["uuid"]: c["machine_id"] for c in _containers(sim, dep["uuid"])}
        first: dict[tuple[str, str], datetime] = {}
        for e in _events(sim, dep["uuid"]):
            key = (e["deployment_container_uuid"], e["status"])
            first.setdefault(key, datetime.fromisoformat(e["created_at"]))
        for (uuid, status), at in first.items():
            if status == "creating" and (uuid, "running") in first and machine.get(uuid):
                took = (first[(uuid, "running")] - at).total_seconds()
                per_host.setdefault(machine[uuid], []).append(took)
    return per_host


def flagged(per_host: dict[str, list[float]]) -> set[str]:
    """Hosts whose median over >= 3 containers is more than 3x the rest of the fleet's
    (the host judged left out of the baseline, as the app's slow-host rule does)."""

    def rest(m: str) -> float:
        return statistics.median(t for o, times in per_host.items() if o != m for t in times)

    return {
        m
        for m, times in per_host.items()
        if len(times) >= 3 and statistics.median(times) > 3 * rest(m)
    }


@pytest.mark.parametrize("seed", [0, 1, 2, 7])
def test_a_seeded_slow_host_is_slow_repeatedly(seed: int) -> None:
    sim = demo(seed)
    slow = flagged(boot_times(sim))
    assert slow, "no host is > 3x the fleet median over >= 3 containers"
    chosen = {sim.world.hosts[i].machine_id for i in sim.incidents.slow}
    assert slow <= chosen  # only the staged hosts, never a healthy one by chance


def test_without_incidents_no_host_is_slow() -> None:
    assert not flagged(boot_times(demo(0, NO_INCIDENTS)))


def _replicaset(sim: Simulator, replicas: int = 4) -> str:
    request = spec(
        "svc",
        "ReplicaSet",
        regions=("westDC3", "beijingDC2"),
        gpus=("RTX 4090",),
        image=sim.images[0]["image_uuid"],
        cmd="python serve.py",
        replicas=replicas,
    )
    return str(sim.create_deployment(request)["deployment_uuid"])


def _run_for(sim: Simulator, seconds: float, step: float = 60.0) -> None:
    for _ in range(int(seconds / step)):
        sim.clock.advance(step)
        sim.sync()


def test_containers_crash_and_the_replicaset_replaces_them() -> None:
    sim = build_simulator("empty", seed=3, clock=VirtualClock(), incidents={"crashes"})
    uuid = _replicaset(sim)
    _run_for(sim, 4 * 3600)
    events = _events(sim, uuid)
    crashed = {e["deployment_container_uuid"] for e in events if e["status"] == "shutting_down"}
    assert crashed, "no container left running on its own"
    for c in crashed:
        # The real API's sequence for a cmd that exits: no invented status.
        statuses = [e["status"] for e in events if e["deployment_container_uuid"] == c]
        assert statuses[-4:] == ["running", "shutting_down", "shutdown", "removed"]
    assert len(_containers(sim, uuid)) > 4  # replacements were created
    running = [c for c in _containers(sim, uuid) if c["status"] == "running"]
    assert len(running) <= 4 and _deployments(sim)[0]["status"] == "running"


def test_without_crashes_nothing_leaves_running() -> None:
    sim = build_simulator("empty", seed=3, clock=VirtualClock())
    uuid = _replicaset(sim)
    _run_for(sim, 4 * 3600)
    assert all(e["status"] != "shutting_down" for e in _events(sim, uuid))


def _scarce() -> list[tuple[str, str]]:
    return [
        (region, m.gpu_name)
        for region, models in REGION_MODELS.items()
        for m in models
        if m.total <= SCARCE_POOL_MAX_GPUS
    ]


def _idle(sim: Simulator, region: str, model: str) -> int:
    for entry in sim.gpu_stock(StockQuery(region_sign=region, gpu_name_set=(model,))):
        return int(entry[model]["idle_gpu_num"])
    return 0


def stock_history(sim: Simulator, hours: float) -> dict[tuple[str, str], list[int]]:
    pools = _scarce()
    history: dict[tuple[str, str], list[int]] = {p: [] for p in pools}
    for _ in range(int(hours * 60)):
        sim.clock.advance(60)
        for p in pools:
            history[p].append(_idle(sim, *p))
    return history


def _flips(series: list[int]) -> int:
    """How many times idle went from > 0 to 0 and back above 0."""
    flips, was_zero, seen_positive = 0, False, False
    for idle in series:
        if idle > 0:
            flips += was_zero and seen_positive
            seen_positive, was_zero = True, False
        else:
            was_zero = True
    return flips


def test_stock_goes_to_zero_and_comes_back() -> None:
    sim = build_simulator("empty", seed=5, clock=VirtualClock(), incidents={"stock"})
    history = stock_history(sim, 3)
    flipping = [p for p, series in history.items() if _flips(series)]
    assert len(flipping) >= 2, history
    # A drained pool stays at 0 (the market leaves it alone) for minutes, not one poll.
    longest_zero = max(
        max((len(run) for run in "".join("0" if i == 0 else "x" for i in s).split("x")), default=0)
        for p, s in history.items()
        if p in flipping
    )
    assert longest_zero >= 5


def test_without_the_stock_incident_scarce_pools_do_not_flip() -> None:
    history = stock_history(build_simulator("empty", seed=5, clock=VirtualClock()), 3)
    assert sum(_flips(s) for s in history.values()) <= 1


def _fingerprint(sim: Simulator) -> list[Any]:
    out: list[Any] = []
    for dep in _deployments(sim):
        out.append((dep["name"], _events(sim, dep["uuid"]), _containers(sim, dep["uuid"])))
    out.append([sim.gpu_stock(StockQuery(region_sign=r)) for r in REGION_MODELS])
    return out


def test_incidents_are_deterministic_by_seed() -> None:
    assert _fingerprint(demo(4)) == _fingerprint(demo(4))
    assert _fingerprint(demo(4)) != _fingerprint(demo(5))


def test_no_incidents_leaves_the_world_as_it_was() -> None:
    # Incidents draw from their own stream: turning them off is exactly the old world.
    plain = build_simulator("demo", seed=4, clock=VirtualClock())
    assert _fingerprint(plain) == _fingerprint(demo(4, NO_INCIDENTS))
    assert _fingerprint(plain) != _fingerprint(demo(4))


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("all", ALL_INCIDENTS),
        ("none", NO_INCIDENTS),
        ("crashes", {"crashes"}),
        (" slow-hosts , stock ", {"slow-hosts", "stock"}),
        (",".join(INCIDENT_KINDS), ALL_INCIDENTS),
    ],
)
def test_parse_incidents(text: str, kinds: frozenset[str]) -> None:
    assert parse_incidents(text) == kinds


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="autodl-tui sim")
    add_arguments(parser)
    return parser.parse_args(argv)


@pytest.mark.parametrize("bad", ["", "fire", "all,crashes", "crashes,,x", "none,stock"])
def test_a_bad_incidents_flag_is_a_message_naming_it(
    bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        _parse("--incidents", bad)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "argument --incidents" in err and "choose from all, none" in err
    assert "Traceback" not in err


def test_the_demo_fleet_stages_incidents_by_default() -> None:
    assert chosen_incidents(_parse().incidents, "demo") == ALL_INCIDENTS
    assert chosen_incidents(_parse("--fleet", "empty").incidents, "empty") == NO_INCIDENTS
    chosen = chosen_incidents(_parse("--incidents", "none").incidents, "demo")
    assert chosen == NO_INCIDENTS
    assert chosen_incidents(_parse("--incidents", "stock").incidents, "empty") == {"stock"}
