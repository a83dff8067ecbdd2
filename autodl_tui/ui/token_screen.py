"""First run without a token: ask for one, check it against the API, offer to save it."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Static
from textual.worker import WorkerState

from autodl_tui.api import AuthError, AutoDLClient, AutoDLError
from autodl_tui.catalog import now_cst
from autodl_tui.config import ConfigError, Settings, save_settings, token_destination
from autodl_tui.display import clean, text
from autodl_tui.logs import add_secret
from autodl_tui.paths import config_file
from autodl_tui.token import TokenError, check_token
from autodl_tui.ui.guard import Guarded, on
from autodl_tui.ui.widgets.footer import KeyFooter
from autodl_tui.ui.widgets.plain import Plain

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.app import ComposeResult
    from textual.binding import BindingType
    from textual.worker import Worker


class TokenScreen(Guarded, Screen[AutoDLClient | None]):
    """Asks for the developer token; dismisses with a client whose token the API accepted."""

    DEFAULT_CSS = """
    TokenScreen { align: center middle; }
    TokenScreen > Vertical {
        width: 76; height: auto; border: round $primary; padding: 1 2; background: $surface;
    }
    TokenScreen #token-error { color: $error; height: auto; }
    TokenScreen #token-reason { color: $warning; height: auto; }
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
        settings: Settings | None = None,
    ) -> None:
        super().__init__()
        self._make_client = make_client
        self._reason = reason
        #: The running settings: with a profile selected, the token is saved to that profile.
        self._settings = settings or Settings()
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
            yield Static("[b]AutoDL developer token[/b]")
            if self._reason:
                # The reason quotes the service (a hint, a msg): outside text.
                yield Plain(self._reason, id="token-reason")
            yield Static(
                "Find it in the console: 控制台 → 设置 → 开发者Token.\n"
                "It is checked against the API before use and never shown again."
            )
            yield Input(placeholder="paste the token", password=True, id="token-input")
            updates, where = token_destination(self._settings, "")
            if updates is None:
                yield Plain(f"Not saved: {where}.", id="token-nosave")
            else:
                yield Checkbox(
                    text(f"Save it as {where} in {config_file()} (mode 0600)", newlines=False),
                    value=True,
                    id="token-save",
                )
            yield Plain("", id="token-error")
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
            self.query_one("#token-error", Plain).update("Could not check the token.")
            report_unexpected(self.app, "the token check", error, now_cst())

    @work(exclusive=True, exit_on_error=False)
    async def check_token(self) -> None:
        """Try the token on a call every valid token may make (private image list)."""
        value = self.query_one("#token-input", Input).value
        error = self.query_one("#token-error", Plain)
        if not value:
            error.update("Paste a token first.")
            return
        add_secret(value)  # whatever was pasted, before anything could print it
        try:
            token = check_token(value, "the input field")
        except TokenError as exc:
            message = str(exc)
            error.update(text(message[:1].upper() + message[1:] + "."))
            return
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
        updates, _ = token_destination(self._settings, token)
        saving = self.query("#token-save").results(Checkbox)
        if updates is not None and any(box.value for box in saving):
            try:
                path = save_settings(updates)
                self.notify(clean(f"Token saved to {path}"), title="Saved", markup=False)
            except (ConfigError, OSError) as exc:
                self.notify(clean(f"Token not saved: {exc}"), severity="warning", markup=False)
        self.dismiss(client)
