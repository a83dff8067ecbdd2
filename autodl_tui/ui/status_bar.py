"""The one-line header: API host (never the token), connection, last refresh, burn rate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from autodl_tui.api import format_yuan
from autodl_tui.display import fit
from autodl_tui.ui.age_wake import AgeWake
from autodl_tui.ui.guard import Guarded
from autodl_tui.ui.messages import Connection
from autodl_tui.ui.rows import burn_rate
from autodl_tui.ui.store import Aspect
from autodl_tui.ui.units import fetched_label

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from autodl_tui.ui.store import Change, FleetStore

_STATE_STYLES = {
    "live": "bold green",
    "connecting": "yellow",
    "retrying": "bold yellow",
    "offline": "bold red",
    "unauthorized": "bold red",
}
_LABELS = {"unauthorized": "token rejected"}
#: Widest the API host gets on the one-line header.
_LABEL_CELLS = 40
#: Widest the last error gets there (the E screen has all of it).
_NOTE_CELLS = 80


class StatusBar(Guarded, Static):
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
        store: FleetStore | None = None,
    ) -> None:
        super().__init__(id="status-bar")
        self._store = store
        self._unsubscribe: Callable[[], None] | None = None
        #: When deployments (and the selection's containers and events) last arrived.
        self.last_success: datetime | None = None
        self.api_label = api_label
        self._now = now
        self.read_only = read_only
        self.state = Connection.CONNECTING
        self.since: datetime | None = None
        self.last_refresh: datetime | None = None
        self.burn_milli = 0
        self.note = ""
        self._line: Text | None = None
        #: Wakes the line when its age text is due to change (never on a fixed tick).
        self.age_wake = AgeWake(self, self._on_age_tick, "status-age")
        self.ticks = 0
        """How many times the age timer fired (it fires only when the text may change)."""

    def on_mount(self) -> None:
        """Draw the line, then follow the store: it changes when a field or the coarse age does."""
        if self._store is not None:
            self._unsubscribe = self._store.subscribe(self._changed)
        self.update_line()

    def on_unmount(self) -> None:
        """Stop following the store."""
        if self._unsubscribe is not None:
            self._unsubscribe()

    def _changed(self, change: Change) -> None:
        store = self._store
        if store is None or not {Aspect.DEPLOYMENTS, Aspect.CONNECTION} & change.aspects:
            return
        self.burn_milli = burn_rate(store.deployments.values())
        self.last_refresh = store.deployments_at
        self.state = store.connection
        self.since = store.down_since
        self.last_success = store.last_success
        self.note = store.error
        self.update_line()

    def _on_age_tick(self) -> None:
        self.ticks += 1
        self.update_line()

    def update_line(self) -> None:
        """Re-render the line from the current fields."""
        now = self._now()
        line = Text()
        line.append("autodl-tui", style="bold")
        # The label is the URL's host (credentials cut, see launch.api_label): outside text.
        line.append(f"  {fit(self.api_label, _LABEL_CELLS)}  ")
        state = _LABELS.get(self.state, self.state)
        if self.state == "offline" and self.since is not None:
            state = f"offline since {self.since.strftime('%H:%M:%S')}"
        line.append(f"● {state}", style=_STATE_STYLES.get(self.state, ""))
        changes_in: float | None = None
        if Connection(self.state).down:
            # Down: when the view was last known good (any successful poll counts).
            fetched = [t for t in (self.last_refresh, self.last_success) if t is not None]
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
            # The poller's last error: it can quote the service (outside text).
            line.append(f"  {fit(self.note, _NOTE_CELLS)}", style="italic")
        if line != self._line:
            self._line = line
            self.update(line, layout=False)  # one line, fixed size: no screen reflow
        self.age_wake.schedule(changes_in)
