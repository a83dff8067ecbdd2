"""`EventCursor`: poll container events and get each new one exactly once, oldest first.

The service lists events newest first, in pages, with 1-second timestamps, and offers no
reliable "since" parameter. So the cursor works by overlap:

* It remembers a *floor* time (the newest timestamp it has returned, minus `lookback_s`)
  and the multiset of event keys `(container_uuid, status, created_at)` it has returned at or
  above the floor. Several events can share one second, so the tie group at the boundary is
  matched as a multiset, never by position (the order of ties may differ between requests).
* Each poll reads pages 1, 2, ... until it meets an event older than the floor (or the list
  ends). Everything at or above the floor that is not in the remembered multiset is new.
* Events arriving while a poll walks the pages push older ones onto the next page; an event
  seen twice that way is counted once (per key, the most copies any single page showed).
* State changes only when a poll completes: a poll that raises leaves the cursor as it was,
  so the next poll still yields every event exactly once.
* The first poll returns the existing history, newest `max_backfill` events (rounded up to a
  whole second); a later poll that finds more than `max_backfill` new events does the same
  and sets `truncated`.

Events without a parseable time sort as oldest and are only ever returned by a first poll.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from autodl_tui.api.paging import MAX_PAGES

if TYPE_CHECKING:
    from autodl_tui.api.models import ContainerEvent, EventKey, Page

__all__ = ["EventCursor", "EventSource"]

_UNKNOWN_TIME = datetime(1970, 1, 1, tzinfo=UTC)


class EventSource(Protocol):
    """What the cursor needs: AutoDLClient, or a test double."""

    async def list_container_events(
        self,
        deployment_uuid: str,
        *,
        container_uuid: str = "",
        page_index: int = 1,
        page_size: int | None = None,
        offset: int = 0,
    ) -> Page[ContainerEvent]:
        """One page of events, newest first."""
        ...


def _time(event: ContainerEvent) -> datetime:
    return event.created_at or _UNKNOWN_TIME


class EventCursor:
    """Incremental reader of one deployment's (or one container's) event stream."""

    def __init__(
        self,
        source: EventSource,
        deployment_uuid: str,
        container_uuid: str = "",
        *,
        page_size: int = 100,
        max_backfill: int = 10_000,
        lookback_s: float = 0.0,
    ) -> None:
        if page_size < 1 or max_backfill < 1 or lookback_s < 0:
            raise ValueError("page_size and max_backfill must be >= 1, lookback_s >= 0")
        self._source = source
        self.deployment_uuid = deployment_uuid
        self.container_uuid = container_uuid
        self._page_size = page_size
        self._max_backfill = max_backfill
        self._max_pages = max(MAX_PAGES, 2 * (max_backfill // page_size + 1))
        # Late arrivals up to this many seconds older than the newest event are still caught.
        self._lookback = timedelta(seconds=lookback_s)
        self._floor: datetime | None = None
        self._seen: Counter[EventKey] = Counter()
        self._newest: datetime | None = None
        # One poll at a time: a concurrent second poll would only repeat the same requests.
        self._lock = asyncio.Lock()
        #: Whether the last poll dropped older events to stay within `max_backfill`.
        self.truncated = False
        #: Pages fetched by the last completed poll (a steady poll needs one).
        self.last_poll_pages = 0

    @property
    def newest(self) -> datetime | None:
        """Time of the newest event returned so far."""
        return self._newest

    async def poll(self) -> list[ContainerEvent]:
        """Events not returned before, oldest first. Raises AutoDLError, changing nothing."""
        async with self._lock:
            return await self._poll()

    async def _poll(self) -> list[ContainerEvent]:
        collected, cut, pages = await self._read_until_overlap()
        floor = self._floor
        candidates = [e for e in collected if floor is None or _time(e) >= floor]
        if cut is not None:
            candidates = [e for e in candidates if _time(e) >= cut]

        unmatched = Counter(self._seen)
        fresh: list[ContainerEvent] = []
        for event in candidates:
            if unmatched[event.key] > 0:
                unmatched[event.key] -= 1
            else:
                fresh.append(event)
        # Newest-first in, oldest-first out; ties keep the service's (reversed) order.
        fresh.reverse()
        fresh.sort(key=_time)

        self._commit(fresh, candidates, cut)
        self.truncated = cut is not None
        self.last_poll_pages = pages
        return fresh

    async def _read_until_overlap(self) -> tuple[list[ContainerEvent], datetime | None, int]:
        """Pages 1.. until an event older than the floor; returns (events, cut time, pages)."""
        collected: list[ContainerEvent] = []
        merged: Counter[EventKey] = Counter()
        floor = self._floor
        cut: datetime | None = None
        in_window = 0
        page_index = 0
        while True:
            page_index += 1
            page = await self._source.list_container_events(
                self.deployment_uuid,
                container_uuid=self.container_uuid,
                page_index=page_index,
                page_size=self._page_size,
            )
            on_page: Counter[EventKey] = Counter()
            reached_floor = False
            for event in page.items:
                on_page[event.key] += 1
                if on_page[event.key] > merged[event.key]:
                    merged[event.key] += 1
                    collected.append(event)
                    if floor is None or _time(event) >= floor:
                        in_window += 1
                        if cut is None and in_window >= self._max_backfill:
                            cut = _time(event)
                t = _time(event)
                if (floor is not None and t < floor) or (cut is not None and t < cut):
                    reached_floor = True
            if reached_floor or page.is_last:
                return collected, cut, page_index
            if page_index >= self._max_pages:
                # A service that ignores page_index would loop forever; keep what we have.
                if cut is None and collected:
                    cut = _time(collected[-1])
                return collected, cut, page_index

    def _commit(
        self, fresh: list[ContainerEvent], candidates: list[ContainerEvent], cut: datetime | None
    ) -> None:
        for event in fresh:
            self._seen[event.key] += 1
        for event in candidates:
            t = _time(event)
            if self._newest is None or t > self._newest:
                self._newest = t
        if self._newest is None:
            return  # nothing seen yet: the next poll is still a first poll
        floor = self._newest - self._lookback
        if cut is not None:
            floor = max(floor, cut)
        if self._floor is not None:
            floor = max(floor, self._floor)
        self._floor = floor
        # Keys below the floor can never be candidates again.
        for key in [k for k in self._seen if (k[2] or _UNKNOWN_TIME) < floor]:
            del self._seen[key]
