"""What the user sees when something fails: the last error, copyable, and unexpected errors.

API errors keep the vendor's `msg` and `request_id` (what AutoDL support asks for); `E` opens
the last one in a dialog whose `c` key copies it. Unexpected exceptions (bugs) become an error
notification and a traceback in the log file, never a crash to the shell.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from autodl_tui.api import ApiError, AutoDLError, TransportError
from autodl_tui.display import clean
from autodl_tui.logs import log_path, redact
from autodl_tui.ui.modal import Modal
from autodl_tui.ui.widgets.plain import Plain

if TYPE_CHECKING:
    from datetime import datetime

    from textual.app import App, ComposeResult
    from textual.binding import BindingType

__all__ = [
    "ErrorRecord",
    "LastErrorScreen",
    "record_error",
    "record_problem",
    "report_unexpected",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErrorRecord:
    """One failure as shown and copied: the vendor's fields when the service answered."""

    what: str
    when: datetime
    message: str
    hint: str = ""
    code: str = ""
    msg: str = ""
    request_id: str = ""
    endpoint: str = ""

    @classmethod
    def of(cls, what: str, exc: BaseException, when: datetime) -> ErrorRecord:
        """Describe `exc` (an AutoDLError or anything else) for the user."""
        hint = exc.hint if isinstance(exc, AutoDLError) else ""
        if isinstance(exc, ApiError):
            return cls(
                what,
                when,
                _one_line(str(exc)),
                hint,
                _one_line(exc.code),
                _one_line(exc.msg),
                _one_line(exc.request_id),
                _one_line(exc.endpoint),
            )
        endpoint = exc.endpoint if isinstance(exc, TransportError) else ""
        text = str(exc) or type(exc).__name__
        return cls(what, when, _one_line(text), hint, endpoint=_one_line(endpoint))

    def copy_text(self) -> str:
        """The text the copy key puts on the clipboard: everything support needs."""
        lines = [f"{self.what} failed at {self.when.isoformat(timespec='seconds')}"]
        for label, value in (
            ("endpoint", self.endpoint),
            ("code", self.code),
            ("msg", self.msg),
            ("request_id", self.request_id),
        ):
            if value:
                lines.append(f"{label}: {value}")
        if not self.code:
            lines.append(f"error: {self.message}")
        return "\n".join(lines)


#: Longest a vendor's msg (or an exception's text) is kept: it is shown in a notification.
FIELD_CHARS = 300


def _one_line(value: str) -> str:
    """Redacted, on one line (a vendor's line break shows as ␊), at most FIELD_CHARS."""
    return clean(redact(value), max_chars=FIELD_CHARS)


def _remember(app: App[object], record: ErrorRecord) -> None:
    # The app keeps only the newest; AutoDLApp declares the attribute, a test app may not.
    app.last_error = record  # type: ignore[attr-defined]


def record_error(app: App[object], what: str, exc: AutoDLError, when: datetime) -> ErrorRecord:
    """Remember an API failure as the last error, log it, and return its record."""
    record = ErrorRecord.of(what, exc, when)
    _remember(app, record)
    log.warning("%s failed: %s", what, record.message)
    return record


def record_problem(app: App[object], what: str, message: str, when: datetime) -> ErrorRecord:
    """Remember a failure known only by its text (the connection going down) as the last error."""
    record = ErrorRecord(what, when, redact(message) or "no answer from the API")
    _remember(app, record)
    return record


def report_unexpected(app: App[object], where: str, error: BaseException, when: datetime) -> None:
    """A bug: log the traceback, notify, keep running."""
    log.error("unexpected error in %s", where, exc_info=error)
    record = ErrorRecord.of(where, error, when)
    _remember(app, record)
    path = log_path()
    detail = f"\nDetails in {path}" if path else ""
    app.notify(
        f"{type(error).__name__}: {record.message}{detail}\nE: show and copy",
        title=f"Unexpected error in {where}",
        severity="error",
        timeout=15,
    )


class LastErrorScreen(Modal[None]):
    """The last error's fields; `c` copies them, Escape closes."""

    DEFAULT_CSS = """
    LastErrorScreen > .box { width: 80; border: round $error; padding: 0 2; }
    LastErrorScreen .keys { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,E", "dismiss_screen", "Close"),
        Binding("c", "copy", "Copy"),
    ]

    def __init__(self, record: ErrorRecord | None) -> None:
        super().__init__()
        self.record = record

    def compose(self) -> ComposeResult:
        """The fields, as plain text (vendor messages may contain markup characters)."""
        with Vertical(classes="box"):
            if self.record is None:
                yield Static("No error so far.", markup=False)
            else:
                yield Plain(self.record.copy_text())
                if self.record.hint:
                    yield Plain(self.record.hint)
            client = getattr(self.app, "client", None)  # None before a token is given
            if client is not None:
                yield Plain(client.budget.describe(), classes="keys")
            yield Static("c copy · Esc close", classes="keys")

    def action_dismiss_screen(self) -> None:
        """Close."""
        self.finish(None)

    def action_copy(self) -> None:
        """Copy the error's fields (OSC 52 and the system clipboard)."""
        from autodl_tui.ui.clipboard import copy_text

        if self.record is None:
            return
        via = copy_text(self.app, self.record.copy_text())
        self.notify(f"Copied the error via {via}", title="Copied")
