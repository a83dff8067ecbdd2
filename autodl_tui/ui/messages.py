"""Messages the poller posts to the main screen: past-tense facts about fetched data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from textual.message import Message

from autodl_tui.api import AutoDLError, Container, ContainerEvent, Deployment, GpuStock


@dataclass
class DeploymentsLoaded(Message):
    """Every deployment of the account, newest first; posted only when something changed."""

    deployments: Sequence[Deployment]
    fetched_at: datetime


@dataclass
class ContainersLoaded(Message):
    """The containers of the selected deployment; posted only when something changed."""

    deployment_uuid: str
    containers: Sequence[Container]


@dataclass
class FleetContainersLoaded(Message):
    """The containers of every deployment (fleet-wide mode); posted only when something changed."""

    containers: Sequence[Container]
    fetched_at: datetime


@dataclass
class FirstDataPainted(Message):
    """The first deployments list is on screen: start-up is over."""


@dataclass
class EventsReceived(Message):
    """New events of the selected deployment, oldest first; `reset` starts a new log."""

    deployment_uuid: str
    events: Sequence[ContainerEvent]
    reset: bool


@dataclass
class StockLoaded(Message):
    """GPU stock per region code."""

    stock: Mapping[str, Sequence[GpuStock]]
    fetched_at: datetime


@dataclass
class ConnectionChanged(Message):
    """The API's reachability changed: "live", "retrying", "offline" or "unauthorized"."""

    state: str
    since: datetime | None
    last_success: datetime | None
    error: str


@dataclass
class AccessProblem(Message):
    """A call failed for a reason polling cannot fix (bad token, account not verified)."""

    kind: str
    message: str
    hint: str
    #: The error itself, for the "last error" dialog (vendor msg and request_id).
    error: AutoDLError | None = None


@dataclass
class UnexpectedError(Message):
    """A bug (not an API failure) stopped one poll; polling goes on."""

    where: str
    error: Exception
