"""The simulator's virtual clock: runs at a speed factor, or is stepped by hand in tests."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

from autodl_tui.catalog import CST

if TYPE_CHECKING:
    from collections.abc import Callable

#: A fixed instant for tests, screenshots and benchmarks.
FIXED_START = datetime(2026, 11, 27, 10, 0, 0, tzinfo=CST)


class VirtualClock:
    """Virtual time: `start` plus manual steps plus (real elapsed x speed) while running.

    A paused clock (speed 0 or `running=False`) moves only through `advance`, which makes
    every response a function of the seed and the calls made at each virtual instant.
    """

    def __init__(
        self,
        start: datetime = FIXED_START,
        *,
        speed: float = 1.0,
        running: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._base = start.timestamp()
        self._speed = speed
        self._monotonic = monotonic
        self._anchor: float | None = monotonic() if running else None

    @property
    def speed(self) -> float:
        """How many virtual seconds pass per real second while running."""
        return self._speed

    @property
    def running(self) -> bool:
        """Whether real time moves the clock."""
        return self._anchor is not None

    def timestamp(self) -> float:
        """Virtual now as POSIX seconds."""
        if self._anchor is None:
            return self._base
        return self._base + (self._monotonic() - self._anchor) * self._speed

    def now(self) -> datetime:
        """Virtual now as an aware datetime in +08:00."""
        return datetime.fromtimestamp(self.timestamp(), CST)

    def advance(self, seconds: float) -> None:
        """Step virtual time forward by hand (never backwards)."""
        if seconds < 0:
            raise ValueError("the clock never goes backwards")
        self._base += seconds

    def set(self, instant: datetime) -> None:
        """Jump to `instant`, which must not be earlier than now."""
        self.advance(instant.timestamp() - self.timestamp())

    def rebase(self, instant: datetime) -> None:
        """Set virtual now to `instant`, even backwards: only for building a fleet's history."""
        self._base += instant.timestamp() - self.timestamp()

    def resume(self) -> None:
        """Let real time drive the clock from now on."""
        if self._anchor is None:
            self._anchor = self._monotonic()

    def pause(self) -> None:
        """Freeze the clock at the current virtual instant."""
        if self._anchor is not None:
            self._base = self.timestamp()
            self._anchor = None
