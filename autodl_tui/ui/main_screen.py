"""The main screen: deployments, containers, live events and GPU stock, all visible at once.

Data flows one way: the poller's facts reach the store (`ui/store.py`) on this screen's
message loop, and the panes draw what changed (`ui/views.py`). The screen lays the panes out
(`ui/panes.py`), sends commands (`ui/fleet.py`) and runs the row actions (`ui/actions.py`)
as their host: dialogs, API calls and notifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import WorkerState

from autodl_tui.alerts.model import AlertSettings
from autodl_tui.display import title as display_title
from autodl_tui.logs import add_secret
from autodl_tui.ui import openers
from autodl_tui.ui.actions import (
    ACTIONS,
    Selection,
    bindings,
    bound_action,
    by_binding_id,
    verdict,
)
from autodl_tui.ui.banner import Banner
from autodl_tui.ui.failures import record_error, report_unexpected
from autodl_tui.ui.fleet import Fleet
from autodl_tui.ui.guard import Guarded, on
from autodl_tui.ui.panes import (
    PANE_KEYS,
    PANES,
    ContainersTable,
    DeploymentsTable,
    PaneFrame,
    PaneTable,
    focus_bindings,
    pane_title,
)
from autodl_tui.ui.screen_views import SCREEN_VIEWS
from autodl_tui.ui.status_bar import StatusBar
from autodl_tui.ui.store import Aspect
from autodl_tui.ui.views import PaneViews
from autodl_tui.ui.watch import FleetWatch, terminal_writer
from autodl_tui.ui.widgets.event_log import EventLog
from autodl_tui.ui.widgets.filter_input import FilterInput
from autodl_tui.ui.widgets.footer import COMPACT_BELOW, KeyFooter
from autodl_tui.ui.widgets.heatmap import StockHeatmap
from autodl_tui.ui.widgets.vtable import ACTIVATE_ID, VirtualTable

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from textual.app import ComposeResult
    from textual.binding import BindingType
    from textual.events import Resize
    from textual.notifications import SeverityLevel
    from textual.timer import Timer
    from textual.worker import Worker

    from autodl_tui.api import AutoDLClient, AutoDLError, Container, Deployment
    from autodl_tui.deploy.template import Template
    from autodl_tui.ui.actions import (
        RowAction,
    )
    from autodl_tui.ui.messages import Fact
    from autodl_tui.ui.poller import Poller
    from autodl_tui.ui.store import Change

#: How long after a poll the slow hosts are judged: judging walks every host with a changed
#: container (10 ms at 10,000 containers with 5% changed), which the poll's frame and a key
#: pressed as it arrives should not wait for; polls meanwhile are judged together.
JUDGE_AFTER_S = 0.25
#: Below this size the panes become tabs: one at a time, switched with 1-4 or tab.
NARROW_WIDTH = 100
NARROW_HEIGHT = 28


@dataclass
class Polled(Message):
    """A fact from the poller, on its way to the store through the screen's message loop."""

    fact: Fact


class FirstDataPainted(Message):
    """The first deployments list is on screen: start-up is over."""


