"""One polling layer over the API client: fetches what the panes show, posts what changed.

Two loops run as asyncio tasks: a fast one (deployments, and the selected deployment's
containers and events) every `refresh` seconds, and a slow one (GPU stock of every region)
every `stock_refresh` seconds. Each loop awaits its own fetch before sleeping, so requests
for the same data never overlap; `refresh_now()` wakes both early. Nothing is fetched for a
deployment that is not selected, and a result equal to the last one posts nothing.

A third loop runs only in fleet-wide mode (`show_fleet(True)`): every `fleet_interval()`
seconds it reads the containers of the deployments a `SweepPlanner` picks from the
deployments list (first reads, changed rows, the selected and visible ones, and a slow
sweep of the rest), a bounded number at a time and within what the client's request budget
has to spare (its background sweep at most SWEEP_MAX_PER_MINUTE reads a minute). A first
load of hundreds of lists posts the rows read so far now and then (`complete=False`), so
the first rows show within a second. While the user is away (`presence`: no key for
minutes, or the terminal lost focus) every loop waits longer; their return wakes every
loop at once.
The client is built on first use, so a factory passed in keeps it off the first paint.

Every poll has a deadline (`poll_deadline`): one still running then is cancelled and counts
as failed, so the status line says "live" only while polls complete. After a failed poll
the loop waits longer before the next (doubling, with jitter, capped; at least what a
`Retry-After` asked, for every loop since the limit is the token's); a success resets it
and `refresh_now()` skips the wait. A selected deployment that disappears (deleted here,
elsewhere, or lost in a server restart) is not a connection failure: its containers and
events answer RecordNotFoundError, the deployments list without it goes to the screen, and
the screen moves the selection to a neighbour.
"""

from __future__ import annotations

import asyncio
import contextlib
import random as _random
import time
from typing import TYPE_CHECKING, Any

from autodl_tui.alerts.feed import (
    fast_snapshot,
    fleet_snapshot,
    packages_snapshot,
    stock_snapshot,
)
from autodl_tui.api import (
    AuthError,
    AutoDLError,
    NotFoundError,
    PermissionDeniedError,
    TransportError,
)
from autodl_tui.api.fanout import read_containers
from autodl_tui.api.identity import share_items
from autodl_tui.api.paging import Listing
from autodl_tui.api.retry import poll_backoff
from autodl_tui.api.sweep import Plan, SweepPlanner
from autodl_tui.budget import DEFAULT_REQUESTS_PER_MINUTE
from autodl_tui.catalog import now_cst
from autodl_tui.logs import set_secrets
from autodl_tui.presence import Presence
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
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
    from datetime import datetime

    from autodl_tui.api import (
        AutoDLClient,
        Container,
        ContainerEvent,
        Deployment,
        EventCursor,
        GpuStock,
    )
    from autodl_tui.ui.messages import (
        AccessKind,
        Fact,
    )

#: Consecutive failed polls after which "retrying" becomes "offline".
OFFLINE_AFTER = 3
#: Container lists in flight during a fleet-wide poll: two of the client's eight slots stay
#: free, so the fast loop and the user's actions never queue behind 500 list calls.
FLEET_IN_FLIGHT = 6
#: The first fleet-wide load reports its progress every this many deployments' lists.
FLEET_PROGRESS_STEP = 10
#: A first fleet-wide load of at least this many lists shows what it has read so far (5,200
#: lists take many seconds): first after FLEET_PARTIAL_AFTER seconds, then at doubling
#: intervals, so the rows are built a few times over, not once per answer. Smaller loads
#: (and every test fleet) show their rows once, complete.
FLEET_PARTIAL_MIN = 200
FLEET_PARTIAL_AFTER = 0.5
#: Fleet-wide polls are one request per deployment: at most one every this many seconds.
FLEET_MIN_INTERVAL = 10.0
#: Seconds a poll may run before it is cancelled and counted as failed: a poll is a handful
#: of requests, each bounded by the client's 15 s deadline, and this ends one whose retries
#: would keep a stalled server looking "live" for a minute or more.
POLL_DEADLINE = 20.0
#: A fleet-wide poll is one request per deployment (six at a time): it may take this many
#: poll deadlines.
FLEET_DEADLINE_FACTOR = 6
#: Duration-package reads a packages poll makes at most (the rest wait for their turn):
#: a package runs down over hours, so a few reads every few minutes see it in time.
PACKAGE_READS = 20
#: How often the packages loop looks again while that alert is off (it reads nothing then).
PACKAGES_IDLE = 60.0


