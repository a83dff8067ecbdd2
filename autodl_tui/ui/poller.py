"""One polling layer over the API client: fetches what the panes show, posts what changed.

Two loops run as asyncio tasks: a fast one (deployments, and the selected deployment's
containers and events) every `refresh` seconds, and a slow one (GPU stock of every region)
every `stock_refresh` seconds. Each loop awaits its own fetch before sleeping, so requests
for the same data never overlap; `refresh_now()` wakes both early. Nothing is fetched for a
deployment that is not selected, and a result equal to the last one posts nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from textual.message import Message

from autodl_tui.api import (
    AuthError,
    AutoDLClient,
    AutoDLError,
    Container,
    ContainerEvent,
    Deployment,
    EventCursor,
    GpuStock,
    PermissionDeniedError,
)
from autodl_tui.catalog import CST, REGION_CODES
from autodl_tui.logs import add_secret
from autodl_tui.ui.messages import (
    AccessProblem,
    ConnectionChanged,
    ContainersLoaded,
    DeploymentsLoaded,
    EventsReceived,
    StockLoaded,
    UnexpectedError,
)

#: Consecutive failed polls after which "retrying" becomes "offline".
OFFLINE_AFTER = 3


def _now() -> datetime:
    return datetime.now(CST)


class Poller:
    """Keeps the panes' data fresh; `post` delivers messages to the screen."""

    def __init__(
        self,
        client: AutoDLClient,
        post: Callable[[Message], object],
        *,
        refresh: float = 2.0,
        stock_refresh: float = 30.0,
        now: Callable[[], datetime] = _now,
        regions: Sequence[str] = REGION_CODES,
    ) -> None:
        self.client = client
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
        self._tasks: list[asyncio.Task[None]] = []
        self._wake_fast = asyncio.Event()
        self._wake_stock = asyncio.Event()
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

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        """Start both loops (call from a running event loop)."""
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
        """Poll again at once instead of waiting for the next tick (access problems too)."""
        self.paused_by_access = False
        self.deployments_denied = False
        self._reported_access.clear()
        self._wake_fast.set()
        if stock:
            self._wake_stock.set()

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
        self.client = client
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
            calls += [self.client.list_all_containers(selected), cursor.poll()]
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
        containers: tuple[Container, ...] = tuple(results[1])
        for c in containers:
            add_secret(c.info.root_password)
        if self._last_containers != (selected, containers):
            self._last_containers = (selected, containers)
            self._post(ContainersLoaded(selected, containers))

    async def poll_stock(self) -> None:
        """Fetch GPU stock of every region concurrently (the client bounds the fan-out)."""
        try:
            answers = await asyncio.gather(*(self.client.get_gpu_stock(r) for r in self._regions))
        except AutoDLError as exc:
            self._failed("stock", exc)
            return
        self._succeeded("stock")
        stock = {region: tuple(items) for region, items in zip(self._regions, answers, strict=True)}
        # Posted even when unchanged: the heatmap shows how old its data is.
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
