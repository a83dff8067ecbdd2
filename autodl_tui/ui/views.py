"""The panes' side of the store: each change of fleet state is drawn into the widgets it touches.

`PaneViews` observes the `FleetStore` (subscribed by the main screen) and touches a pane
only when its aspect changed; it also owns the panes' border titles (selection, filter,
staleness). It never fetches and never writes the store: commands go through `ui/fleet.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from autodl_tui.api import MAX_PAGES
from autodl_tui.display import fit
from autodl_tui.ui.banner import AUTH_TEXT, PERMISSION_TEXT, Banner
from autodl_tui.ui.failures import record_error, record_problem, report_unexpected
from autodl_tui.ui.messages import (
    AccessProblem,
    Connection,
    EventsReceived,
    ListTruncated,
    UnexpectedError,
)
from autodl_tui.ui.panes import (
    PANE_KEYS,
    PANES,
    ContainersTable,
    DeploymentsTable,
    PaneFrame,
    pane_title,
)
from autodl_tui.ui.rows import (
    CONTAINER_COLUMNS,
    FLEET_CONTAINER_COLUMNS,
    ContainerRows,
    DeploymentRows,
)
from autodl_tui.ui.store import Aspect
from autodl_tui.ui.units import duration
from autodl_tui.ui.widgets.event_log import EventLog
from autodl_tui.ui.widgets.heatmap import StockHeatmap
from autodl_tui.ui.widgets.vtable import VirtualTable

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import datetime

    from textual.screen import Screen
    from textual.widget import Widget

    from autodl_tui.ui.store import Change, ContainersDelta, FleetStore

#: Widest a pane's border title gets (a 10 kB deployment name is cut, not laid out).
BORDER_CELLS = 80


class PaneViews:
    """Draws the store into the main screen's panes; `on_access` handles a refused token."""

    def __init__(
        self,
        screen: Screen[None],
        store: FleetStore,
        now: Callable[[], datetime],
        *,
        on_deployments: Callable[[], None],
        on_token_rejected: Callable[[str], None],
        on_fleet_painted: Callable[[], None] = lambda: None,
        host_marks: Callable[[], Mapping[str, str]] = dict,
    ) -> None:
        self._screen = screen
        self._store = store
        self._now = now
        self._on_deployments = on_deployments
        self._on_token_rejected = on_token_rejected
        self._on_fleet_painted = on_fleet_painted
        #: machine id -> "slow"/"failing", from the fleet watch (updated before we draw).
        self._host_marks = host_marks
        self._container_rows = ContainerRows()
        self._deployment_rows = DeploymentRows()
        self._borders: dict[tuple[str, str], tuple[str, int]] = {}

    def _q(self, key: str) -> Widget:
        return self._screen.query_one(f"#{key}")

    def changed(self, change: Change) -> None:
        """Draw one change (the store calls this for every fact and command)."""
        aspects = change.aspects
        if Aspect.FLEET_MODE in aspects:
            fleet = self._store.fleet_wide
            table = self._screen.query_one("#containers", ContainersTable)
            table.set_columns(FLEET_CONTAINER_COLUMNS if fleet else CONTAINER_COLUMNS)
        if Aspect.DEPLOYMENTS in aspects:
            self._deployments()
        if Aspect.CONTAINERS in aspects:
            self._containers(change.delta)
        if Aspect.PROGRESS in aspects:
            self._progress()
        if Aspect.EVENTS in aspects:
            self._events(change)
        if Aspect.STOCK in aspects:
            stock = self._screen.query_one("#stock", StockHeatmap)
            assert self._store.stock_at is not None
            stock.update_stock(self._store.stock, self._store.stock_at)
        if Aspect.CONNECTION in aspects:
            self._connection()
        if isinstance(change.fact, AccessProblem):
            self._access(change.fact)
        if isinstance(change.fact, ListTruncated):
            self._truncated(change.fact)
        if isinstance(change.fact, UnexpectedError):
            report_unexpected(self._screen.app, change.fact.where, change.fact.error, self._now())
        if aspects - {Aspect.STOCK, Aspect.NOTICE}:
            self.update_titles()

    # ------------------------------------------------------------------ panes
    def redraw_containers(self) -> None:
        """Draw the containers pane again from the store (the host marks changed)."""
        self._containers(None)

    def _deployments(self) -> None:
        table = self._screen.query_one("#deployments", DeploymentsTable)
        table.empty_text = "No deployments yet"
        table.set_rows(self._deployment_rows.rows(tuple(self._store.deployments.values())))
        self._screen.query_one(Banner).clear("permission")
        self._on_deployments()

    def _containers(self, delta: ContainersDelta | None) -> None:
        store = self._store
        table = self._screen.query_one("#containers", ContainersTable)
        names = (
            {uuid: d.name for uuid, d in store.deployments.items()} if store.fleet_wide else None
        )
        hosts = self._host_marks()
        first = not table.total_count
        rows = None
        if delta is not None and delta.same_order and table.total_count == len(store.containers):
            # The same containers in the same order: only what the poll changed is converted
            # and handed to the table (None: names or marks changed, every row may differ).
            rows = self._container_rows.changed_rows(
                delta.changed, names, waiting=store.waiting, hosts=hosts
            )
        if rows is not None:
            table.update_rows(rows)
        else:
            shown = tuple(store.containers.values())
            table.set_rows(
                self._container_rows.rows(shown, names, waiting=store.waiting, hosts=hosts)
            )
        if store.fleet_wide and first and table.total_count:
            # The fleet's rows are start-up heap too: frozen, full collections skip them.
            self._screen.call_after_refresh(self._on_fleet_painted)
        if store.fleet_wide:
            table.empty_text = (
                "No containers in any deployment"
                if store.containers_loaded
                else f"Loading the containers of all {len(store.deployments)} deployments…"
            )
        elif store.containers_loaded:
            table.empty_text = "No containers"
        else:
            table.empty_text = "Loading containers…" if store.selected else "Select a deployment"

    def _progress(self) -> None:
        # Until the first fleet-wide answer, the empty pane says how far the load got.
        table = self._screen.query_one("#containers", ContainersTable)
        if self._store.fleet_progress and not table.total_count:
            done, total = self._store.fleet_progress
            table.empty_text = (
                f"Loading the containers of all {total} deployments… {done} of {total} read"
            )

    def _events(self, change: Change) -> None:
        log = self._screen.query_one("#events", EventLog)
        fact = change.fact
        if not isinstance(fact, EventsReceived):
            log.clear()  # another deployment selected
            return
        if fact.reset:
            log.clear()
        log.append(fact.events)

    def _connection(self) -> None:
        store = self._store
        state = store.connection
        if state in (Connection.RETRYING, Connection.OFFLINE) and store.error:
            # E shows the last problem of any kind, the connection's too.
            record_problem(self._screen.app, f"Polling ({state})", store.error, self._now())
        stale = state.down
        self._screen.query_one("#stock", StockHeatmap).set_stale(stale)
        for key in PANE_KEYS:
            self._screen.query_one(f"#pane-{key}").set_class(stale, "stale")
        if state is Connection.LIVE:
            self._screen.query_one(Banner).clear("auth")

    def _access(self, problem: AccessProblem) -> None:
        screen = self._screen
        if problem.error is not None:
            record_error(screen.app, "Polling", problem.error, self._now())
        banner = screen.query_one(Banner)
        if problem.kind == "permission":
            banner.show("permission", PERMISSION_TEXT)
            table = screen.query_one("#deployments", DeploymentsTable)
            table.empty_text = "无当前资源访问权限: the account is not enterprise-verified"
            screen.notify(problem.hint, title="No access to elastic deployment", timeout=10)
            return
        banner.show("auth", AUTH_TEXT)
        screen.notify(
            f"{problem.message}\nE: show and copy",
            title="Token rejected",
            severity="error",
            timeout=10,
        )
        self._on_token_rejected(f"The API rejected the token: {problem.hint}")

    def _truncated(self, fact: ListTruncated) -> None:
        uuid = fact.deployment_uuid
        owner = self._store.deployments.get(uuid)
        what = f"containers of {owner.name if owner else uuid}" if uuid else "deployments"
        of = "" if fact.total is None else f" of {fact.total}"
        line = f"Showing the first {fact.shown}{of} {what}"
        line += f": a refresh reads at most {MAX_PAGES} pages."
        # The name is the server's text: AutoDLApp.notify shows it literally.
        self._screen.notify(line, title="List cut short", severity="warning", timeout=15)

    def _loading(self) -> str:
        """How far a fleet-wide first load got, while its first rows are shown ("" after)."""
        store = self._store
        if not store.fleet_wide or store.containers_loaded or not store.fleet_progress:
            return ""
        done, total = store.fleet_progress
        return f"{done} of {total} deployments read"

    # ------------------------------------------------------------------ titles
    def _set_border(self, pane: PaneFrame, title: str | None, subtitle: str | None) -> None:
        """Set a pane's border texts; each set repaints, so only when they changed."""
        # Cut to the pane's width here: Textual's own cut of a border title leaves a gap
        # before its ellipsis when a wide (CJK) character straddles the edge.
        width = pane.size.width
        cells = BORDER_CELLS if width <= 0 else max(8, min(BORDER_CELLS, width - 6))
        which: Literal["title", "subtitle"]
        for which, text in (("title", title), ("subtitle", subtitle)):
            if text is None:
                continue
            shown = (text, cells)
            if self._borders.get((pane.id or "", which)) != shown:
                self._borders[(pane.id or "", which)] = shown
                # Titles name deployments: through the display boundary, never markup.
                pane.set_border_text(which, text, cells)

    def update_titles(self) -> None:
        """Every pane's title (selection, filter) and subtitle (counts, staleness)."""
        selected = self._store.selected_deployment
        name = f": {fit(selected.name, 40)}" if selected else ""
        stale_since = self._store.stale_since
        for number, spec in enumerate(PANES, start=1):
            pane = self._screen.query_one(f"#pane-{spec.key}", PaneFrame)
            widget = self._q(spec.key)
            subtitle = ""
            # The active filter is in the title, so a pane showing "3 of 40" says why.
            shown_filter = ""
            if isinstance(widget, VirtualTable | EventLog):
                total, matched = widget.total_count, widget.matched_count
                subtitle = f"{matched} of {total}" if widget.filter_text else f"{total}"
                if widget.filter_text:
                    shown_filter = f" /{fit(widget.filter_text, 24)} (Esc clears)"
            shown = isinstance(widget, VirtualTable) and widget.total_count > 0
            if spec.key == "containers" and shown and (loading := self._loading()):
                subtitle += f" · {loading}"  # rows of a long first load, more to come
            if pane.has_class("stale") and stale_since is not None:
                age = duration((self._now() - stale_since).total_seconds())
                subtitle += f" · stale {age}"
            scope = spec.scope(name, self._store.fleet_wide)
            self._set_border(pane, f"{pane_title(number, spec)}{scope}{shown_filter}", subtitle)
