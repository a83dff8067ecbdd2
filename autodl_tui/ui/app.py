"""The Textual application: global keys, keymap, command palette, and the main screen."""

from __future__ import annotations

import contextlib
import difflib
import gc
import logging
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.events import AppBlur, AppFocus, Key, MouseDown
from textual.screen import Screen

from autodl_tui.catalog import now_cst
from autodl_tui.display import TITLE_CELLS, clean, fit
from autodl_tui.heap import resume_collector
from autodl_tui.ui.actions import ACTIONS
from autodl_tui.ui.failures import LastErrorScreen
from autodl_tui.ui.guard import Guarded
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.panes import PANES
from autodl_tui.ui.screen_views import SCREEN_VIEWS

log = logging.getLogger(__name__)

#: Longest notification text kept: a toast is a few lines, not a page of a vendor's msg.
NOTIFY_CHARS = 600

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from datetime import datetime

    from textual.binding import BindingType
    from textual.events import Event
    from textual.notifications import SeverityLevel

    from autodl_tui.api import AutoDLClient
    from autodl_tui.config import Settings
    from autodl_tui.shell.tunnels import TunnelManager
    from autodl_tui.ui.failures import ErrorRecord
    from autodl_tui.ui.main_screen import FirstDataPainted


class AutoDLApp(Guarded, App[int]):
    """autodl-tui: deployments, containers, events and GPU stock of an AutoDL account."""

    TITLE = "autodl-tui"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app-quit"),
        Binding("question_mark", "help", "Help", id="app-help"),
        Binding("E", "last_error", "Last error", show=False, id="app-last-error"),
        Binding("P", "switch_profile", "Profile", show=False, id="app-switch-profile"),
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
        load_profile: Callable[[str], tuple[Settings, str]] | None = None,
        client_maker: Callable[[Settings], Callable[[str], AutoDLClient]] | None = None,
    ) -> None:
        """`client_factory` (used when `client` is None) builds the client after first paint.

        `freeze_heap` (the real process) resumes the collector the command line paused
        once the first frame is out, and moves everything alive once the first data is on
        screen out of its reach (`gc.freeze()`): full collections then walk only what
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
        #: Switching profile (P): the config read again for a profile, and clients for it.
        self._load_profile = load_profile
        self._client_maker = client_maker
        self.api_label = api_label
        self.now = now
        self._autostart = autostart
        self._tunnels: TunnelManager | None = None
        if settings.theme:
            self.theme = settings.theme

    @property
    def tunnels(self) -> TunnelManager:
        """Port forwards opened with t (container_shell.py); all closed when the app ends.

        Built on first use: its module (ssh, ctypes, subprocess) is not needed to paint.
        """
        if self._tunnels is None:
            from autodl_tui.shell.tunnels import TunnelManager

            self._tunnels = TunnelManager()
        return self._tunnels

    def on_mount(self) -> None:
        """Apply the user's keymap, then show the main screen (or ask for a token first)."""
        if self._freeze_heap:
            # The command line paused the collector for start-up (see heap.py).
            self.call_after_refresh(resume_collector, freeze=True)
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
            for warning in self._keymap_warnings():
                self.notify(warning, title="Config", severity="warning", timeout=30)
        for warning in self._warnings:
            # The terminal's alternate screen hides stderr, so startup warnings go here too.
            self.notify(warning, title="Warning", severity="warning", timeout=30)
        if isinstance(self.screen, MainScreen):
            return  # the first screen already (get_default_screen)
        if self.client is None:
            from autodl_tui.ui.token_screen import TokenScreen

            if self._make_client is None:
                raise RuntimeError("no client and no way to make one")
            self.push_screen(
                TokenScreen(self._make_client, settings=self.settings), self._token_accepted
            )
            return
        self._show_main(self.client)

    def get_default_screen(self) -> Screen[Any]:
        """The main screen as the app's first, when there is a client or a way to build one.

        Pushed over Textual's default screen instead, it was composed while the app was
        still starting, whose frames are dropped: the blank screen painted first and the
        main screen was laid out again after it (a fifth of the first paint).
        """
        if self.client is not None:
            return self._main(self.client)
        if self._client_factory is not None:
            return self._main(self._build_client)
        return super().get_default_screen()

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
        self.push_screen(self._main(client))

    def _main(self, client: AutoDLClient | Callable[[], AutoDLClient]) -> MainScreen:
        return MainScreen(
            client,
            api_label=self.api_label,
            now=self.now,
            refresh=self.settings.refresh,
            stock_refresh=self.settings.stock_refresh,
            read_only=self.settings.read_only,
            autostart=self._autostart,
            ask_token=self.ask_for_token,
            alerts=self.settings.alerts,
            hide_secrets=self.settings.hide_secrets,
        )

    async def ask_for_token(self, reason: str) -> AutoDLClient | None:
        """The token was rejected mid-session: ask for a new one over the main screen.

        Returns the new client (the main screen carries on with it), or None when
        cancelled (the banner stays, r retries) or already asking. Runs in a worker.
        """
        from autodl_tui.ui.token_screen import TokenScreen

        if self._make_client is None or self._asking_token:
            return None
        self._asking_token = True
        try:
            client = await self.push_screen_wait(
                TokenScreen(
                    self._make_client, reason=reason, cancellable=True, settings=self.settings
                )
            )
        finally:
            self._asking_token = False
        if client is None:
            return None
        old, self.client = self.client, client
        if old is not None:
            # Once the screen has switched to the new client (right after this returns).
            self.call_later(old.aclose)
        return client

    def action_last_error(self) -> None:
        """Show the last error (vendor msg, request_id) with a copy key."""
        if isinstance(self.screen, LastErrorScreen):
            self.pop_screen()
            return
        self.push_screen(LastErrorScreen(self.last_error))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification, from any screen or widget: shown literally, controls visible.

        Messages name deployments and quote the service, so none is ever parsed as markup
        (`markup` is accepted for Textual's signature and ignored).
        """
        super().notify(
            clean(message, newlines=True, max_chars=NOTIFY_CHARS),
            title=fit(title, TITLE_CELLS),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def on_key(self, event: Key) -> None:
        """A key that reached the app and cannot act on the main screen says why."""
        screen = self.screen
        if isinstance(screen, MainScreen):
            screen.explain_key(event.key)

    async def on_event(self, event: Event) -> None:
        """Keys, clicks and the terminal's focus reports tell the poller if anyone is looking."""
        if isinstance(event, Key | MouseDown | AppFocus | AppBlur):
            with contextlib.suppress(LookupError):
                presence = self.main_screen.fleet.presence
                (presence.blur if isinstance(event, AppBlur) else presence.key)()
        await super().on_event(event)

    def action_switch_profile(self) -> None:
        """Pick another `[profiles.NAME]`: the fleet view starts over on its server."""
        from autodl_tui.ui.profile_dialog import ProfilePickDialog

        if self._load_profile is None or self._client_maker is None:
            self.notify("The demo runs on the built-in simulator: no profile to switch to.")
            return
        names = sorted(self.settings.profiles)
        if not names:
            self.notify(
                "The config file has no [profiles.NAME] tables (README: Profiles).",
                title="Profiles",
            )
            return
        self.push_screen(ProfilePickDialog(names, self.settings.profile), self._profile_chosen)

    def _profile_chosen(self, name: str | None) -> None:
        if name and name != self.settings.profile:
            # After the dialog has gone: the switch pops the main screen under it.
            self.call_after_refresh(
                self.run_worker, self.use_profile(name), group="profile", exclusive=True
            )

    async def use_profile(self, name: str) -> None:
        """Read the config again with profile `name` and start over with its server and token.

        A bad file or token source changes nothing (the message names what is wrong).
        """
        from autodl_tui.config import ConfigError
        from autodl_tui.token import TokenError
        from autodl_tui.ui.launch import api_label
        from autodl_tui.ui.token_screen import TokenScreen

        assert self._load_profile is not None and self._client_maker is not None
        try:
            settings, token = self._load_profile(name)
        except (ConfigError, TokenError) as exc:
            self.notify(f"Profile {name} not used: {exc}", title="Profile", severity="error")
            return
        old = self.client
        self.settings = settings
        self.api_label = api_label(settings.base_url, settings.profile)
        self._make_client = self._client_maker(settings)
        self.client = self._make_client(token) if token else None
        with contextlib.suppress(LookupError):
            main = self.main_screen
            while self.screen is not main:
                await self.pop_screen()
            # Unmounting it stops its polling. The first main screen is the app's default
            # screen (get_default_screen): a blank one takes its place at the bottom.
            if len(self.screen_stack) > 1:
                await self.pop_screen()
            else:
                await self.switch_screen(Screen())
        if old is not None:
            await old.aclose()
        self.notify(f"Profile {name}: {self.api_label}", title="Profile")
        if self.client is None:
            self.push_screen(
                TokenScreen(self._make_client, settings=settings), self._token_accepted
            )
        else:
            self._show_main(self.client)

    async def on_unmount(self) -> None:
        """Close the tunnels and the HTTP client with the app."""
        if self._tunnels is not None:
            self._tunnels.close_all()
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
        keymap = self.settings.keymap
        rows: list[tuple[str, str, str]] = []
        for group, b in self.bindings_by_group():
            key = keymap.get(b.id or "", b.key)
            rows.append(
                (key.replace("question_mark", "?").replace("slash", "/"), b.description, group)
            )
        rows.append(("enter", "Container detail (containers pane)", "Containers"))
        # Neither changes anything through the API, so read-only mode keeps them.
        rows.append(("s / t", "Also in --read-only: ssh and tunnels change nothing", "Containers"))
        rows.append(("ctrl+p", "Command palette: every action by name", "Global"))
        return rows

    def bindings_by_group(self) -> list[tuple[str, Binding]]:
        """(group, binding) of every binding the keys table and `[keymap]` know."""
        from autodl_tui.ui.create_form import CreateFormScreen
        from autodl_tui.ui.panes import ContainersTable, DeploymentsTable
        from autodl_tui.ui.tunnels_screen import TunnelsScreen
        from autodl_tui.ui.widgets.vtable import VirtualTable

        groups: list[tuple[str, Iterable[BindingType]]] = [
            ("Global", [*self.BINDINGS, *MainScreen.BINDINGS]),
            ("Deployments", DeploymentsTable.BINDINGS),
            ("Containers", ContainersTable.BINDINGS),
            ("Tables", VirtualTable.BINDINGS),
            ("Tunnels view (T)", TunnelsScreen.BINDINGS),
            ("New deployment form", CreateFormScreen.BINDINGS),
        ]
        return [
            (group, b) for group, bindings in groups for b in bindings if isinstance(b, Binding)
        ]

    def _keymap_warnings(self) -> list[str]:
        """One line per `[keymap]` id no binding has (a typo would be ignored silently)."""
        known = sorted({b.id for _, b in self.bindings_by_group() if b.id})
        lines = []
        for binding_id in self.settings.keymap:
            if binding_id not in known:
                near = difflib.get_close_matches(binding_id, known, n=1)
                hint = f"; did you mean {near[0]!r}?" if near else " (? lists the binding ids)"
                lines.append(f"[keymap]: no binding has the id {binding_id!r}{hint}")
        return lines

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
        for view in SCREEN_VIEWS:
            yield SystemCommand(
                view.label, view.palette_help, getattr(main, f"action_{view.action}")
            )
        yield SystemCommand(
            "Containers: all deployments" if not main.fleet_wide else "Containers: one deployment",
            "Toggle the containers pane between every deployment and the selected one",
            main.toggle_fleet_wide,
        )
        yield SystemCommand(
            "Switch profile",
            "Another [profiles.NAME] of the config file",
            self.action_switch_profile,
        )
        yield SystemCommand(
            "Last error", "The last error's msg and request_id (c copies)", self.action_last_error
        )
        for spec in PANES:
            yield SystemCommand(
                f"Focus {spec.title}",
                f"Go to the {spec.title.lower()} pane",
                partial(main.action_focus_pane, spec.key),
            )
        for action in ACTIONS.values():
            # Read-only hides mutating commands; actions that do not apply are left out.
            if action.palette and main.action_state(action.name):
                yield SystemCommand(
                    action.palette, action.palette_help, partial(main.action_row, action.name)
                )
