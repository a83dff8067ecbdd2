"""The "New deployment" form's pre-flight: the exact body and stock, then create once.

The pre-flight dialog creates exactly once: its button is disabled while the request is in
flight, and after an ambiguous failure the deployment list is checked by name before a retry
is offered, so a lost answer never turns into a second deployment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from autodl_tui.api import AutoDLError
from autodl_tui.deploy.preflight import run_preflight
from autodl_tui.deploy.submit import CreateOutcomeUnknown, create_once, find_created
from autodl_tui.ui.dialogs import Dialog
from autodl_tui.ui.guard import on
from autodl_tui.ui.widgets.plain import Plain

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from autodl_tui.api import AutoDLClient, DeploymentSpec
    from autodl_tui.deploy.preflight import Preflight

__all__ = ["PreflightScreen"]


class PreflightScreen(Dialog[str | None]):
    """The exact body, matching idle GPUs per region and warnings; Create sends it once."""

    DEFAULT_CSS = """
    PreflightScreen > #dialog { width: 110; }
    PreflightScreen #body { height: auto; max-height: 14; border: round $panel-lighten-2; }
    PreflightScreen .warning { color: $text-warning; }
    PreflightScreen #recheck { display: none; }
    PreflightScreen #recheck.visible { display: block; }
    """

    def __init__(self, client: AutoDLClient, spec: DeploymentSpec) -> None:
        super().__init__()
        self.client = client
        self.spec = spec
        self.preflight: Preflight | None = None
        #: True while the create request (or the lookup after it) is in flight.
        self.busy = False
        self._before: frozenset[str] | None = None

    def compose(self) -> ComposeResult:
        """Title, stock per region, warnings, body, status line, buttons."""
        with Vertical(id="dialog", classes="box"):
            yield Plain(f"Pre-flight: {self.spec.name}", classes="title")
            yield Plain("Checking GPU stock…", id="stock")
            yield Plain("", id="warnings", classes="warning")
            with VerticalScroll(id="body"):
                yield Plain("", id="body-json")
            yield Plain("", id="status", classes="error")
            with Horizontal(id="buttons"):
                yield Button("Create", id="ok", variant="primary", compact=True, disabled=True)
                yield Button("Check the list again", id="recheck", compact=True)
                yield Button("Back", id="cancel", compact=True)
            yield Static("Enter create · Esc back to the form", classes="keys")

    def on_mount(self) -> None:
        """Start the stock check."""
        self._check()

    @work(group="preflight", exclusive=True, exit_on_error=False)
    async def _check(self) -> None:
        try:
            result = await run_preflight(self.client, self.spec)
        except AutoDLError as exc:
            self._status(f"Pre-flight failed: {exc}\n{exc.hint}")
            return
        self.preflight = result
        self.query_one("#stock", Plain).update(result.report().split("\nwarning:")[0])
        self.query_one("#warnings", Plain).update("\n".join(f"⚠ {w}" for w in result.warnings))
        self.query_one("#body-json", Plain).update(result.body_json())
        self.query_one("#ok", Button).disabled = False

    def _status(self, text: str) -> None:
        self.query_one("#status", Plain).update(text)

    def submit(self) -> None:
        """Create, once the pre-flight is shown and nothing is in flight."""
        if self.preflight is None or self.busy:
            return
        self._create()

    def action_cancel(self) -> None:
        """Back to the form, unless a create is in flight (its outcome must be known)."""
        if self.busy:
            self.notify("Wait for the create to finish.", timeout=3)
            return
        self.finish(None)

    def _set_busy(self, busy: bool, label: str = "Create") -> None:
        self.busy = busy
        ok = self.query_one("#ok", Button)
        ok.disabled = busy
        ok.label = "Creating…" if busy else label

    @work(group="create", exclusive=False, exit_on_error=False)
    async def _create(self) -> None:
        self._set_busy(True)
        self._status("")
        self.query_one("#recheck").remove_class("visible")
        try:
            created = await create_once(self.client, self.spec)
        except CreateOutcomeUnknown as exc:
            self._before = exc.before
            self._unknown(exc.checked, str(exc))
            return
        except AutoDLError as exc:
            self._set_busy(False)
            self._status(f"Create failed: {exc}\n{exc.hint}")
            return
        if created.recovered:
            self.notify("The answer was lost, but the deployment was found by name.")
        self.busy = False
        self.finish(created.uuid)

    def _unknown(self, checked: bool, message: str) -> None:
        if checked:
            # Not in the list: a retry cannot duplicate it, so it is offered.
            self._set_busy(False, "Retry create")
            self._status(message)
        else:
            self.busy = False
            self.query_one("#ok", Button).label = "Retry create"
            self._status(message)
            self.query_one("#recheck").add_class("visible")

    @on(Button.Pressed, "#recheck")
    def _recheck_pressed(self) -> None:
        if not self.busy:
            self._recheck()

    @work(group="create", exclusive=False, exit_on_error=False)
    async def _recheck(self) -> None:
        self.busy = True
        try:
            uuid = await find_created(self.client, self.spec.name, self._before)
        except AutoDLError as exc:
            self.busy = False
            self._status(f"The list still cannot be read ({exc.message}); try again.")
            return
        if uuid:
            self.busy = False
            self.finish(uuid)
            return
        self.query_one("#recheck").remove_class("visible")
        self._set_busy(False, "Retry create")
        self.query_one("#ok", Button).disabled = False
        self._status(f"No deployment named {self.spec.name!r} appeared: a retry is safe.")
