"""Every alert fired this session, newest first: when, what happened, what to do.

The list comes from a callable (the engine's history) reread every second and on `r`; a
line under the table gives the selected alert in full. Nothing here polls the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from autodl_tui.ui.guard import Guarded, on
from autodl_tui.ui.units import ZONE_LABEL, timestamp
from autodl_tui.ui.widgets.plain import Plain
from autodl_tui.ui.widgets.vtable import Column, Row, VirtualTable

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from textual.app import ComposeResult
    from textual.binding import BindingType

    from autodl_tui.alerts.model import Alert

__all__ = ["ALERT_COLUMNS", "EMPTY_TEXT", "AlertsScreen", "alert_key", "alert_row"]

ALERT_COLUMNS: tuple[Column, ...] = (
    Column("time", "Time", width=19 + 1 + len(ZONE_LABEL)),
    Column("alert", "Alert", width=28),
    Column("what", "What happened"),
    Column("todo", "What to do"),
)

EMPTY_TEXT = "No alert yet. Alerts fire once per incident; [alerts] in the config sets the rules."
#: The list is reread this often (a deque read: no request).
TICK_SECONDS = 1.0
_STYLES = {"error": "bold red", "warning": "bold yellow", "information": "bold"}


def alert_key(alert: Alert, index: int) -> str:
    """A row key unique within the history (an incident may fire again after clearing)."""
    return f"{index}:{'/'.join(alert.key)}"


def alert_row(alert: Alert, index: int) -> Row:
    """One table row."""
    return Row(
        alert_key(alert, index),
        (
            timestamp(alert.at),
            Text(alert.title, style=_STYLES.get(alert.severity, "bold")),
            alert.what,
            alert.todo,
        ),
        (alert.at.timestamp(), alert.title, alert.what, alert.todo),
    )


class AlertsScreen(Guarded, ModalScreen[None]):
    """The session's alerts; r rereads, q closes."""

    DEFAULT_CSS = """
    AlertsScreen {
        align: center middle;
    }
    AlertsScreen > #alerts {
        width: 150;
        max-width: 100%;
        height: 80%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    AlertsScreen #alerts-title {
        text-style: bold;
    }
    AlertsScreen #alerts-table {
        height: 1fr;
    }
    AlertsScreen #alerts-detail {
        height: auto;
        max-height: 4;
    }
    AlertsScreen #alerts-keys {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh", id="alerts-refresh"),
        Binding("escape,q", "close", "Close", id="alerts-close"),
    ]

    def __init__(self, alerts: Callable[[], Sequence[Alert]]) -> None:
        super().__init__()
        self._alerts = alerts
        self.alerts: tuple[Alert, ...] = ()
        self._dismissed = False

    @property
    def table(self) -> VirtualTable:
        """The alerts, newest first."""
        return self.query_one("#alerts-table", VirtualTable)

    def compose(self) -> ComposeResult:
        """Title, table, the selected alert in full, key hints."""
        with Vertical(id="alerts"):
            yield Plain("Alerts", id="alerts-title")
            yield VirtualTable(ALERT_COLUMNS, id="alerts-table", empty_text=EMPTY_TEXT)
            yield Plain("", id="alerts-detail")
            yield Static("r reread · o sort · q close", id="alerts-keys", markup=False)

    def on_mount(self) -> None:
        """Read now and every second."""
        self.table.focus()
        self.reread()
        self.set_interval(TICK_SECONDS, self.reread)

    def reread(self) -> None:
        """Take the engine's history; only changed rows repaint."""
        alerts = tuple(self._alerts())
        if alerts == self.alerts and self.table.row_count == len(alerts):
            return
        self.alerts = alerts
        rows = [alert_row(a, i) for i, a in enumerate(alerts)]
        rows.reverse()  # newest first
        self.table.set_rows(rows)
        count = len(alerts)
        noun = "1 alert" if count == 1 else f"{count} alerts"
        self.query_one("#alerts-title", Plain).update(f"Alerts · {noun} this session")
        self._show_selected()

    @on(VirtualTable.CursorMoved)
    def _cursor_moved(self) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        alert = self.selected()
        detail = "" if alert is None else f"{alert.title}: {alert.what}\n{alert.todo}"
        self.query_one("#alerts-detail", Plain).update(detail)

    def selected(self) -> Alert | None:
        """The alert under the cursor."""
        key = self.table.cursor_key
        if key is None:
            return None
        index = int(key.split(":", 1)[0])
        return self.alerts[index] if 0 <= index < len(self.alerts) else None

    def action_refresh(self) -> None:
        """Reread now."""
        self.reread()

    def action_close(self) -> None:
        """Close the screen (once)."""
        if not self._dismissed:
            self._dismissed = True
            self.dismiss(None)
