"""Display formatting for the UI: money, memory, durations, times, short ids.

The wire-unit conversions live in `autodl_tui.api.units`; these helpers only turn the
converted values into short strings for people and reuse those conversions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from autodl_tui.api.units import bytes_to_gb, format_yuan
from autodl_tui.catalog import CST, REGION_NAMES

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "AGE_TICK_MAX",
    "FetchedLabel",
    "duration",
    "duration_parts",
    "fetched_label",
    "gb",
    "minutes_words",
    "money_yuan_per_hour",
    "region_label",
    "ZONE_LABEL",
    "short_container_id",
    "short_uuid",
    "timestamp",
]

NONE = "—"
"""Shown for a missing value (an unset time, an empty field)."""

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_SHORT_UUID_LEN = 10


def money_yuan_per_hour(milli: int | float) -> str:
    """Render a milliyuan hourly price: 2190 -> "¥2.19/h"."""
    return format_yuan(milli, per_hour=True)


def gb(size_bytes: int | float) -> str:
    """Render a byte count in GB (1024**3) with at most one decimal: "90 GB", "15.5 GB"."""
    text = f"{bytes_to_gb(size_bytes):.1f}".rstrip("0").rstrip(".")
    return f"{text} GB"


#: The units of a span, largest first.
_UNITS = ((_DAY, "d"), (_HOUR, "h"), (_MINUTE, "m"), (1, "s"))
_UNIT_SECONDS = {name: size for size, name in _UNITS}


def duration_parts(seconds: float, *, finest: int = 1) -> list[tuple[int, str]]:
    """A span's largest unit and the one below it, down to `finest` seconds.

    The one splitting of spans every format uses: 11525 -> [(3, "h"), (12, "m")],
    45 -> [(45, "s")], and with `finest=60` 725 -> [(12, "m")].
    """
    total = max(0, int(seconds))
    units = [(size, name) for size, name in _UNITS if size >= finest]
    for index, (size, name) in enumerate(units):
        if total >= size or index == len(units) - 1:
            parts = [(total // size, name)]
            if index + 1 < len(units):
                below, below_name = units[index + 1]
                parts.append((total % size // below, below_name))
            return parts
    raise AssertionError("unreachable: the last unit always matches")


def duration(seconds: float) -> str:
    """Render a span with its two largest units: "45s", "12m 5s", "3h 12m", "2d 3h"."""
    (major, unit), *minor = duration_parts(seconds)
    return " ".join([f"{major}{unit}", *(f"{n}{u}" for n, u in minor if n)])


#: The longest a freshness label waits before it looks at the clock again, so a system clock
#: that jumped (suspend, NTP) is caught within this many seconds.
AGE_TICK_MAX = 60.0


class FetchedLabel(NamedTuple):
    """A freshness label and how many seconds it stays true."""

    text: str
    changes_in: float


def fetched_label(then: datetime, now: datetime) -> FetchedLabel:
    """When data was fetched: "17:42:55", with a coarse age once a minute old.

    The age grows in steps of its own unit ("17:42:55 (5m ago)", "(3h ago)", "(2d ago)"),
    so a label on screen changes once a minute at most: an idle app repaints nothing for
    a minute after each refresh, and once a minute, hour or day after that.
    `changes_in` is the time until the text changes, for a one-shot timer.
    """
    # A naive time on either side is taken to be China Standard Time, like the service's.
    then = then.astimezone(CST) if then.tzinfo else then.replace(tzinfo=CST)
    now = now if now.tzinfo else now.replace(tzinfo=CST)
    clock = then.strftime("%H:%M:%S")
    age = max(0.0, (now - then).total_seconds())
    if age < _MINUTE:
        return FetchedLabel(clock, _MINUTE - age)
    count, name = duration_parts(age, finest=_MINUTE)[0]
    return FetchedLabel(f"{clock} ({count}{name} ago)", (count + 1) * _UNIT_SECONDS[name] - age)


def minutes_words(minutes: int) -> str:
    """Render a blacklist expiry: 90 -> "1 h 30 min", 1440 -> "24 h", 43200 -> "30 d".

    Up to two days reads in hours because "24 h"/"36 h" is what people say for those spans.
    """
    minutes = max(0, minutes)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 2 * 24 * 60:
        hours, mins = divmod(minutes, 60)
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    days, rest = divmod(minutes, 24 * 60)
    hours = rest // 60
    return f"{days} d {hours} h" if hours else f"{days} d"


def short_container_id(uuid: str) -> str:
    """The last two dash-groups of a container uuid (`<deployment>-<machine10>-<8hex>`)."""
    return "-".join(uuid.rsplit("-", 2)[-2:])


def short_uuid(uuid: str) -> str:
    """A short id: a container's last group ("…-1502e6e2"), else the first 10 characters."""
    _, dash, last = uuid.rpartition("-")
    if dash and last:
        return last
    return uuid[:_SHORT_UUID_LEN]


#: How every time on screen says which zone it is in: the service's, China Standard Time
#: (a machine on UTC would otherwise read "17:42" as its own 17:42).
ZONE_LABEL = "UTC+8"


def timestamp(value: datetime | None) -> str:
    """Render a time in China Standard Time as "2025-03-25 17:42:55 UTC+8", or "—" unset."""
    if value is None:
        return NONE
    if value.tzinfo is not None:
        value = value.astimezone(CST)
    return f"{value.strftime('%Y-%m-%d %H:%M:%S')} {ZONE_LABEL}"


def region_label(code: str) -> str:
    """Render a region code with its console name: "westDC2 西北企业区(推荐)"."""
    if not code:
        return NONE
    name = REGION_NAMES.get(code)
    return f"{code} {name}" if name else code
