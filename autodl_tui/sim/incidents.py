"""Trouble the simulator makes on purpose, deterministic by seed: slow hosts, crashes, stock flips.

- `slow-hosts`: the first host placement lands on in each of the first SLOW_HOSTS pools (region x
  model) it uses boots SLOW_FACTOR times slower, and later placements that may use it land on
  it often (the idle host everyone else avoids), so the same host is slow over many containers.
- `crashes`: a share of the containers of ReplicaSets exit on their own a while after reaching
  `running` (the cmd died); the events are those of any exit (shutting_down, shutdown, removed)
  and the ReplicaSet replaces the container, as the real service does.
- `stock`: the idle GPUs of one scarce pool (at most SCARCE_POOL_MAX_GPUS cards) go to 0 for a
  while, then come back; pools take turns.

Incidents draw from a random stream of their own, so the world without them is unchanged.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from autodl_tui.sim.world import Host, World

#: Every incident kind, as `--incidents` names them.
INCIDENT_KINDS: tuple[str, ...] = ("slow-hosts", "crashes", "stock")
NO_INCIDENTS: frozenset[str] = frozenset()
ALL_INCIDENTS: frozenset[str] = frozenset(INCIDENT_KINDS)

#: How much longer a slow host's create step takes (4-9 s becomes 40-90 s).
SLOW_FACTOR = 10.0
#: How many hosts turn slow (few: the fleet's median must stay that of healthy hosts).
SLOW_HOSTS = 2
#: The chance a placement lands on a slow host that is a candidate and fits. High enough
#: that with crashes on too (which release containers, and the list shows live ones only)
#: the demo starts with a slow host over 3 live containers, for seeds 0-5 at least.
SLOW_PREFERENCE = 0.65
#: The share of ReplicaSet containers that crash, and after how long running (seconds).
CRASH_SHARE = 0.25
CRASH_AFTER_S = (600.0, 3600.0)
#: A pool this small is scarce: its stock flips.
SCARCE_POOL_MAX_GPUS = 64
#: How long a pool stays drained, and the quiet time between two flips (seconds).
DRAINED_S = (360.0, 900.0)
BETWEEN_FLIPS_S = (600.0, 1800.0)

Pool = tuple[str, str]


def parse_incidents(text: str) -> frozenset[str]:
    """`all`, `none` or a comma list of INCIDENT_KINDS; ValueError saying why not."""
    words = [w.strip() for w in text.split(",") if w.strip()]
    if words == ["all"]:
        return ALL_INCIDENTS
    if words == ["none"]:
        return NO_INCIDENTS
    choices = ", ".join(("all", "none", *INCIDENT_KINDS))
    if not words:
        raise ValueError(f"must not be empty; choose from {choices}")
    unknown = [w for w in words if w not in INCIDENT_KINDS]
    if unknown:
        raise ValueError(f"unknown incident {unknown[0]!r}; choose from {choices}")
    return frozenset(words)


class Incidents:
    """The incidents of one simulator: which hosts are slow, who crashes, which pool is drained."""

    def __init__(self, kinds: Iterable[str] = NO_INCIDENTS, *, seed: int = 0) -> None:
        self.kinds = frozenset(kinds)
        unknown = sorted(self.kinds - ALL_INCIDENTS)
        if unknown:
            raise ValueError(f"unknown incidents: {', '.join(unknown)}")
        self._rng = random.Random(seed ^ 0x1C1DE)
        #: Indexes of the slow hosts.
        self.slow: set[int] = set()
        self._slow_hosts: list[Host] = []
        self._pools: list[Pool] = []
        self._turn = 0
        #: The drained pool and each of its hosts' `external_busy` before, or None.
        self.drained: Pool | None = None
        self._saved: dict[int, int] = {}
        self._hosts: dict[Pool, list[Host]] = {}

    def install(self, world: World) -> float | None:
        """Learn the pools of `world`, pick the scarce ones; seconds until the first stock flip."""
        pools: dict[Pool, list[Host]] = {}
        for host in world.hosts:
            pools.setdefault((host.region, host.gpu_name), []).append(host)
        self._hosts = pools
        if "stock" not in self.kinds:
            return None
        scarce = [
            p for p, hosts in pools.items() if sum(h.gpus for h in hosts) <= SCARCE_POOL_MAX_GPUS
        ]
        self._rng.shuffle(scarce)
        self._pools = scarce
        return self._rng.uniform(*BETWEEN_FLIPS_S) if scarce else None

    # ------------------------------------------------------------------ slow hosts
    def boot_factor(self, host: Host) -> float:
        """How many times longer than usual `host` takes to create a container."""
        return SLOW_FACTOR if host.index in self.slow else 1.0

    def prefer(self, candidates: list[Host], fits: Callable[[Host], bool]) -> Host | None:
        """The slow candidate a placement lands on this time, or None for the usual scan."""
        if not self.slow or self._rng.random() >= SLOW_PREFERENCE:
            return None
        return next((h for h in candidates if h.index in self.slow and fits(h)), None)

    def placed(self, host: Host) -> None:
        """A container was placed on `host`: the first one in a new pool may make it slow."""
        if "slow-hosts" not in self.kinds or len(self.slow) >= SLOW_HOSTS:
            return
        pool = (host.region, host.gpu_name)
        if all((h.region, h.gpu_name) != pool for h in self._slow_hosts):
            self.slow.add(host.index)
            self._slow_hosts.append(host)
            # The host other tenants avoid sits idle, which is why placement keeps finding it.
            host.external_busy = 0

    # ------------------------------------------------------------------ crashes
    def crash_after(self, deployment_type: str) -> float | None:
        """Seconds a container just `running` lives before its cmd dies, or None (it does not)."""
        if "crashes" not in self.kinds or deployment_type != "ReplicaSet":
            return None
        if self._rng.random() >= CRASH_SHARE:
            return None
        return self._rng.uniform(*CRASH_AFTER_S)

    # ------------------------------------------------------------------ stock
    def frozen(self, host: Host) -> bool:
        """Whether the market must leave `host` alone (its pool is drained)."""
        return self.drained is not None and (host.region, host.gpu_name) == self.drained

    def flip_stock(self) -> tuple[float, list[Host]]:
        """Drain the next scarce pool or restore the drained one: (seconds to next flip, freed)."""
        if self.drained is None:
            pool = self._pools[self._turn % len(self._pools)]
            self._turn += 1
            self.drained = pool
            for host in self._hosts[pool]:
                self._saved[host.index] = host.external_busy
                host.external_busy = max(host.external_busy, host.gpus - host.ours)
            return self._rng.uniform(*DRAINED_S), []
        freed = []
        for host in self._hosts[self.drained]:
            before = self._saved.pop(host.index, host.external_busy)
            host.external_busy = min(before, max(0, host.gpus - host.ours))
            if host.free > 0:
                freed.append(host)
        self.drained = None
        return self._rng.uniform(*BETWEEN_FLIPS_S), freed
