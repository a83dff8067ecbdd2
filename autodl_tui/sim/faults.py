"""Deterministic network-fault injection for the simulator's HTTP layer.

The real service has never been seen failing this way (REAL-WORLD §1.2); these faults exist so a
client's retry, timeout and "ambiguous failure" handling can be exercised on purpose.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

#: Every kind a fault can take.
FAULT_KINDS: tuple[str, ...] = ("500", "502", "503", "429", "timeout", "malformed")

#: Short non-envelope bodies, like those a proxy in front of the service would send.
STATUS_BODIES: dict[str, tuple[int, str]] = {
    "500": (500, "Internal Server Error"),
    "502": (502, "502 Bad Gateway"),
    "503": (503, "503 Service Temporarily Unavailable"),
    "429": (429, "Too Many Requests"),
}


@dataclass(frozen=True)
class Fault:
    """One decided fault: its kind, and whether it strikes after the engine ran the call."""

    kind: str
    after: bool


@dataclass
class FaultConfig:
    """Fault settings; mutable so a test (or `app.state.faults`) can change them mid-run.

    `fault_rate` is the chance per request; `after_fraction` is the share of faults on mutating
    calls that strike after the engine has applied the call (the response is lost).
    """

    latency_ms: float = 0
    fault_rate: float = 0.0
    seed: int = 0
    kinds: tuple[str, ...] = FAULT_KINDS
    after_fraction: float = 0.3
    timeout_hold_s: float = 30.0
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.kinds) - set(FAULT_KINDS))
        if unknown:
            raise ValueError(f"unknown fault kinds: {', '.join(unknown)}")
        if not self.kinds:
            raise ValueError("kinds must not be empty")
        for name in ("fault_rate", "after_fraction"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.latency_ms < 0 or self.timeout_hold_s < 0:
            raise ValueError("latency_ms and timeout_hold_s must not be negative")
        self.reseed(self.seed)

    def reseed(self, seed: int) -> None:
        """Restart the decision sequence from `seed`."""
        self.seed = seed
        self._rng = random.Random(seed)

    def decide(self, *, mutating: bool) -> Fault | None:
        """The fault for the next request, or None; draws the same amount whatever the outcome."""
        # Three draws every time: the n-th request's fate depends only on the seed and n, not on
        # the rates or on which earlier requests happened to fault.
        strike, pick, when = self._rng.random(), self._rng.random(), self._rng.random()
        if strike >= self.fault_rate:
            return None
        kind = self.kinds[min(int(pick * len(self.kinds)), len(self.kinds) - 1)]
        return Fault(kind, after=mutating and when < self.after_fraction)
