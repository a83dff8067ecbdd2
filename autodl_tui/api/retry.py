"""Bounded retries with exponential backoff and full jitter, for calls safe to repeat.

Only `TransportError`s marked retryable are retried (timeouts, connection errors, 5xx, 429,
garbled bodies). Business errors (HTTP 200 with a non-Success code) never are: the service
has decided, and asking again gives the same answer.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from autodl_tui.api.errors import TransportError

__all__ = ["NO_RETRY", "RetryPolicy", "with_retries"]

T = TypeVar("T")


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
            # Honour the server's Retry-After, but never beyond our own cap.
            delay = max(delay, min(retry_after, self.max_delay))
        return delay


#: For calls that must not be repeated automatically (creating a deployment).
NO_RETRY = RetryPolicy(max_retries=0)


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
            delay = policy.backoff(attempt, rand, exc.retry_after)
            attempt += 1
            if on_retry is not None:
                on_retry(attempt, exc, delay)
            await sleep(delay)
