"""The Textual application: global keys, keymap, command palette, and the main screen."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from autodl_tui.catalog import now_cst
from autodl_tui.config import Settings
from autodl_tui.ui.failures import ErrorRecord, LastErrorScreen
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.messages import FirstDataPainted

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from autodl_tui.api import AutoDLClient


class AutoDLApp(App[int]):
    """autodl-tui: deployments, containers, events and GPU stock of an AutoDL account."""

    TITLE = "autodl-tui"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app-quit"),
        Binding("question_mark", "help", "Help", id="app-help"),
        Binding("E", "last_error", "Last error", show=False, id="app-last-error"),
    ]

    def __init__(
        self,
        settings: Settings,
        client: AutoDLClient | None,
        *,
        api_label: str,
        make_client: Callable[[str], AutoDLClient] | None = None,
        client_factory: Callable[[], AutoDLClient] | None = None,
        now: Callable[[], datetime] = now_cst,
        autostart: bool = True,
        freeze_heap: bool = False,
        warnings: Sequence[str] = (),
    ) -> None:
        """`client_factory` (used when `client` is None) builds the client after first paint.

        `freeze_heap` moves everything alive once the first data is on screen out of the
        garbage collector's reach (`gc.freeze()`): full collections then walk only what
        changed since, which removes their 20-50 ms pauses from key presses and polls.
        """
        super().__init__()
        #: The newest failure, for the "last error" dialog (E).
        self.last_error: ErrorRecord | None = None
        self._warnings = tuple(warnings)
        self._asking_token = False
        self.settings = settings
        self.client = client
        self._client_factory = client_factory
        self._freeze_heap = freeze_heap
        self._make_client = make_client
        self.api_label = api_label
        self.now = now
        self._autostart = autostart
        if settings.theme:
            self.theme = settings.theme

    def on_mount(self) -> None:
        """Apply the user's keymap, then show the main screen (or ask for a token first)."""
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        for warning in self._warnings:
            # The terminal's alternate screen hides stderr, so startup warnings go here too.
            self.notify(warning, title="Warning", severity="warning", timeout=30)
        if self.client is None and self._client_factory is not None:
            self._show_main(self._build_client)
            return
        if self.client is None:
            from autodl_tui.ui.token_screen import TokenScreen

            if self._make_client is None:
                raise RuntimeError("no client and no way to make one")
            self.push_screen(TokenScreen(self._make_client), self._token_accepted)
            return
        self._show_main(self.client)

    def _token_accepted(self, client: AutoDLClient | None) -> None:
        if client is not None:
            self.client = client
            self._show_main(client)

    def _build_client(self) -> AutoDLClient:
        assert self._client_factory is not None
        self.client = self._client_factory()
        return self.client

    def on_first_data_painted(self, _message: FirstDataPainted) -> None:
        """Start-up is over: freeze the heap built so far (see `freeze_heap`)."""
        if self._freeze_heap:
            gc.freeze()

    def _show_main(self, client: AutoDLClient | Callable[[], AutoDLClient]) -> None:
        self.push_screen(
            MainScreen(
                client,
                api_label=self.api_label,
                now=self.now,
                refresh=self.settings.refresh,
                stock_refresh=self.settings.stock_refresh,
                read_only=self.settings.read_only,
                autostart=self._autostart,
            )
        )

    def ask_for_token(self, reason: str) -> None:
        """The token was rejected mid-session: ask for a new one over the main screen."""
        from autodl_tui.ui.token_screen import TokenScreen

        if self._make_client is None or self._asking_token:
            return
        self._asking_token = True
        self.push_screen(
            TokenScreen(self._make_client, reason=reason, cancellable=True), self._new_token
        )

    async def _new_token(self, client: AutoDLClient | None) -> None:
        self._asking_token = False
        if client is None:
            return  # cancelled: the banner stays, r retries
        old, self.client = self.client, client
        self.main_screen.use_client(client)
        if old is not None:
            await old.aclose()

    def action_last_error(self) -> None:
        """Show the last error (vendor msg, request_id) with a copy key."""
        if isinstance(self.screen, LastErrorScreen):
            self.pop_screen()
            return
        self.push_screen(LastErrorScreen(self.last_error))

    def _handle_exception(self, error: Exception) -> None:
        # Textual exits on an exception in a message handler; at least leave a trace in the
        # log file (redacted) before it does.
        log.critical("fatal error", exc_info=error)
        super()._handle_exception(error)

    async def on_unmount(self) -> None:
        """Close the HTTP client with the app."""
        if self.client is not None:
            await self.client.aclose()

    @property
    def main_screen(self) -> MainScreen:
        """The fleet screen (under any dialog)."""
        for screen in reversed(self.screen_stack):
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("the main screen is not mounted")

    def action_help(self) -> None:
        """List every key, grouped, with what it does here."""
        from autodl_tui.ui.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen(self.key_table()))

    def key_table(self) -> list[tuple[str, str, str]]:
        """(key, description, group) of every binding, as currently mapped."""
        from autodl_tui.ui.create_form import CreateFormScreen
        from autodl_tui.ui.panes import ContainersTable, DeploymentsTable
        from autodl_tui.ui.widgets.vtable import VirtualTable

        groups: list[tuple[str, Iterable[BindingType]]] = [
            ("Global", [*self.BINDINGS, *MainScreen.BINDINGS]),
            ("Deployments", DeploymentsTable.BINDINGS),
            ("Containers", ContainersTable.BINDINGS),
            ("Tables", VirtualTable.BINDINGS),
            ("New deployment form", CreateFormScreen.BINDINGS),
        ]
        keymap = self.settings.keymap
        rows: list[tuple[str, str, str]] = []
        for group, bindings in groups:
            for b in bindings:
                if not isinstance(b, Binding):
                    continue
                key = keymap.get(b.id or "", b.key)
                rows.append(
                    (key.replace("question_mark", "?").replace("slash", "/"), b.description, group)
                )
        rows.append(("enter", "Container detail (containers pane)", "Containers"))
        rows.append(("ctrl+p", "Command palette: every action by name", "Global"))
        rows.append(("tab / shift+tab", "Next / previous pane", "Global"))
        return rows

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every action of the app, by name, in the command palette."""
        yield from super().get_system_commands(screen)
        try:
            main = self.main_screen
        except LookupError:
            return
        yield SystemCommand("Refresh now", "Poll everything, stock included", main.action_refresh)
        yield SystemCommand(
            "Zoom pane", "Toggle full screen for the focused pane", main.action_zoom
        )
        yield SystemCommand("Help: keys", "List every key", self.action_help)
        yield SystemCommand(
            "Images", "Private and public images; Enter copies the uuid", main.action_open_images
        )
        yield SystemCommand(
            "Blacklist", "Blacklisted hosts with time left", main.action_open_blacklist
        )
        yield SystemCommand(
            "Containers: all deployments" if not main.fleet_wide else "Containers: one deployment",
            "Toggle the containers pane between every deployment and the selected one",
            main.toggle_fleet_wide,
        )
        yield SystemCommand(
            "Last error", "The last error's msg and request_id (c copies)", self.action_last_error
        )
        for key, title in (
            ("deployments", "Deployments"),
            ("containers", "Containers"),
            ("events", "Events"),
            ("stock", "GPU stock"),
        ):
            yield SystemCommand(
                f"Focus {title}",
                f"Go to the {title.lower()} pane",
                partial(main.action_focus_pane, key),
            )
        commands: list[tuple[str, str, str, Callable[[], object]]] = [
            ("copy", "Copy SSH command", "Selected container", lambda: main.copy_credential("ssh")),
            (
                "copy",
                "Copy root password",
                "Selected container",
                lambda: main.copy_credential("password"),
            ),
            (
                "copy",
                "Copy 6006 service URL",
                "Selected container",
                lambda: main.copy_credential("url"),
            ),
            (
                "copy",
                "Container detail",
                "Every field of the selected container",
                main.open_container_detail,
            ),
            (
                "deployment_detail",
                "Deployment detail",
                "Template, counters and duration packages",
                main.action_deployment_detail,
            ),
            ("scale", "Scale deployment", "Set replica_num (ReplicaSet)", main.scale_deployment),
            ("stop", "Stop deployment", "Stop every container", main.stop_deployment),
            (
                "delete",
                "Delete deployment",
                "Stop, then delete (type the name)",
                main.delete_deployment,
            ),
            (
                "stop_container",
                "Stop container",
                "Stop the selected container",
                main.stop_container,
            ),
            (
                "blacklist",
                "Blacklist host",
                "Ban the selected container's host",
                main.blacklist_host,
            ),
            (
                "new_deployment",
                "New deployment",
                "Create a deployment (form, pre-flight)",
                main.action_new_deployment,
            ),
            (
                "clone",
                "Clone deployment",
                "New deployment prefilled from the selected one",
                main.clone_deployment,
            ),
        ]
        for action, title, help_text, callback in commands:
            # Read-only hides mutating commands; actions that do not apply are left out.
            if main.action_state(action):
                yield SystemCommand(title, help_text, callback)
