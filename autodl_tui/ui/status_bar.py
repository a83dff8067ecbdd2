"""The one-line header: API host (never the token), connection, refresh age, burn rate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from autodl_tui.api import format_yuan
from autodl_tui.ui.units import duration

_STATE_STYLES = {
    "live": "bold green",
    "connecting": "yellow",
    "retrying": "bold yellow",
    "offline": "bold red",
    "unauthorized": "bold red",
}
_LABELS = {"unauthorized": "token rejected"}


class StatusBar(Static):
    """Shows where the app is connected and how fresh and how costly the fleet view is."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    def __init__(
        self,
        api_label: str,
        now: Callable[[], datetime],
        *,
        read_only: bool,
        last_success: Callable[[], datetime | None] = lambda: None,
    ) -> None:
        super().__init__(id="status-bar")
        self._last_success = last_success
        self.api_label = api_label
        self._now = now
        self.read_only = read_only
        self.state = "connecting"
        self.since: datetime | None = None
        self.last_refresh: datetime | None = None
        self.burn_milli = 0
        self.note = ""
        self._line: Text | None = None

    def on_mount(self) -> None:
        """Tick once a second so ages stay true; nothing else redraws this line."""
        self.update_line()
        self.set_interval(1.0, self.update_line)

    def update_line(self) -> None:
        """Re-render the line from the current fields."""
        now = self._now()
        line = Text()
        line.append("autodl-tui", style="bold")
        line.append(f"  {self.api_label}  ")
        state = _LABELS.get(self.state, self.state)
        if self.state == "offline" and self.since is not None:
            state = f"offline since {self.since.strftime('%H:%M:%S')}"
        line.append(f"● {state}", style=_STATE_STYLES.get(self.state, ""))
        # Any successful poll refreshes the view, even one that found nothing new.
        fetched = [t for t in (self.last_refresh, self._last_success()) if t is not None]
        last_ok = max(fetched) if fetched else None
        if last_ok is not None:
            age = duration(max(0.0, (now - last_ok).total_seconds()))
            if self.state in ("retrying", "offline", "unauthorized"):
                line.append(f"  last ok {last_ok.strftime('%H:%M:%S')} ({age} ago)", style="bold")
            else:
                line.append(f"  refreshed {age} ago")
        line.append(f"  burn {format_yuan(self.burn_milli, per_hour=True)}", style="bold")
        if self.read_only:
            line.append("  READ-ONLY", style="bold reverse")
        if self.note:
            line.append(f"  {self.note}", style="italic")
        if line != self._line:  # the 1 s tick repaints only when the text changed
            self._line = line
            self.update(line, layout=False)  # one line, fixed size: no screen reflow
