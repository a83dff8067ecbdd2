"""A one-shot timer that wakes a widget just after its freshness label's text changes.

A label such as "17:42:55 (5m ago)" (see `units.fetched_label`) says how long its text
stays true; waking then, not on a fixed tick, leaves an idle app with nothing to repaint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autodl_tui.ui.guard import guard
from autodl_tui.ui.units import AGE_TICK_MAX

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.app import App
    from textual.timer import Timer
    from textual.widget import Widget

__all__ = ["AgeWake"]

#: Wake just past the boundary, not on it, so the new text is already due.
_PAST_BOUNDARY = 0.05


class AgeWake:
    """Calls `callback` once the label's text may have changed; `schedule` re-arms it."""

    def __init__(self, widget: Widget, callback: Callable[[], None], name: str) -> None:
        self._widget = widget
        self._callback = callback
        self._name = name
        self._timer: Timer | None = None
        self.delay: float | None = None
        """Seconds the pending wake was set for; None when none is pending."""
        self.fired = 0
        """How many times the timer fired (it fires only when the text may change)."""

    def schedule(self, changes_in: float | None) -> None:
        """Wake in `changes_in` seconds (capped at `AGE_TICK_MAX`); None: do not wake."""
        self.stop()
        if changes_in is not None and self._widget.is_attached:
            self.delay = min(changes_in, AGE_TICK_MAX) + _PAST_BOUNDARY
            self._timer = self._widget.set_timer(self.delay, self._fire, name=self._name)

    def stop(self) -> None:
        """Cancel the pending wake, if any."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.delay = None

    @property
    def app(self) -> App[object]:
        """The widget's app (where a failing wake is reported)."""
        return self._widget.app

    @guard  # a timer callback: an error is reported, like a handler's, not raised
    def _fire(self) -> None:
        self.fired += 1
        self._timer = None
        self.delay = None
        self._callback()
