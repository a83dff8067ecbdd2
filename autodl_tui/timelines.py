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
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING

from autodl_tui.catalog import STARTING_STATUSES
from autodl_tui.ui.units import duration

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, Sequence
    from datetime import datetime

    from autodl_tui.api.models import Container, ContainerEvent

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
        # Kept as the book changes so that `host_stats` redoes only the hosts a poll touched
        # (a fleet-wide poll with 5% changed touches a few dozen of 2,000 hosts; walking all
        # 20,000 timelines on every such poll was most of the poll's cost).
        #: Machine id -> the uuids of its containers (those with a timeline).
        self._members: dict[str, set[str]] = {}
        #: Container uuid -> when its timeline last changed (a counter): "newest" per host.
        self._seq: dict[str, int] = {}
        self._clock = 0
        #: Hosts whose stats may have changed since `host_stats` last ran.
        self._dirty: set[str] = set()
        #: Machine id -> its stats as `host_stats` last made them (hosts with evidence only).
        self._stats: dict[str, HostStats] = {}
        self._excused: frozenset[str] = frozenset()

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
        self._clock += 1
        self._seq[uuid] = self._clock
        if (host := self._hosts.get(uuid)) is not None:
            self._dirty.add(host[0])
        while len(self._lines) > self._max:
            gone, _ = self._lines.popitem(last=False)
            self._seq.pop(gone, None)
            self._set_host(gone, None)
        return True

    def _set_host(self, uuid: str, host: tuple[str, str] | None) -> None:
        """Move a container to another host (None: forget its host), marking both dirty."""
        old = self._hosts.pop(uuid, None) if host is None else self._hosts.get(uuid)
        if old is not None:
            self._dirty.add(old[0])
            if (members := self._members.get(old[0])) is not None:
                members.discard(uuid)
                if not members:
                    del self._members[old[0]]
        if host is not None:
            self._hosts[uuid] = host
            self._members.setdefault(host[0], set()).add(uuid)
            self._dirty.add(host[0])

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
                    self._set_host(c.uuid, host)
                    changed = True
        return changed

    def host_stats(self, excused: Collection[str] = ()) -> list[HostStats]:
        """Per host, the boot times and failures of its containers, hosts by machine id.

        Only the hosts whose containers changed since the last call (or whose excused
        containers did) are counted again.
        """
        excused = excused if isinstance(excused, frozenset) else frozenset(excused)
        if excused != self._excused:
            for uuid in excused ^ self._excused:
                if (host := self._hosts.get(uuid)) is not None:
                    self._dirty.add(host[0])
            self._excused = excused
        for machine in self._dirty:
            stats = self._count(machine, excused)
            if stats is None:
                self._stats.pop(machine, None)
            else:
                self._stats[machine] = stats
        self._dirty.clear()
        return [self._stats[m] for m in sorted(self._stats)]

    def _count(self, machine: str, excused: frozenset[str]) -> HostStats | None:
        """One host's stats from its containers' timelines, oldest first; None without any."""
        members = self._members.get(machine)
        if not members:
            return None
        boots: list[float] = []
        failed = 0
        lines = self._lines
        for uuid in members:
            line = lines[uuid]
            seconds = line.boot_seconds
            if seconds is not None:
                boots.append(seconds)
            elif line.failed and uuid not in excused:
                failed += 1
        if not boots and not failed:
            return None
        newest = max(members, key=self._seq.__getitem__)
        boots.sort()
        return HostStats(
            machine_id=machine,
            data_center=self._hosts[newest][1],
            boots=tuple(boots),
            failed=failed,
            container_uuid=newest,
        )

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
    #: Seconds to running of each container that ran here, shortest first.
    boots: tuple[float, ...]
    failed: int
    #: The newest container seen on this host: the blacklist call names a container.
    container_uuid: str
    #: Median seconds to running, None before any container ran here (derived from boots:
    #: `flag_hosts` reads it for every host on every change, so it is worked out once).
    median: float | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "median", statistics.median(self.boots) if self.boots else None)

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
    return book.host_stats(excused)


def flag_hosts(stats: Iterable[HostStats]) -> list[SlowHost]:
    """Hosts much slower than the rest of the fleet, or failing; the worst first.

    The fleet median is taken over the *other* hosts' containers, so one slow host cannot
    drag the baseline up until it no longer looks slow.
    """
    hosts = list(stats)
    # Each host's boots are sorted already: sorting their runs together is a merge.
    everyone = sorted(chain.from_iterable(h.boots for h in hosts))
    flagged: list[SlowHost] = []
    for h in hosts:
        failing = h.failed >= FAILED_FLAG
        if not failing and not _may_be_slow(h, everyone):
            continue  # the exact fleet median (a bisection per host) is for candidates only
        fleet = _median_without(everyone, h.boots)
        median = h.median
        slow = (
            median is not None
            and fleet is not None
            and len(h.boots) >= MIN_CONTAINERS
            and median > SLOW_FACTOR * max(fleet, 1.0)
        )
        if slow or failing:
            flagged.append(SlowHost(h, fleet, slow, failing, evidence_text(h, fleet)))
    flagged.sort(
        key=lambda s: (-(s.stats.median or 0) / max(s.fleet_median or 1.0, 1.0), -s.stats.failed)
    )
    return flagged


def _may_be_slow(h: HostStats, everyone: Sequence[float]) -> bool:
    """False when `h` cannot be slow whatever the others' median, by a bound on that median.

    Taking k values out of a sorted list leaves its r-th smallest at or above `everyone[r]`,
    so the others' median is at least `everyone[(count - 1) // 2]`.
    """
    count = len(everyone) - len(h.boots)
    if len(h.boots) < MIN_CONTAINERS or count < MIN_CONTAINERS:
        return False
    median = h.median
    return median is not None and median > SLOW_FACTOR * max(everyone[(count - 1) // 2], 1.0)


def _median_without(everyone: Sequence[float], mine: Sequence[float]) -> float | None:
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
