"""Fetching every page of a list call: page 1 first, then the rest concurrently.

The in-flight bound lives in the client (its semaphore), so starting all page requests at
once here is safe. A list that changes while it is being read can shift items across a page
boundary, so results are de-duplicated by key; an item missed that way shows up on the next
refresh.

A list stops after `MAX_PAGES` pages whatever `max_page` claims; the answer (a `Listing`)
then says it was cut, so the caller can tell the user what is missing.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Hashable, Iterable

    from autodl_tui.api.models import Page

__all__ = [
    "MAX_PAGES",
    "Listing",
    "dedupe",
    "fetch_all_pages",
    "gather_all",
    "last_page_index",
]

T = TypeVar("T")

#: Pages one list read follows at most, whatever `max_page` claims (a hostile server's
#: 1000 would be 1000 requests every poll). At the client's page size of 1,000 that is
#: 20,000 items per list (2,000 if a service caps pages at 100); the simulator's `large`
#: fleet (520 deployments, 10,634 containers, the busiest deployment 140 containers and
#: about 900 events) needs one page per list, and an event cursor (100 a page) ten.
MAX_PAGES = 20


class Listing(list[T]):
    """The items of a paginated list; `cut` is True when `MAX_PAGES` stopped the read early."""

    def __init__(
        self, items: Iterable[T] = (), *, cut: bool = False, total: int | None = None
    ) -> None:
        super().__init__(items)
        #: Whether pages the service announced (or might still have) were left unread.
        self.cut = cut
        #: How many items the service said the list holds (`result_total`), if it said.
        self.total = total


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
) -> Listing[T]:
    """Every item of a paginated list (at most `max_pages` pages), in page order.

    `on_page` sees each page on arrival.
    """

    async def fetch_one(index: int) -> Page[T]:
        page = await fetch(index)
        if on_page is not None:
            on_page(page)
        return page

    first = await fetch_one(1)
    pages = [first]
    last = last_page_index(first)
    cut = False
    if not first.items:
        pass
    elif last is not None:
        if first.result_total is not None:
            # No more pages than the total needs at the first page's size (a server may
            # cap page_size, or claim 1000 pages of a 2-item list).
            last = min(last, max(1, math.ceil(first.result_total / len(first.items))))
        # Trust the page count over a short first page: the service may cap page_size.
        pages += await gather_all(fetch_one(i) for i in range(2, min(last, max_pages) + 1))
        cut = last > max_pages
    else:
        # The service gave no page count: walk until a short or empty page.
        while not pages[-1].is_last and len(pages) < max_pages:
            pages.append(await fetch_one(len(pages) + 1))
        cut = not pages[-1].is_last
    return Listing(
        (item for page in pages for item in page.items), cut=cut, total=first.result_total
    )


def dedupe(items: Iterable[T], key: Callable[[T], Hashable]) -> Listing[T]:
    """Keep the first item of each key, in order (a `Listing` in keeps its `cut` and `total`)."""
    seen: set[Hashable] = set()
    out: Listing[T] = (
        Listing(cut=items.cut, total=items.total) if isinstance(items, Listing) else Listing()
    )
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out
