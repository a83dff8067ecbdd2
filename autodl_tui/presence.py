"""`Presence`: whether anyone is looking, so polling can slow down while nobody is.

The user is *away* when no key (or click) came for `idle_after` seconds, or when the
terminal reported that it lost focus (Textual's `AppBlur`; `AppFocus` when it comes back).
While away, poll intervals are `away_factor` times longer. The first key or focus after an
absence calls `on_return`, so the poller can catch up at once instead of finishing a long
wait. Pure: the app feeds it events and the time comes from `clock`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["AWAY_FACTOR", "IDLE_AFTER", "Presence"]

#: Seconds without a key after which the user counts as away: longer than reading a screen
#: takes, short enough that a terminal left alone over lunch stops polling at full speed.
IDLE_AFTER = 300.0
#: How much slower everything polls while the user is away: the 2 s refresh becomes 10 s,
#: the 30 s stock poll 150 s; the data is at most a few seconds old once they are back.
AWAY_FACTOR = 5.0


class Presence:
    """Tracks keys and terminal focus; `factor()` is the poll-interval multiplier now."""

    def __init__(
        self,
        *,
        idle_after: float = IDLE_AFTER,
        away_factor: float = AWAY_FACTOR,
        clock: Callable[[], float] = time.monotonic,
        on_return: Callable[[], object] | None = None,
    ) -> None:
        """`on_return` runs when the user is back after being away."""
        if not idle_after > 0 or not away_factor >= 1:
            raise ValueError("idle_after must be > 0 and away_factor >= 1")
        self.idle_after = idle_after
        self.away_factor = away_factor
        self._clock = clock
        self.on_return = on_return
        self._last_input = clock()
        self._focused = True

    @property
    def focused(self) -> bool:
        """Whether the terminal has focus (True until it says otherwise)."""
        return self._focused

    def away(self) -> bool:
        """Whether nobody is looking: focus lost, or no key for `idle_after` seconds."""
        return not self._focused or self._clock() - self._last_input >= self.idle_after

    def factor(self) -> float:
        """Poll intervals are multiplied by this: 1 while present, `away_factor` while away."""
        return self.away_factor if self.away() else 1.0

    def key(self) -> None:
        """A key or a click: the user is here (catch up if they were away)."""
        was_away = self.away()
        self._last_input = self._clock()
        self._focused = True  # typing into it means it has focus, whatever was reported
        if was_away:
            self._returned()

    def blur(self) -> None:
        """The terminal lost focus."""
        self._focused = False

    def focus(self) -> None:
        """The terminal has focus again: counts as the user being back."""
        self.key()

    def _returned(self) -> None:
        if self.on_return is not None:
            self.on_return()
