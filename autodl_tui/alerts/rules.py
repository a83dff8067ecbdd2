"""The alert rules. Each reads a snapshot and says which incidents hold *now* in what it saw.

A rule returns a `Verdict`: the incidents active now, and the scopes it could judge this
time. The engine fires an incident the first time it is active and re-arms it once a later
verdict that judged its scope no longer holds it. A scope the snapshot did not cover (a
failed or cut list, a region not read) is not judged: its incidents neither fire nor clear.
Rules remember only what complete reads showed, so a failed poll between two good ones is
as if it never happened.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from autodl_tui.alerts.model import Alert
from autodl_tui.display import fit
from autodl_tui.ui.gauges import hours_left, hours_left_text, package_draw
from autodl_tui.ui.units import duration, region_label

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

    from autodl_tui.alerts.model import AlertSettings, IncidentKey, Snapshot
    from autodl_tui.api.models import Container, Deployment, DurationPackage

__all__ = [
    "BelowReplicas",
    "ContainerStopped",
    "Intents",
    "JobFinished",
    "PackageLow",
    "Rule",
    "StockWatch",
    "Verdict",
    "build_rules",
]

#: Widest a deployment name gets inside an alert's text.
NAME_CELLS = 40
Scope = tuple[str, str]
#: A deployment whose containers were read this recently is judged container by container
#: (fleet-wide polls come every ten seconds or more; three of them missed is not recent).
CONTAINERS_FRESH_S = 120.0


@dataclass
class Verdict:
    """Incidents active now, the scopes judged, and scopes seen for the first time."""

    active: dict[IncidentKey, Alert] = field(default_factory=dict)
    scopes: set[Scope] = field(default_factory=set)
    #: Scopes judged for the first time: what holds there is taken as it is, not fired.
    baseline: set[Scope] = field(default_factory=set)


class Intents(Protocol):
    """What the user asked for recently (the engine keeps it): stops and scales."""

    def stopped(self, deployment_uuid: str, container_uuid: str, at: datetime) -> bool:
        """Whether the user stopped, scaled or deleted this container or its deployment."""
        ...

    def touched(self, deployment_uuid: str, at: datetime) -> bool:
        """Whether the user stopped, scaled or deleted anything of this deployment."""
        ...


class Rule(Protocol):
    """One alert rule."""

    name: str

    def check(self, snap: Snapshot, known: Mapping[str, Deployment], intents: Intents) -> Verdict:
        """Judge `snap`; `known` is the last complete deployments list, by uuid."""
        ...


def _name(d: Deployment | None, uuid: str) -> str:
    return fit((d.name if d else "") or uuid, NAME_CELLS)


def _short(container_uuid: str) -> str:
    return fit(container_uuid.rsplit("-", 1)[-1] or container_uuid, 16)


#: Containers a batch alert names (the alerts view and the events pane have the rest).
BATCH_NAMED = 4


class ContainerStopped:
    """A container of a running ReplicaSet was running and no longer is, unasked.

    Not unexpected: the deployment is stopped or gone, its replica count went down by as
    many, or the user stopped, scaled or deleted it from this app. Jobs and Container
    deployments are left out: their containers end by design (job_finished covers them).

    Where the snapshot holds the deployment's containers, each container is judged. For a
    deployment whose containers are not being read (not selected, not fleet-wide) the
    deployments list's `running_num` falling is judged instead, once per fall; a crash and
    its replacement between two polls leave the count as it was and go unseen there.
    """

    name = "container_stopped"

    def __init__(self) -> None:
        #: Deployment uuid -> (replica count, running containers) at its last complete read.
        #: (The uuids only, as a tuple: 100,000 containers fleet-wide held in per-deployment
        #: dicts cost about 10 MB; the judgement needs only which ones were running.)
        self._last: dict[str, tuple[int, tuple[str, ...]]] = {}
        #: Deployment uuid -> when its containers were last read in full.
        self._read_at: dict[str, datetime] = {}
        #: Deployment uuid -> (replica count, running count) from the last deployments list.
        self._counts: dict[str, tuple[int, int]] = {}

    def check(self, snap: Snapshot, known: Mapping[str, Deployment], intents: Intents) -> Verdict:
        """Judge each fully read container list, then the counters of the deployments not read."""
        verdict = Verdict()
        if snap.deployments is not None:
            for table in (self._last, self._read_at, self._counts):
                for gone in [uuid for uuid in table if uuid not in known]:
                    del table[gone]
        for uuid, containers in snap.containers.items():
            d = known.get(uuid)
            if d is not None and d.deployment_type == "ReplicaSet":
                self._judge_containers(verdict, snap, d, containers, intents)
        if snap.deployments is not None:
            for d in snap.deployments:
                if d.deployment_type == "ReplicaSet":
                    self._judge_counts(verdict, snap, d, intents)
        return verdict

    def _judge_containers(
        self,
        verdict: Verdict,
        snap: Snapshot,
        d: Deployment,
        containers: tuple[Container, ...],
        intents: Intents,
    ) -> None:
        scope = (self.name, d.uuid)
        verdict.scopes.add(scope)
        self._read_at[d.uuid] = snap.at
        running = tuple(c.uuid for c in containers if c.status == "running")
        previous = self._last.get(d.uuid)
        self._last[d.uuid] = (d.replica_num, running)
        if previous is None:
            verdict.baseline.add(scope)
            return
        if not d.is_running:
            return
        replicas_before, was_running = previous
        # A lower replica count stops that many containers: those are not surprises.
        allowance = max(0, replicas_before - d.replica_num)
        now = {c.uuid: c for c in containers}
        left = []
        for cuuid in sorted(set(was_running).difference(running)):
            if intents.stopped(d.uuid, cuuid, snap.at):
                continue
            if allowance:
                allowance -= 1
                continue
            left.append(cuuid)
        if len(left) == 1:
            cuuid = left[0]
            status = now[cuuid].status if cuuid in now else "gone from the list"
            self._fire(
                verdict,
                snap,
                d,
                cuuid,
                f"Container {_short(cuuid)} of {_name(d, d.uuid)} left running: "
                f"now {fit(status, 24)}.",
            )
        elif left:
            # Many at once (every container's command exited, a host went down): one
            # incident for the deployment, not a toast per container.
            shown = ", ".join(_short(c) for c in left[:BATCH_NAMED])
            more = f" and {len(left) - BATCH_NAMED} more" if len(left) > BATCH_NAMED else ""
            self._fire(
                verdict,
                snap,
                d,
                "",
                f"{len(left)} containers of {_name(d, d.uuid)} left running at once: "
                f"{shown}{more}.",
                incident=f"{len(left)} from {left[0]}",
            )

    def _judge_counts(
        self, verdict: Verdict, snap: Snapshot, d: Deployment, intents: Intents
    ) -> None:
        before = self._counts.get(d.uuid)
        self._counts[d.uuid] = (d.replica_num, d.running_num)
        read_at = self._read_at.get(d.uuid)
        if d.uuid in snap.containers or (
            read_at is not None and (snap.at - read_at).total_seconds() <= CONTAINERS_FRESH_S
        ):
            return  # its containers are being read: they were judged one by one
        verdict.scopes.add((self.name, d.uuid))
        if before is None or not d.is_running or intents.touched(d.uuid, snap.at):
            return
        replicas_before, running_before = before
        fell = running_before - d.running_num - max(0, replicas_before - d.replica_num)
        if fell <= 0:
            return
        noun = "container" if fell == 1 else "containers"
        self._fire(
            verdict,
            snap,
            d,
            "",
            f"{fell} {noun} of {_name(d, d.uuid)} left running: {d.running_num} of "
            f"{d.replica_num} running now.",
        )

    def _fire(
        self,
        verdict: Verdict,
        snap: Snapshot,
        d: Deployment,
        container_uuid: str,
        what: str,
        *,
        incident: str = "",
    ) -> None:
        key = (self.name, d.uuid, incident or container_uuid or "running_num")
        verdict.active[key] = Alert(
            key=key,
            at=snap.at,
            title="Container stopped running",
            what=what,
            todo=(
                "Look at its events (3) and the container's detail; the ReplicaSet starts a "
                "replacement. If the host is at fault, b blacklists it."
            ),
            severity="error",
            deployment_uuid=d.uuid,
            container_uuid=container_uuid,
        )


class BelowReplicas:
    """A running ReplicaSet has had fewer running containers than replicas for N minutes."""

    name = "below_replicas"

    def __init__(self, minutes: float) -> None:
        self._grace = max(0.0, minutes) * 60
        #: Deployment uuid -> (replica count, when it was first seen below it).
        self._since: dict[str, tuple[int, datetime]] = {}

    def check(self, snap: Snapshot, known: Mapping[str, Deployment], intents: Intents) -> Verdict:
        """Judge every deployment of a complete deployments list."""
        verdict = Verdict()
        if snap.deployments is None:
            return verdict
        below: dict[str, tuple[int, datetime]] = {}
        for d in snap.deployments:
            verdict.scopes.add((self.name, d.uuid))
            if not (d.deployment_type == "ReplicaSet" and d.is_running):
                continue
            if d.running_num >= d.replica_num:
                continue
            replicas, since = self._since.get(d.uuid, (d.replica_num, snap.at))
            if replicas != d.replica_num:
                since = snap.at  # a new target restarts the clock
            below[d.uuid] = (d.replica_num, since)
            waited = (snap.at - since).total_seconds()
            if waited < self._grace:
                continue
            key = (self.name, d.uuid)
            verdict.active[key] = Alert(
                key=key,
                at=snap.at,
                title="Below its replica count",
                what=(
                    f"{_name(d, d.uuid)}: {d.running_num} of {d.replica_num} replicas running "
                    f"for {duration(waited)}."
                ),
                todo=(
                    "Open its containers (enter): a waiting one may have no host that fits "
                    "(GPU stock, price cap, blacklist); C clones it with other filters."
                ),
                deployment_uuid=d.uuid,
            )
        self._since = below
        return verdict


class JobFinished:
    """A Job deployment went from running to stopped without the user stopping it."""

    name = "job_finished"

    def __init__(self) -> None:
        self._status: dict[str, str] | None = None
        #: The last list judged and the scopes it gave: the same deployment objects again
        #: (an unchanged poll: the client hands back its parsed objects) change nothing.
        self._judged: tuple[tuple[Deployment, ...], set[Scope]] | None = None

    def check(self, snap: Snapshot, known: Mapping[str, Deployment], intents: Intents) -> Verdict:
        """Compare statuses with the last complete deployments list."""
        verdict = Verdict()
        if snap.deployments is None:
            return verdict
        judged = self._judged
        if (
            judged is not None
            and len(judged[0]) == len(snap.deployments)
            and all(map(operator.is_, judged[0], snap.deployments))
        ):
            verdict.scopes = judged[1]
            return verdict
        before = self._status
        self._status = {d.uuid: d.status for d in snap.deployments}
        for d in snap.deployments:
            scope = (self.name, d.uuid)
            verdict.scopes.add(scope)
            if before is None or d.uuid not in before:
                verdict.baseline.add(scope)
                continue
            if d.deployment_type != "Job" or before[d.uuid] != "running" or d.is_running:
                continue
            if intents.stopped(d.uuid, "", snap.at):
                continue
            key = (self.name, d.uuid)
            verdict.active[key] = Alert(
                key=key,
                at=snap.at,
                title="Job finished",
                what=(
                    f"{_name(d, d.uuid)} finished: {d.finished_num} of {d.replica_num} completions."
                ),
                todo="Collect its results; d shows its detail, C clones it to run it again.",
                severity="information",
                deployment_uuid=d.uuid,
            )
        self._judged = (snap.deployments, verdict.scopes)
        return verdict


class PackageLow:
    """A duration package drains below H hours at the rate the running containers draw."""

    name = "package_low"

    def __init__(self, hours: float) -> None:
        self._hours = hours
        self._containers: dict[str, tuple[Container, ...]] = {}
        self._packages: dict[str, tuple[DurationPackage, ...]] = {}

    def check(self, snap: Snapshot, known: Mapping[str, Deployment], intents: Intents) -> Verdict:
        """Judge each deployment whose containers or packages were read this time."""
        verdict = Verdict()
        if snap.deployments is not None:
            for gone in set(self._containers) - set(known):
                del self._containers[gone]
            for gone in set(self._packages) - set(known):
                del self._packages[gone]
        self._containers.update(snap.containers)
        self._packages.update(snap.packages)
        for uuid in set(snap.containers) | set(snap.packages):
            if uuid not in self._containers or uuid not in self._packages:
                continue
            verdict.scopes.add((self.name, uuid))
            running = [c for c in self._containers[uuid] if c.status == "running"]
            for p in self._packages[uuid]:
                cards = package_draw(p, running)
                left = hours_left(p.balance_s, cards)
                if left is None or left >= self._hours:
                    continue
                key = (self.name, uuid, p.gpu_type, ",".join(p.dc_list))
                verdict.active[key] = Alert(
                    key=key,
                    at=snap.at,
                    title="Duration package running out",
                    what=(
                        f"{fit(p.gpu_type, 24)} package of {_name(known.get(uuid), uuid)}: "
                        f"{hours_left_text(p.balance_s, cards)}."
                    ),
                    todo=(
                        "Buy more GPU time in the AutoDL console, or its containers bill by "
                        "the hour once it is empty; d shows the package."
                    ),
                    deployment_uuid=uuid,
                )
        return verdict


class StockWatch:
    """Idle cards of a watched GPU model in a watched region appear (0 -> n) or run out."""

    name = "stock"

    def __init__(self, gpus: Iterable[str], regions: Iterable[str]) -> None:
        self._gpus = {g.strip().casefold(): g.strip() for g in gpus}
        self._regions = frozenset(regions)
        self._seen: set[Scope] = set()

    def check(self, snap: Snapshot, known: Mapping[str, Deployment], intents: Intents) -> Verdict:
        """Judge each watched region read this time (its first read is the baseline)."""
        verdict = Verdict()
        for region, items in snap.stock.items():
            if self._regions and region not in self._regions:
                continue
            idle: dict[str, int] = dict.fromkeys(self._gpus, 0)
            for s in items:
                folded = s.gpu_name.strip().casefold()
                if folded in idle:
                    idle[folded] += max(0, s.idle)
            for folded, count in idle.items():
                label = fit(self._gpus[folded], 24)
                scope = (self.name, f"{region}/{folded}")
                verdict.scopes.add(scope)
                if scope not in self._seen:
                    # What the first read shows is how things are, not a change.
                    self._seen.add(scope)
                    verdict.baseline.add(scope)
                where = f"{label} in {fit(region_label(region), 32)}"
                if count > 0:
                    key = (self.name, scope[1], "idle")
                    alert = Alert(
                        key=key,
                        at=snap.at,
                        title="GPU stock available",
                        what=f"{where}: {count} idle card" + ("" if count == 1 else "s") + ".",
                        todo="Enter on it in the stock pane (4) starts a deployment there.",
                        severity="information",
                    )
                else:
                    key = (self.name, scope[1], "none")
                    alert = Alert(
                        key=key,
                        at=snap.at,
                        title="GPU stock gone",
                        what=f"{where}: no idle card left.",
                        todo="New containers of this model wait there until cards free up.",
                    )
                verdict.active[key] = alert
        return verdict


def build_rules(settings: AlertSettings) -> list[Rule]:
    """The rules `settings` switches on, each with its thresholds."""
    rules: list[Rule] = []
    if settings.enabled("container_stopped"):
        rules.append(ContainerStopped())
    if settings.enabled("below_replicas"):
        rules.append(BelowReplicas(settings.below_replicas_minutes))
    if settings.enabled("job_finished"):
        rules.append(JobFinished())
    if settings.enabled("package_low"):
        rules.append(PackageLow(settings.package_low_hours))
    if settings.enabled("stock"):
        rules.append(StockWatch(settings.watch_gpus, settings.watch_regions))
    return rules
