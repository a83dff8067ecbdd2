"""The one owner of fleet state: plain Python (no Textual), fed by the poller, read by widgets.

`FleetStore.apply(fact)` takes what the poller reported (`ui/messages.py`), keeps what is true
now, drops what no longer applies (the containers of a deployment no longer selected), and
calls every observer with a `Change` naming what changed. Commands (`select`,
`show_fleet`) change the selection here; `ui/fleet.py` forwards them to the poller.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum, auto
from typing import TYPE_CHECKING

from autodl_tui.catalog import now_cst
from autodl_tui.ui.messages import (
    AccessProblem,
    Connection,
    ConnectionChanged,
    ContainersLoaded,
    DeploymentsLoaded,
    EventsReceived,
    FleetContainersLoaded,
    FleetProgress,
    ListTruncated,
    Observed,
    StockLoaded,
    UnexpectedError,
    WaitingExplained,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from autodl_tui.api import Container, ContainerEvent, Deployment, GpuStock
    from autodl_tui.explain import Explanation
    from autodl_tui.ui.messages import (
        AccessKind,
        Fact,
    )

#: Events kept for the selected deployment (the event log keeps as many lines).
EVENTS_KEPT = 10_000


class Aspect(Enum):
    """One part of the fleet state; a `Change` names those that changed."""

    DEPLOYMENTS = auto()
    CONTAINERS = auto()
    SELECTION = auto()
    FLEET_MODE = auto()
    PROGRESS = auto()
    EVENTS = auto()
    STOCK = auto()
    CONNECTION = auto()
    ACCESS = auto()
    NOTICE = auto()


@dataclass(frozen=True, slots=True)
class ContainersDelta:
    """How one list changed the containers held: what an observer must redo, not all of it.

    A container is *changed* unless it is the very object held before (the poller and the
    client's answer memo hand back the same object for an unchanged container), so a poll
    of 10,000 with 5% changed names 500 and the observers' work is that 500's.
    """

    #: New containers and new versions of held ones, in the list's order.
    changed: tuple[Container, ...]
    #: Uuids held before and not in this list.
    removed: tuple[str, ...]
    #: Whether the list has the same uuids in the same order as the one before it.
    same_order: bool


@dataclass(frozen=True)
class Change:
    """What one fact or command changed; `fact` is the fact itself (None for a command).

    `delta`: for a containers list, how it differs from the containers held before it
    (None for every other change; a command that empties the containers sends none).
    """

    aspects: frozenset[Aspect]
    fact: Fact | None = None
    delta: ContainersDelta | None = None


Observer = Callable[[Change], None]


@dataclass
class FleetStore:
    """Deployments, containers, selection, events, stock and connection, as last reported."""

    deployments: dict[str, Deployment] = field(default_factory=dict)
    #: When the deployments list last changed (None before the first list).
    deployments_at: datetime | None = None
    containers: dict[str, Container] = field(default_factory=dict)
    #: Whether the containers of the selection (or, fleet-wide, of all) have arrived.
    containers_loaded: bool = False
    #: Why containers wait for a host, by deployment uuid (the pane shows the short form).
    waiting: Mapping[str, Explanation] = field(default_factory=dict)
    selected: str | None = None
    fleet_wide: bool = False
    #: The first fleet-wide load so far: (lists answered, deployments).
    fleet_progress: tuple[int, int] | None = None
    #: The selected deployment's events, oldest first.
    events: deque[ContainerEvent] = field(default_factory=lambda: deque(maxlen=EVENTS_KEPT))
    stock: Mapping[str, Sequence[GpuStock]] = field(default_factory=dict)
    stock_at: datetime | None = None
    connection: Connection = Connection.CONNECTING
    #: Since when the connection is down (None while live).
    down_since: datetime | None = None
    #: When deployments (and the selection's containers and events) last arrived.
    last_success: datetime | None = None
    #: The connection's last problem ("" while live).
    error: str = ""
    #: Access problems polling cannot fix (cleared when the connection is live again).
    access: set[AccessKind] = field(default_factory=set)
    #: When the data on screen was last fetched, while the connection is down (else None).
    stale_since: datetime | None = None
    now: Callable[[], datetime] = now_cst
    _observers: list[Observer] = field(default_factory=list, repr=False)
    #: The delta of the fact being applied (set by `_containers`).
    _delta: ContainersDelta | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ observers
    def subscribe(self, observer: Observer) -> Callable[[], None]:
        """Call `observer` with every change from now on; returns the unsubscribe."""
        self._observers.append(observer)
        return lambda: self._observers.remove(observer) if observer in self._observers else None

    def _tell(self, change: Change) -> Change:
        for observer in list(self._observers):
            observer(change)
        return change

    # ------------------------------------------------------------------ commands
    def select(self, uuid: str | None) -> bool:
        """Follow another deployment; False when it already was the selection."""
        if uuid == self.selected:
            return False
        self.selected = uuid
        self.events.clear()
        aspects = {Aspect.SELECTION, Aspect.EVENTS}
        if not self.fleet_wide:
            self.containers = {}
            self.containers_loaded = False
            aspects.add(Aspect.CONTAINERS)
        self._tell(Change(frozenset(aspects)))
        return True

    def show_fleet(self, on: bool) -> bool:
        """Containers of every deployment (True) or of the selection; False when unchanged."""
        if on == self.fleet_wide:
            return False
        self.fleet_wide = on
        self.containers = {}
        self.containers_loaded = False
        self.fleet_progress = None
        self._tell(Change(frozenset({Aspect.FLEET_MODE, Aspect.CONTAINERS})))
        return True

    # ------------------------------------------------------------------ facts
    def apply(self, fact: Fact) -> Change | None:
        """Take one fact from the poller; None when it no longer applies (nothing changed)."""
        self._delta = None
        aspects = self._absorb(fact)
        if aspects is None:
            return None
        return self._tell(Change(frozenset(aspects), fact, self._delta))

    def _absorb(self, fact: Fact) -> set[Aspect] | None:  # noqa: PLR0911 - one branch a fact
        if isinstance(fact, DeploymentsLoaded):
            self.deployments = {d.uuid: d for d in fact.deployments}
            self.deployments_at = fact.fetched_at
            self.access.discard("permission")
            return {Aspect.DEPLOYMENTS, Aspect.ACCESS}
        if isinstance(fact, ContainersLoaded):
            if fact.deployment_uuid != self.selected or self.fleet_wide:
                return None  # a late answer for the previous selection or mode
            return self._containers(fact.containers)
        if isinstance(fact, FleetContainersLoaded):
            if not self.fleet_wide:
                return None
            return self._containers(fact.containers, loaded=fact.complete)
        if isinstance(fact, FleetProgress):
            if not self.fleet_wide:
                return None
            self.fleet_progress = (fact.done, fact.total)
            return {Aspect.PROGRESS}
        if isinstance(fact, EventsReceived):
            if fact.deployment_uuid != self.selected:
                return None
            if fact.reset:
                self.events.clear()
            self.events.extend(fact.events)
            return {Aspect.EVENTS}
        if isinstance(fact, StockLoaded):
            self.stock, self.stock_at = fact.stock, fact.fetched_at
            return {Aspect.STOCK}
        if isinstance(fact, ConnectionChanged):
            self.connection = fact.state
            self.down_since = fact.since
            self.last_success = fact.last_success
            self.error = fact.error if fact.state is not Connection.LIVE else ""
            # Kept on screen, marked with its age, rather than cleared.
            self.stale_since = (fact.last_success or self.now()) if fact.state.down else None
            if fact.state is Connection.LIVE:
                self.access.discard("auth")
            return {Aspect.CONNECTION, Aspect.ACCESS}
        if isinstance(fact, AccessProblem):
            self.access.add(fact.kind)
            return {Aspect.ACCESS}
        if isinstance(fact, UnexpectedError | ListTruncated):
            return {Aspect.NOTICE}
        if isinstance(fact, WaitingExplained):
            if fact.reasons == self.waiting:
                return None
            self.waiting = fact.reasons
            return {Aspect.CONTAINERS}
        if isinstance(fact, Observed):
            return None  # the alert engine's (ui/watch.py), not state to keep
        raise TypeError(f"not a poller fact: {type(fact).__name__}")

    def _containers(self, containers: Sequence[Container], *, loaded: bool = True) -> set[Aspect]:
        old, new = self.containers, {c.uuid: c for c in containers}
        get = old.get
        # The one walk of the whole list per poll: the observers take the delta from here.
        changed = tuple(c for c in new.values() if get(c.uuid) is not c)
        added = sum(1 for c in changed if c.uuid not in old)
        gone = len(old) + added - len(new)
        removed = tuple(uuid for uuid in old if uuid not in new) if gone else ()
        same_order = not added and not gone and list(new) == list(old)
        self._delta = ContainersDelta(changed, removed, same_order)
        self.containers = new
        self.containers_loaded = loaded
        return {Aspect.CONTAINERS}

    @property
    def selected_deployment(self) -> Deployment | None:
        """The selected deployment, if the last list still has it."""
        return self.deployments.get(self.selected or "")
