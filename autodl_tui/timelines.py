"""Container timelines and slow hosts: how long each container took to reach `running`, per host.

A container's *boot time* runs from its first lifecycle event (`creating`, or `starting` for a
container reusing a stopped one) to its first `running`. It includes any wait for a host
(the events do not say when one was assigned), which is why a host is judged on its median
over several containers, never on one. A container that ended (`shutting_down`, `shutdown`,
`removed`) without ever running *failed to reach running*, unless the caller knows the user
stopped it (`excused`).

Hosts come from the containers list (`machine_id`): events carry only the container uuid,
and a container that waited for a host has a uuid whose middle part is not its host. The
list's `created_at` / `started_at` also stand in for the events of containers whose events are
not followed (the poller reads events of the selected deployment only).

Pure: no Textual, no I/O. `TimelineBook` accumulates events as the poller delivers them
(bounded), `host_stats` and `flag_hosts` turn a book into evidence.
"""

from __future__ import annotations

import bisect
import statistics
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from autodl_tui.api.models import Container, ContainerEvent
from autodl_tui.catalog import STARTING_STATUSES
from autodl_tui.ui.units import duration

__all__ = [
    "EVIDENCE_MAX",
    "FAILED_FLAG",
    "MAX_CONTAINERS",
    "MIN_CONTAINERS",
    "SLOW_FACTOR",
    "HostStats",
    "SlowHost",
    "Timeline",
    "TimelineBook",
    "evidence_text",
    "flag_hosts",
    "host_marks",
    "host_stats",
]

#: A host is slow when its median boot time exceeds this many times the fleet's: boot times
#: of healthy hosts vary by well under 2x (image pull, OSS merge), so 3x is the host itself.
SLOW_FACTOR = 3.0
#: Containers a host needs before it can be called slow: one slow boot is bad luck (a big
#: image, a queue for a host), three in a row is the host. The fleet median needs as many.
MIN_CONTAINERS = 3
#: Failures to reach running that flag a host on their own: one can be a user stopping a
#: container mid-start; two on the same host is a pattern.
FAILED_FLAG = 2
#: Longest evidence text: it is pre-filled as the blacklist comment, and the blacklist dialog
#: accepts at most this many characters (ui.dialogs.BLACKLIST_COMMENT_MAX; a test keeps the
#: two equal). The vendor's document gives no limit of its own.
EVIDENCE_MAX = 200
#: Containers a book remembers: a long-running app sees thousands come and go; the oldest
#: timelines are forgotten first.
MAX_CONTAINERS = 20_000

_RUNNING = "running"
_ENDED = frozenset({"shutting_down", "shutdown", "removed"})


@dataclass(frozen=True, slots=True)
class Timeline:
    """One container's lifecycle so far: first event, first running, first end."""

    container_uuid: str
    started: datetime | None = None
    running: datetime | None = None
    ended: datetime | None = None

    @property
    def boot_seconds(self) -> float | None:
        """Seconds from the first event to running; None while it has not run."""
        if self.started is None or self.running is None:
            return None
        return max(0.0, (self.running - self.started).total_seconds())

    @property
    def failed(self) -> bool:
        """Whether it ended without ever reaching running."""
        return self.ended is not None and self.running is None


class TimelineBook:
    """Timelines of the containers seen in events and lists, fed incrementally and bounded."""

    def __init__(self, max_containers: int = MAX_CONTAINERS) -> None:
        self._max = max(1, max_containers)
        self._lines: OrderedDict[str, Timeline] = OrderedDict()
        #: Container uuid -> (machine id, region), from the containers lists.
        self._hosts: dict[str, tuple[str, str]] = {}

    def add_events(self, events: Iterable[ContainerEvent]) -> bool:
        """Record events (any order); only the first time of each milestone counts.

        Returns whether any timeline changed.
        """
        changed = False
        for event in events:
            if not event.container_uuid or event.created_at is None:
                continue
            changed |= self._add(event.container_uuid, event.status, event.created_at)
        return changed

    def _add(self, uuid: str, status: str, at: datetime) -> bool:
        return self._merge(
            uuid,
            at if status in STARTING_STATUSES else None,
            at if status == _RUNNING else None,
            at if status in _ENDED else None,
        )

    def _merge(
        self,
        uuid: str,
        started: datetime | None,
        running: datetime | None,
        ended: datetime | None,
    ) -> bool:
        """Keep the earliest time of each milestone; an unchanged timeline is left in place.

        Returns whether the timeline changed.
        """
        line = self._lines.get(uuid)
        old = line or Timeline(uuid)
        new = Timeline(
            uuid,
            _earliest(old.started, started),
            _earliest(old.running, running),
            _earliest(old.ended, ended),
        )
        if line is not None and new == line:
            return False
        self._lines[uuid] = new
        self._lines.move_to_end(uuid)
        while len(self._lines) > self._max:
            gone, _ = self._lines.popitem(last=False)
            self._hosts.pop(gone, None)
        return True

    def add_containers(self, containers: Iterable[Container]) -> bool:
        """Learn each container's host, and its times where no event of it was seen.

        The list's `created_at` and `started_at` stand in for the `creating` and `running`
        events, so deployments whose events are not followed still count; a container that
        ended (`shutdown`) with no `started_at` never ran. A container still waiting for a
        host has no `machine_id` yet and counts for no host. Returns whether the book changed.
        """
        changed = False
        hosts = self._hosts
        for c in containers:
            if c.created_at is not None:
                ended = (c.stopped_at or c.updated_at) if c.status in _ENDED else None
                changed |= self._merge(c.uuid, c.created_at, c.started_at, ended)
            if c.machine_id and c.uuid in self._lines:
                host = (c.machine_id, c.data_center)
                if hosts.get(c.uuid) != host:
                    hosts[c.uuid] = host
                    changed = True
        return changed

    def timeline(self, uuid: str) -> Timeline | None:
        """The timeline of one container, if it was seen in an event or a list."""
        return self._lines.get(uuid)

    @property
    def timelines(self) -> Mapping[str, Timeline]:
        """Every remembered timeline by container uuid, oldest first."""
        return self._lines

    @property
    def hosts(self) -> Mapping[str, tuple[str, str]]:
        """Container uuid -> (machine id, region) for the containers whose host is known."""
        return self._hosts


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    return a if b is None or a <= b else b


