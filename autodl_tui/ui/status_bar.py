"""The one-line header: API host (never the token), connection, last refresh, burn rate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from autodl_tui.api import format_yuan
from autodl_tui.ui.units import AGE_TICK_MAX, fetched_label

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
        self._tick: Timer | None = None
        self.ticks = 0
        """How many times the age timer fired (it fires only when the text may change)."""

    def on_mount(self) -> None:
        """Draw the line; from then on it changes only when a field or the coarse age does."""
        self.update_line()

    def _on_age_tick(self) -> None:
        self.ticks += 1
        self._tick = None
        self.update_line()

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
        changes_in: float | None = None
        if self.state in ("retrying", "offline", "unauthorized"):
            # Down: when the view was last known good (any successful poll counts).
            fetched = [t for t in (self.last_refresh, self._last_success()) if t is not None]
            if fetched:
                label = fetched_label(max(fetched), now)
                line.append(f"  last ok {label.text}", style="bold")
                changes_in = label.changes_in
        elif self.last_refresh is not None:
            # Live: polls run every few seconds, so what is worth reading is when the data
            # last changed; an unchanged poll then repaints nothing.
            label = fetched_label(self.last_refresh, now)
            line.append(f"  changed {label.text}")
            changes_in = label.changes_in
        line.append(f"  burn {format_yuan(self.burn_milli, per_hour=True)}", style="bold")
        if self.read_only:
            line.append("  READ-ONLY", style="bold reverse")
        if self.note:
            line.append(f"  {self.note}", style="italic")
        if line != self._line:
            self._line = line
            self.update(line, layout=False)  # one line, fixed size: no screen reflow
        self._schedule(changes_in)

    def _schedule(self, seconds: float | None) -> None:
        """Wake up when the age text will change (capped, see AGE_TICK_MAX), not before."""
        if self._tick is not None:
            self._tick.stop()
            self._tick = None
        if seconds is not None and self.is_attached:
            delay = min(seconds, AGE_TICK_MAX) + 0.05  # just past the boundary, not before it
            self._tick = self.set_timer(delay, self._on_age_tick, name="status-age")
