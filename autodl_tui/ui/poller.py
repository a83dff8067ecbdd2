"""One polling layer over the API client: fetches what the panes show, posts what changed.

Two loops run as asyncio tasks: a fast one (deployments, and the selected deployment's
containers and events) every `refresh` seconds, and a slow one (GPU stock of every region)
every `stock_refresh` seconds. Each loop awaits its own fetch before sleeping, so requests
for the same data never overlap; `refresh_now()` wakes both early. Nothing is fetched for a
deployment that is not selected, and a result equal to the last one posts nothing.

A third loop runs only in fleet-wide mode (`show_fleet(True)`): the containers of every
deployment, a bounded number of requests at a time, every `fleet_interval()` seconds.
The client is built on first use, so a factory passed in keeps it off the first paint.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from textual.message import Message

from autodl_tui.api import (
    AuthError,
    AutoDLError,
    Container,
    ContainerEvent,
    Deployment,
    EventCursor,
    GpuStock,
    PermissionDeniedError,
)
from autodl_tui.api.paging import gather_all
from autodl_tui.catalog import CST, REGION_CODES
from autodl_tui.ui.messages import (
    AccessProblem,
    ConnectionChanged,
    ContainersLoaded,
    DeploymentsLoaded,
    EventsReceived,
    FleetContainersLoaded,
    StockLoaded,
)

if TYPE_CHECKING:
    from autodl_tui.api import AutoDLClient

#: Consecutive failed polls after which "retrying" becomes "offline".
OFFLINE_AFTER = 3
#: Container lists in flight during a fleet-wide poll: two of the client's eight slots stay
#: free, so the fast loop and the user's actions never queue behind 500 list calls.
FLEET_IN_FLIGHT = 6
#: Fleet-wide polls are one request per deployment: at most one every this many seconds.
FLEET_MIN_INTERVAL = 10.0


def _now() -> datetime:
    return datetime.now(CST)


def _reuse(new: tuple[Container, ...], old: tuple[Container, ...]) -> tuple[Container, ...]:
    """`new`, with each container equal to its previous version replaced by that object.

    Unchanged containers keep their identity from poll to poll, so the screen can reuse
    their rows with an `is` check instead of converting 10,000 containers again.
    """
    if new == old:
        return old
    previous = {c.uuid: c for c in old}
    return tuple(p if (p := previous.get(c.uuid)) is not None and p == c else c for c in new)


class Poller:
    """Keeps the panes' data fresh; `post` delivers messages to the screen."""

    def __init__(
        self,
        client: AutoDLClient | Callable[[], AutoDLClient],
        post: Callable[[Message], object],
        *,
        refresh: float = 2.0,
        stock_refresh: float = 30.0,
        now: Callable[[], datetime] = _now,
        regions: Sequence[str] = REGION_CODES,
    ) -> None:
        # A client is not callable; a factory is (no isinstance: the client loads lazily).
        self._client = None if callable(client) else client
        self._make_client = client if callable(client) else None
        self._post = post
        self.refresh = refresh
        self.stock_refresh = stock_refresh
        self._now = now
        self._regions = tuple(regions)
        self._selected: str | None = None
        self._cursor: EventCursor | None = None
        self._cursor_fresh = False
        self._last_deployments: tuple[Deployment, ...] | None = None
        self._last_containers: tuple[str, tuple[Container, ...]] | None = None
        self._last_stock: dict[str, tuple[GpuStock, ...]] | None = None
        self._last_fleet: dict[str, tuple[Container, ...]] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._wake_fast = asyncio.Event()
        self._wake_stock = asyncio.Event()
        self._wake_fleet = asyncio.Event()
        self.fleet_wide = False
        self._failures = 0
        self._state = "connecting"
        self._down_since: datetime | None = None
        self._last_success: datetime | None = None
        self.polls = 0
        self.paused_by_access = False

    @property
    def client(self) -> AutoDLClient:
        """The API client; built here on first use when the poller was given a factory."""
        if self._client is None:
            assert self._make_client is not None
            self._client = self._make_client()
        return self._client

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        """Start the loops (call from a running event loop)."""
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(
                    self._loop(self.poll_fast, self._wake_fast, lambda: self.refresh)
                ),
                asyncio.create_task(
                    self._loop(self.poll_stock, self._wake_stock, lambda: self.stock_refresh)
                ),
                asyncio.create_task(
                    self._loop(self.poll_fleet, self._wake_fleet, self.fleet_interval)
                ),
            ]

    async def stop(self) -> None:
        """Cancel both loops and wait for them."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def refresh_now(self, *, stock: bool = False) -> None:
        """Poll again at once instead of waiting for the next tick."""
        self.paused_by_access = False
        self._wake_fast.set()
        if stock:
            self._wake_stock.set()
        if self.fleet_wide:
            self._wake_fleet.set()

    def show_fleet(self, on: bool) -> None:
        """Follow the containers of every deployment (True) or of the selected one only."""
        if on == self.fleet_wide:
            return
        self.fleet_wide = on
        self._last_fleet = None
        self._last_containers = None  # back in single mode, post the selection's list again
        (self._wake_fleet if on else self._wake_fast).set()

    def fleet_interval(self) -> float:
        """Seconds between fleet-wide polls: five fast polls, and never under ten seconds."""
        return max(self.refresh * 5, FLEET_MIN_INTERVAL)

    def select(self, deployment_uuid: str | None) -> None:
        """Follow another deployment's containers and events (None: follow nothing)."""
        if deployment_uuid == self._selected:
            return
        self._selected = deployment_uuid
        self._cursor = self.client.event_cursor(deployment_uuid) if deployment_uuid else None
        self._cursor_fresh = True
        self._last_containers = None
        self._wake_fast.set()

    @property
    def selected(self) -> str | None:
        """The deployment whose containers and events are followed."""
        return self._selected

    # ------------------------------------------------------------------ loops
    async def _loop(
        self,
        poll: Callable[[], Awaitable[None]],
        wake: asyncio.Event,
        interval: Callable[[], float],
    ) -> None:
        while True:
            wake.clear()
            if not self.paused_by_access:
                await poll()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=interval())

    async def poll_fast(self) -> None:
        """Fetch deployments and the selected deployment's containers and events once."""
        self.polls += 1
        selected, cursor = self._selected, self._cursor
        containers: list[Container] = []
        events: list[ContainerEvent] = []
        try:
            if selected and cursor is not None:
                deployments, containers, events = await asyncio.gather(
                    self.client.list_all_deployments(),
                    self._selected_containers(selected),
                    cursor.poll(),
                )
            else:
                deployments = await self.client.list_all_deployments()
        except AutoDLError as exc:
            self._failed(exc)
            return
        self._succeeded()
        if tuple(deployments) != self._last_deployments:
            self._last_deployments = tuple(deployments)
            self._post(DeploymentsLoaded(self._last_deployments, self._now()))
        if selected is None or selected != self._selected:
            return  # the selection moved while we were fetching; the next poll covers it
        if self.fleet_wide:
            pass  # the containers pane shows every deployment's; poll_fleet feeds it
        elif self._last_containers != (selected, tuple(containers)):
            self._last_containers = (selected, tuple(containers))
            self._post(ContainersLoaded(selected, tuple(containers)))
        if events or self._cursor_fresh:
            self._post(EventsReceived(selected, tuple(events), self._cursor_fresh))
            self._cursor_fresh = False

    async def _selected_containers(self, uuid: str) -> list[Container]:
        return [] if self.fleet_wide else await self.client.list_all_containers(uuid)

    async def poll_fleet(self) -> None:
        """In fleet-wide mode, fetch the containers of every deployment once.

        A deployment whose list fails keeps its last known containers; the poll fails only
        when every list did (or the token was refused).
        """
        if not self.fleet_wide:
            return
        try:
            deployments = self._last_deployments
            if deployments is None:
                deployments = tuple(await self.client.list_all_deployments())
        except AutoDLError as exc:
            self._failed(exc)
            return
        gate = asyncio.Semaphore(FLEET_IN_FLIGHT)
        last = self._last_fleet or {}
        errors: list[AutoDLError] = []

        async def one(uuid: str) -> tuple[Container, ...]:
            async with gate:
                try:
                    return tuple(await self.client.list_all_containers(uuid))
                except (AuthError, PermissionDeniedError):
                    raise
                except AutoDLError as exc:
                    errors.append(exc)
                    return last.get(uuid, ())

        uuids = [d.uuid for d in deployments]
        try:
            answers = await gather_all(one(uuid) for uuid in uuids)
        except AutoDLError as exc:
            self._failed(exc)
            return
        if uuids and len(errors) == len(uuids):
            self._failed(errors[0])
            return
        self._succeeded()
        fleet = {
            uuid: _reuse(group, last.get(uuid, ()))
            for uuid, group in zip(uuids, answers, strict=True)
        }
        if self.fleet_wide and fleet != self._last_fleet:
            self._last_fleet = fleet
            containers = tuple(c for group in fleet.values() for c in group)
            self._post(FleetContainersLoaded(containers, self._now()))

    async def poll_stock(self) -> None:
        """Fetch GPU stock of every region concurrently (the client bounds the fan-out)."""
        try:
            answers = await asyncio.gather(*(self.client.get_gpu_stock(r) for r in self._regions))
        except AutoDLError as exc:
            self._failed(exc)
            return
        self._succeeded()
        stock = {region: tuple(items) for region, items in zip(self._regions, answers, strict=True)}
        if stock != self._last_stock:
            self._last_stock = stock
            self._post(StockLoaded(stock, self._now()))

    # ------------------------------------------------------------------ state
    def _succeeded(self) -> None:
        self._failures = 0
        self._last_success = self._now()
        self._set_state("live", None, "")

    def _failed(self, exc: AutoDLError) -> None:
        if isinstance(exc, AuthError | PermissionDeniedError):
            # Polling again cannot fix these; wait for the user (new token, refresh key).
            self.paused_by_access = isinstance(exc, AuthError)
            kind = "auth" if isinstance(exc, AuthError) else "permission"
            self._post(AccessProblem(kind, str(exc), exc.hint))
            return
        self._failures += 1
        if self._down_since is None:
            self._down_since = self._now()
        state = "retrying" if self._failures < OFFLINE_AFTER else "offline"
        self._set_state(state, self._down_since, exc.hint or str(exc))

    def _set_state(self, state: str, since: datetime | None, error: str) -> None:
        if state == "live":
            self._down_since = None
        if state != self._state:
            self._state = state
            self._post(ConnectionChanged(state, since, self._last_success, error))

    @property
    def state(self) -> str:
        """Connection state: connecting, live, retrying or offline."""
        return self._state

    @property
    def last_success(self) -> datetime | None:
        """When a poll last succeeded."""
        return self._last_success
