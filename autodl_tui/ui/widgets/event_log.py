"""A bounded, filterable, line-based log of container status events (Line API).

Why not `Log` or `RichLog`: `RichLog` renders every line to strips at write time and keeps
them (about 5 KB a line), and `Log` cannot colour one part of a line. `EventLog` keeps each
event as one short string plus an offset, renders only the lines on screen, and caches
those strips by a sequence number that survives pruning, so appending a poll's batch
renders just the new lines that are visible.
"""

from __future__ import annotations

from bisect import bisect_left
from math import ceil
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from autodl_tui.catalog import CST
from autodl_tui.display import clean
from autodl_tui.ui.guard import Guarded
from autodl_tui.ui.units import short_container_id

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import date, datetime

    from rich.style import Style
    from textual import events
    from textual.binding import BindingType

    from autodl_tui.api.models import ContainerEvent

__all__ = ["DEFAULT_MAX_LINES", "EventLog", "event_line"]

DEFAULT_MAX_LINES = 10_000
"""How many lines an `EventLog` keeps unless told otherwise."""

_GAP = "  "
_TIME_WIDTH = 8  # "HH:MM:SS"
# Room for two screens of lines on a tall terminal; each cached Strip costs ~2 KB.
_STRIP_CACHE_SIZE = 256

_STATUS_CLASS: dict[str, str] = {
    "running": "event-log--running",
    "creating": "event-log--creating",
    "created": "event-log--creating",
    "starting": "event-log--starting",
    "oss_merged": "event-log--starting",
    "shutting_down": "event-log--stopping",
    "shutdown": "event-log--stopped",
    "removed": "event-log--removed",
}
_UNKNOWN_CLASS = "event-log--unknown"
_STATUS_CLASSES = (*dict.fromkeys(_STATUS_CLASS.values()), _UNKNOWN_CLASS)


def _clock(when: datetime | None, today: date | None = None) -> str:
    if when is None:
        return "--:--:--"
    # The service speaks +08:00; a naive time is taken to be in that zone already.
    local = when.astimezone(CST) if when.tzinfo is not None else when
    clock = f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    # An event of another day says which: "23:59:01" alone would read as today's.
    if today is not None and local.date() != today:
        return f"{local.month:02d}-{local.day:02d} {clock}"
    return clock


def event_line(event: ContainerEvent, today: date | None = None) -> tuple[str, int]:
    """The shown line of one event and the string index where its status starts.

    With `today` (a China Standard Time date), an event of another day shows its date.
    """
    short = clean(short_container_id(event.container_uuid)) or "-"
    status = clean(event.status) or "(none)"
    head = f"{_clock(event.created_at, today)}{_GAP}{short}{_GAP}"
    return head + status, len(head)


def _thumb(bar: ScrollBar) -> list[Segment]:
    """The vertical bar's cells as its renderer draws them now (in default colours)."""
    # The arguments `ScrollBar.render` gives its renderer; the colours do not change with
    # the bar's length or position.
    virtual = bar.window_virtual_size
    window = bar.window_size if bar.window_size < virtual else 0
    rendered = bar.renderer.render_bar(
        size=bar.size.height,
        virtual_size=ceil(virtual),
        window_size=ceil(window),
        position=bar.position,
        thickness=bar.size.width,
        vertical=True,
    )
    return rendered.segments