#: Share of the request budget the fleet-wide sweep of unchanged deployments may use: the
#: rest serves the fast loop, changed and visible deployments, and the user's actions.
SWEEP_BUDGET_SHARE = 0.5
#: The sweep's reads a minute at most, whatever the budget: the default budget's share. A
#: budget raised for a big fleet gives its first load and its changed rows room, not a
#: faster background walk: at 5,200 deployments a sweep of all of them a minute would be
#: 87 requests a second of unchanged answers (10 % of a core here for nothing new); at this
#: rate each deployment is read at least every `len(fleet) / 150` minutes, and a change the
#: deployments list shows is read at its next poll anyway.
SWEEP_MAX_PER_MINUTE = DEFAULT_REQUESTS_PER_MINUTE * SWEEP_BUDGET_SHARE


def _reuse(new: Sequence[Container], old: tuple[Container, ...]) -> tuple[Container, ...]:
    """`new`, with each container equal to its previous version replaced by that object.

    The client already hands out one object per unchanged container (its answer memo and
    the screen share them); this keeps the tuple itself when nothing changed, so the
    screen can skip the whole list with an `is` check.
    """
    return share_items(new, old, key=lambda c: c.uuid)


def _so_far(
    deployments: Sequence[Deployment],
    answers: Mapping[str, Listing[Container] | AutoDLError],
    last: Mapping[str, tuple[Container, ...]],
) -> tuple[Container, ...]:
    """The containers a fleet-wide read has so far: each answered list, else the last known."""
    out: list[Container] = []
    for deployment in deployments:
        answer = answers.get(deployment.uuid)
        out.extend(answer if isinstance(answer, Listing) else last.get(deployment.uuid, ()))
    return tuple(out)


