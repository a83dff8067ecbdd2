"""The fleet's command side (no Textual): the screen's commands reach the store and the poller.

Data flows one way, API -> `Poller` -> `FleetStore` -> widgets; the screen never reads or
writes the poller's fields, it calls `select`, `show_fleet`, `refresh` and `use_client`
here, which keep the store (what is shown) and the poller (what is fetched) in step.
"""

from __future__ import annotations

import asyncio
from functools import cached_property
from typing import TYPE_CHECKING

from autodl_tui.presence import Presence
from autodl_tui.ui.messages import Observed, UnexpectedError, WaitingExplained
from autodl_tui.ui.store import Aspect, FleetStore

if TYPE_CHECKING:
    from collections.abc import Callable, Collection
    from datetime import datetime

    from autodl_tui.api import AutoDLClient, Deployment
    from autodl_tui.ui.messages import Fact
    from autodl_tui.ui.poller import Poller
    from autodl_tui.ui.store import Change
    from autodl_tui.ui.watch import FleetWatch
    from autodl_tui.ui.why_waiting import WaitingReasons


#: Seconds between duration-package reads when the package_low alert is on.
PACKAGES_REFRESH = 300.0


class Fleet:
    """One store and the poller that feeds it; `post` carries each fact to `apply`."""

    def __init__(
        self,
        client: AutoDLClient | Callable[[], AutoDLClient],
        post: Callable[[Fact], object],
        *,
        refresh: float,
        stock_refresh: float,
        now: Callable[[], datetime],
        watch: FleetWatch | None = None,
    ) -> None:
        self.store = FleetStore(now=now)
        self._client = client
        self._refresh = refresh
        self._stock_refresh = stock_refresh
        #: Whether the user is here (keys, terminal focus): the poller slows down when not.
        self.presence = Presence()
        self._visible: Callable[[], Collection[str]] = lambda: ()
        #: The alert rules and host timelines, fed what each poll read in full.
        self.watch = watch
        self._post = post
        self._now = now
        self._explaining: asyncio.Task[None] | None = None
        self.store.subscribe(self._maybe_explain)
        if watch is not None:
            self.store.subscribe(watch.changed)

    # The poller (with the API client's retry and paging) and the stock questions load on
    # first use, which is after the first frame: `start` runs once it is out.
    @cached_property
    def poller(self) -> Poller:
        """What fetches the data; built on first use."""
        from autodl_tui.ui.poller import Poller

        poller = Poller(
            self._client,
            self._post,
            refresh=self._refresh,
            stock_refresh=self._stock_refresh,
            now=self._now,
            presence=self.presence,
        )
        poller.visible = self._visible
        if self.watch is not None and self.watch.settings.package_low:
            poller.packages_interval = PACKAGES_REFRESH
        return poller

    @cached_property
    def reasons(self) -> WaitingReasons:
        """Why containers wait for a host: asked of GPU stock, at most every 2 minutes each."""
        from autodl_tui.ui.why_waiting import WaitingReasons

        return WaitingReasons()

    @property
    def client(self) -> AutoDLClient:
        """The API client (built on first use when given a factory)."""
        return self.poller.client

    @property
    def refresh_interval(self) -> float:
        """Seconds between polls of what the panes show."""
        return self.poller.refresh

    def apply(self, fact: Fact) -> Change | None:
        """A fact from the poller, delivered on the UI's loop: into the store (what a poll
        read in full goes to the alert rules instead).
        """
        if isinstance(fact, Observed):
            if self.watch is not None:
                self.watch.observe(fact.snapshot)
            return None
        return self.store.apply(fact)

    def _maybe_explain(self, change: Change) -> None:
        """Containers changed: ask why the waiting ones wait, if their reason is due."""
        if Aspect.CONTAINERS not in change.aspects or self._explaining is not None:
            return
        store = self.store
        now_s = self._now().timestamp()
        due = self.reasons.due(store.deployments, store.containers.values(), now_s)
        if not due and len(self.reasons.reasons) == len(store.waiting):
            return
        self._explaining = asyncio.get_running_loop().create_task(self._explain(due, now_s))

    async def _explain(self, due: list[Deployment], now_s: float) -> None:
        """Stock against each due deployment's template (through the client and its
        budget), then the short reasons to the store as a fact, like the poller's.
        """
        try:
            client = self.client
            if due:
                await self.reasons.refresh(due, client.get_gpu_stock, now_s, client.list_blacklist)
            self._post(WaitingExplained(dict(self.reasons.reasons)))
        except Exception as exc:  # a bug here must not stop the panes
            self._post(UnexpectedError("explaining why containers wait", exc))
        finally:
            self._explaining = None

    def select(self, uuid: str | None) -> bool:
        """Show and follow another deployment; False when it already was selected."""
        if not self.store.select(uuid):
            return False
        self.poller.select(uuid)
        return True

    def show_fleet(self, on: bool) -> None:
        """Containers of every deployment (True), or of the selected one only."""
        if self.store.show_fleet(on):
            self.poller.show_fleet(on)

    def refresh(self, *, stock: bool = False) -> None:
        """Poll now (access problems too), stock included when asked."""
        self.poller.refresh_now(stock=stock)

    def use_client(self, client: AutoDLClient) -> None:
        """Carry on with a new client (new token): same selection, fresh polls."""
        self.poller.set_client(client)

    def watch_visible(self, visible: Callable[[], set[str]]) -> None:
        """Tell the poller which deployments have rows on screen (it reads those more often)."""
        self._visible = visible
        if "poller" in self.__dict__:  # built already (cached_property keeps it there)
            self.poller.visible = visible

    def start(self) -> None:
        """Start polling (from a running event loop)."""
        self.poller.start()

    async def stop(self) -> None:
        """Stop polling (and asking why containers wait)."""
        if self._explaining is not None:
            self._explaining.cancel()
        await self.poller.stop()
