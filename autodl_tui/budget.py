"""`RequestBudget`: the most requests a client sends a minute, whatever asks for them.

A token bucket: it holds up to `burst` tokens and gains `per_minute / 60` a second; every
HTTP request (retries included) takes one, waiting when none is left. The wire takes the
token, so every view, loop and user action is bound by the same budget. Waiters are served
in arrival order. The bucket starts full and holds two minutes' budget, so a first load
(the fleet-wide view's one list per deployment: 520 on the `large` fleet) is not held
back; over any longer stretch the rate is the budget.

The count of the last 60 seconds' requests (`used_last_minute`) is what the diagnostics
screen shows; `granted` and `waited` are what a benchmark counts.
"""

from __future__ import annotations

import math
import time
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable, Callable

__all__ = [
    "DEFAULT_REQUESTS_PER_MINUTE",
    "MAX_REQUESTS_PER_MINUTE",
    "MIN_REQUESTS_PER_MINUTE",
    "RequestBudget",
]

#: The default budget: 300 requests a minute, 5 a second. No rate limit of the dev API is
#: documented, and no client or report found one; the only figure anyone gives is a guess of
#: 10-20 requests a second per token, so 5 a second stays at half the lowest guess. It is
#: 1/10 of what the fleet-wide view sent before this budget existed (3,177 a minute), and
#: about 2.7 times what the main screen needs while watched (deployments, the selected
#: deployment's containers and events every 2 s, and stock every 30 s: about 112 a minute),
#: which leaves room for a slow fleet-wide sweep and for the user's own actions.
DEFAULT_REQUESTS_PER_MINUTE = 300
#: Below this a 2 s refresh of three lists could not keep up even on an idle screen.
MIN_REQUESTS_PER_MINUTE = 30
#: 100 a second: beyond anything a terminal user needs, and past every guessed limit.
MAX_REQUESTS_PER_MINUTE = 6000
#: Seconds of history kept for `used_last_minute`.
_WINDOW = 60.0


class RequestBudget:
    """A token bucket of `per_minute` requests a minute with room for `burst` at once."""

    def __init__(
        self,
        per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
        *,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] | None = None,
    ) -> None:
        """`burst` defaults to two minutes' budget; `clock` and `sleep` are for tests.

        asyncio is imported here, not with the module: the config file reads the limits
        below before the app has decided to run at all.
        """
        import asyncio

        if isinstance(per_minute, bool) or not isinstance(per_minute, int) or per_minute < 1:
            raise ValueError("per_minute must be an integer >= 1")
        self.per_minute = per_minute
        self.burst = max(1, burst if burst is not None else 2 * per_minute)
        self._clock = clock
        self._sleep = sleep or asyncio.sleep
        self._tokens = float(self.burst)
        self._stamp = clock()
        self._recent: deque[float] = deque()
        self._lock: asyncio.Lock = asyncio.Lock()
        #: Requests let through so far.
        self.granted = 0
        #: Requests that had to wait for a token.
        self.waited = 0
        #: Seconds spent waiting, all requests together.
        self.waited_seconds = 0.0

    def __repr__(self) -> str:
        return f"RequestBudget(per_minute={self.per_minute}, burst={self.burst})"

    def _refill(self) -> float:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.per_minute / 60.0)
        return now

    def available(self) -> int:
        """Requests that may go now without waiting."""
        self._refill()
        return math.floor(self._tokens)

    def spare(self, reserve: float = 0.25) -> int:
        """Requests a background sweep may send now, leaving `reserve` of a minute's budget.

        What is left over serves the fast loop and the user's own actions without a wait.
        """
        return max(0, self.available() - math.ceil(self.per_minute * reserve))

    def try_take(self) -> bool:
        """Take a token if one is there now (never waits)."""
        now = self._refill()
        if self._tokens < 1.0 or self._lock.locked():
            return False
        self._grant(now)
        return True

    async def acquire(self) -> None:
        """Take one token, waiting for it if the budget is spent (first come, first served)."""
        async with self._lock:
            now = self._refill()
            if self._tokens < 1.0:
                wait = (1.0 - self._tokens) * 60.0 / self.per_minute
                self.waited += 1
                self.waited_seconds += wait
                await self._sleep(wait)
                now = self._refill()
                # A sleep may end a hair early: the token is due, so count it as there.
                self._tokens = max(self._tokens, 1.0)
            self._grant(now)

    def _grant(self, now: float) -> None:
        self._tokens -= 1.0
        self.granted += 1
        self._recent.append(now)
        self._trim(now)

    def _trim(self, now: float) -> None:
        recent = self._recent
        while recent and recent[0] <= now - _WINDOW:
            recent.popleft()

    def used_last_minute(self) -> int:
        """Requests sent in the last 60 seconds."""
        self._trim(self._clock())
        return len(self._recent)

    def describe(self) -> str:
        """One line for the diagnostics screen: use of the last minute against the budget."""
        used = self.used_last_minute()
        line = f"API requests: {used} in the last minute, budget {self.per_minute} a minute"
        if self.waited:
            line += f" ({self.waited} waited for the budget, {self.waited_seconds:.0f} s in all)"
        return line