class Poller:
    """Keeps the panes' data fresh; `post` delivers each fact (`ui/messages.py`) to the store."""

    def __init__(
        self,
        client: AutoDLClient | Callable[[], AutoDLClient],
        post: Callable[[Fact], object],
        *,
        refresh: float = 2.0,
        stock_refresh: float = 30.0,
        now: Callable[[], datetime] = now_cst,
        regions: Sequence[str] | None = None,
        poll_deadline: float = POLL_DEADLINE,
        random: Callable[[], float] = _random.random,
        clock: Callable[[], float] = time.monotonic,
        presence: Presence | None = None,
    ) -> None:
        # A client is not callable; a factory is (no isinstance: the client loads lazily).
        self._client = None if callable(client) else client
        self._make_client = client if callable(client) else None
        self._post = post
        self.refresh = refresh
        self.stock_refresh = stock_refresh
        self._now = now
        self._regions = None if regions is None else tuple(regions)
        self._selected: str | None = None
        self._cursor: EventCursor | None = None
        self._cursor_fresh = False
        self._last_deployments: tuple[Deployment, ...] | None = None
        self._last_containers: tuple[str, tuple[Container, ...]] | None = None
        self._last_stock: dict[str, tuple[GpuStock, ...]] | None = None
        self._last_fleet: dict[str, tuple[Container, ...]] | None = None
        #: Whether the rows last posted held every deployment's containers, each read once.
        self._fleet_whole = False
        self._tasks: list[asyncio.Task[None]] = []
        self._wake_fast = asyncio.Event()
        self._wake_stock = asyncio.Event()
        self._wake_fleet = asyncio.Event()
        self._wake_packages = asyncio.Event()
        #: Seconds between reads of the running deployments' duration packages, for the
        #: package_low alert (0: not read at all; Fleet sets it when that rule is on).
        self.packages_interval = 0.0
        self._packages_turn = 0
        self.fleet_wide = False
        self._failures = 0
        self._state = Connection.CONNECTING
        self._down_since: datetime | None = None
        self._last_success: datetime | None = None
        #: Loops whose last poll failed: the state is live only when none did.
        self._failing: set[str] = set()
        self.poll_deadline = poll_deadline
        self._random = random
        self._clock = clock
        #: Loop name -> polls failed in a row, for its back-off.
        self._streak: dict[str, int] = {}
        #: No loop polls before this `clock()` time (a server's Retry-After), unless woken.
        self._hold_until = 0.0
        #: Lists whose cut was reported ("" for deployments, else a deployment uuid).
        self._reported_cuts: set[str] = set()
        self.polls = 0
        self.paused_by_access = False
        #: The account may not use elastic deployment: only stock is polled until `refresh_now`.
        self.deployments_denied = False
        self._reported_access: set[str] = set()
        #: Loop name -> the last bug it hit, so a bug repeating every tick is reported once.
        self._bugs: dict[str, str] = {}
        #: Whether the user is looking: while away every loop waits `presence.factor()` longer.
        self.presence = presence or Presence(clock=clock)
        if self.presence.on_return is None:
            self.presence.on_return = self._catch_up
        #: Deployments whose containers are on screen (the screen sets it; fleet-wide only).
        self.visible: Callable[[], Collection[str]] = lambda: ()
        self._planner = SweepPlanner()
        #: The containers the planner's reads describe, kept across leaving the view (the
        #: client's memo holds these same objects anyway), and the client they came from.
        self._kept_fleet: dict[str, tuple[Container, ...]] = {}
        self._swept_by: AutoDLClient | None = None
        #: The last fleet-wide poll's plan (for tests and the bench): what it read and why.
        self.last_plan = Plan()

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
                        lambda: self.poll_deadline,
                    )
                ),
                asyncio.create_task(
                    self._loop(
                        "stock",
                        self.poll_stock,
                        self._wake_stock,
                        lambda: self.stock_refresh,
                        lambda: self.paused_by_access,
                        lambda: self.poll_deadline,
                    )
                ),
                asyncio.create_task(
                    self._loop(
                        "fleet",
                        self.poll_fleet,
                        self._wake_fleet,
                        self.fleet_interval,
                        lambda: self.paused_by_access or self.deployments_denied,
                        lambda: self.poll_deadline * FLEET_DEADLINE_FACTOR,
                    )
                ),
                asyncio.create_task(
                    self._loop(
                        "packages",
                        self.poll_packages,
                        self._wake_packages,
                        lambda: self.packages_interval or PACKAGES_IDLE,
                        lambda: not self.packages_interval or self.paused_by_access,
                        lambda: self.poll_deadline * FLEET_DEADLINE_FACTOR,
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
        self._hold_until = 0.0  # the user asked: now, not when the server's pause ends
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
        self._fleet_whole = False
        if not on:
            self._failing.discard("fleet")  # no longer polled, so it cannot recover
        self._last_containers = None  # back in single mode, post the selection's list again
        (self._wake_fleet if on else self._wake_fast).set()

    @property
    def fleet_whole(self) -> bool:
        """Whether the fleet-wide rows last posted held every deployment's list, read once."""
        return self._fleet_whole

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
        deadline: Callable[[], float],
    ) -> None:
        while True:
            wake.clear()
            if not blocked():
                await self.run_poll(name, poll, deadline())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=self.next_delay(name, interval()))

    async def run_poll(self, name: str, poll: Callable[[], Awaitable[None]], limit: float) -> None:
        """Run one poll of loop `name`; past `limit` seconds it is cancelled and fails."""
        timer = asyncio.timeout(limit)
        try:
            async with timer:
                await poll()
        except TimeoutError:
            if not timer.expired():
                raise
            self._down(name, f"no answer within {limit:g} s; still trying")
        except Exception as exc:
            # A bug must not end polling for good: report it, keep the data, go on.
            self._unexpected(name, exc)
        else:
            self._bugs.pop(name, None)

    def next_delay(self, name: str, interval: float) -> float:
        """Seconds until loop `name` polls again: `interval`, longer after failures."""
        hold = self._hold_until - self._clock()
        return poll_backoff(
            interval * self.presence.factor(),
            self._streak.get(name, 0),
            self._random,
            retry_after=hold if hold > 0 else None,
        )

    def _catch_up(self) -> None:
        """The user is back: every loop polls now instead of finishing its long wait."""
        self._wake_fast.set()
        self._wake_stock.set()
        if self.fleet_wide:
            self._wake_fleet.set()

    async def poll_fast(self) -> None:
        """Fetch deployments and the selected deployment's containers and events once."""
        self.polls += 1
        selected, cursor = self._selected, self._cursor
        calls: list[Awaitable[Any]] = [self.client.list_all_deployments()]
        if selected and cursor is not None and not self._gone(selected):
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
        api_failures = [
            f
            for i, f in enumerate(results)
            # The selected deployment was deleted: the connection is fine, the list says so.
            if isinstance(f, AutoDLError) and not (i > 0 and isinstance(f, NotFoundError))
        ]
        if api_failures:
            self._failed("deployments", api_failures[0])
            return
        self._succeeded("deployments")
        deployments: Listing[Deployment] = results[0]
        self._note_cut("", deployments)
        if tuple(deployments) != self._last_deployments:
            self._last_deployments = tuple(deployments)
            self._post(DeploymentsLoaded(self._last_deployments, self._now()))
        read_whole = following and selected and not self.fleet_wide
        self._post(
            Observed(
                fast_snapshot(
                    self._now(),
                    deployments,
                    selected if read_whole else None,
                    results[1] if read_whole else None,
                )
            )
        )
        if not following or selected is None:
            return  # the selection moved while we were fetching; the next poll covers it
        if self.fleet_wide or isinstance(results[1], NotFoundError):
            # Fleet-wide, poll_fleet feeds the containers pane; a deleted selection has
            # no containers to show, and the list just posted no longer holds it.
            return
        self._note_cut(selected, results[1])
        containers: tuple[Container, ...] = tuple(results[1])
        set_secrets("selected", (c.info.root_password for c in containers))
        if self._last_containers != (selected, containers):
            self._last_containers = (selected, containers)
            self._post(ContainersLoaded(selected, containers))

    async def _selected_containers(self, uuid: str) -> list[Container]:
        return [] if self.fleet_wide else await self.client.list_all_containers(uuid)

    def _gone(self, uuid: str) -> bool:
        """Whether the last deployments list lacks `uuid` (the screen re-selects shortly)."""
        known = self._last_deployments
        return known is not None and all(d.uuid != uuid for d in known)

    def _note_cut(self, key: str, items: list[Any]) -> None:
        """Post ListTruncated once when list `key` ("" deployments, else a uuid) was cut."""
        if not (isinstance(items, Listing) and items.cut):
            self._reported_cuts.discard(key)
        elif key not in self._reported_cuts:
            self._reported_cuts.add(key)
            self._post(ListTruncated(key, len(items), items.total))

    async def poll_fleet(self) -> None:
        """In fleet-wide mode, read the containers the sweep planner picks (see the module doc).

        A deployment not read this time, or whose list fails, keeps its last known
        containers; the poll fails only when every list read did (or the token was refused).
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
        first_load = self._last_fleet is None
        if self._swept_by is not self.client:
            # Another client may be another account: nothing read before still holds.
            self._swept_by = self.client
            self._planner.forget()
            self._kept_fleet = {}
        # Back in the fleet-wide view, what was read before shows at once; the planner
        # reads again only what changed since (and the sweep the rest, in time).
        last = self._last_fleet if self._last_fleet is not None else self._kept_fleet
        budget = self.client.budget
        plan = self._planner.plan(
            deployments,
            now=self._clock(),
            interval=self.fleet_interval(),
            selected=self._selected,
            visible=self.visible(),
            # What the budget has to spare now (its burst covers a first load of hundreds);
            # a few lists at least, which wait for the budget if it has nothing to spare.
            limit=max(budget.spare(), FLEET_IN_FLIGHT),
            sweep_per_minute=min(budget.per_minute * SWEEP_BUDGET_SHARE, SWEEP_MAX_PER_MINUTE),
        )
        self.last_plan = plan
        listed = len({d.uuid for d in deployments if d.uuid})

        partial_gap = FLEET_PARTIAL_AFTER
        partial_at = self._clock() + partial_gap

        def progress(answers: Mapping[str, Listing[Container] | AutoDLError]) -> None:
            # Only the first load has nothing on screen to look at meanwhile; a message
            # per FLEET_PROGRESS_STEP lists keeps 500 answers from 500 repaints.
            nonlocal partial_gap, partial_at
            answered = len(answers)
            if not first_load:
                return
            if answered % FLEET_PROGRESS_STEP == 0:
                self._post(FleetProgress(answered, listed))
            if listed < FLEET_PARTIAL_MIN or answered >= listed or self._clock() < partial_at:
                return
            self._post_fleet(_so_far(deployments, answers, last), complete=False)
            partial_gap *= 2
            partial_at = self._clock() + partial_gap

        try:
            answers = await read_containers(
                self.client, plan.fetch, in_flight=FLEET_IN_FLIGHT, on_answer=progress
            )
        except AutoDLError as exc:
            self._failed("fleet", exc)
            return
        errors = [a for a in answers.values() if isinstance(a, AutoDLError)]
        if answers and len(errors) == len(answers):
            self._failed("fleet", errors[0])
            return
        self._succeeded("fleet")
        read = {u for u, a in answers.items() if not isinstance(a, AutoDLError)}
        self._planner.done(deployments, read, now=self._clock(), plan=plan)
        fleet: dict[str, tuple[Container, ...]] = {}
        for deployment in deployments:
            uuid = deployment.uuid
            answer = answers.get(uuid)
            if isinstance(answer, Listing):
                self._note_cut(uuid, answer)
                fleet[uuid] = _reuse(answer, last.get(uuid, ()))
            else:
                fleet[uuid] = last.get(uuid, ())
        self._kept_fleet = fleet
        # Only the lists read whole this time: one kept from before is not news.
        self._post(Observed(fleet_snapshot(self._now(), answers)))
        # A budget with less to spare than the fleet has lists leaves some for the next
        # polls: until each was read once the rows are not the whole fleet, and say so.
        unread = self._planner.unread(deployments)
        whole = unread == 0
        if not whole:
            self._post(FleetProgress(listed - unread, listed))
        if self.fleet_wide and (fleet != self._last_fleet or whole != self._fleet_whole):
            self._last_fleet = fleet
            self._fleet_whole = whole
            self._post_fleet(tuple(c for group in fleet.values() for c in group), complete=whole)

    def _post_fleet(self, containers: tuple[Container, ...], *, complete: bool = True) -> None:
        # Masked in the log from the moment a row (and its detail) can show them.
        set_secrets("fleet", (c.info.root_password for c in containers))
        self._post(FleetContainersLoaded(containers, self._now(), complete=complete))

    async def poll_stock(self) -> None:
        """Fetch GPU stock of every region concurrently (the client bounds the fan-out)."""
        try:
            # No regions given: the client's flavor's (the private cloud's is its whole cluster).
            regions = self.client.flavor.stock_regions if self._regions is None else self._regions
            answers = await asyncio.gather(*(self.client.get_gpu_stock(r) for r in regions))
        except AutoDLError as exc:
            self._failed("stock", exc)
            return
        self._succeeded("stock")
        stock = {region: tuple(items) for region, items in zip(regions, answers, strict=True)}
        self._post(Observed(stock_snapshot(self._now(), stock)))
        # Like every pane, touched only when the data changed; its label says when that was
        # (and the status line says whether polling is live).
        if stock != self._last_stock:
            self._last_stock = stock
            self._post(StockLoaded(stock, self._now()))

    async def poll_packages(self) -> None:
        """Duration packages of the running deployments (at most PACKAGE_READS a poll, in
        turn), for the package_low alert only: nothing on screen waits for them.
        """
        if not self.packages_interval:
            return  # the package_low rule is off
        running = [d.uuid for d in self._last_deployments or () if d.status == "running"]
        if not running:
            self._succeeded("packages")
            return
        start = self._packages_turn % len(running)
        turn = (running[start:] + running[:start])[:PACKAGE_READS]
        self._packages_turn = start + len(turn)
        answers = await asyncio.gather(
            *(self.client.get_ddp_overview(uuid) for uuid in turn), return_exceptions=True
        )
        for answer in answers:
            if isinstance(answer, BaseException) and not isinstance(answer, AutoDLError):
                raise answer
        # A failed read is left out of the snapshot: unknown, not "no package". Failed reads
        # do not mark the connection down: the fast loop says whether the API answers.
        self._succeeded("packages")
        self._post(Observed(packages_snapshot(self._now(), zip(turn, answers, strict=True))))

    # ------------------------------------------------------------------ state
    def _succeeded(self, loop: str) -> None:
        self._failing.discard(loop)
        self._streak.pop(loop, None)
        if loop == "deployments":
            # What the deployments and containers panes show is this fresh.
            self._last_success = self._now()
        if self._failing:
            return
        self._failures = 0
        self._set_state(Connection.LIVE, None, "")

    def _failed(self, loop: str, exc: AutoDLError) -> None:
        if isinstance(exc, AuthError | PermissionDeniedError):
            # Polling again cannot fix these; wait for the user (new token, refresh key).
            kind: AccessKind
            if isinstance(exc, AuthError):
                kind = "auth"
                self.paused_by_access = True
                self._set_state(Connection.UNAUTHORIZED, self._down_since, exc.hint)
            else:
                kind = "permission"
                self._failing.discard(loop)  # not polled again, so it cannot recover
                self.deployments_denied = True
                self._last_deployments = None
            if kind not in self._reported_access:
                self._reported_access.add(kind)
                self._post(AccessProblem(kind, str(exc), exc.hint, exc))
            return
        if isinstance(exc, TransportError) and exc.retry_after:
            # A rate limit is the token's: every loop holds off (parse_retry_after capped it).
            self._hold_until = max(self._hold_until, self._clock() + exc.retry_after)
        self._down(loop, exc.hint or str(exc))

    def _down(self, loop: str, error: str) -> None:
        self._failing.add(loop)
        self._streak[loop] = self._streak.get(loop, 0) + 1
        self._failures += 1
        if self._down_since is None:
            self._down_since = self._now()
        state = Connection.RETRYING if self._failures < OFFLINE_AFTER else Connection.OFFLINE
        self._set_state(state, self._down_since, error)

    def _unexpected(self, loop: str, exc: Exception) -> None:
        signature = f"{type(exc).__name__}: {exc}"
        if self._bugs.get(loop) != signature:
            # Once per distinct bug, not every tick: the log and the screen stay readable.
            self._bugs[loop] = signature
            self._post(UnexpectedError(f"polling {loop}", exc))
        self._down(loop, "internal error (see the log file)")

    def _set_state(self, state: Connection, since: datetime | None, error: str) -> None:
        if state is Connection.LIVE:
            self._down_since = None
        if state != self._state:
            self._state = state
            self._post(ConnectionChanged(state, since, self._last_success, error))

    @property
    def state(self) -> Connection:
        """Connection state: connecting, live, retrying, offline or unauthorized."""
        return self._state

    @property
    def last_success(self) -> datetime | None:
        """When deployments (and the selected one's containers and events) last arrived."""
        return self._last_success
