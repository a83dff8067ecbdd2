"""Wire-format helpers: timestamps with +08:00 and the paging arithmetic of every list call."""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from autodl_tui.catalog import CST

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")


def iso(ts: float | None) -> str | None:
    """POSIX seconds as `2025-07-03T20:27:15+08:00` (whole seconds, as the service sends)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(int(ts), CST).isoformat()


def parse_time(text: str) -> float:
    """Parse a filter time: ISO 8601 or `YYYY-MM-DD[ HH:MM:SS]`, +08:00 when no offset."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=CST)
    return value.timestamp()


def page(
    items: Sequence[T],
    page_index: int,
    page_size: int,
    offset: int,
    convert: Callable[[T], Any],
) -> dict[str, Any]:
    """Slice one page and convert only its items; page_index 0 and 1 both mean the first page.

    A positive `offset` is the start position and wins over page_index (the document calls it
    "查询的起始偏移量"); this is the simulator's reading where the document is silent.
    """
    page_index = max(1, page_index)
    start = offset if offset > 0 else (page_index - 1) * page_size
    total = len(items)
    return {
        "list": [convert(item) for item in items[start : start + page_size]],
        "page_index": page_index,
        "page_size": page_size,
        "offset": start,
        "max_page": math.ceil(total / page_size) if page_size else 0,
        "result_total": total,
        "page": page_index,
    }