class MainScreen(Guarded, Screen[None]):
    """Four live panes and every fleet action one key away."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *focus_bindings(),
        Binding("slash", "filter", "Filter", id="app-filter", priority=True),
        # Textual's own Tab skips hidden widgets, so at 80x24 (one pane shown) it went nowhere.
        Binding("tab", "cycle_pane(1)", "Next pane", show=False, id="app-next-pane"),
        Binding("shift+tab", "cycle_pane(-1)", "Previous pane", show=False, id="app-prev-pane"),
        Binding("r", "refresh", "Refresh", id="app-refresh"),
        Binding("z", "zoom", "Zoom", id="app-zoom"),
        *(view.binding() for view in SCREEN_VIEWS),
        *bindings("screen"),
        Binding("escape", "back", "Back", show=False, id="app-back"),
    ]

    def __init__(
        self,
        client: AutoDLClient | Callable[[], AutoDLClient],
        *,
        api_label: str,
        now: Callable[[], datetime],
        refresh: float,
        stock_refresh: float,
        read_only: bool,
        autostart: bool = True,
        ask_token: Callable[[str], Awaitable[AutoDLClient | None]] | None = None,
        alerts: AlertSettings | None = None,
        hide_secrets: bool = False,
    ) -> None:
        """`ask_token` asks the user for a new token when the API rejects this one;
        `alerts` is the config's `[alerts]` (defaults when None).
        """
        super().__init__()
        self.read_only = read_only
        #: Root passwords are never revealed or copied (--hide-secrets, serve).
        self.hide_secrets = hide_secrets
        self._now = now
        self._api_label = api_label
        self.fleet_watch = FleetWatch(
            alerts or AlertSettings(),
            notify=lambda title, text, severity: self.notify(
                text, title=title, severity=severity, timeout=10
            ),
            report=lambda text: self.notify(text, title="Alert command", severity="warning"),
            write=terminal_writer(),
        )
        self.fleet = Fleet(
            client,
            self._polled,
            refresh=refresh,
            stock_refresh=stock_refresh,
            now=now,
            watch=self.fleet_watch,
        )
        self.store = self.fleet.store
        self.views = PaneViews(
            self,
            self.store,
            now,
            on_deployments=self._deployments_shown,
            on_token_rejected=self._token_rejected,
            on_fleet_painted=self.first_fleet_painted,
            host_marks=self.fleet_watch.host_marks,
        )
        self._ask_token = ask_token
        self.fleet.watch_visible(self._deployments_in_view)
        self._autostart = autostart
        self.current_pane = "deployments"
        self.zoomed = False
        self._stale_ticker: Timer | None = None
        self._judging: Timer | None = None
        self._data_painted = False
        self._row_action_state: tuple[bool | None, ...] = ()

    @property
    def client(self) -> AutoDLClient:
        """The API client (built on first use when given a factory)."""
        return self.fleet.client

    @property
    def poller(self) -> Poller:
        """The poller feeding the store (for tests and tools; the screen sends it nothing)."""
        return self.fleet.poller

    def _deployments_in_view(self) -> set[str]:
        """Deployments with a container row on screen (the poller reads those more often)."""
        if not self.is_mounted:
            return set()
        table = self.query_one("#containers", ContainersTable)
        return {c.deployment_uuid for k in table.keys_in_view if (c := self.containers.get(k))}

    @property
    def fleet_wide(self) -> bool:
        """Whether the containers pane shows every deployment's containers."""
        return self.store.fleet_wide

    @property
    def deployments(self) -> dict[str, Deployment]:
        """Every deployment shown, by uuid."""
        return self.store.deployments

    @property
    def containers(self) -> dict[str, Container]:
        """Every container shown, by uuid."""
        return self.store.containers

    @property
    def stale_since(self) -> datetime | None:
        """When the data on screen was last fetched, while the connection is down (else None)."""
        return self.store.stale_since

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        """Status line, the tab strip used when narrow, four panes, filter input, footer."""
        yield StatusBar(
            self._api_label,
            self._now,
            read_only=self.read_only,
            store=self.store,
        )
        yield Banner()
        yield Static(id="tab-strip")
        # The layout's classes from the start: each class changed after mount restyles
        # the whole screen once, and at start-up that was a tenth of the first paint.
        self._layout_classes(*self.app.size)
        with Vertical(id="panes"):
            for number, spec in enumerate(PANES, start=1):
                current = " current" if spec.key == self.current_pane else ""
                with PaneFrame(id=f"pane-{spec.key}", classes=f"pane{current}") as pane:
                    pane.border_title = display_title(pane_title(number, spec))
                    yield spec.make(self._now)
        yield FilterInput(
            id="filter", placeholder="filter: Enter jumps to the first match, Escape clears"
        )
        yield KeyFooter(compact=self.app.size.width < COMPACT_BELOW)  # as on_resize will say

    def on_mount(self) -> None:
        """Paint first; the poller (and so the first request) starts right after."""
        self._apply_layout(self.size.width, self.size.height)
        self.query_one("#deployments").focus()
        for table in self.query(PaneTable):
            table.host = self
        self.store.subscribe(self.views.changed)
        self.store.subscribe(self._changed)
        # Textual drops the frames of a screen pushed while the app is still starting
        # (they fall inside its start-up batch): ask for a full one, so the panes show
        # before the first answer arrives. The client is built after that frame.
        self.call_after_refresh(self.refresh, layout=True)
        # Stale markers show the data's age, so they tick while the connection is down
        # (and only then: a live, idle app has no timer due).
        self._stale_ticker = self.set_interval(1.0, self._tick_stale, pause=True)
        if self._autostart:
            self.call_after_refresh(self.call_after_refresh, self.fleet.start)

    async def on_unmount(self) -> None:
        """Stop polling with the screen."""
        await self.fleet.stop()

    def on_resize(self, event: Resize) -> None:
        """Switch between the 2x2 grid and tabs as the terminal size changes."""
        self._apply_layout(event.size.width, event.size.height)
        self.call_after_refresh(self.views.update_titles)  # titles are cut to the panes' widths

    def _layout_classes(self, width: int, height: int) -> None:
        narrow = width < NARROW_WIDTH or height < NARROW_HEIGHT
        self.set_class(narrow, "narrow")
        self.set_class(self.zoomed or narrow, "single")

    def _apply_layout(self, width: int, height: int) -> None:
        self._layout_classes(width, height)
        for key in PANE_KEYS:
            self.query_one(f"#pane-{key}").set_class(key == self.current_pane, "current")
        strip = self.query_one("#tab-strip", Static)
        strip.update(
            "  ".join(
                f"[reverse] {pane_title(i, spec)} [/]"
                if spec.key == self.current_pane
                else f" {pane_title(i, spec)} "
                for i, spec in enumerate(PANES, start=1)
            )
        )

    def on_descendant_focus(self) -> None:
        """The pane holding focus is the one zoom, tabs and filter act on."""
        focused = self.focused
        for key in PANE_KEYS:
            if focused is not None and focused.id == key and key != self.current_pane:
                self.current_pane = key
                self._apply_layout(self.size.width, self.size.height)
                self.refresh_bindings()

    # ------------------------------------------------------------------ global keys
    def action_focus_pane(self, key: str) -> None:
        """Focus (and, when narrow or zoomed, show) one pane."""
        self.current_pane = key
        self._apply_layout(self.size.width, self.size.height)
        self.set_focus(self.query_one(f"#{key}"))

    def action_cycle_pane(self, step: int) -> None:
        """Focus (and show) the next or previous pane, wrapping around."""
        keys = PANE_KEYS
        here = keys.index(self.current_pane) if self.current_pane in keys else 0
        self.action_focus_pane(keys[(here + step) % len(keys)])

    def action_zoom(self) -> None:
        """Show the focused pane full screen, or go back to all four."""
        self.zoomed = not self.zoomed
        self._apply_layout(self.size.width, self.size.height)

    def action_refresh(self) -> None:
        """Poll everything now, stock included."""
        self.fleet.refresh(stock=True)
        self.notify("Refreshing…", timeout=1.5)

    def action_filter(self) -> None:
        """Open the filter line for the focused pane."""
        spec = PANES[PANE_KEYS.index(self.current_pane)]
        if spec.no_filter:
            self.notify(spec.no_filter, timeout=3)
            return
        box = self.query_one("#filter", Input)
        box.value = self._pane_filter_text()
        box.add_class("visible")
        # Focus now, not on the next message loop turn (what .focus() does): keys typed
        # right after "/" in one burst must land in the filter, not act on the table.
        self.set_focus(box)

    def _pane_filter_text(self) -> str:
        widget = self.query_one(f"#{self.current_pane}")
        return widget.filter_text if isinstance(widget, VirtualTable | EventLog) else ""

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        widget = self.query_one(f"#{self.current_pane}")
        if isinstance(widget, VirtualTable | EventLog):
            widget.set_filter(event.value)
        self.views.update_titles()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        widget = self.query_one(f"#{self.current_pane}")
        if isinstance(widget, VirtualTable):
            first = widget.set_filter(event.value)
            if first is not None:
                widget.move_cursor_to_key(first)
        self.query_one("#filter").remove_class("visible")
        self.set_focus(widget)

    @on(FilterInput.Closed)
    def _filter_closed(self) -> None:
        """Escape in the filter line cleared it: back to the pane."""
        self.set_focus(self.query_one(f"#{self.current_pane}"))

    def explain_key(self, key: str) -> None:
        """Say why `key` does nothing here: its action is greyed out or hidden (read-only).

        The app calls it for every key that reached it, just before its bindings run: keys
        arrive in order there, so the row under the cursor is the one the binding sees
        (a widget sees a burst's "down down s" before the app has moved the cursor).
        """
        if isinstance(self.focused, Input):
            return
        active = self.active_bindings.get(key)
        focused = self.focused
        if (
            active is not None
            and active.binding.id == ACTIVATE_ID
            and isinstance(focused, VirtualTable)
            and focused.cursor_key is None
        ):
            # Enter on a pane with no row (still loading, empty, filtered to nothing).
            self.explain(focused.empty_message)
            return
        if active is not None:
            spec = by_binding_id(active.binding.id)
            if not active.enabled and spec is not None:
                self.explain(self.why_not(spec.name))
            return
        # Hidden, so not among the active bindings: a mutation when read-only, a secret
        # when secrets are hidden. Say which.
        spec = self._bound_action(key)
        if spec is not None:
            state, reason = self._verdict(spec.name, self.selection())
            if state is False:
                self.explain(reason, read_only=True)

    def _bound_action(self, key: str) -> RowAction | None:
        """The row action `key` is bound to here (keymap included), if any."""
        settings = getattr(self.app, "settings", None)
        keymap: dict[str, str] = getattr(settings, "keymap", None) or {}
        return bound_action(key, keymap, {"screen", getattr(self.focused, "id", None)})

    # ------------------------------------------------------------------ data in
    def _polled(self, fact: Fact) -> None:
        """The poller's output: carried onto the screen's message loop, then into the store."""
        self.post_message(Polled(fact))

    @on(Polled)
    def _apply(self, message: Polled) -> None:
        self.fleet.apply(message.fact)

    def _changed(self, change: Change) -> None:
        """After the panes drew a change: the footer's row keys, the stale ticker."""
        if change.aspects & {Aspect.DEPLOYMENTS, Aspect.CONTAINERS, Aspect.SELECTION}:
            self.refresh_row_actions()
        if Aspect.CONTAINERS in change.aspects:
            # The timelines took the list in. (Events refine them too: those are judged
            # with the next list, not on each selection the cursor makes.)
            self._judge_soon()
        if Aspect.CONNECTION in change.aspects and self._stale_ticker is not None:
            (
                self._stale_ticker.resume
                if self.store.connection.down
                else self._stale_ticker.pause
            )()

    def _judge_soon(self) -> None:
        """Judge the hosts JUDGE_AFTER_S from now, unless that is already due."""
        if self._judging is None:
            self._judging = self.set_timer(JUDGE_AFTER_S, self._judge_hosts)

    def _judge_hosts(self) -> None:
        """The slow-host marks, brought up to date; the containers pane redrawn if they moved."""
        self._judging = None
        if self.fleet_watch.judge():
            self.views.redraw_containers()

    def _deployments_shown(self) -> None:
        """A new deployments list is on screen: follow the cursor's row."""
        self._select(self.query_one("#deployments", DeploymentsTable).cursor_key)
        if not self._data_painted:
            self._data_painted = True
            self.call_after_refresh(self.post_message, FirstDataPainted())
        self._move_to_created()

    def first_fleet_painted(self) -> None:
        """The fleet view's first rows are on screen: the heap they took is frozen too."""
        self.post_message(FirstDataPainted())

    @on(DeploymentsTable.CursorMoved, "#deployments")
    def _deployment_cursor(self, message: VirtualTable.CursorMoved) -> None:
        self._select(message.key)

    def _select(self, uuid: str | None) -> None:
        self.fleet.select(uuid)

    def toggle_fleet_wide(self) -> None:
        """Show the containers of every deployment, or again those of the selected one."""
        on = not self.fleet_wide
        self.fleet.show_fleet(on)
        if on:
            self.working(f"Loading the containers of all {len(self.deployments)} deployments…")

    @on(ContainersTable.RowActivated, "#containers")
    def _container_activated(self, message: VirtualTable.RowActivated) -> None:
        self.open_container_detail(message.key)

    def _tick_stale(self) -> None:
        if self.stale_since is not None:
            self.views.update_titles()

    def _token_rejected(self, reason: str) -> None:
        if self._ask_token is not None:
            self.run_worker(self._renew_token(reason), group="token", exit_on_error=False)

    async def _renew_token(self, reason: str) -> None:
        """Ask for a new token; carry on with it (same screen, same cursor, fresh polls)."""
        assert self._ask_token is not None
        client = await self._ask_token(reason)
        if client is not None:
            self.fleet.use_client(client)
            self.query_one(Banner).clear("auth")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that raised (a bug) is reported and logged; the app keeps running."""
        error = event.worker.error
        if event.state == WorkerState.ERROR and isinstance(error, Exception):
            report_unexpected(self.app, event.worker.name or "an action", error, self._now())

    def refresh_row_actions(self) -> None:
        """Refresh the footer's keys, only when a row action's state changed.

        The tables call it on every cursor move, before the move is painted: the footer
        greys keys out in place (`KeyFooter`), so it is right in the very frame that shows
        the new row, at the cost of a repaint of the footer line, not a rebuild of it.
        """
        sel = self.selection()
        state = tuple(self._verdict(name, sel)[0] for name in ACTIONS)
        if state != self._row_action_state:
            self._row_action_state = state
            self.refresh_bindings()

    @on(VirtualTable.FilterCleared)
    def _table_filter_cleared(self, message: VirtualTable.FilterCleared) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("visible")
        self.views.update_titles()

    @on(DeploymentsTable.RowActivated, "#deployments")
    def _deployment_activated(self) -> None:
        """Enter on a deployment drills into its containers (Escape comes back)."""
        self.action_focus_pane("containers")

    def action_back(self) -> None:
        """Escape in the containers or events pane: back to the deployments."""
        if PANES[PANE_KEYS.index(self.current_pane)].escape_back:
            self.action_focus_pane(PANE_KEYS[0])

    @on(StockHeatmap.CellSelected, "#stock")
    def _stock_selected(self, message: StockHeatmap.CellSelected) -> None:
        """Enter on a stock cell: a new deployment for that GPU model in that region."""
        from autodl_tui.deploy.template import Template

        if self.action_state("new_deployment") is not True:
            self.explain(self.why_not("new_deployment"), read_only=True)
            return
        self.open_create_form(Template(dc_list=(message.region,), gpu_name_set=(message.gpu_name,)))

    # ------------------------------------------------------------------ row actions
    def selected_deployment(self) -> Deployment | None:
        """The deployment under the deployments cursor."""
        key = self.query_one("#deployments", DeploymentsTable).cursor_key
        return self.deployments.get(key or "")

    def selected_container(self) -> Container | None:
        """The container under the containers cursor."""
        key = self.query_one("#containers", ContainersTable).cursor_key
        return self.containers.get(key or "")

    def selection(self) -> Selection:
        """What the row actions act on now."""
        return Selection(self.selected_deployment(), self.selected_container(), self.deployments)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Slash in the filter is text; row actions grey out, or hide when read-only."""
        if action in ("filter", "focus_pane") and isinstance(self.focused, Input):
            return False
        name = str(parameters[0]) if action == "row" and parameters else action
        return self.action_state(name) if name in ACTIONS else True

    def _verdict(self, name: str, sel: Selection) -> tuple[bool | None, str]:
        """Whether action `name` applies to `sel` here (read-only, hidden secrets), and why."""
        return verdict(name, sel, read_only=self.read_only, hide_secrets=self.hide_secrets)

    def action_state(self, action: str) -> bool | None:
        """True: allowed; None: greyed out (does not apply); False: hidden (read-only)."""
        return self._verdict(action, self.selection())[0]

    def why_not(self, action: str) -> str:
        """Why `action` cannot act on the selected row now ("" when it can)."""
        return self._verdict(action, self.selection())[1]

    def action_row(self, name: str) -> None:
        """Run row action `name` on the selection, or say why it does not apply."""
        spec = ACTIONS[name]
        sel = self.selection()
        state, reason = self._verdict(name, sel)
        if state is not True:
            self.explain(reason, read_only=state is False)
            return
        result = spec.run(self, sel)
        if result is not None:
            self.run_worker(result, name=name, group=spec.group, exit_on_error=False)

    def explain(self, reason: str, *, read_only: bool = False) -> None:
        """Say why a key did nothing (names in it are outside text: never markup)."""
        severity: SeverityLevel = "warning" if read_only else "information"
        self.notify(reason, title="Not now", severity=severity, timeout=4, markup=False)

    def working(self, text: str) -> None:
        """Show that a request is on its way; its answer follows as another notification."""
        self.notify(text, title="Working…", timeout=3, markup=False)

    def failed(self, what: str, exc: AutoDLError) -> None:
        """Report a failed call: a notification, and the E dialog's record."""
        record = record_error(self.app, what, exc, self._now())
        detail = record.message
        if exc.hint:
            detail += f"\n{exc.hint}"
        self.notify(
            f"{detail}\nE: show and copy", title=f"{what} failed", severity="error", timeout=10
        )

    def refresh_fleet(self, *, stock: bool = False) -> None:
        """Poll now: an action changed what the panes show."""
        self.fleet.refresh(stock=stock)

    async def fresh_container(self, c: Container) -> Container:
        """Re-read a container from the API: credentials can change between power cycles."""
        fresh = await self.client.container(c.deployment_uuid, c.uuid)
        add_secret(fresh.info.root_password)
        return fresh

    def open_container_detail(self, uuid: str | None = None) -> None:
        """Show every field of a container (password masked until v)."""
        c = self.containers.get(uuid or "") or self.selected_container()
        if c is not None:
            openers.container_detail(
                self,
                c,
                self.deployments,
                self.run_worker,
                read_only=self.read_only,
                hide_secrets=self.hide_secrets,
            )

    def open_deployment_detail(self, d: Deployment) -> None:
        """Template, counters and duration packages of a deployment."""
        openers.deployment_detail(self.app, d, self.client, self._now)

    # ------------------------------------------------------------------ views
    def action_open_images(self) -> None:
        """Images; Enter starts a new deployment with one (read-only: copies its uuid)."""
        openers.images(self, can_create=self.action_state("new_deployment") is True)

    def action_open_blacklist(self) -> None:
        """Blacklisted hosts with live countdowns, refetched at the poll interval."""
        openers.blacklist(self.app, self.client, self._now, self.fleet.refresh_interval)

    def action_open_alerts(self) -> None:
        """The alerts fired this session, newest first, with what to do."""
        openers.alerts(self.app, self.fleet_watch)

    def action_open_slow_hosts(self) -> None:
        """Hosts slow to start containers, or failing to; b blacklists one with the evidence."""
        openers.slow_hosts(self, self.fleet_watch, read_only=self.read_only)

    def expect(self, deployment_uuid: str, container_uuid: str = "") -> None:
        """The user changed this on purpose: the alert rules do not report it."""
        self.fleet_watch.expect(deployment_uuid, container_uuid, at=self._now())
        if container_uuid:
            self._judge_soon()  # its end no longer counts against its host

    def action_open_tunnels(self) -> None:
        """The tunnels opened with t: local URLs, state; c copies, x closes."""
        from autodl_tui.ui.container_shell import open_tunnels_view

        open_tunnels_view(self.app)

    # ------------------------------------------------------------------ new deployment
    #: A just-created deployment the cursor moves to once the list shows it.
    _created_uuid: str | None = None

    def open_create_form(self, template: Template | None) -> None:
        """Push the form; on success put the deployments cursor on the new deployment."""
        openers.create_form(self.app, self.client, template, self._created)

    def _created(self, uuid: str) -> None:
        self.notify(f"Deployment {uuid} created", title="Created")
        self._created_uuid = uuid
        self.action_focus_pane("deployments")
        self._move_to_created()
        self.fleet.refresh(stock=True)

    def _move_to_created(self) -> None:
        uuid = self._created_uuid
        if uuid and self.query_one("#deployments", DeploymentsTable).move_cursor_to_key(uuid):
            self._created_uuid = None