class EventLog(Guarded, ScrollView, can_focus=True):
    """Container events, newest at the bottom, following the tail unless scrolled up."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "toggle_follow", "Follow", id="event-log-toggle-follow"),
        Binding("end,G", "follow_tail", "Tail", show=False, id="event-log-tail"),
        Binding("home,g", "scroll_top", "Top", show=False, id="event-log-top"),
        Binding("up,k", "line_up", "Up", show=False, id="event-log-line-up"),
        Binding("down,j", "line_down", "Down", show=False, id="event-log-line-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="event-log-page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="event-log-page-down"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "event-log--time",
        "event-log--id",
        *_STATUS_CLASSES,
        "event-log--badge",
        "event-log--empty",
    }

    DEFAULT_CSS = """
    EventLog {
        height: 1fr;
        background: $surface;
        color: $foreground;
        overflow-x: auto;
        overflow-y: scroll;
        &:focus {
            background-tint: $foreground 5%;
        }
        & > .event-log--time { color: $text-muted; }
        & > .event-log--id { color: $foreground; }
        & > .event-log--running { color: $text-success; }
        & > .event-log--creating { color: $text-primary; }
        & > .event-log--starting { color: $text-warning; }
        & > .event-log--stopping { color: $text-error; }
        & > .event-log--stopped { color: $text-muted; }
        & > .event-log--removed { color: $text-disabled; }
        & > .event-log--unknown { }
        & > .event-log--badge {
            background: $primary;
            color: $text;
            text-style: bold;
        }
        & > .event-log--empty {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    # Line-API rows carry no offset metadata, so automatic text selection has nothing to use.
    ALLOW_SELECT = False

    follow: reactive[bool] = reactive(True, init=False)
    """Keep the newest line in view; cleared by scrolling up, set again at the bottom."""

    def __init__(
        self,
        *,
        max_lines: int = DEFAULT_MAX_LINES,
        empty_text: str = "No events yet",
        now: Callable[[], datetime] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._max_lines = max(1, max_lines)
        self._empty_text = empty_text
        #: The app's clock: events not from its day show their date.
        self._now = now
        # One (text, status offset) per retained event; line i has sequence _first_seq + i.
        self._lines: list[tuple[str, int]] = []
        self._first_seq = 0
        self._needle = ""
        # Sequence numbers of matching lines while a filter is set, else None (all shown).
        self._view: list[int] | None = None
        self._width = 0
        self._unseen = 0
        self._strips: LRUCache[int, Strip] = LRUCache(_STRIP_CACHE_SIZE)
        self._styles: tuple[Style, ...] = ()
        self._status_styles: dict[str, Style] = {}
        # While `append` runs: the scrollbar's cells as painted before it, else None.
        self._bar_shown: list[Segment] | None = None

    # ------------------------------------------------------------------ public API

    @property
    def max_lines(self) -> int:
        """How many lines are kept; older lines are dropped first."""
        return self._max_lines

    @max_lines.setter
    def max_lines(self, value: int) -> None:
        self._max_lines = max(1, value)
        dropped = self._prune()
        if dropped:
            self._after_shift(dropped)
        self._refresh_badge()

    @property
    def total_count(self) -> int:
        """Number of retained lines."""
        return len(self._lines)

    @property
    def matched_count(self) -> int:
        """Number of lines shown: those matching the filter, or all of them."""
        return len(self._lines) if self._view is None else len(self._view)

    @property
    def filter_text(self) -> str:
        """The current filter as given to `set_filter` ("" for none)."""
        return self._needle

    @property
    def unseen_count(self) -> int:
        """Lines added below the viewport since the user scrolled away from the tail."""
        return self._unseen

    @property
    def lines(self) -> list[str]:
        """The retained lines as plain text, oldest first (a copy)."""
        return [text for text, _ in self._lines]

    @property
    def shown_lines(self) -> list[str]:
        """The lines that pass the filter, oldest first (a copy)."""
        if self._view is None:
            return self.lines
        first = self._first_seq
        return [self._lines[seq - first][0] for seq in self._view]

    def append(self, events: Sequence[ContainerEvent]) -> None:
        """Add events (oldest first) at the bottom, dropping the oldest beyond `max_lines`."""
        if not events:
            return
        if not self.is_mounted:
            self._append(events)
            return
        # The bar grows longer, then scrolls to the tail: its thumb moves in between, and
        # only the end state is painted, so it is compared once, for both.
        bar = self.vertical_scrollbar
        self._bar_shown = shown = _thumb(bar)
        try:
            self._append(events)
        finally:
            self._bar_shown = None
            if _thumb(bar) != shown:
                bar.refresh()

    def _append(self, events: Sequence[ContainerEvent]) -> None:
        today = self._now().astimezone(CST).date() if self._now is not None else None
        new = [event_line(event, today) for event in events]
        lines = self._lines
        start_seq = self._first_seq + len(lines)
        lines.extend(new)
        width = max((cell_len(text) if not text.isascii() else len(text)) for text, _ in new)
        self._width = max(self._width, width)
        view = self._view
        if view is None:
            added = len(new)
        else:
            needle = self._needle.casefold()
            before = len(view)
            view.extend(
                start_seq + offset
                for offset, (text, _) in enumerate(new)
                if needle in text.casefold()
            )
            added = len(view) - before
        rows_before = self.matched_count - added
        dropped = self._prune()
        if view is not None:
            self._refresh_badge()  # "N of M" changes even when nothing new matched
        if not added and not dropped:
            return
        if not self.follow:
            self._unseen += added
        if dropped:
            self._after_shift(dropped)
            return
        self._update_virtual_size()
        if self.follow:
            self._scroll_tail()
        else:
            self._clamp_unseen()
            self._refresh_badge()
        # Rows that land inside the viewport need a repaint even when nothing scrolls.
        self.refresh_lines(rows_before, added)

    def clear(self) -> None:
        """Drop every line (the filter stays set)."""
        self._lines.clear()
        self._first_seq = 0
        if self._view is not None:
            self._view = []
        self._width = 0
        self._unseen = 0
        self._strips.clear()
        self._update_virtual_size()
        self._scroll_y_to(0)
        self.refresh()

    def set_filter(self, text: str) -> None:
        """Show only lines containing `text` (case-insensitive); "" shows everything."""
        if text == self._needle:
            return
        self._needle = text
        if text:
            needle = text.casefold()
            first = self._first_seq
            self._view = [
                first + index
                for index, (line, _) in enumerate(self._lines)
                if needle in line.casefold()
            ]
        else:
            self._view = None
        self._unseen = 0
        self._update_virtual_size()
        if self.follow:
            self._scroll_tail()
        self.refresh()

    # ------------------------------------------------------------------ actions

    def action_toggle_follow(self) -> None:
        """Turn following the tail on (jumping to it) or off."""
        self.follow = not self.follow

    def action_follow_tail(self) -> None:
        """Jump to the newest line and follow it."""
        self.follow = True
        self._scroll_tail()

    def action_scroll_top(self) -> None:
        """Jump to the oldest line (this stops following)."""
        self._scroll_y_to(0)

    def action_line_up(self) -> None:
        """Scroll up one line."""
        self._scroll_y_to(round(self.scroll_y) - 1)

    def action_line_down(self) -> None:
        """Scroll down one line."""
        self._scroll_y_to(round(self.scroll_y) + 1)

    def action_page_up(self) -> None:
        """Scroll up one page."""
        self._scroll_y_to(round(self.scroll_y) - self._page_height)

    def action_page_down(self) -> None:
        """Scroll down one page."""
        self._scroll_y_to(round(self.scroll_y) + self._page_height)

    # ------------------------------------------------------------------ following

    def watch_follow(self, follow: bool) -> None:
        """Jump to the tail when following is switched on; update the badge either way."""
        if follow:
            self._unseen = 0
            self._scroll_tail()
        self._refresh_badge()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Derive `follow` from where the user scrolled: up stops it, the bottom restores it."""
        # `ScrollView.watch_scroll_y`, except that the scrollbar repaints only when its thumb
        # moves on screen: following a long log's tail, a batch leaves it where it was.
        if self.show_vertical_scrollbar:
            self._set_vertical_bar(position=new_value)
        if round(old_value) != round(new_value):
            self.refresh(self.size.region)
        if round(new_value) >= self.max_scroll_y:
            if not self.follow:
                self.follow = True
        elif new_value < old_value and self.follow:
            self.follow = False
        if self._unseen:
            self._clamp_unseen()
            self._refresh_badge()

    def on_resize(self, event: events.Resize) -> None:
        """Stay at the tail when following."""
        if self.follow:
            self._scroll_tail()

    def _scroll_tail(self) -> None:
        if not self.is_vertical_scrollbar_grabbed:
            self._scroll_y_to(self.max_scroll_y)

    def _scroll_y_to(self, y: int) -> None:
        # Without animation: a log is read line by line, and an animated scroll would pass
        # through intermediate positions that `watch_scroll_y` reads as the user's intent.
        # Before mounting there is nothing to scroll; `_on_resize` catches up.
        if self.is_mounted:
            self.scroll_to(y=max(0, y), animate=False)

    @property
    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def _clamp_unseen(self) -> None:
        below = self.matched_count - (round(self.scroll_y) + self._page_height)
        self._unseen = max(0, min(self._unseen, below))

    # ------------------------------------------------------------------ storage

    def _prune(self) -> int:
        """Drop lines beyond `max_lines`; returns how many shown rows disappeared."""
        excess = len(self._lines) - self._max_lines
        if excess <= 0:
            return 0
        del self._lines[:excess]
        self._first_seq += excess
        view = self._view
        if view is None:
            return excess
        cut = bisect_left(view, self._first_seq)
        del view[:cut]
        return cut

    def _after_shift(self, dropped: int) -> None:
        """Rows vanished from the top: keep following, or keep the same lines in view."""
        self._update_virtual_size()
        if self.follow:
            self._scroll_tail()
        else:
            self._scroll_y_to(round(self.scroll_y) - dropped)
            self._clamp_unseen()
        self.refresh()

    def _update_virtual_size(self) -> None:
        size = Size(self._width, self.matched_count)
        old = self.virtual_size
        if size == old:
            return
        if (
            self.is_mounted
            and self.show_vertical_scrollbar
            and size.width == old.width
            and size.height > old.height
        ):
            # Assigning `virtual_size` asks for a screen relayout, which costs a second
            # frame per batch. Growing taller under an already visible vertical scrollbar
            # changes no geometry, so only the scrollbar thumb needs to know.
            self.set_reactive(ScrollView.virtual_size, size)
            self._set_vertical_bar(virtual=size.height)
        else:
            self.virtual_size = size

    def _set_vertical_bar(
        self, *, virtual: int | None = None, position: float | None = None
    ) -> None:
        """Give the vertical scrollbar a new length or position; repaint it if its thumb moved."""
        # A repaint of the bar renders it through Rich (about 1.5 ms for 22 rows), and on a
        # long log the thumb is one cell at the bottom before and after a batch.
        bar = self.vertical_scrollbar
        shown = _thumb(bar) if self._bar_shown is None else None
        if virtual is not None:
            bar.set_reactive(ScrollBar.window_virtual_size, virtual)
        if position is not None:
            bar.set_reactive(ScrollBar.position, bar.validate_position(position))
        if shown is not None and _thumb(bar) != shown:
            bar.refresh()

    # ------------------------------------------------------------------ rendering

    def notify_style_update(self) -> None:
        """Styles changed (theme, focus tint): drop the cached strips."""
        super().notify_style_update()
        self._styles = ()
        self._strips.clear()

    def _prepare_styles(self) -> None:
        base = self.rich_style
        get = self.get_component_rich_style
        styles = (
            base,
            base + get("event-log--time", partial=True),
            base + get("event-log--id", partial=True),
            get("event-log--badge"),
            base + get("event-log--empty", partial=True),
            *(base + get(name, partial=True) for name in _STATUS_CLASSES),
        )
        if styles != self._styles:
            self._styles = styles
            by_class = dict(zip(_STATUS_CLASSES, styles[5:], strict=True))
            self._status_styles = {status: by_class[name] for status, name in _STATUS_CLASS.items()}
            self._status_styles[""] = by_class[_UNKNOWN_CLASS]
            self._strips.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        """Check the styles once per frame, then render the requested lines."""
        self._prepare_styles()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """Render one screen line: a cached event line, the empty text, or the badge."""
        if not self._styles:
            self._prepare_styles()
        width = self.scrollable_content_region.width
        row = round(self.scroll_y) + y
        rows = self.matched_count
        if rows == 0:
            strip = self._render_empty(y)
        elif row < rows:
            seq = self._first_seq + row if self._view is None else self._view[row]
            cached = self._strips.get(seq)
            if cached is None:
                cached = self._render_event(*self._lines[seq - self._first_seq])
                self._strips.set(seq, cached)
            strip = cached
            scroll_x = round(self.scroll_x)
            if scroll_x or strip.cell_length > width:
                strip = strip.crop(scroll_x, scroll_x + width)
        else:
            strip = Strip.blank(0)
        if y == self._page_height - 1:
            badge = self._badge_text()
            if badge:
                strip = self._overlay_badge(strip, badge, width)
        return strip

    def _render_event(self, text: str, status_at: int) -> Strip:
        base, time_style, id_style = self._styles[:3]
        status = text[status_at:]
        status_style = self._status_styles.get(status) or self._status_styles[""]
        id_end = status_at - len(_GAP)
        segments = [
            Segment(text[:_TIME_WIDTH], time_style),
            Segment(_GAP, base),
            Segment(text[_TIME_WIDTH + len(_GAP) : id_end], id_style),
            Segment(_GAP, base),
            Segment(status, status_style),
        ]
        return Strip(segments, len(text) if text.isascii() else cell_len(text))

    def _render_empty(self, y: int) -> Strip:
        if y != 0:
            return Strip.blank(0)
        text = self._empty_text
        if self._view is not None and self._lines:
            text = f"No events match {self._needle!r}"
        style = self._styles[4]
        return Strip([Segment(f" {clean(text)}", style)])

    def _badge_text(self) -> str:
        parts: list[str] = []
        if not self.follow:
            parts.append(f"↓ {self._unseen:,} new" if self._unseen else "paused")
        if self._view is not None:
            parts.append(f"{len(self._view):,} of {len(self._lines):,}")
        return f" {' · '.join(parts)} " if parts else ""

    def _overlay_badge(self, strip: Strip, badge: str, width: int) -> Strip:
        size = cell_len(badge)
        if size > width:
            badge = badge[:width]
            size = width
        left = strip.crop(0, width - size).extend_cell_length(width - size, self._styles[0])
        return Strip.join([left, Strip([Segment(badge, self._styles[3])], size)])

    def _refresh_badge(self) -> None:
        height = self._page_height
        self.refresh(Region(0, height - 1, self.size.width, 1))