@dataclass(frozen=True, slots=True)
class HostStats:
    """What the timelines say about one host."""

    machine_id: str
    data_center: str
    boots: tuple[float, ...]
    failed: int
    #: The newest container seen on this host: the blacklist call names a container.
    container_uuid: str

    @property
    def median(self) -> float | None:
        """Median seconds to running, None before any container ran here."""
        return statistics.median(self.boots) if self.boots else None

    @property
    def containers(self) -> int:
        """Containers that reached running or failed to."""
        return len(self.boots) + self.failed


@dataclass(frozen=True, slots=True)
class SlowHost:
    """A flagged host: its numbers, why it is flagged, and the evidence for a comment."""

    stats: HostStats
    fleet_median: float | None
    slow: bool
    failing: bool
    evidence: str

    @property
    def machine_id(self) -> str:
        """The host."""
        return self.stats.machine_id

    @property
    def reason(self) -> str:
        """Why it is flagged: "slow", "failing" or "slow, failing"."""
        return ", ".join(w for w, on in (("slow", self.slow), ("failing", self.failing)) if on)


def host_marks(flagged: Iterable[SlowHost]) -> dict[str, str]:
    """Machine id -> the mark the containers pane shows beside a flagged host ("slow")."""
    return {h.machine_id: h.reason for h in flagged}


def host_stats(book: TimelineBook, excused: Collection[str] = ()) -> list[HostStats]:
    """Per host, the boot times and failures of its containers (hosts by machine id)."""
    boots: dict[str, list[float]] = {}
    failed: dict[str, int] = {}
    region: dict[str, str] = {}
    newest: dict[str, str] = {}
    for uuid, line in book.timelines.items():
        host = book.hosts.get(uuid)
        if host is None:
            continue
        machine, dc = host
        region[machine] = dc
        newest[machine] = uuid  # timelines are oldest first: the last one wins
        seconds = line.boot_seconds
        if seconds is not None:
            boots.setdefault(machine, []).append(seconds)
        elif line.failed and uuid not in excused:
            failed[machine] = failed.get(machine, 0) + 1
    return [
        HostStats(
            machine_id=m,
            data_center=region[m],
            boots=tuple(boots.get(m, ())),
            failed=failed.get(m, 0),
            container_uuid=newest[m],
        )
        for m in sorted(region)
        if boots.get(m) or failed.get(m)
    ]


def flag_hosts(stats: Iterable[HostStats]) -> list[SlowHost]:
    """Hosts much slower than the rest of the fleet, or failing; the worst first.

    The fleet median is taken over the *other* hosts' containers, so one slow host cannot
    drag the baseline up until it no longer looks slow.
    """
    hosts = list(stats)
    everyone = sorted(b for h in hosts for b in h.boots)
    flagged: list[SlowHost] = []
    for h in hosts:
        fleet = _median_without(everyone, sorted(h.boots))
        median = h.median
        slow = (
            median is not None
            and fleet is not None
            and len(h.boots) >= MIN_CONTAINERS
            and median > SLOW_FACTOR * max(fleet, 1.0)
        )
        failing = h.failed >= FAILED_FLAG
        if slow or failing:
            flagged.append(SlowHost(h, fleet, slow, failing, evidence_text(h, fleet)))
    flagged.sort(
        key=lambda s: (-(s.stats.median or 0) / max(s.fleet_median or 1.0, 1.0), -s.stats.failed)
    )
    return flagged


def _median_without(everyone: list[float], mine: list[float]) -> float | None:
    """Median of `everyone` minus the multiset `mine` (both sorted); None under MIN_CONTAINERS.

    Found by bisection instead of building the rest of the fleet's list per host: with
    10,000 containers on 700 hosts that list costs a fifth of a second per reread.
    """
    count = len(everyone) - len(mine)
    if count < MIN_CONTAINERS:
        return None

    def nth(rank: int) -> float:
        # The smallest value with more than `rank` of the others at or below it.
        low, high = 0, len(everyone) - 1
        while low < high:
            mid = (low + high) // 2
            v = everyone[mid]
            if bisect.bisect_right(everyone, v) - bisect.bisect_right(mine, v) > rank:
                high = mid
            else:
                low = mid + 1
        return everyone[low]

    if count % 2:
        return nth(count // 2)
    return (nth(count // 2 - 1) + nth(count // 2)) / 2


def evidence_text(h: HostStats, fleet_median: float | None) -> str:
    """Evidence such as `4 containers, median 6m 12s to running vs fleet 41s; 1 failed`."""
    count = h.containers
    parts = [f"{count} container" + ("" if count == 1 else "s")]
    median = h.median
    if median is not None:
        versus = f" vs fleet {duration(fleet_median)}" if fleet_median is not None else ""
        parts[0] += f", median {duration(median)} to running{versus}"
    text = parts[0]
    if h.failed:
        text += f"; {h.failed} failed to reach running"
    return text[:EVIDENCE_MAX]
