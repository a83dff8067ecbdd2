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
from typing import TYPE_CHECKING, Any

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
from autodl_tui.catalog import REGION_CODES, now_cst
from autodl_tui.logs import add_secret
from autodl_tui.ui.messages import (
    AccessProblem,
    ConnectionChanged,
    ContainersLoaded,
    DeploymentsLoaded,
    EventsReceived,
    FleetContainersLoaded,
    StockLoaded,
    UnexpectedError,
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
        now: Callable[[], datetime] = now_cst,
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
        #: Loops whose last poll failed: the state is live only when none did.
        self._failing: set[str] = set()
        self.polls = 0
        self.paused_by_access = False
        #: The account may not use elastic deployment: only stock is polled until `refresh_now`.
        self.deployments_denied = False
        self._reported_access: set[str] = set()
        #: Loop name -> the last bug it hit, so a bug repeating every tick is reported once.
        self._bugs: dict[str, str] = {}

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
                    self._loop(
                        "deployments",
                        self.poll_fast,
                        self._wake_fast,
                        lambda: self.refresh,
                        lambda: self.paused_by_access or self.deployments_denied,
                    )
                ),
                asyncio.create_task(
                    self._loop(
                        "stock",
                        self.poll_stock,
                        self._wake_stock,
                        lambda: self.stock_refresh,
                        lambda: self.paused_by_access,
                    )
                ),
                asyncio.create_task(
                    self._loop(
                        "fleet",
                        self.poll_fleet,
                        self._wake_fleet,
                        self.fleet_interval,
                        lambda: self.paused_by_access or self.deployments_denied,
                    )
                ),
            ]

    async def stop(self) -> None:
        """Cancel the loops and wait for them."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def refresh_now(self, *, stock: bool = False) -> None:
        """Poll again at once instead of waiting for the next tick (access problems too)."""
        self.paused_by_access = False
        self.deployments_denied = False
        self._reported_access.clear()
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
        if not on:
            self._failing.discard("fleet")  # no longer polled, so it cannot recover
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

    def set_client(self, client: AutoDLClient) -> None:
        """Poll through another client (a new token); the event log restarts from history."""
        self._client = client
        if self._selected is not None:
            self._cursor = client.event_cursor(self._selected)
            self._cursor_fresh = True
        self.refresh_now(stock=True)

    @property
    def selected(self) -> str | None:
        """The deployment whose containers and events are followed."""
        return self._selected

    # ------------------------------------------------------------------ loops
    async def _loop(
        self,
        name: str,
        poll: Callable[[], Awaitable[None]],
        wake: asyncio.Event,
        interval: Callable[[], float],
        blocked: Callable[[], bool],
    ) -> None:
        while True:
            wake.clear()
            if not blocked():
                try:
                    await poll()
                except Exception as exc:
                    # A bug must not end polling for good: report it, keep the data, go on.
                    self._unexpected(name, exc)
                else:
                    self._bugs.pop(name, None)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=interval())

    async def poll_fast(self) -> None:
        """Fetch deployments and the selected deployment's containers and events once."""
        self.polls += 1
        selected, cursor = self._selected, self._cursor
        calls: list[Awaitable[Any]] = [self.client.list_all_deployments()]
        if selected and cursor is not None:
            calls += [self._selected_containers(selected), cursor.poll()]
        results: list[Any] = await asyncio.gather(*calls, return_exceptions=True)
        # The same cursor, not just the same uuid: after A -> B -> A a new cursor follows A,
        # and events from the old one would repeat what the new one backfills.
        following = len(results) == 3 and cursor is self._cursor
        if following and not isinstance(results[2], BaseException):
            # The cursor has committed these events: post them even if another call failed,
            # or they would never be shown.
            events: list[ContainerEvent] = results[2]
            if events or self._cursor_fresh:
                self._post(EventsReceived(selected or "", tuple(events), self._cursor_fresh))
                self._cursor_fresh = False
        failures = [r for r in results if isinstance(r, BaseException)]
        for failure in failures:
            if not isinstance(failure, AutoDLError):
                raise failure
        api_failures = [f for f in failures if isinstance(f, AutoDLError)]
        if api_failures:
            self._failed("deployments", api_failures[0])
            return
        self._succeeded("deployments")
        deployments: list[Deployment] = results[0]
        if tuple(deployments) != self._last_deployments:
            self._last_deployments = tuple(deployments)
            self._post(DeploymentsLoaded(self._last_deployments, self._now()))
        if not following or selected is None:
            return  # the selection moved while we were fetching; the next poll covers it
        if self.fleet_wide:
            return  # the containers pane shows every deployment's; poll_fleet feeds it
        containers: tuple[Container, ...] = tuple(results[1])
        for c in containers:
            add_secret(c.info.root_password)
        if self._last_containers != (selected, containers):
            self._last_containers = (selected, containers)
            self._post(ContainersLoaded(selected, containers))

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
            self._failed("fleet", exc)
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
            self._failed("fleet", exc)
            return
        if uuids and len(errors) == len(uuids):
            self._failed("fleet", errors[0])
            return
        self._succeeded("fleet")
        fleet = {
            uuid: _reuse(group, last.get(uuid, ()))
            for uuid, group in zip(uuids, answers, strict=True)
        }
        if self.fleet_wide and fleet != self._last_fleet:
            self._last_fleet = fleet
            containers = tuple(c for group in fleet.values() for c in group)
            for c in containers:
                add_secret(c.info.root_password)
            self._post(FleetContainersLoaded(containers, self._now()))

    async def poll_stock(self) -> None:
        """Fetch GPU stock of every region concurrently (the client bounds the fan-out)."""
        try:
            answers = await asyncio.gather(*(self.client.get_gpu_stock(r) for r in self._regions))
        except AutoDLError as exc:
            self._failed("stock", exc)
            return
        self._succeeded("stock")
        stock = {region: tuple(items) for region, items in zip(self._regions, answers, strict=True)}
        # Like every pane, touched only when the data changed; its label says when that was
        # (and the status line says whether polling is live).
        if stock != self._last_stock:
            self._last_stock = stock
            self._post(StockLoaded(stock, self._now()))

    # ------------------------------------------------------------------ state
    def _succeeded(self, loop: str) -> None:
        self._failing.discard(loop)
        if loop == "deployments":
            # What the deployments and containers panes show is this fresh.
            self._last_success = self._now()
        if self._failing:
            return
        self._failures = 0
        self._set_state("live", None, "")

    def _failed(self, loop: str, exc: AutoDLError) -> None:
        if isinstance(exc, AuthError | PermissionDeniedError):
            # Polling again cannot fix these; wait for the user (new token, refresh key).
            if isinstance(exc, AuthError):
                kind = "auth"
                self.paused_by_access = True
                self._set_state("unauthorized", self._down_since, exc.hint)
            else:
                kind = "permission"
                self._failing.discard(loop)  # not polled again, so it cannot recover
                self.deployments_denied = True
                self._last_deployments = None
            if kind not in self._reported_access:
                self._reported_access.add(kind)
                self._post(AccessProblem(kind, str(exc), exc.hint, exc))
            return
        self._down(loop, exc.hint or str(exc))

    def _down(self, loop: str, error: str) -> None:
        self._failing.add(loop)
        self._failures += 1
        if self._down_since is None:
            self._down_since = self._now()
        state = "retrying" if self._failures < OFFLINE_AFTER else "offline"
        self._set_state(state, self._down_since, error)

    def _unexpected(self, loop: str, exc: Exception) -> None:
        signature = f"{type(exc).__name__}: {exc}"
        if self._bugs.get(loop) != signature:
            # Once per distinct bug, not every tick: the log and the screen stay readable.
            self._bugs[loop] = signature
            self._post(UnexpectedError(f"polling {loop}", exc))
        self._down(loop, "internal error (see the log file)")

    def _set_state(self, state: str, since: datetime | None, error: str) -> None:
        if state == "live":
            self._down_since = None
        if state != self._state:
            self._state = state
            self._post(ConnectionChanged(state, since, self._last_success, error))

    @property
    def state(self) -> str:
        """Connection state: connecting, live, retrying, offline or unauthorized."""
        return self._state

    @property
    def last_success(self) -> datetime | None:
        """When deployments (and the selected one's containers and events) last arrived."""
        return self._last_success
