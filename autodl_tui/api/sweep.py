"""`SweepPlanner`: which deployments' containers to read again, from the deployments list.

The deployments list is the cheap index: one request names every deployment with its
container counters (`starting_num`, `running_num`, `finished_num`) and `updated_at`. A
deployment's containers are read again only when:

* it was never read (a first load), or it is selected (its containers pane is on screen);
* its row in the list changed since its containers were last read (a counter, the status,
  the replica count or `updated_at`): compared with the row as it was at that read, so a
  change the planner had no room for this time is still due the next time;
* its containers are on screen (visible rows of the fleet-wide view);
* the slow full sweep reaches it: every deployment at least every `full_sweep` seconds,
  a few per plan (`full_sweep` spread evenly over the plans), never all at once. The first
  load staggers the deployments' next reads over one period, so the sweep starts even.

A `limit` (what the request budget has to spare) caps a plan; the selected deployment
comes first, then changed rows, visible ones, first reads and the sweep. Pure: no I/O, no
Textual; the time comes from the caller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence

    from autodl_tui.api.models import Deployment

__all__ = ["FULL_SWEEP", "Plan", "SweepPlanner", "row_signature"]

#: Seconds in which the slow sweep reads every deployment's containers at least once (when
#: the budget allows it): a container change the list's counters do not show (about 2.5 of
#: 9 lists changing between two 10 s sweeps of the `large` fleet) is shown within a minute.
FULL_SWEEP = 60.0

#: Why a deployment's containers are read, in priority order.
REASONS = ("selected", "changed", "visible", "new", "sweep")

Signature = tuple[int, int, int, int, str, datetime | None]


def row_signature(deployment: Deployment) -> Signature:
    """What of a deployment's list row says its containers changed."""
    return (
        deployment.starting_num,
        deployment.running_num,
        deployment.finished_num,
        deployment.replica_num,
        deployment.status,
        deployment.updated_at,
    )


@dataclass(frozen=True)
class Plan:
    """The deployments whose containers to read now, in order, each with its reason."""

    fetch: tuple[str, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)
    #: Deployments left for a later plan for want of budget.
    deferred: int = 0

    def count(self, reason: str) -> int:
        """How many reads this plan makes for `reason`."""
        return sum(1 for r in self.reasons.values() if r == reason)


@dataclass
class _Read:
    """A deployment's last read: its list row then, and when its next sweep read is due."""

    signature: Signature
    due: float


class SweepPlanner:
    """Plans each fleet-wide poll's container reads (see the module docstring)."""

    def __init__(self, *, full_sweep: float = FULL_SWEEP) -> None:
        """`full_sweep`: seconds within which every deployment is read again."""
        if not full_sweep > 0:
            raise ValueError("full_sweep must be > 0")
        self.full_sweep = full_sweep
        self._reads: dict[str, _Read] = {}

    def forget(self) -> None:
        """Start over: the next plan reads every deployment (a new client, a new view)."""
        self._reads.clear()

    def plan(
        self,
        deployments: Sequence[Deployment],
        *,
        now: float,
        interval: float,
        selected: str | None = None,
        visible: Collection[str] = (),
        limit: int | None = None,
        sweep_per_minute: float | None = None,
    ) -> Plan:
        """The reads due at `now` for a poll every `interval` seconds.

        `limit` caps the plan (the selected deployment is read regardless);
        `sweep_per_minute` caps the sweep's own reads (a share of the budget).
        """
        known = {d.uuid for d in deployments if d.uuid}
        for gone in [u for u in self._reads if u not in known]:
            del self._reads[gone]  # deleted deployments: nothing held for them
        groups: dict[str, list[str]] = {reason: [] for reason in REASONS}
        due: list[tuple[float, str]] = []
        seen: set[str] = set()
        for deployment in deployments:
            uuid = deployment.uuid
            if not uuid or uuid in seen:
                continue
            seen.add(uuid)
            read = self._reads.get(uuid)
            if uuid == selected:
                groups["selected"].append(uuid)
            elif read is None:
                groups["new"].append(uuid)
            elif read.signature != row_signature(deployment):
                groups["changed"].append(uuid)
            elif uuid in visible:
                groups["visible"].append(uuid)
            elif now >= read.due:
                due.append((read.due, uuid))
        due.sort()
        quota = math.ceil(len(seen) * interval / self.full_sweep)
        if sweep_per_minute is not None:
            quota = min(quota, math.ceil(sweep_per_minute * interval / 60.0))
        groups["sweep"] = [uuid for _, uuid in due[: max(0, quota)]]
        ordered = [(uuid, reason) for reason in REASONS for uuid in groups[reason]]
        wanted = len(ordered) + len(due) - len(groups["sweep"])
        if limit is not None:
            room = max(limit, len(groups["selected"]))
            ordered = ordered[:room]
        return Plan(
            fetch=tuple(uuid for uuid, _ in ordered),
            reasons=dict(ordered),
            deferred=wanted - len(ordered),
        )

    def done(
        self,
        deployments: Iterable[Deployment],
        read: Collection[str],
        *,
        now: float,
        plan: Plan | None = None,
    ) -> None:
        """Record that the containers of `read` were read at `now` (as listed in `deployments`).

        First reads (reason "new") get their next sweep staggered over one period.
        """
        news = [u for u in (plan.fetch if plan else ()) if plan and plan.reasons[u] == "new"]
        stagger = {uuid: (i + 1) / len(news) for i, uuid in enumerate(news)} if news else {}
        for deployment in deployments:
            uuid = deployment.uuid
            if uuid in read:
                self._reads[uuid] = _Read(
                    row_signature(deployment),
                    now + self.full_sweep * stagger.get(uuid, 1.0),
                )

    def unread(self, deployments: Iterable[Deployment]) -> int:
        """How many of `deployments` (distinct uuids) were never read: the fleet is not whole."""
        return len({d.uuid for d in deployments if d.uuid and d.uuid not in self._reads})

    def __len__(self) -> int:
        return len(self._reads)
