"""Scheduled transitions of the simulated world: placement, container lifecycle, the market.

`Lifecycle` holds the account's state and every rule that moves it forward in virtual time;
`Simulator` (engine.py) adds the 13 calls on top. Scheduled transitions carry their own
timestamps, so processing them later or earlier in real time changes nothing.
"""

from __future__ import annotations

import heapq
import hmac
import math
import random
import re
import string
from typing import TYPE_CHECKING, Any

from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.incidents import Incidents
from autodl_tui.sim.limits import (
    MARKET_CATCHUP_S,
    MAX_EVENTS_PER_DEPLOYMENT,
    MAX_RELEASED_PER_DEPLOYMENT,
    MAX_TRANSITIONS_PER_SYNC,
)
from autodl_tui.sim.records import ContainerRec
from autodl_tui.sim.world import REGION_ZONES, build_world, hex_id

if TYPE_CHECKING:
    from autodl_tui.sim.commands import CreateDeployment
    from autodl_tui.sim.records import BlacklistEntry, DeploymentRec
    from autodl_tui.sim.world import Host, World

Json = dict[str, Any]

_SLEEP = re.compile(r"\s*sleep\s+(\d+(?:\.\d+)?)\s*")
#: Seconds between "market" ticks, when other tenants take or free a few GPUs.
MARKET_TICK_S = 60.0
#: A shutdown container is released (`removed`) this long after (REAL-WORLD §4.1: ~2.5 min).
REMOVE_AFTER_S = 150.0
#: Stopped containers stay reusable for 7 days (REAL-WORLD §7.2).
CACHE_TTL_S = 7 * 86400.0
_IMAGE_NAMES = ("llm-serve", "sd-webui", "train-base", "vllm-0.6", "comfyui-prod", "eval-kit")
#: What a container's root password is made of, and its length.
PASSWORD_ALPHABET = string.ascii_letters + string.digits
PASSWORD_LENGTH = 12
# `rng.choice(PASSWORD_ALPHABET)` draws getrandbits(this) until the value is below the size.
_PASSWORD_BITS = len(PASSWORD_ALPHABET).bit_length()
#: A starting container's next status and the range of seconds until it (`_step`).
_NEXT_STEP: dict[str, tuple[str, float, float]] = {
    "creating": ("created", 1.0, 2.0),
    "created": ("starting", 0.0, 2.0),
    "starting": ("oss_merged", 1.0, 3.0),
    "oss_merged": ("running", 0.0, 0.0),
}


def _within(value: int, low: int, high: int | None) -> bool:
    """`low <= value <= high`, where a high of 0 or None is no upper bound."""
    return value >= low and (not high or value <= high)


def sleep_seconds(cmd: str) -> float | None:
    """How long a `sleep N` command runs; None for anything that runs until stopped."""
    match = _SLEEP.fullmatch(cmd)
    return float(match.group(1)) if match else None


def root_password(rng: random.Random) -> str:
    """A root password: PASSWORD_LENGTH draws of `rng.choice(PASSWORD_ALPHABET)`, inlined.

    `Random.choice` draws getrandbits(k) until the value is below the alphabet's size; doing
    that here skips two Python calls per character, a large share of a big fleet's build.
    The result and the generator's state are those of the `choice` calls (tests/sim check).
    """
    getrandbits = rng.getrandbits
    size = len(PASSWORD_ALPHABET)
    chars = []
    for _ in range(PASSWORD_LENGTH):
        r = getrandbits(_PASSWORD_BITS)
        while r >= size:
            r = getrandbits(_PASSWORD_BITS)
        chars.append(PASSWORD_ALPHABET[r])
    return "".join(chars)


