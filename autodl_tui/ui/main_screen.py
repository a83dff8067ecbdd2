"""The main screen: deployments, containers, live events and GPU stock, all visible at once.

Data arrives as messages from the Poller; each pane is touched only when its data changed.
Row actions run in workers: dialog first, then the API call, then a notification and an
immediate refresh of what the action changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from autodl_tui.api import AutoDLError, Container, ContainerFilter, Deployment
from autodl_tui.logs import add_secret
from autodl_tui.ui.banner import AUTH_TEXT, PERMISSION_TEXT, Banner
from autodl_tui.ui.clipboard import copy_text
from autodl_tui.ui.dialogs import (
    BlacklistDialog,
    ConfirmDialog,
    DeleteDialog,
    ScaleDialog,
    StopContainerDialog,
)
from autodl_tui.ui.failures import record_error, report_unexpected
from autodl_tui.ui.messages import (
    AccessProblem,
    ConnectionChanged,
    ContainersLoaded,
    DeploymentsLoaded,
    EventsReceived,
    FirstDataPainted,
    FleetContainersLoaded,
    StockLoaded,
    UnexpectedError,
)
from autodl_tui.ui.panes import MUTATING_ACTIONS, ContainersTable, DeploymentsTable
from autodl_tui.ui.poller import Poller
from autodl_tui.ui.rows import (
    CONTAINER_COLUMNS,
    DEPLOYMENT_COLUMNS,
    FLEET_CONTAINER_COLUMNS,
    ContainerRows,
    burn_rate,
    deployment_row,
)
from autodl_tui.ui.status_bar import StatusBar
from autodl_tui.ui.units import duration
from autodl_tui.ui.widgets.event_log import EventLog, short_container_id
from autodl_tui.ui.widgets.filter_input import FilterInput
from autodl_tui.ui.widgets.footer import KeyFooter
from autodl_tui.ui.widgets.heatmap import StockHeatmap
from autodl_tui.ui.widgets.vtable import VirtualTable

if TYPE_CHECKING:
    from autodl_tui.api import AutoDLClient
    from autodl_tui.deploy.template import Template

PANES: tuple[tuple[str, str], ...] = (
    ("deployments", "Deployments"),
    ("containers", "Containers"),
    ("events", "Events"),
    ("stock", "GPU stock"),
)
#: Below this size the panes become tabs: one at a time, switched with 1-4 or tab.
NARROW_WIDTH = 100
NARROW_HEIGHT = 28
_COPY_LABELS = {"ssh": "SSH command", "password": "root password", "url": "6006 service URL"}


class MainScreen(Screen[None]):
    """Four live panes and every fleet action one key away."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority for keys that move focus: the app runs them the moment it reads them, so
        # focus has moved before the keys typed right after are handed out ("/llm", "2c"
        # arriving in one burst over a laggy link would otherwise act on the old pane).
        # check_action lets them through as text while the filter line has focus.
        Binding(
            "1",
            "focus_pane('deployments')",
            "Deployments",
            show=False,
            id="focus-deployments",
            priority=True,
        ),
        Binding(
            "2",
            "focus_pane('containers')",
            "Containers",
            show=False,
            id="focus-containers",
            priority=True,
        ),
        Binding(
            "3", "focus_pane('events')", "Events", show=False, id="focus-events", priority=True
        ),
        Binding("4", "focus_pane('stock')", "Stock", show=False, id="focus-stock", priority=True),
        Binding("slash", "filter", "Filter", id="app-filter", priority=True),
        Binding("r", "refresh", "Refresh", id="app-refresh"),
        Binding("z", "zoom", "Zoom", id="app-zoom"),
        Binding("i", "open_images", "Images", id="open-images", show=False),
        Binding("B", "open_blacklist", "Blacklist", id="open-blacklist", show=False),
        Binding("d", "deployment_detail", "Deployment detail", id="deployment-detail", show=False),
        Binding("n", "new_deployment", "New", id="deployments-new"),
    ]

    ROW_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"scale", "stop", "delete", "copy", "stop_container", "blacklist", "clone"}
    )

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
    ) -> None:
        super().__init__()
        self.read_only = read_only
        self._now = now
        self._api_label = api_label
        self.poller = Poller(
            client, self.post_message, refresh=refresh, stock_refresh=stock_refresh, now=now
        )
        self._autostart = autostart
        self.deployments: dict[str, Deployment] = {}
        self.containers: dict[str, Container] = {}
        self.current_pane = "deployments"
        self.zoomed = False
        #: When the data on screen was last fetched, while the connection is down (else None).
        self.stale_since: datetime | None = None
        self._stale_ticker: Timer | None = None
        self._data_painted = False
        self._container_rows = ContainerRows()
        self._row_action_state: tuple[bool | None, ...] = ()
        self._borders: dict[tuple[str, str], str] = {}

    @property
    def client(self) -> AutoDLClient:
        """The API client (built by the poller on first use when given a factory)."""
        return self.poller.client

    @property
    def fleet_wide(self) -> bool:
        """Whether the containers pane shows every deployment's containers."""
        return self.poller.fleet_wide

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        """Status line, the tab strip used when narrow, four panes, filter input, footer."""
        yield StatusBar(
            self._api_label,
            self._now,
            read_only=self.read_only,
            last_success=lambda: self.poller.last_success,
        )
        yield Banner()
        yield Static(id="tab-strip")
        with Vertical(id="panes"):
            for key, title in PANES:
                with Vertical(id=f"pane-{key}", classes="pane") as pane:
                    pane.border_title = f"{PANES.index((key, title)) + 1} {title}"
                    yield self._pane_widget(key)
        yield FilterInput(
            id="filter", placeholder="filter: Enter jumps to the first match, Escape clears"
        )
        yield KeyFooter()

    def _pane_widget(self, key: str) -> Widget:
        if key == "deployments":
            table: VirtualTable = DeploymentsTable(id="deployments")
            table.set_columns(DEPLOYMENT_COLUMNS)
            table.empty_text = "Loading deployments…"
            return table
        if key == "containers":
            table = ContainersTable(id="containers")
            table.set_columns(CONTAINER_COLUMNS)
            table.empty_text = "Select a deployment"
            return table
        if key == "events":
            return EventLog(id="events")
        return StockHeatmap(id="stock", now=self._now)

    def on_mount(self) -> None:
        """Paint first; the poller (and so the first request) starts right after."""
        self._apply_layout(self.size.width, self.size.height)
        self.query_one("#deployments").focus()
        # Textual drops the frames of a screen pushed while the app is still starting
        # (they fall inside its start-up batch): ask for a full one, so the panes show
        # before the first answer arrives. The client is built after that frame.
        self.call_after_refresh(self.refresh, layout=True)
        # Stale markers show the data's age, so they tick while the connection is down
        # (and only then: a live, idle app has no timer due).
        self._stale_ticker = self.set_interval(1.0, self._tick_stale, pause=True)
        if self._autostart:
            self.call_after_refresh(self.call_after_refresh, self.poller.start)

    async def on_unmount(self) -> None:
        """Stop polling with the screen."""
        await self.poller.stop()

    def on_resize(self, event: Resize) -> None:
        """Switch between the 2x2 grid and tabs as the terminal size changes."""
        self._apply_layout(event.size.width, event.size.height)

    def _apply_layout(self, width: int, height: int) -> None:
        narrow = width < NARROW_WIDTH or height < NARROW_HEIGHT
        self.set_class(narrow, "narrow")
        self.set_class(self.zoomed or narrow, "single")
        for key, _ in PANES:
            self.query_one(f"#pane-{key}").set_class(key == self.current_pane, "current")
        strip = self.query_one("#tab-strip", Static)
        strip.update(
            "  ".join(
                f"[reverse] {i} {title} [/]" if key == self.current_pane else f" {i} {title} "
                for i, (key, title) in enumerate(PANES, start=1)
            )
        )

    def on_descendant_focus(self) -> None:
        """The pane holding focus is the one zoom, tabs and filter act on."""
        focused = self.focused
        for key, _ in PANES:
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

    def action_zoom(self) -> None:
        """Show the focused pane full screen, or go back to all four."""
        self.zoomed = not self.zoomed
        self._apply_layout(self.size.width, self.size.height)

    def action_refresh(self) -> None:
        """Poll everything now, stock included."""
        self.poller.refresh_now(stock=True)
        self.notify("Refreshing…", timeout=1.5)

    def action_filter(self) -> None:
        """Open the filter line for the focused pane."""
        if self.current_pane == "stock":
            self.notify("The stock pane has no filter; move with the arrow keys.", timeout=3)
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
        self._update_titles()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        widget = self.query_one(f"#{self.current_pane}")
        if isinstance(widget, VirtualTable):
            first = widget.set_filter(event.value)
            if first is not None:
                widget.move_cursor_to_key(first)
        self.query_one("#filter").remove_class("visible")
        self.set_focus(widget)

    def on_key(self, event: object) -> None:
        """Escape in the filter line clears the filter and returns to the pane."""
        from textual.events import Key

        if not isinstance(event, Key) or event.key != "escape":
            return
        box = self.query_one("#filter", Input)
        if box.has_focus:
            box.value = ""
            box.remove_class("visible")
            self.set_focus(self.query_one(f"#{self.current_pane}"))
            event.stop()

    # ------------------------------------------------------------------ data in
    @on(DeploymentsLoaded)
    def _deployments_loaded(self, message: DeploymentsLoaded) -> None:
        self.deployments = {d.uuid: d for d in message.deployments}
        table = self.query_one("#deployments", DeploymentsTable)
        table.empty_text = "No deployments yet"
        now = self._now()
        table.set_rows(deployment_row(d, now) for d in message.deployments)
        status = self.query_one(StatusBar)
        status.burn_milli = burn_rate(message.deployments)
        status.last_refresh = message.fetched_at
        status.update_line()
        self._select(table.cursor_key)
        self._update_titles()
        self.refresh_row_actions()
        if not self._data_painted:
            self._data_painted = True
            self.call_after_refresh(self.post_message, FirstDataPainted())
        self.query_one(Banner).clear("permission")

    @on(DeploymentsTable.CursorMoved, "#deployments")
    def _deployment_cursor(self, message: VirtualTable.CursorMoved) -> None:
        self._select(message.key)

    def _select(self, uuid: str | None) -> None:
        if uuid == self.poller.selected:
            return
        self.poller.select(uuid)
        if not self.fleet_wide:
            self.containers = {}
            table = self.query_one("#containers", ContainersTable)
            table.set_rows(())
            table.empty_text = "Loading containers…" if uuid else "Select a deployment"
        self.query_one("#events", EventLog).clear()
        self._update_titles()
        self.refresh_row_actions()

    @on(ContainersLoaded)
    def _containers_loaded(self, message: ContainersLoaded) -> None:
        if message.deployment_uuid != self.poller.selected or self.fleet_wide:
            return
        self.containers = {c.uuid: c for c in message.containers}
        table = self.query_one("#containers", ContainersTable)
        table.empty_text = "No containers"
        now = self._now()
        table.set_rows(self._container_rows.rows(message.containers, now))
        self._update_titles()
        self.refresh_row_actions()

    @on(FleetContainersLoaded)
    def _fleet_containers_loaded(self, message: FleetContainersLoaded) -> None:
        if not self.fleet_wide:
            return
        self.containers = {c.uuid: c for c in message.containers}
        table = self.query_one("#containers", ContainersTable)
        table.empty_text = "No containers in any deployment"
        now = self._now()
        names = {uuid: d.name for uuid, d in self.deployments.items()}
        table.set_rows(self._container_rows.rows(message.containers, now, names))
        self._update_titles()
        self.refresh_row_actions()

    def toggle_fleet_wide(self) -> None:
        """Show the containers of every deployment, or again those of the selected one."""
        on = not self.fleet_wide
        self.poller.show_fleet(on)
        table = self.query_one("#containers", ContainersTable)
        table.set_columns(FLEET_CONTAINER_COLUMNS if on else CONTAINER_COLUMNS)
        table.set_rows(())
        self.containers = {}
        if on:
            table.empty_text = "Loading the containers of every deployment…"
        else:
            table.empty_text = (
                "Loading containers…" if self.poller.selected else "Select a deployment"
            )
        self._update_titles()
        self.refresh_row_actions()

    @on(ContainersTable.RowActivated, "#containers")
    def _container_activated(self, message: VirtualTable.RowActivated) -> None:
        self.open_container_detail(message.key)

    @on(EventsReceived)
    def _events_received(self, message: EventsReceived) -> None:
        if message.deployment_uuid != self.poller.selected:
            return
        log = self.query_one("#events", EventLog)
        if message.reset:
            log.clear()
        log.append(message.events)
        self._update_titles()

    @on(StockLoaded)
    def _stock_loaded(self, message: StockLoaded) -> None:
        self.query_one("#stock", StockHeatmap).update_stock(message.stock, message.fetched_at)

    @on(ConnectionChanged)
    def _connection_changed(self, message: ConnectionChanged) -> None:
        status = self.query_one(StatusBar)
        status.state = message.state
        status.since = message.since
        status.note = message.error if message.state != "live" else ""
        status.update_line()
        stale = message.state in ("retrying", "offline", "unauthorized")
        # Keep the data on screen, marked with its age, rather than clearing it.
        self.stale_since = (message.last_success or self._now()) if stale else None
        if self._stale_ticker is not None:
            (self._stale_ticker.resume if stale else self._stale_ticker.pause)()
        self.query_one("#stock", StockHeatmap).set_stale(stale)
        for key, _ in PANES:
            self.query_one(f"#pane-{key}").set_class(stale, "stale")
        if message.state == "live":
            self.query_one(Banner).clear("auth")
        self._update_titles()

    def _tick_stale(self) -> None:
        if self.stale_since is not None:
            self._update_titles()

    @on(AccessProblem)
    def _access_problem(self, message: AccessProblem) -> None:
        if message.error is not None:
            record_error(self.app, "Polling", message.error, self._now())
        banner = self.query_one(Banner)
        if message.kind == "permission":
            banner.show("permission", PERMISSION_TEXT)
            table = self.query_one("#deployments", DeploymentsTable)
            table.empty_text = "无当前资源访问权限: the account is not enterprise-verified"
            self.notify(message.hint, title="No access to elastic deployment", timeout=10)
            return
        banner.show("auth", AUTH_TEXT)
        self.notify(
            f"{message.message}\nE: show and copy",
            title="Token rejected",
            severity="error",
            timeout=10,
        )
        ask = getattr(self.app, "ask_for_token", None)
        if callable(ask):
            ask(f"The API rejected the token: {message.hint}")

    def use_client(self, client: AutoDLClient) -> None:
        """Carry on with a new client (new token): same screen, same cursor, fresh polls."""
        self.poller.set_client(client)
        self.query_one(Banner).clear("auth")

    @on(UnexpectedError)
    def _unexpected_error(self, message: UnexpectedError) -> None:
        report_unexpected(self.app, message.where, message.error, self._now())

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
        state = tuple(self.action_state(action) for action in sorted(self.ROW_ACTIONS))
        if state != self._row_action_state:
            self._row_action_state = state
            self.refresh_bindings()

    def _set_border(self, pane: Widget, title: str | None, subtitle: str | None) -> None:
        """Set a pane's border texts; each set repaints, so only when they changed."""
        for which, text in (("border_title", title), ("border_subtitle", subtitle)):
            if text is not None and self._borders.get((pane.id or "", which)) != text:
                self._borders[(pane.id or "", which)] = text
                setattr(pane, which, text)

    def _update_titles(self) -> None:
        for key, _title in PANES:
            pane = self.query_one(f"#pane-{key}")
            widget = self.query_one(f"#{key}")
            subtitle = ""
            if isinstance(widget, VirtualTable | EventLog):
                total, matched = widget.total_count, widget.matched_count
                subtitle = f"{matched} of {total}" if widget.filter_text else f"{total}"
            if pane.has_class("stale") and self.stale_since is not None:
                age = duration((self._now() - self.stale_since).total_seconds())
                subtitle += f" · stale {age}"
            self._set_border(pane, None, subtitle)
        selected = self.deployments.get(self.poller.selected or "")
        name = f": {selected.name}" if selected else ""
        scope = ": all deployments" if self.fleet_wide else name
        self._set_border(self.query_one("#pane-containers"), f"2 Containers{scope}", None)
        self._set_border(self.query_one("#pane-events"), f"3 Events{name}", None)

    # ------------------------------------------------------------------ row actions
    def selected_deployment(self) -> Deployment | None:
        """The deployment under the deployments cursor."""
        key = self.query_one("#deployments", DeploymentsTable).cursor_key
        return self.deployments.get(key or "")

    def selected_container(self) -> Container | None:
        """The container under the containers cursor."""
        key = self.query_one("#containers", ContainersTable).cursor_key
        return self.containers.get(key or "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Slash in the filter is text; `n` hides when read-only; detail needs a selection."""
        if action in ("filter", "focus_pane") and isinstance(self.focused, Input):
            return False
        if action in ("deployment_detail", "new_deployment"):
            return self.action_state(action)
        return True

    def action_state(self, action: str) -> bool | None:
        """True: allowed; None: greyed out (does not apply); False: hidden (read-only)."""
        if self.read_only and action in MUTATING_ACTIONS:
            return False
        if action == "deployment_detail":
            return True if self.selected_deployment() is not None else None
        if action == "new_deployment":
            return True
        if action in ("scale", "stop", "delete", "clone"):
            d = self.selected_deployment()
            if d is None:
                return None
            if action == "scale" and d.deployment_type != "ReplicaSet":
                return None
            if action == "stop" and d.status == "stopped":
                return None
            return True
        c = self.selected_container()
        if c is None:
            return None
        if action in ("stop_container",) and c.status in ("shutting_down", "shutdown", "removed"):
            return None
        if action == "blacklist" and not c.machine_id:
            return None
        if action == "copy" and not c.info.ssh_command:
            return None
        return True

    def _refuse(self, action: str) -> bool:
        state = self.action_state(action)
        if state is False:
            self.notify("Read-only mode: nothing can be changed.", severity="warning")
        elif state is None:
            self.notify("That action does not apply to the selected row.", timeout=3)
        return state is not True

    def _failed(self, what: str, exc: AutoDLError) -> None:
        record = record_error(self.app, what, exc, self._now())
        detail = record.message
        if exc.hint:
            detail += f"\n{exc.hint}"
        self.notify(
            f"{detail}\nE: show and copy", title=f"{what} failed", severity="error", timeout=10
        )

    @work(group="actions", exit_on_error=False)
    async def scale_deployment(self) -> None:
        """Dialog, then set replica_num."""
        d = self.selected_deployment()
        if d is None or self._refuse("scale"):
            return
        replicas = await self.app.push_screen_wait(ScaleDialog(d.name, d.replica_num))
        if replicas is None:
            return
        try:
            await self.client.set_replica_num(d.uuid, replicas)
        except AutoDLError as exc:
            self._failed("Scale", exc)
            return
        self.notify(f"{d.name}: replicas {d.replica_num} → {replicas}", title="Scaled")
        self.poller.refresh_now(stock=True)

    @work(group="actions", exit_on_error=False)
    async def stop_deployment(self) -> None:
        """Confirm, then stop every container of the deployment."""
        d = self.selected_deployment()
        if d is None or self._refuse("stop"):
            return
        confirmed = await self.app.push_screen_wait(
            ConfirmDialog(
                f"Stop {d.name}?",
                f"Every container of {d.name} ({d.uuid}) shuts down and stops billing.",
                confirm_label="Stop",
            )
        )
        if not confirmed:
            return
        try:
            await self.client.stop_deployment(d.uuid)
        except AutoDLError as exc:
            self._failed("Stop", exc)
            return
        self.notify(f"{d.name} is stopping", title="Stopped")
        self.poller.refresh_now(stock=True)

    @work(group="actions", exit_on_error=False)
    async def delete_deployment(self) -> None:
        """Type the exact name, then delete (a running deployment is stopped first)."""
        d = self.selected_deployment()
        if d is None or self._refuse("delete"):
            return
        confirmed = await self.app.push_screen_wait(DeleteDialog(d.name))
        if not confirmed:
            return
        try:
            await self.client.delete_deployment(d.uuid)
        except AutoDLError as exc:
            self._failed("Delete", exc)
            return
        self.notify(f"{d.name} deleted", title="Deleted")
        self.poller.refresh_now(stock=True)

    @work(group="actions", exit_on_error=False)
    async def stop_container(self) -> None:
        """Dialog with the replica choices, then stop one container."""
        c = self.selected_container()
        if c is None or self._refuse("stop_container"):
            return
        d = self.deployments.get(c.deployment_uuid)  # fleet-wide: not the selected deployment
        kind = d.deployment_type if d else ""
        choice = await self.app.push_screen_wait(
            StopContainerDialog(short_container_id(c.uuid), kind)
        )
        if choice is None:
            return
        try:
            await self.client.stop_container(
                c.uuid,
                decrease_one_replica_num=choice.decrease_one_replica_num,
                no_cache=choice.no_cache,
                cmd_before_shutdown=choice.cmd_before_shutdown,
            )
        except AutoDLError as exc:
            self._failed("Stop container", exc)
            return
        extra = " and replicas decreased" if choice.decrease_one_replica_num else ""
        self.notify(f"{short_container_id(c.uuid)} is stopping{extra}", title="Container stopped")
        self.poller.refresh_now(stock=True)

    @work(group="actions", exit_on_error=False)
    async def blacklist_host(self) -> None:
        """Dialog for minutes and comment, then ban the container's host."""
        c = self.selected_container()
        if c is None or self._refuse("blacklist"):
            return
        choice = await self.app.push_screen_wait(BlacklistDialog(c.machine_id, c.data_center))
        if choice is None:
            return
        try:
            await self.client.set_blacklist(
                c.uuid, expire_in_minutes=choice.expire_in_minutes, comment=choice.comment
            )
        except AutoDLError as exc:
            self._failed("Blacklist", exc)
            return
        self.notify(
            f"host {c.machine_id} ({c.data_center}) banned for {choice.expire_in_minutes} min",
            title="Blacklisted",
        )
        self.poller.refresh_now()

    async def fresh_container(self, c: Container) -> Container:
        """Re-read a container from the API: credentials can change between power cycles."""
        page = await self.client.list_containers(
            c.deployment_uuid, ContainerFilter(container_uuid=c.uuid)
        )
        fresh = page.items[0] if page.items else c
        add_secret(fresh.info.root_password)
        return fresh

    def credential(self, c: Container, what: str) -> str:
        """The text a copy key copies."""
        info = c.info
        return {
            "ssh": info.ssh_command,
            "password": info.root_password,
            "url": info.service_6006_port_url,
        }.get(what, "")

    @work(group="copy", exit_on_error=False)
    async def copy_credential(self, what: str, uuid: str | None = None) -> None:
        """Copy a credential of the selected (or given) container, re-read at copy time."""
        c = self.containers.get(uuid or "") or self.selected_container()
        if c is None or self.action_state("copy") is None and uuid is None:
            self.notify("Select a container first.", timeout=3)
            return
        try:
            c = await self.fresh_container(c)
        except AutoDLError as exc:
            self.notify(f"Using the last known value ({exc.hint or exc})", severity="warning")
        text = self.credential(c, what)
        label = _COPY_LABELS.get(what, what)
        if not text:
            self.notify(f"This container has no {label} yet.", severity="warning")
            return
        via = copy_text(self.app, text)
        self.notify(f"Copied the {label} via {via}", title="Copied")

    def open_container_detail(self, uuid: str | None = None) -> None:
        """Show every field of a container (password masked until v)."""
        from autodl_tui.ui.detail import ContainerDetailScreen, CopyWhat

        c = self.containers.get(uuid or "") or self.selected_container()
        if c is None:
            return
        kinds = {"ssh_command": "ssh", "root_password": "password", "service_6006_url": "url"}

        def copy(what: CopyWhat, _text: str) -> None:
            # Copy through the same path as the table keys: credentials re-read from the API.
            self.copy_credential(kinds[what], c.uuid)

        self.app.push_screen(
            ContainerDetailScreen(c, self.deployments.get(c.deployment_uuid), on_copy=copy)
        )

    # ------------------------------------------------------------------ read-only views
    def action_open_images(self) -> None:
        """Private and public images; Enter starts a new deployment with the chosen one.

        In read-only mode (no new deployments) Enter copies the image's uuid instead.
        """
        from autodl_tui.deploy.template import Template
        from autodl_tui.ui.images_screen import ImageChoice, ImagesScreen

        can_create = self.action_state("new_deployment") is True

        def chosen(choice: ImageChoice | None) -> None:
            if choice is None:
                return
            if can_create:
                self.open_create_form(Template(image_uuid=choice.image_uuid))
                return
            via = copy_text(self.app, choice.image_uuid)
            self.notify(f"{choice.image_uuid} ({choice.label}) via {via}", title="Copied")

        label = "use it in a new deployment" if can_create else "copy its uuid"
        self.app.push_screen(ImagesScreen(self.client, enter_label=label), chosen)

    def action_open_blacklist(self) -> None:
        """Blacklisted hosts with live countdowns, refetched at the poll interval."""
        from autodl_tui.ui.blacklist_screen import BlacklistScreen

        self.app.push_screen(
            BlacklistScreen(self.client, now=self._now, refresh=self.poller.refresh)
        )

    def action_deployment_detail(self) -> None:
        """Template, counters and duration packages of the selected deployment."""
        from autodl_tui.ui.deployment_detail import DeploymentDetailScreen

        d = self.selected_deployment()
        if d is None or self._refuse("deployment_detail"):
            return
        self.app.push_screen(DeploymentDetailScreen(d, self.client, now=self._now))

    # ------------------------------------------------------------------ new deployment
    #: A just-created deployment the cursor moves to once the list shows it.
    _created_uuid: str | None = None

    def action_new_deployment(self) -> None:
        """Open the New deployment form."""
        if not self._refuse("new_deployment"):
            self.open_create_form(None)

    def clone_deployment(self) -> None:
        """Open the form prefilled from the selected deployment's template."""
        from autodl_tui.deploy.template import template_from_deployment
        from autodl_tui.ui.create_form import clone_of

        d = self.selected_deployment()
        if d is None or self._refuse("clone"):
            return
        self.open_create_form(clone_of(template_from_deployment(d)))

    def open_create_form(self, template: Template | None) -> None:
        """Push the form; on success put the deployments cursor on the new deployment."""
        from autodl_tui.ui.create_form import CreateFormScreen

        def created(uuid: str | None) -> None:
            if not uuid:
                return
            self.notify(f"Deployment {uuid} created", title="Created")
            self._created_uuid = uuid
            self.action_focus_pane("deployments")
            self._move_to_created()
            self.poller.refresh_now(stock=True)

        self.app.push_screen(CreateFormScreen(self.client, template), created)

    @on(DeploymentsLoaded)
    def _move_to_created(self) -> None:
        uuid = self._created_uuid
        if uuid and self.query_one("#deployments", DeploymentsTable).move_cursor_to_key(uuid):
            self._created_uuid = None
