"""What the poller reports: past-tense facts about fetched data, plain Python (no Textual).

The main screen hands each to the fleet store (`ui/store.py`), which keeps what is true now
and tells its observers what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from autodl_tui.alerts.model import Snapshot
    from autodl_tui.api import AutoDLError, Container, ContainerEvent, Deployment, GpuStock
    from autodl_tui.explain import Explanation


class Connection(StrEnum):
    """The API's reachability as the poller sees it."""

    CONNECTING = "connecting"
    LIVE = "live"
    RETRYING = "retrying"
    OFFLINE = "offline"
    UNAUTHORIZED = "unauthorized"

    @property
    def down(self) -> bool:
        """Whether the data on screen is stale (polls fail or the token was refused)."""
        return self in (Connection.RETRYING, Connection.OFFLINE, Connection.UNAUTHORIZED)


AccessKind = Literal["auth", "permission"]
"""Why polling stopped until the user acts: a rejected token, or an account without access."""


@dataclass(frozen=True)
class DeploymentsLoaded:
    """Every deployment of the account, newest first; posted only when something changed."""

    deployments: Sequence[Deployment]
    fetched_at: datetime


@dataclass(frozen=True)
class ContainersLoaded:
    """The containers of the selected deployment; posted only when something changed."""

    deployment_uuid: str
    containers: Sequence[Container]


@dataclass(frozen=True)
class FleetContainersLoaded:
    """The containers of every deployment (fleet-wide mode); posted only when something changed.

    `complete` is False for the lists a long first load has read so far (more follow).
    """

    containers: Sequence[Container]
    fetched_at: datetime
    complete: bool = True


@dataclass(frozen=True)
class FleetProgress:
    """The first fleet-wide load so far: `done` of `total` deployments' lists answered."""

    done: int
    total: int


@dataclass(frozen=True)
class EventsReceived:
    """New events of the selected deployment, oldest first; `reset` starts a new log."""

    deployment_uuid: str
    events: Sequence[ContainerEvent]
    reset: bool


@dataclass(frozen=True)
class StockLoaded:
    """GPU stock per region code."""

    stock: Mapping[str, Sequence[GpuStock]]
    fetched_at: datetime


@dataclass(frozen=True)
class ConnectionChanged:
    """The API's reachability changed."""

    state: Connection
    since: datetime | None
    last_success: datetime | None
    error: str


@dataclass(frozen=True)
class AccessProblem:
    """A call failed for a reason polling cannot fix (bad token, account not verified)."""

    kind: AccessKind
    message: str
    hint: str
    #: The error itself, for the "last error" dialog (vendor msg and request_id).
    error: AutoDLError | None = None


@dataclass(frozen=True)
class UnexpectedError:
    """A bug (not an API failure) stopped one poll; polling goes on."""

    where: str
    error: Exception


@dataclass(frozen=True)
class ListTruncated:
    """A list had more pages than one poll reads (`MAX_PAGES`): only `shown` items are shown.

    Posted once per list until it fits again. `deployment_uuid` is "" for the deployments
    list, else the deployment whose containers were cut; `total` is what the service claimed.
    """

    deployment_uuid: str
    shown: int
    total: int | None


@dataclass(frozen=True)
class WaitingExplained:
    """Why containers wait for a host, by deployment uuid (explain.py), for the pane."""

    reasons: Mapping[str, Explanation]


@dataclass(frozen=True)
class Observed:
    """What one completed poll read in full, for the alert engine: posted after every poll.

    Unlike the facts above it is posted even when nothing changed: "below its replica
    count for N minutes" needs to see time pass. The store keeps nothing of it.
    """

    snapshot: Snapshot


Fact = (
    DeploymentsLoaded
    | ContainersLoaded
    | FleetContainersLoaded
    | FleetProgress
    | EventsReceived
    | StockLoaded
    | ConnectionChanged
    | AccessProblem
    | UnexpectedError
    | ListTruncated
    | WaitingExplained
    | Observed
)
"""Anything the poller reports."""