class Lifecycle:
    """The account's state and the rules that move it through virtual time."""

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: VirtualClock | None = None,
        token: str | None = None,
        enterprise_verified: bool = True,
        world_scale: float = 1.0,
        busy_factor: float = 1.0,
        incidents: Incidents | None = None,
    ) -> None:
        self.clock = clock or VirtualClock()
        self.token = token
        self.enterprise_verified = enterprise_verified
        self._rng = random.Random(seed)
        # Request ids come from their own stream so that reads never perturb the world.
        self._id_rng = random.Random(seed ^ 0x5EED)
        self.world: World = build_world(self._rng, scale=world_scale, busy_factor=busy_factor)
        self.uid = 673024
        self._deployments: dict[str, DeploymentRec] = {}
        self._containers: dict[str, ContainerRec] = {}
        # Containers waiting for capacity, per deployment, deployments in arrival order.
        self._pending: dict[DeploymentRec, list[ContainerRec]] = {}
        #: `_candidates` by what a deployment asks for (the hosts are fixed at build).
        self._hosts_memo: dict[tuple[object, ...], tuple[list[Host], frozenset[int]]] = {}
        self._blacklist: dict[str, BlacklistEntry] = {}
        #: Bumped whenever a host may have gained free GPUs: every place that lowers a host's
        #: `ours` or `external_busy` must bump it (incidents' changes: where they are called),
        #: or `_pick_host` misses the capacity.
        self._capacity_epoch = 0
        #: (id() of a candidate list, kept alive by `_hosts_memo`; gpu_num) -> the
        #: `_capacity_epoch` at which a scan found every host of it too full for gpu_num.
        self._full_at: dict[tuple[int, int], int] = {}
        #: `ssh -p PORT root@HOST` of the simulator's own SSH server (`sim --ssh`), else None.
        self.ssh_endpoint: str | None = None
        self._queue: list[tuple[float, int, str, Any, int]] = []
        self._seq = 0
        self._next_deployment_id = 2_460_000 + self._rng.randrange(1000)
        self._next_container_id = 9_100_000 + self._rng.randrange(1000)
        self.images: list[Json] = [
            {
                "id": 549_000 + i * 37,
                "image_name": name,
                "image_uuid": "image-" + hex_id(self._rng, 10),
            }
            for i, name in enumerate(_IMAGE_NAMES[: 3 + seed % 3])
        ]
        self._now = self.clock.timestamp()
        #: The instant the current `sync` is bringing the world up to.
        self._sync_target = self._now
        self._at(self._now + MARKET_TICK_S, "market", None)
        self.incidents = incidents or Incidents()
        first_flip = self.incidents.install(self.world)
        if first_flip is not None:
            self._at(self._now + first_flip, "stock", None)

    # ------------------------------------------------------------------ time
    def sync(self) -> None:
        """Apply the scheduled transitions due up to the clock's now, in time order.

        At most MAX_TRANSITIONS_PER_SYNC of them: a larger backlog (a fast clock and a fleet
        whose commands exit at once) is left for the next call, the world lagging the clock
        meanwhile, so one request never holds the event loop for long.
        """
        now = self.clock.timestamp()
        self._sync_target = now
        queue = self._queue
        for _ in range(MAX_TRANSITIONS_PER_SYNC):
            if not queue or queue[0][0] > now:
                self._now = max(self._now, now)
                return
            ts, _, kind, obj, generation = heapq.heappop(queue)
            self._now = ts
            self._fire(kind, obj, generation)

    def _at(self, ts: float, kind: str, obj: Any, generation: int = 0) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (ts, self._seq, kind, obj, generation))

    def _fire(self, kind: str, obj: Any, generation: int) -> None:
        if kind == "market":
            self._market_tick()
            # After a long jump of the clock, skip to the last MARKET_CATCHUP_S of ticks.
            skip_to = self._sync_target - MARKET_CATCHUP_S
            self._at(max(self._now + MARKET_TICK_S, skip_to), "market", None)
        elif kind == "unban":
            self._place_pending([obj])
        elif kind == "stock":
            self._capacity_epoch += 1  # a drained pool comes back
            after, freed = self.incidents.flip_stock()
            self._at(self._now + after, "stock", None)
            self._place_pending(freed)
        else:
            container: ContainerRec = obj
            if container.generation != generation:
                return  # superseded by a later transition (e.g. stopped while starting)
            if kind == "step":
                self._step(container)
            elif kind == "exit":
                self._begin_shutdown(container)
            elif kind == "shutdown":
                self._finish_shutdown(container)
            elif kind == "remove":
                self._release(container)

    # ------------------------------------------------------------------ lifecycle
    def _emit(self, c: ContainerRec, status: str) -> None:
        c.status = status
        c.updated_at = self._now
        c.generation += 1
        self._seq += 1
        events = c.deployment.events
        events.append((self._now, self._seq, c.uuid, status))
        if len(events) > MAX_EVENTS_PER_DEPLOYMENT:
            # Oldest first; dropping in blocks keeps this amortised O(1).
            del events[: len(events) - MAX_EVENTS_PER_DEPLOYMENT + MAX_EVENTS_PER_DEPLOYMENT // 10]

    def _step(self, c: ContainerRec) -> None:
        following = _NEXT_STEP.get(c.status)
        if following is None:
            return
        status, low, high = following
        self._emit(c, status)
        if status == "running":
            c.started_at = self._now
            crash = self.incidents.crash_after(c.deployment.spec.deployment_type)
            ends = [s for s in (c.run_seconds, crash) if s is not None]
            if ends:
                self._at(self._now + min(ends), "exit", c, c.generation)
        else:
            self._at(self._now + self._rng.uniform(low, high), "step", c, c.generation)

    def _new_container(self, dep: DeploymentRec) -> None:
        t = dep.spec.template
        c = ContainerRec(
            id=self._next_container_id,
            uuid="",
            deployment=dep,
            gpu_num=t.gpu_num,
            created_at=self._now,
            run_seconds=sleep_seconds(t.cmd),
        )
        self._next_container_id += 1
        reused = self._reusable(dep)
        host = reused.host if reused else self._pick_host(dep)
        middle = host.machine_id if host else hex_id(self._rng, 10)
        c.uuid = f"{dep.uuid}-{middle}-{hex_id(self._rng, 8)}"
        dep.containers.append(c)
        self._containers[c.uuid] = c
        if reused is not None and host is not None:
            # A reused container skips the create phase (no creating/created events).
            dep.cache.remove(reused)
            self._release(reused)
            c.reused = True
            self._occupy(c, host)
            self._emit(c, "starting")
            self._at(self._now + self._rng.uniform(0.5, 1.5), "step", c, c.generation)
            return
        self._emit(c, "creating")
        if host is None:
            self._pending.setdefault(dep, []).append(
                c
            )  # waits, visible in lists, until capacity frees
        else:
            self._occupy(c, host)
            boot = self._rng.uniform(4.0, 9.0) * self.incidents.boot_factor(host)
            self._at(self._now + boot, "step", c, c.generation)

    def _occupy(self, c: ContainerRec, host: Host) -> None:
        busy = host.external_busy
        self.incidents.placed(host)
        if host.external_busy < busy:
            self._capacity_epoch += 1  # a host turned slow sheds the other tenants
        c.host = host
        host.ours += c.gpu_num
        zone = REGION_ZONES.get(host.region, "west")
        rng = self._rng
        port = rng.randrange(10000, 60000)
        protocols = (
            c.deployment.spec.service_6006_port_protocol,
            c.deployment.spec.service_6008_port_protocol,
        )
        urls = [
            f"https://u{self.uid}-{hex_id(rng, 4)}-{hex_id(rng, 8)}.{zone}.seetacloud.com:8443"
            if proto == "http"
            else f"connect.{zone}.seetacloud.com:{port + 1 + i}"
            for i, proto in enumerate(protocols)
        ]
        c.info = {
            "ssh_command": self.ssh_endpoint or f"ssh -p {port} root@connect.{zone}.seetacloud.com",
            "root_password": root_password(rng),
            "service_6006_port_url": urls[0],
            "service_6008_port_url": urls[1],
        }

    def use_ssh_endpoint(self, host: str, port: int) -> None:
        """Point every container's ssh_command, now and later, at the sim's SSH server."""
        self.ssh_endpoint = f"ssh -p {port} root@{host}"
        for c in self._containers.values():
            if c.info:
                c.info["ssh_command"] = self.ssh_endpoint

    def ssh_login(self, password: str, *, sync: bool = True) -> ContainerRec | None:
        """The running container whose root password is `password` (the sim's SSH login).

        `sync=False` reads the state as the last call left it, changing nothing: for a
        server on another thread than the engine's (the demo), which must never move it.
        """
        if sync:
            self.sync()
        given = password.encode()
        # A copy taken in one step: the engine's thread may add containers meanwhile.
        for c in list(self._containers.values()):
            secret = str(c.info.get("root_password", "")).encode()
            if c.status == "running" and secret and hmac.compare_digest(secret, given):
                return c
        return None

    def container_record(self, uuid: str) -> ContainerRec | None:
        """The container `uuid` while it exists (not released), for the sim's SSH server."""
        c = self._containers.get(uuid)
        return c if c is not None and not c.released else None

    def _begin_shutdown(self, c: ContainerRec, before_cmd: str | None = None) -> None:
        if not c.active:
            return
        self._emit(c, "shutting_down")
        if c.host is None:
            waiting = self._pending.get(c.deployment, [])
            if c in waiting:
                waiting.remove(c)
                if not waiting:
                    del self._pending[c.deployment]
            self._at(self._now + 1.0, "shutdown", c, c.generation)
        else:
            cmd = (
                before_cmd
                if before_cmd is not None
                else c.deployment.spec.template.cmd_before_shutdown
            )
            hook = min(sleep_seconds(cmd) or (1.0 if cmd else 0.0), 5.0)
            self._at(self._now + self._rng.uniform(2.0, 5.0) + hook, "shutdown", c, c.generation)
        self._reconcile(c.deployment)

    def _finish_shutdown(self, c: ContainerRec) -> None:
        dep = c.deployment
        self._emit(c, "shutdown")
        c.stopped_at = self._now
        dep.finished_num += 1
        dep.updated_at = self._now
        if c.host is not None:
            c.host.ours -= c.gpu_num
            self._capacity_epoch += 1
            if dep.spec.reuse_container and not c.no_cache and not dep.deleted:
                dep.cache.append(c)
                self._at(self._now + CACHE_TTL_S, "remove", c, c.generation)
            else:
                self._at(self._now + REMOVE_AFTER_S, "remove", c, c.generation)
        else:
            self._at(self._now + REMOVE_AFTER_S, "remove", c, c.generation)
        self._reconcile(dep)
        if c.host is not None:
            self._place_pending([c.host])

    def _release(self, c: ContainerRec) -> None:
        if c.released:
            return
        if c in c.deployment.cache:
            c.deployment.cache.remove(c)
        self._emit(c, "removed")
        c.released = True
        self._forget_released(c.deployment)
        self.purge_if_gone(c.deployment)

    def purge_if_gone(self, dep: DeploymentRec) -> None:
        """Forget a deleted deployment once none of its containers is left, freeing its memory."""
        if dep.deleted and all(c.released for c in dep.containers):
            self._deployments.pop(dep.uuid, None)
            for c in dep.containers:
                self._containers.pop(c.uuid, None)

    def _forget_released(self, dep: DeploymentRec) -> None:
        """Drop the oldest released containers beyond MAX_RELEASED_PER_DEPLOYMENT."""
        dep.released_num += 1
        if dep.released_num <= MAX_RELEASED_PER_DEPLOYMENT * 11 // 10:
            return
        # Drop in blocks of a tenth so the scan over the list stays amortised O(1).
        excess = dep.released_num - MAX_RELEASED_PER_DEPLOYMENT
        kept = []
        for c in dep.containers:
            if c.released and excess > 0:
                excess -= 1
                del self._containers[c.uuid]
            else:
                kept.append(c)
        dep.containers = kept
        dep.released_num = MAX_RELEASED_PER_DEPLOYMENT

    # ------------------------------------------------------------------ scheduling
    def _banned(self, machine_id: str) -> bool:
        entry = self._blacklist.get(machine_id)
        return entry is not None and entry.expires_at > self._now

    def _fits(self, host: Host, gpu_num: int) -> bool:
        return host.free >= gpu_num and not self._banned(host.machine_id)

    def _pick_host(self, dep: DeploymentRec) -> Host | None:
        hosts = dep.candidates
        if not hosts:
            return None
        gpu_num = dep.spec.template.gpu_num
        # A random start then a circular scan: O(1) when capacity is plentiful, deterministic.
        start = self._rng.randrange(len(hosts))
        slow = self.incidents.prefer(hosts, lambda h: self._fits(h, gpu_num))
        if slow is not None:
            return slow
        # A pool found full stays full until some host gains capacity: a big fleet asks a
        # full pool for each of a deployment's replicas in a row, and every ask scans it all.
        epoch = self._capacity_epoch
        full_key = (id(hosts), gpu_num)
        if self._full_at.get(full_key) == epoch:
            return None
        # `_fits` inlined: in a big fleet most hosts are full and this scan is the build's
        # hottest loop. `free` is clamped at 0, so asking for no GPUs fits any host.
        need: float = gpu_num if gpu_num > 0 else -math.inf
        banned = self._banned if self._blacklist else None
        only_full = True
        for lo, hi in ((start, len(hosts)), (0, start)):
            for i in range(lo, hi):
                host = hosts[i]
                if host.gpus - host.external_busy - host.ours >= need:
                    if banned is None or not banned(host.machine_id):
                        return host
                    only_full = False
        if only_full:
            # Not when a ban turned a host down: bans lapse with time alone, no epoch bump.
            self._full_at[full_key] = epoch
        return None

    def _reusable(self, dep: DeploymentRec) -> ContainerRec | None:
        if not dep.spec.reuse_container:
            return None
        for cached in reversed(dep.cache):
            if cached.host is not None and self._fits(cached.host, cached.gpu_num):
                return cached
        return None

    def _place_pending(self, freed: list[Host]) -> None:
        """Offer hosts that just gained capacity to waiting containers, oldest deployment first."""
        for host in freed:
            for dep in list(self._pending):
                if host.index not in dep.candidate_ids:
                    continue
                waiting = self._pending[dep]
                while waiting and self._fits(host, dep.spec.template.gpu_num):
                    c = waiting.pop(0)
                    self._occupy(c, host)
                    c.updated_at = self._now
                    boot = self._rng.uniform(4.0, 9.0) * self.incidents.boot_factor(host)
                    self._at(self._now + boot, "step", c, c.generation)
                if not waiting:
                    del self._pending[dep]

    def _candidates(self, req: CreateDeployment) -> tuple[list[Host], frozenset[int]]:
        """The hosts `req` may run on, and their indices."""
        t = req.template
        # The hosts never change: deployments asking alike (a benchmark fleet's thousands)
        # share one scan. Callers only read the list.
        key = (
            tuple(t.dc_list),
            tuple(t.gpu_name_set),
            t.gpu_num,
            t.cuda_v_from,
            t.cuda_v_to,
            t.cpu_num_from,
            t.cpu_num_to,
            t.memory_size_from,
            t.memory_size_to,
            t.price_from,
            t.price_to,
        )
        if (hit := self._hosts_memo.get(key)) is None:
            hosts = self._scan_candidates(req)
            hit = self._hosts_memo[key] = (hosts, frozenset(h.index for h in hosts))
        return hit

    def _scan_candidates(self, req: CreateDeployment) -> list[Host]:
        t = req.template
        names = set(t.gpu_name_set)
        found = []
        for region in t.dc_list:
            for h in self.world.by_region.get(region, []):
                # A 0 (or absent) upper bound is no constraint (REAL-WORLD §8.4).
                if (
                    h.gpu_name in names
                    and _within(h.cuda_max, t.cuda_v_from, t.cuda_v_to)
                    and _within(h.cpu_per_gpu * t.gpu_num, t.cpu_num_from, t.cpu_num_to)
                    and _within(h.mem_per_gpu_gb * t.gpu_num, t.memory_size_from, t.memory_size_to)
                    and _within(h.price_per_gpu, t.price_from, t.price_to)
                    and h.gpus >= t.gpu_num
                ):
                    found.append(h)
        return found

    def _reconcile(self, dep: DeploymentRec) -> None:
        """Create or stop containers so the deployment converges on what its type asks."""
        if dep.status != "running":
            return
        active = [c for c in dep.containers if c.active]
        kind = dep.spec.deployment_type
        if kind == "ReplicaSet":
            for _ in range(dep.replica_num - len(active)):
                self._new_container(dep)
            if len(active) > dep.replica_num:
                for c in self._victims(active)[: len(active) - dep.replica_num]:
                    self._begin_shutdown(c)
            return
        # Job and Container: run replica_num completions, at most parallelism_num at once.
        draining = sum(1 for c in dep.containers if c.status == "shutting_down")
        remaining = dep.replica_num - dep.finished_num - draining - len(active)
        for _ in range(min(dep.spec.parallelism_num - len(active), remaining)):
            self._new_container(dep)
        if not active and not draining and dep.finished_num >= dep.replica_num:
            dep.status = "stopped"
            dep.stopped_at = self._now
            dep.updated_at = self._now

    @staticmethod
    def _victims(active: list[ContainerRec]) -> list[ContainerRec]:
        # Scale-down stops waiting containers first, then starting ones, then the newest.
        order = {"creating": 0, "created": 1, "starting": 2, "oss_merged": 3, "running": 4}
        return sorted(active, key=lambda c: (c.host is not None, order.get(c.status, 5), -c.id))

    def _market_tick(self) -> None:
        hosts = self.world.hosts
        freed = []
        for _ in range(max(1, len(hosts) // 100)):
            host = hosts[self._rng.randrange(len(hosts))]
            if self.incidents.frozen(host):
                continue  # a drained pool stays at 0 idle until the incident ends
            if self._rng.random() < 0.5:
                if host.external_busy > 0:
                    host.external_busy -= 1
                    self._capacity_epoch += 1
                    freed.append(host)
            elif host.free > 0:
                host.external_busy += 1
        if freed and self._pending:
            self._place_pending(freed)
