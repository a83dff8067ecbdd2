"""First run without a token: ask for one, check it against the API, offer to save it."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Static
from textual.worker import Worker, WorkerState

from autodl_tui.api import AuthError, AutoDLClient, AutoDLError
from autodl_tui.catalog import now_cst
from autodl_tui.config import ConfigError, save_settings
from autodl_tui.logs import add_secret
from autodl_tui.paths import config_file
from autodl_tui.ui.widgets.footer import KeyFooter


class TokenScreen(Screen[AutoDLClient | None]):
    """Asks for the developer token; dismisses with a client whose token the API accepted."""

    DEFAULT_CSS = """
    TokenScreen { align: center middle; }
    TokenScreen > Vertical {
        width: 76; height: auto; border: round $primary; padding: 1 2; background: $surface;
    }
    TokenScreen #token-error { color: $error; height: auto; }
    TokenScreen Input { margin: 1 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Keep the old token", show=False),
    ]

    def __init__(
        self,
        make_client: Callable[[str], AutoDLClient],
        *,
        reason: str = "",
        cancellable: bool = False,
    ) -> None:
        super().__init__()
        self._make_client = make_client
        self._reason = reason
        #: Mid-session, Escape goes back to the (paused) main screen underneath.
        self._cancellable = cancellable

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape only works mid-session; at startup there is nothing to go back to."""
        return self._cancellable if action == "cancel" else True

    def action_cancel(self) -> None:
        """Go back without a new token."""
        self.dismiss(None)

    def compose(self) -> ComposeResult:
        """Explanation, a masked input, save checkbox, check button."""
        with Vertical():
            yield Static(
                "[b]AutoDL developer token[/b]\n"
                + (f"[$warning]{self._reason}[/]\n" if self._reason else "")
                + "Find it in the console: 控制台 → 设置 → 开发者Token.\n"
                "It is checked against the API before use and never shown again."
            )
            yield Input(placeholder="paste the token", password=True, id="token-input")
            yield Checkbox(f"Save it to {config_file()} (mode 0600)", value=True, id="token-save")
            yield Static("", id="token-error")
            yield Button("Check and continue", variant="primary", id="token-check")
        yield KeyFooter()

    @on(Input.Submitted, "#token-input")
    @on(Button.Pressed, "#token-check")
    def _submit(self) -> None:
        self.check_token()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A bug in the check is reported and logged; the screen stays usable."""
        from autodl_tui.ui.failures import report_unexpected

        error = event.worker.error
        if event.state == WorkerState.ERROR and isinstance(error, Exception):
            self.query_one("#token-error", Static).update("Could not check the token.")
            report_unexpected(self.app, "the token check", error, now_cst())

    @work(exclusive=True, exit_on_error=False)
    async def check_token(self) -> None:
        """Try the token on a call every valid token may make (private image list)."""
        token = self.query_one("#token-input", Input).value.strip()
        error = self.query_one("#token-error", Static)
        if not token:
            error.update("Paste a token first.")
            return
        add_secret(token)
        error.update("Checking…")
        client = self._make_client(token)
        try:
            await client.list_private_images(page_index=1, page_size=1)
        except AuthError as exc:
            await client.aclose()
            error.update(f"The API rejected this token. {exc.hint}")
            return
        except AutoDLError as exc:
            await client.aclose()
            error.update(f"Could not check the token: {exc.hint or exc}")
            return
        if self.query_one("#token-save", Checkbox).value:
            try:
                path = save_settings({"token": token})
                self.notify(f"Token saved to {path}", title="Saved")
            except (ConfigError, OSError) as exc:
                self.notify(f"Token not saved: {exc}", severity="warning")
        self.dismiss(client)
