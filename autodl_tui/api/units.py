"""Unit conversions at the API edge: GB/bytes, yuan/milliyuan, +08:00 times, CUDA codes.

Conventions used by every model in this package:

* memory is **bytes** (responses carry bytes; requests take whole GB, as the document asks);
* money is **milliyuan** ints (yuan x 1000, the wire unit); `milli_to_yuan` converts for display;
* times are aware datetimes in China Standard Time (+08:00), or None when unset.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from autodl_tui.catalog import CST, GIB, cuda_label

if TYPE_CHECKING:
    from datetime import date

__all__ = [
    "CST",
    "GIB",
    "bytes_to_gb",
    "cuda_code",
    "cuda_label",
    "format_time",
    "format_yuan",
    "gb_to_bytes",
    "milli_to_yuan",
    "parse_dc_list",
    "parse_time",
    "yuan_to_milli",
]

# Go's zero time means "never" when a NullTime slips through with Valid missing.
_GO_ZERO_YEAR = 1
# Python's fromisoformat stops at microseconds; Go may send nanoseconds.
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")


def gb_to_bytes(gb: int | float) -> int:
    """Convert GB (the request unit, 1 GB = 1024**3) to bytes (the response unit)."""
    return int(round(gb * GIB))


def bytes_to_gb(size: int | float) -> float:
    """Convert bytes (the response unit) to GB (1 GB = 1024**3 bytes)."""
    return size / GIB


def yuan_to_milli(yuan: float | int | str | Decimal) -> int:
    """Convert yuan to the wire's yuan x 1000 integer, rounding half up (0.1 -> 100)."""
    try:
        value = Decimal(str(yuan)) * 1000
    except InvalidOperation as exc:
        raise ValueError(f"not a yuan amount: {yuan!r}") from exc
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def milli_to_yuan(milli: int | float) -> float:
    """Convert yuan x 1000 (the wire unit) to yuan."""
    return milli / 1000


def format_yuan(milli: int | float, *, per_hour: bool = False) -> str:
    """Render milliyuan for people: 1881 -> "¥1.881", or "¥1.881/h" with `per_hour`."""
    text = f"{milli / 1000:.3f}".rstrip("0")
    if text.endswith("."):
        text += "00"
    elif len(text.split(".")[1]) == 1:
        text += "0"
    return f"¥{text}/h" if per_hour else f"¥{text}"


def parse_time(value: object) -> datetime | None:
    """Parse a wire time into an aware +08:00 datetime; None for null, unset or garbage.

    Accepts RFC 3339 strings (with or without offset; naive ones are taken as +08:00),
    Go `sql.NullTime` objects `{"Time": ..., "Valid": bool}`, and POSIX seconds.
    """
    if isinstance(value, Mapping):
        if value.get("Valid") is False:
            return None
        return parse_time(value.get("Time"))
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, CST) if value > 0 else None
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = _LONG_FRACTION.sub(r"\1", value.strip())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.year <= _GO_ZERO_YEAR:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CST)
    try:
        return parsed.astimezone(CST)
    except (OverflowError, ValueError):
        return None


def format_time(value: datetime | date) -> str:
    """Render a time the way the service does: `2022-12-13T16:42:45+08:00`."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=CST)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=CST)
    return value.astimezone(CST).replace(microsecond=0).isoformat()


def cuda_code(label: str) -> int:
    """Turn a CUDA version label into the wire integer: "11.8" -> 118, "12.0" -> 120."""
    major, _, minor = label.strip().partition(".")
    if not major.isdigit() or not (minor or "0").isdigit() or len(minor) > 1:
        raise ValueError(f"not a CUDA version: {label!r}")
    return int(major) * 10 + int(minor or "0")


def parse_dc_list(value: object) -> tuple[str, ...]:
    """Read a region list sent either as a list or as a comma-joined string ("a,b")."""
    if isinstance(value, str):
        parts: list[object] = list(value.split(","))
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        return ()
    return tuple(p.strip() for p in parts if isinstance(p, str) and p.strip())
