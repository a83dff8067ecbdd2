"""Fetching every page of a list call: page 1 first, then the rest concurrently.

The in-flight bound lives in the client (its semaphore), so starting all page requests at
once here is safe. A list that changes while it is being read can shift items across a page
boundary, so results are de-duplicated by key; an item missed that way shows up on the next
refresh.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import TypeVar

from autodl_tui.api.models import Page

__all__ = ["MAX_PAGES", "dedupe", "fetch_all_pages", "gather_all", "last_page_index"]

T = TypeVar("T")

#: Refuse to follow a runaway `max_page` beyond this many pages.
MAX_PAGES = 1000


async def gather_all(awaitables: Iterable[Awaitable[T]]) -> list[T]:
    """Await all concurrently; on the first failure cancel the others and raise it (not a group)."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def last_page_index(page: Page[T]) -> int | None:
    """The last page's index as the service reports it (max_page, else from result_total)."""
    if page.max_page > 0:
        return page.max_page
    if page.result_total is not None and page.page_size > 0:
        return max(1, math.ceil(page.result_total / page.page_size))
    return None


async def fetch_all_pages(
    fetch: Callable[[int], Awaitable[Page[T]]],
    *,
    max_pages: int = MAX_PAGES,
    on_page: Callable[[Page[T]], None] | None = None,
) -> list[T]:
    """Every item of a paginated list, in page order; `on_page` sees each page on arrival."""

    async def fetch_one(index: int) -> Page[T]:
        page = await fetch(index)
        if on_page is not None:
            on_page(page)
        return page

    first = await fetch_one(1)
    pages = [first]
    last = last_page_index(first)
    if not first.items:
        pass
    elif last is not None:
        # Trust the page count over a short first page: the service may cap page_size.
        pages += await gather_all(fetch_one(i) for i in range(2, min(last, max_pages) + 1))
    else:
        # The service gave no page count: walk until a short or empty page.
        while not pages[-1].is_last and len(pages) < max_pages:
            pages.append(await fetch_one(len(pages) + 1))
    return [item for page in pages for item in page.items]


def dedupe(items: Iterable[T], key: Callable[[T], Hashable]) -> list[T]:
    """Keep the first item of each key, in order."""
    seen: set[Hashable] = set()
    out: list[T] = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out
