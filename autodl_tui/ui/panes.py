"""The two tables of the main screen, each with the keys that act on its selected row.

Actions are greyed out (check_action -> None) when they do not apply to the selected row,
and hidden (False) in read-only mode; the screen does the work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType

from autodl_tui.ui.widgets.vtable import VirtualTable

if TYPE_CHECKING:
    from autodl_tui.ui.main_screen import MainScreen

MUTATING_ACTIONS: frozenset[str] = frozenset(
    {"scale", "stop", "delete", "stop_container", "blacklist", "new_deployment", "clone"}
)


class PaneTable(VirtualTable):
    """A table whose row actions are decided by the main screen."""

    def _main(self) -> MainScreen | None:
        from autodl_tui.ui.main_screen import MainScreen

        screen = self.screen
        return screen if isinstance(screen, MainScreen) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide mutating actions when read-only; grey out those that do not apply."""
        main = self._main()
        if main is None or action not in main.ROW_ACTIONS:
            return True
        return main.action_state(action)

    def cursor_changed(self) -> None:
        """Grey the footer's row keys for the new row now, so they change in the same frame."""
        super().cursor_changed()
        if main := self._main():
            main.refresh_row_actions()


class DeploymentsTable(PaneTable):
    """Deployments: moving the cursor selects; s scale, x stop, ctrl+d delete, C clone."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "scale", "Scale", id="deployments-scale"),
        Binding("x", "stop", "Stop", id="deployments-stop"),
        Binding("ctrl+d", "delete", "Delete", id="deployments-delete"),
        Binding("C", "clone", "Clone", id="deployments-clone"),
    ]

    def action_scale(self) -> None:
        """Set a ReplicaSet's replica count."""
        if main := self._main():
            main.scale_deployment()

    def action_stop(self) -> None:
        """Stop the selected deployment (after confirmation)."""
        if main := self._main():
            main.stop_deployment()

    def action_delete(self) -> None:
        """Delete the selected deployment (after typing its name)."""
        if main := self._main():
            main.delete_deployment()

    def action_clone(self) -> None:
        """Open the New deployment form prefilled from the selected deployment."""
        if main := self._main():
            main.clone_deployment()


class ContainersTable(PaneTable):
    """Containers of the selected deployment (or all: a): enter detail, copy, stop, blacklist."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy('ssh')", "Copy SSH", id="containers-copy-ssh"),
        Binding("p", "copy('password')", "Copy password", id="containers-copy-password"),
        Binding("u", "copy('url')", "Copy URL", id="containers-copy-url"),
        Binding("x", "stop_container", "Stop", id="containers-stop"),
        Binding("b", "blacklist", "Blacklist", id="containers-blacklist"),
        Binding("a", "toggle_all", "Fleet view", id="containers-all"),
    ]

    def action_copy(self, what: str) -> None:
        """Copy the SSH command, root password or 6006 URL of the selected container."""
        if main := self._main():
            main.copy_credential(what)

    def action_stop_container(self) -> None:
        """Stop the selected container (dialog with the replica choices)."""
        if main := self._main():
            main.stop_container()

    def action_toggle_all(self) -> None:
        """Show the containers of every deployment, or of the selected one only."""
        if main := self._main():
            main.toggle_fleet_wide()

    def action_blacklist(self) -> None:
        """Ban the selected container's host from scheduling."""
        if main := self._main():
            main.blacklist_host()
