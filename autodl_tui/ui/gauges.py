"""Countdowns, balance bars and hours left: the pure arithmetic and text the views share.

Duration packages (时长包) are GPU time of one model in some regions: a container with
`gpu_num` cards running there drains `gpu_num` package-seconds per second (the simulator
does the same). So "hours left" divides the balance by the cards drawing on it now.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from autodl_tui.api import Container, DurationPackage

__all__ = [
    "EXPIRED",
    "bar",
    "countdown",
    "hours_left",
    "hours_left_text",
    "package_draw",
    "package_hours",
    "running_price",
]

EXPIRED = "expired"
"""Shown by a countdown that reached zero (the entry disappears at the next refetch)."""

_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"
_TRACK = "░"
_DAY = 86400


def countdown(seconds: float) -> str:
    """Time left to the second: "00:04:05", "23:59:59", "3d 04:05:06"; "expired" at zero.

    Rounds up, so a countdown reads "00:00:01" until the very end, never "00:00:00".
    """
    if not math.isfinite(seconds) or seconds <= 0:
        return EXPIRED
    total = math.ceil(seconds)
    days, rest = divmod(total, _DAY)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}d {clock}" if days else clock


def bar(fraction: float, width: int = 20) -> str:
    """A `width`-cell bar filled to `fraction` (clamped to 0..1) with eighth-cell precision."""
    width = max(0, width)
    if not math.isfinite(fraction):
        fraction = 0.0
    fraction = min(1.0, max(0.0, fraction))
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    text = _FULL * full + (_EIGHTHS[part] if part else "")
    return text + _TRACK * (width - len(text))


def package_draw(package: DurationPackage, containers: Iterable[Container]) -> int:
    """Cards of running containers that drain this package (its GPU model, in its regions)."""
    regions = set(package.dc_list)
    return sum(
        c.gpu_num
        for c in containers
        if c.status == "running"
        and c.gpu_name == package.gpu_type
        and (not regions or c.data_center in regions)
    )


def hours_left(balance_s: int, cards: int) -> float | None:
    """Hours until the balance runs out with `cards` drawing on it; None when nothing draws."""
    if cards <= 0:
        return None
    return max(0, balance_s) / 3600 / cards


def hours_left_text(balance_s: int, cards: int) -> str:
    """Hours left at the current draw ("12.5 h left at 2 cards"), or why it is not draining."""
    left = hours_left(balance_s, cards)
    if left is None:
        return "not draining (no running card of this model)"
    noun = "card" if cards == 1 else "cards"
    return f"{_hours(left)} left at {cards} {noun}"


def running_price(containers: Iterable[Container]) -> int:
    """Milliyuan per hour of the running containers (what they cost without a package)."""
    return sum(c.price for c in containers if c.status == "running")


def package_hours(seconds: int) -> str:
    """A package amount in hours: "24 h", "23.3 h", "0.5 h"."""
    return _hours(max(0, seconds) / 3600)


def _hours(hours: float) -> str:
    if 0 < hours < 1:
        return f"{max(1, round(hours * 60))} min"
    text = f"{hours:.1f}".rstrip("0").rstrip(".")
    return f"{text} h"
