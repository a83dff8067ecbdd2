"""What a row action (and the shell and tunnel keys) needs from the screen it runs on.

A protocol, so that `ui/actions.py` and `ui/container_shell.py` need not import the main
screen that implements it (no import circle).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel

    from autodl_tui.api import AutoDLClient, AutoDLError, Container, Deployment
    from autodl_tui.deploy.template import Template


class Host(Protocol):
    """What an action needs from the screen it runs on."""

    @property
    def app(self) -> App[Any]:
        """The running app (dialogs, clipboard)."""

    @property
    def client(self) -> AutoDLClient:
        """The API client."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a notification."""

    def working(self, text: str) -> None:
        """Say a request is on its way."""

    def failed(self, what: str, exc: AutoDLError) -> None:
        """Report a failed call (notification and the E dialog)."""

    def refresh_fleet(self, *, stock: bool = False) -> None:
        """Poll now: the action changed what the panes show."""

    def expect(self, deployment_uuid: str, container_uuid: str = "") -> None:
        """The user changed this on purpose: the alert rules do not report it."""

    async def fresh_container(self, c: Container) -> Container:
        """The container re-read from the API."""

    def selected_container(self) -> Container | None:
        """The container under the containers cursor."""

    def open_create_form(self, template: Template | None) -> None:
        """Open the New deployment form."""

    def open_container_detail(self, uuid: str | None = None) -> None:
        """Open the selected (or given) container's detail."""

    def open_deployment_detail(self, d: Deployment) -> None:
        """Open a deployment's detail."""

    def toggle_fleet_wide(self) -> None:
        """Switch the containers pane between every deployment and the selected one."""
