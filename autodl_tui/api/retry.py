"""Bounded retries with exponential backoff and full jitter, for calls safe to repeat.

Only `TransportError`s marked retryable are retried (timeouts, connection errors, 5xx, 429,
garbled bodies). Business errors (HTTP 200 with a non-Success code) never are: the service
has decided, and asking again gives the same answer.

A server's `Retry-After` is honoured: nothing is sent again before it has passed. Within one
call that means waiting at most `RetryPolicy.max_delay`; a longer pause (up to
`MAX_RETRY_AFTER`) ends the call with the error, and a caller that repeats work on a timer
(the poller) waits it out between polls (`poll_backoff`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, TypeVar

from autodl_tui.api.errors import TransportError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

__all__ = [
    "MAX_POLL_BACKOFF",
    "MAX_RETRY_AFTER",
    "NO_RETRY",
    "RetryPolicy",
    "parse_retry_after",
    "poll_backoff",
    "with_retries",
]

T = TypeVar("T")

#: The longest `Retry-After` taken at its word: a minute covers any rate-limit window seen
#: in practice, and a server asking for more (or for 1e308 s) does not park the app for good.
MAX_RETRY_AFTER = 60.0
#: The longest pause between polls after failed ones (without a longer `Retry-After`).
MAX_POLL_BACKOFF = 60.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to wait: retry `n` waits uniform(0, min(cap, base * 2**n))."""

    max_retries: int = 3
    base_delay: float = 0.25
    max_delay: float = 4.0

    def backoff(
        self, attempt: int, rand: Callable[[], float], retry_after: float | None = None
    ) -> float:
        """Seconds to wait before retry number `attempt` (0-based)."""
        ceiling = min(self.max_delay, math.ldexp(self.base_delay, min(attempt, 32)))
        delay = rand() * ceiling
        if retry_after is not None and retry_after > 0:
            # Never send again before the server said we may.
            delay = max(delay, retry_after)
        return delay


#: For calls that must not be repeated automatically (creating a deployment).
NO_RETRY = RetryPolicy(max_retries=0)


def parse_retry_after(value: str, now: Callable[[], datetime]) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or HTTP-date), capped.

    Unparseable, negative or non-finite values (`nan`, `inf`, `-1`) give None: the header
    is ignored. Huge values (`1e308`, a date next century) give `MAX_RETRY_AFTER`.
    """
    text = value.strip()
    if not text or len(text) > 64:
        return None
    seconds: float
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)  # RFC 9110: HTTP-dates are GMT
        seconds = max(0.0, (when - now()).total_seconds())
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER)


def poll_backoff(
    interval: float,
    failures: int,
    rand: Callable[[], float],
    *,
    retry_after: float | None = None,
    cap: float = MAX_POLL_BACKOFF,
) -> float:
    """Seconds until the next poll after `failures` failed ones in a row (0: `interval`).

    Doubles per failure up to `cap` (never below `interval`), with "equal jitter" (half
    fixed, half random) so many clients behind one outage do not come back in step; at
    least `retry_after` when the server asked for a pause.
    """
    delay = interval
    if failures > 0:
        ceiling = min(max(cap, interval), math.ldexp(interval, min(failures, 32)))
        delay = max(interval, ceiling * (0.5 + 0.5 * rand()))
    if retry_after is not None and retry_after > delay:
        delay = min(retry_after, MAX_RETRY_AFTER)
    return delay


async def with_retries(
    operation: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[object]],
    rand: Callable[[], float],
    on_retry: Callable[[int, TransportError, float], None] | None = None,
) -> T:
    """Run `operation`, retrying retryable TransportErrors as `policy` allows."""
    attempt = 0
    while True:
        try:
            return await operation()
        except TransportError as exc:
            if not exc.retryable or attempt >= policy.max_retries:
                raise
            if exc.retry_after is not None and exc.retry_after > policy.max_delay:
                # Longer than a retry within one call may wait: the caller waits it out.
                raise
            delay = policy.backoff(attempt, rand, exc.retry_after)
            attempt += 1
            if on_retry is not None:
                on_retry(attempt, exc, delay)
            await sleep(delay)
