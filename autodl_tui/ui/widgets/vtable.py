"""A virtualised, keyed table that renders only the rows on screen (Line API).

`DataTable` re-renders every visible cell after any mutation and measures every cell of
every new row, which costs seconds at 10,000 rows (`benchmarks/bench_table.py` runs both).
`VirtualTable` keeps rows in plain dicts and lists, diffs them by key, and caches one
rendered `Strip` per row and cursor state, so a poll that changes nothing costs a dict
comparison and no repaint, and a poll that changes off-screen rows repaints nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple, TypeAlias, cast

from rich.cells import cell_len
from rich.errors import StyleSyntaxError
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.actions import SkipAction
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from autodl_tui.display import clean, safe_text
from autodl_tui.ui.guard import Guarded
from autodl_tui.ui.units import duration_parts

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from textual import events
    from textual.binding import BindingType
    from textual.timer import Timer

__all__ = [
    "Cell",
    "Column",
    "Row",
    "Since",
    "SortValue",
    "VirtualTable",
    "coarse_age",
    "since_text",
]


class Since(NamedTuple):
    """A cell showing the time since `timestamp` (epoch seconds), worked out when painted.

    Rows keep the moment, not its age, so the clock never rebuilds a table: only the rows
    on screen format their ages, and repaint when the text shown would change.
    """

    timestamp: float


Cell: TypeAlias = str | Text | Since
"""A cell: plain text (never parsed as markup), a styled `Text`, or an age (`Since`)."""


def coarse_age(seconds: float) -> str:
    """Age to the minute: 45s, 12m, 3h12m, 4d3h; coarse so a row rarely repaints."""
    if seconds < 60:
        return f"{int(max(0, seconds))}s"
    (major, unit), *minor = duration_parts(seconds, finest=60)
    return f"{major}{unit}" + "".join(f"{n:02d}{u}" if u == "m" else f"{n}{u}" for n, u in minor)


def since_text(seconds: float) -> str:
    """A `Since` cell's text: "<1m" under a minute, then `coarse_age` (changes once a minute)."""
    return "<1m" if seconds < 60 else coarse_age(seconds)


#: Seconds between checks of whether an age on screen reads differently now. Ages read to
#: the minute and each row's changes at its own second: checking every few seconds paints
#: the rows whose minute came in one frame (an idle screen wakes 12 times a minute, not 60),
#: at most this late.
AGE_CHECK_SECONDS = 5.0
#: The id of Enter's binding (opening the cursor row): the screen names it when no row is.
ACTIVATE_ID = "vtable-activate"

# Unit separator between cells in the search string: a typed filter cannot contain it,
# so a match never spans two cells.
_SEP = "\x1f"
_ELLIPSIS = "…"
_STRIP_CACHE_SIZE = 4096
# Strip cache variants for one row: plain, zebra-odd, cursor (focused), cursor (blurred).
_PLAIN, _ODD, _CURSOR, _CURSOR_BLURRED = range(4)


#: An auto-width column shrinks no narrower than this (or its label).
_AUTO_FLOOR = 8
#: The part of the width an auto column (a name) may claim before low-value columns stop
#: giving way for it: only a name longer than this is cut while droppable columns remain.
_FAIR_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class Column:
    """A column: key, header label, fixed width or `None` for auto, alignment, drop order."""

    key: str
    label: str
    width: int | None = None
    align: Literal["left", "right"] = "left"
    sortable: bool = True
    #: When the table is too narrow, columns with a higher `drop` are hidden first, so the
    #: columns that matter keep their full width; 0 is never hidden (only squeezed).
    drop: int = 0


class Row(NamedTuple):
    """A keyed row of pre-rendered cells, optional typed sort values and a row style."""

    # A NamedTuple (not a dataclass) because `==` on it is a C-level tuple compare,
    # which keeps the per-poll diff of 10,000 rows at about a millisecond.
    key: str
    cells: tuple[Cell, ...]
    #: A value per column to sort by (None: the cell's text), or, for a table with a
    #: `sort_value` function, the row's source object that function reads them from
    #: (one reference a row instead of a tuple: 200 bytes less a row at 100,000 rows).
    sort_values: tuple[object, ...] | object | None = None
    style: str = ""


class _Slot(NamedTuple):
    """Where one column lands on screen for the current width."""

    column: int
    left: int
    size: int
    right: int
    align_right: bool


@lru_cache(maxsize=256)
def _row_style(style: str) -> Style | None:
    """Parse a row style once; a bad style is ignored rather than crashing a repaint."""
    try:
        return Style.parse(style) if style else None
    except StyleSyntaxError:
        return None


def _plain(cell: Cell) -> str:
    # An age is not searchable text: it would match one minute and not the next.
    if isinstance(cell, str):
        return cell
    return "" if isinstance(cell, Since) else cell.plain


def _search_text(cells: tuple[Cell, ...]) -> str:
    try:
        # Fast path for all-str rows; a Text cell makes join raise TypeError.
        return _SEP.join(cast("tuple[str, ...]", cells)).casefold()
    except TypeError:
        return _SEP.join(_plain(cell) for cell in cells).casefold()


def _cell_width(cell: Cell) -> int:
    if isinstance(cell, str):
        if cell.isascii() and cell.isprintable():
            return len(cell)
        return cell_len(clean(cell))
    if isinstance(cell, Since):
        return 6  # "23h59m"; age columns are fixed-width anyway
    return cell.cell_len


#: A table's reader of sort values from a row's source object: (row, column key) -> value.
SortValue: TypeAlias = Callable[[Row, str], object]


def _sort_key(row: Row, index: int, value: object = None) -> tuple[int, object]:
    """Sort key for one cell: numbers before text; `None`/NaN fall back to the cell text.

    `value`: what the table's `sort_value` read (rows whose `sort_values` is a source).
    """
    values = row.sort_values
    if isinstance(values, tuple) and index < len(values):
        value = values[index]
    if isinstance(value, int | float):
        if value == value:  # NaN never compares equal, and would break the sort
            return (0, value)
    elif value is not None:
        return (1, value) if isinstance(value, str) else (2, value)
    cells = row.cells
    if index < len(cells) and isinstance(cell := cells[index], Since):
        return (0, -cell.timestamp)  # youngest first, as ages sort
    return (1, _plain(cells[index]).casefold() if index < len(cells) else "")


def _kept_chars(text: str, cells: int) -> int:
    """How many leading characters of `text` fit in `cells` without splitting a wide one."""
    if text.isascii():
        return min(len(text), cells)
    used = 0
    for count, char in enumerate(text):
        used += cell_len(char)
        if used > cells:
            return count
    return len(text)


def _fit(text: str, width: int, align_right: bool) -> str:
    """Pad or ellipsis-truncate plain text to exactly `width` cells.

    A cut never leaves a gap before the ellipsis: when a wide (CJK) character does not fit
    whole, the ellipsis follows the last one that does and the padding goes after it.
    """
    if not text.isprintable():
        text = clean(text)  # the display boundary: controls shown, never sent
    size = len(text) if text.isascii() else cell_len(text)
    if size > width:
        if width <= 1:
            return _ELLIPSIS * width
        text = text[: _kept_chars(text, width - 1)] + _ELLIPSIS
        size = cell_len(text)
    pad = " " * (width - size)
    return pad + text if align_right else text + pad


class VirtualTable(Guarded, ScrollView, can_focus=True):
    """A keyed, sortable, filterable table that renders only the rows on screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="vtable-cursor-up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="vtable-cursor-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="vtable-page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="vtable-page-down"),
        Binding("home,g", "cursor_first", "First", show=False, id="vtable-cursor-first"),
        Binding("end,G", "cursor_last", "Last", show=False, id="vtable-cursor-last"),
        Binding("enter", "activate", "Open", show=False, id=ACTIVATE_ID),
        Binding("o", "cycle_sort", "Sort", id="vtable-sort-next", show=False),
        Binding("O", "reverse_sort", "Reverse", id="vtable-sort-reverse", show=False),
        # Only while a filter is set; otherwise Escape goes on to the screen (back, close).
        Binding("escape", "clear_filter", "Clear filter", id="vtable-clear-filter", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "vtable--header",
        "vtable--cursor",
        "vtable--cursor-blurred",
        "vtable--odd-row",
        "vtable--empty",
    }

    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        &:focus {
            background-tint: $foreground 5%;
        }
        & > .vtable--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .vtable--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .vtable--cursor-blurred {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .vtable--odd-row {
            background: $surface-lighten-1 50%;
        }
        & > .vtable--empty {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    empty_text: reactive[str] = reactive("No rows")
    """Shown (dim, centred) when the table holds no rows."""
    no_match_text: reactive[str] = reactive("No matching rows")
    """Shown when rows exist but the filter hides all of them."""
    zebra_stripes: reactive[bool] = reactive(False)
    """Shade odd rows with the `vtable--odd-row` style (strips are cached per variant)."""

    class CursorMoved(Message):
        """The row under the cursor changed identity (or the table became empty)."""

        def __init__(self, table: VirtualTable, key: str | None) -> None:
            self.table = table
            """The table whose cursor moved."""
            self.key = key
            """Key of the row now under the cursor, or `None` when no row is shown."""
            super().__init__()

        @property
        def control(self) -> VirtualTable:
            """The table that sent the message."""
            return self.table

        def can_replace(self, message: Message) -> bool:
            """Let a newer move of the same table supersede this one (held keys)."""
            return isinstance(message, VirtualTable.CursorMoved) and message.table is self.table

    class RowActivated(Message):
        """The user pressed Enter (or double-clicked) on a row."""

        def __init__(self, table: VirtualTable, key: str) -> None:
            self.table = table
            """The table that holds the row."""
            self.key = key
            """Key of the activated row."""
            super().__init__()

        @property
        def control(self) -> VirtualTable:
            """The table that sent the message."""
            return self.table

    class FilterCleared(Message):
        """Escape in the table cleared its filter (the owner updates its filter line)."""

        def __init__(self, table: VirtualTable) -> None:
            self.table = table
            """The table whose filter was cleared."""
            super().__init__()

        @property
        def control(self) -> VirtualTable:
            """The table that sent the message."""
            return self.table

    def __init__(
        self,
        columns: Iterable[Column] = (),
        *,
        empty_text: str = "No rows",
        no_match_text: str = "No matching rows",
        zebra_stripes: bool = False,
        cell_padding: int = 1,
        max_auto_width: int = 40,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create a table with the given columns and no rows."""
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.set_reactive(VirtualTable.empty_text, empty_text)
        self.set_reactive(VirtualTable.no_match_text, no_match_text)
        self.set_reactive(VirtualTable.zebra_stripes, zebra_stripes)
        self._cell_padding = max(0, cell_padding)
        self._max_auto_width = max(1, max_auto_width)
        self._columns: tuple[Column, ...] = ()
        self._content_widths: list[int] = []
        self._rows: dict[str, Row] = {}
        self._source: list[str] = []  # keys in set_rows order
        self._sorted: list[str] = []  # all keys in display order
        self._order: list[str] = []  # displayed keys: sorted, then filtered
        # Search strings, built only while a filter is set (100,000 rows' worth of text
        # is memory a table that is never filtered does not need).
        self._search: dict[str, str] = {}
        self._sort_column: str | None = None
        self._sort_index = -1
        self._sort_reverse = False
        # Any: values are (rank, value) tuples whose value types only the caller knows.
        self._sort_keys: dict[str, Any] = {}
        self._needle = ""
        self._filter_text = ""
        self._cursor_key: str | None = None
        self._cursor_index = 0
        # Last non-None cursor key: lets the cursor return to its row after a filter
        # typo or a poll that briefly returned no rows.
        self._remembered_key: str | None = None
        # Each strip with the ages it shows: a strip whose ages read differently now is stale.
        self._strips: LRUCache[tuple[str, int], tuple[Strip, tuple[str, ...]]] = LRUCache(
            _STRIP_CACHE_SIZE
        )
        self.clock: Callable[[], float] = time.time
        """Now, in epoch seconds, for `Since` cells (the screen passes its own clock)."""
        self.format_since: Callable[[float], str] = since_text
        """Seconds since a `Since` cell's moment -> the text shown."""
        self.sort_value: SortValue | None = None
        """Reads a sort value from a row whose `sort_values` is its source object."""
        self._paint_now = 0.0  # the clock, read once per frame: one frame shows one "now"
        self._age_timer: Timer | None = None
        self._widths_version = 0
        self._signature: object = None
        self._layout: list[_Slot] = []
        self._layout_width = 0
        self._styles: tuple[Style, ...] = ()
        self.set_columns(columns)

    # ------------------------------------------------------------------ public API

    @property
    def columns(self) -> tuple[Column, ...]:
        """The columns, in display order."""
        return self._columns

    @property
    def row_count(self) -> int:
        """Number of rows displayed (after the filter); same as `matched_count`."""
        return len(self._order)

    @property
    def matched_count(self) -> int:
        """Number of rows that pass the filter (the N of "N of M")."""
        return len(self._order)

    @property
    def total_count(self) -> int:
        """Number of rows held, filtered or not (the M of "N of M")."""
        return len(self._rows)

    @property
    def visible_keys(self) -> tuple[str, ...]:
        """Keys of all displayed rows (after sort and filter), in display order."""
        return tuple(self._order)

    @property
    def keys_in_view(self) -> tuple[str, ...]:
        """Keys of the rows currently on screen, top to bottom."""
        top = self.scroll_offset.y
        return tuple(self._order[top : top + self._page_height])

    @property
    def empty_message(self) -> str:
        """What the table shows without a row to display (loading, empty, nothing matches)."""
        return self.no_match_text if self._rows else self.empty_text

    @property
    def cursor_key(self) -> str | None:
        """Key of the row under the cursor, or `None` when no row is displayed."""
        return self._cursor_key

    @property
    def cursor_index(self) -> int | None:
        """Display index of the cursor row, or `None` when no row is displayed."""
        return self._cursor_index if self._order else None

    @property
    def sort_column(self) -> str | None:
        """Key of the column the rows are sorted by, or `None` for source order."""
        return self._sort_column

    @property
    def sort_reverse(self) -> bool:
        """Whether the sort is descending."""
        return self._sort_reverse

    @property
    def filter_text(self) -> str:
        """The current filter (case-insensitive substring over all cells)."""
        return self._filter_text

    def get_row(self, key: str) -> Row | None:
        """Return the row with this key, or `None`."""
        return self._rows.get(key)

    def set_columns(self, columns: Iterable[Column]) -> None:
        """Replace the columns; rows keep their cells, matched to columns by position."""
        self._columns = tuple(columns)
        self._content_widths = [0] * len(self._columns)
        self._grow_widths(list(self._rows.values()))
        self._widths_version += 1
        keys = [column.key for column in self._columns]
        if self._sort_column is not None:
            if self._sort_column in keys:
                self._sort_index = keys.index(self._sort_column)
                self._rebuild_sort_keys()
                self._reorder(resort=True, refilter=False, fallback_first=False)
            else:
                self.clear_sort()
        self._update_virtual_size()
        self.refresh()

    def clear(self) -> int:
        """Remove every row; return how many were removed."""
        return self.set_rows(())

    def set_rows(self, rows: Iterable[Row]) -> int:
        """Replace the rows by key; return how many were added, removed or changed.

        An identical row set returns 0 without touching the screen or posting anything.
        Column auto widths only grow here, so live data never makes columns jitter.
        """
        old_rows = self._rows
        rows = rows if isinstance(rows, list | tuple) else list(rows)
        # C-level: keys are a Row's first field.
        new_rows: dict[str, Row] = dict(zip(map(itemgetter(0), rows), rows, strict=True))
        get = old_rows.get
        changed = [
            key for key, row in new_rows.items() if (old := get(key)) is not row and old != row
        ]
        added = sum(1 for key in changed if key not in old_rows)
        removed_count = len(old_rows) + added - len(new_rows)
        source = list(new_rows)
        source_moved = source != self._source
        if not changed and not removed_count and not source_moved:
            return 0
        removed = [key for key in old_rows if key not in new_rows] if removed_count else []
        return self._take(new_rows, changed, removed, source, moved=bool(added) or source_moved)

    def update_rows(self, rows: Iterable[Row]) -> int:
        """Replace rows the table holds, by key, keeping every other row and the order.

        For a caller that knows what changed: the work is that many rows, not the table's.
        Returns how many changed; a key the table does not hold raises KeyError (nothing
        is changed then).
        """
        held = self._rows
        fresh = [row for row in rows if (old := held[row.key]) is not row and old != row]
        if not fresh:
            return 0
        # In place: a copy of 10,000 entries would be young garbage every collection walks.
        held.update((row.key, row) for row in fresh)
        return self._take(held, [row.key for row in fresh], [], self._source, moved=False)

    def _take(
        self,
        new_rows: dict[str, Row],
        changed: list[str],
        removed: list[str],
        source: list[str],
        *,
        moved: bool,
    ) -> int:
        """Hold `new_rows`: `changed` keys are new or differ, `removed` are gone; `moved`:
        rows were added or the source order changed (the display order is rebuilt).
        `new_rows` may be the rows held already, updated in place (nothing was removed).
        """
        old_rows = self._rows
        self._rows = new_rows
        self._source = source
        search = self._search
        for key in removed:
            search.pop(key, None)
            self._sort_keys.pop(key, None)
            self._discard_strips(key)
        needle = self._needle
        sort_keys = self._sort_keys
        sort_index = self._sort_index
        match_flipped = sort_moved = False
        for key in changed:
            row = new_rows[key]
            if needle:
                old_search = search.get(key)
                new_search = search[key] = _search_text(row.cells)
                if old_search is None or (needle in old_search) != (needle in new_search):
                    match_flipped = True
            elif search:
                search.pop(key, None)
            if sort_index >= 0:
                new_key = self._sort_key_of(row, sort_index)
                if key not in sort_keys or sort_keys[key] != new_key:
                    sort_moved = True
                sort_keys[key] = new_key
            if key in old_rows:
                self._discard_strips(key)

        grew = self._grow_widths([new_rows[key] for key in changed])
        if removed and self._remeasure([old_rows[key] for key in removed]):
            grew = True
        if grew:
            self._widths_version += 1
        if moved or removed or sort_moved or match_flipped:
            self._reorder(resort=True, refilter=True, fallback_first=False)
            self.refresh()
        elif grew:
            self.refresh()
        else:
            self._refresh_keys(changed)
        self._update_virtual_size()
        return len(changed) + len(removed)

    def move_cursor_to_key(self, key: str) -> bool:
        """Put the cursor on the row with this key; return False if it is not displayed."""
        index = self._index_of(key)
        if index < 0:
            return False
        self._move_cursor(index)
        return True

    def move_cursor(self, index: int) -> None:
        """Put the cursor on the displayed row at `index` (clamped)."""
        self._move_cursor(index)

    def sort_by(self, column_key: str, reverse: bool | None = None) -> None:
        """Sort by a column (stable); `reverse=None` toggles when it is already the sort column.

        Uses the row's `sort_values` for that column when given, else the cell's text.
        Raises `KeyError` for an unknown column.
        """
        keys = [column.key for column in self._columns]
        if column_key not in keys:
            raise KeyError(column_key)
        if reverse is None:
            reverse = not self._sort_reverse if column_key == self._sort_column else False
        if column_key != self._sort_column:
            self._sort_column = column_key
            self._sort_index = keys.index(column_key)
            self._rebuild_sort_keys()
            self._widths_version += 1  # the sort column is never hidden: lay out again
        self._sort_reverse = reverse
        self._reorder(resort=True, refilter=True, fallback_first=False, reveal=True)
        self.refresh()

    def clear_sort(self) -> None:
        """Show rows in the order `set_rows` received them."""
        self._sort_column = None
        self._sort_index = -1
        self._sort_reverse = False
        self._sort_keys = {}
        self._widths_version += 1
        self._reorder(resort=True, refilter=True, fallback_first=False, reveal=True)
        self.refresh()

    def set_filter(self, text: str) -> str | None:
        """Show only rows whose text contains `text` (any case); return the first match's key.

        The cursor stays on its row if that row still matches, else moves to the first match.
        """
        needle = text.casefold()
        if needle == self._needle:
            self._filter_text = text
            return self._order[0] if self._order else None
        # Typing one more character can only narrow the matches: filter the shown rows.
        narrowing = bool(self._needle) and self._needle in needle
        self._needle = needle
        self._filter_text = text
        if not needle:
            self._search = {}  # rebuilt by the next filter
        self._reorder(
            resort=False, refilter=True, fallback_first=True, reveal=True, narrowing=narrowing
        )
        self._update_virtual_size()
        self.refresh()
        return self._order[0] if self._order else None

    # ------------------------------------------------------------------ actions

    def action_cursor_up(self) -> None:
        """Move the cursor up one row."""
        self._move_cursor(self._cursor_index - 1)

    def action_cursor_down(self) -> None:
        """Move the cursor down one row."""
        self._move_cursor(self._cursor_index + 1)

    def action_page_up(self) -> None:
        """Move the cursor and the view up one page."""
        self._page(-self._page_height)

    def action_page_down(self) -> None:
        """Move the cursor and the view down one page."""
        self._page(self._page_height)

    def action_cursor_first(self) -> None:
        """Move the cursor to the first row."""
        self._move_cursor(0)

    def action_cursor_last(self) -> None:
        """Move the cursor to the last row."""
        self._move_cursor(len(self._order) - 1)

    def action_activate(self) -> None:
        """Post `RowActivated` for the cursor row."""
        if self._cursor_key is not None:
            self.post_message(self.RowActivated(self, self._cursor_key))

    def action_clear_filter(self) -> None:
        """Clear the filter and post `FilterCleared`; without a filter, Escape goes on."""
        if not self._filter_text:
            raise SkipAction()
        self.set_filter("")
        self.post_message(self.FilterCleared(self))

    def action_cycle_sort(self) -> None:
        """Sort by the next sortable column; after the last one, back to source order."""
        sortable = [column.key for column in self._columns if column.sortable]
        if not sortable:
            return
        if self._sort_column not in sortable:
            self.sort_by(sortable[0], reverse=False)
            return
        position = sortable.index(self._sort_column) + 1
        if position < len(sortable):
            self.sort_by(sortable[position], reverse=False)
        else:
            self.clear_sort()

    def action_reverse_sort(self) -> None:
        """Reverse the sort direction (sorting by the first sortable column if unsorted)."""
        if self._sort_column is not None:
            self.sort_by(self._sort_column, reverse=not self._sort_reverse)
            return
        sortable = [column.key for column in self._columns if column.sortable]
        if sortable:
            self.sort_by(sortable[0], reverse=True)

    # ------------------------------------------------------------------ events

    async def on_click(self, event: events.Click) -> None:
        """A click on a header sorts by it; on a row moves the cursor there (twice: opens it)."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = 0
            for slot in self._layout:
                x += slot.left + slot.size + slot.right
                if offset.x < x:
                    column = self._columns[slot.column]
                    if column.sortable:
                        self.sort_by(column.key)
                    break
            return
        index = self.scroll_offset.y + offset.y - 1
        if 0 <= index < len(self._order):
            self._move_cursor(index)
            if event.chain >= 2:
                self.action_activate()

    def on_resize(self, event: events.Resize) -> None:
        """Keep the cursor in view."""
        self._scroll_to_cursor(None)

    # ------------------------------------------------------------------ rendering

    def render_lines(self, crop: Region) -> list[Strip]:
        """Refresh cached styles and layout once per frame, then render the lines."""
        self._prepare_render()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """Render one screen line: the header at y=0, else a row (or blank/empty text)."""
        if not self._styles:
            self._prepare_render()
        width = self.size.width
        base, header, cursor, cursor_blurred, odd, empty = self._styles
        if y == 0:
            return self._render_header(width, header)
        order = self._order
        if not order:
            return self._render_empty(y, width, base, empty)
        index = self.scroll_offset.y + y - 1
        if index >= len(order) or index < 0:
            return Strip.blank(width, base)
        key = order[index]
        variant = self._variant(index)
        row = self._rows[key]
        ages = self._ages(row, self._paint_now)
        cached = self._strips.get((key, variant))
        if cached is not None and cached[1] == ages:
            return cached[0]
        row_style = _row_style(row.style)
        if variant == _PLAIN:
            style = base + row_style if row_style else base
        elif variant == _ODD:
            style = odd + row_style if row_style else odd
        else:
            style = cursor if variant == _CURSOR else cursor_blurred
            if row_style:
                # Keep the row's colour and attributes, but the cursor background wins.
                style = style + row_style + Style(bgcolor=style.bgcolor)
        strip = self._render_row(row, style, width, ages)
        if cached is not None:
            # Textual's LRUCache.set keeps an existing entry: the stale strip goes first.
            self._strips.discard((key, variant))
        self._strips.set((key, variant), (strip, ages))
        if ages and self._age_timer is None:
            # Only a table that shows ages checks the clock.
            self._age_timer = self.set_interval(AGE_CHECK_SECONDS, self._check_ages)
        return strip

    def _variant(self, index: int) -> int:
        """Which cached strip of a row the display line `index` shows."""
        if index == self._cursor_index:
            return _CURSOR if self.has_focus else _CURSOR_BLURRED
        return _ODD if self.zebra_stripes and index % 2 else _PLAIN

    def _ages(self, row: Row, now: float) -> tuple[str, ...]:
        """The texts of the row's `Since` cells at `now` (empty for a row without ages)."""
        fmt = self.format_since
        return tuple(fmt(now - cell.timestamp) for cell in row.cells if type(cell) is Since)

    def _check_ages(self) -> None:
        """Repaint the rows on screen whose ages read differently now (and only those)."""
        now = self.clock()
        top = self.scroll_offset.y
        rows = self._rows
        strips = self._strips
        for index, key in enumerate(self._order[top : top + self._page_height], top):
            ages = self._ages(rows[key], now)
            # A line with no strip yet is painted fresh anyway.
            if ages and (hit := strips.get((key, self._variant(index)))) and hit[1] != ages:
                self._refresh_index(index)

    def _prepare_render(self) -> None:
        get = self.get_component_rich_style
        styles = (
            self.rich_style,
            get("vtable--header"),
            get("vtable--cursor"),
            get("vtable--cursor-blurred"),
            get("vtable--odd-row"),
            get("vtable--empty"),
        )
        self._paint_now = self.clock()
        width = self.size.width
        # Lay columns out in the width left of the scrollbar, so an ellipsis stays visible.
        room = min(width, self.scrollable_content_region.width)
        signature = (width, room, styles, self._widths_version)
        if signature != self._signature:
            self._signature = signature
            self._styles = styles
            self._strips.clear()
            self._compute_layout(room)

    def _column_sizes(self, width: int) -> dict[int, int]:
        """Content width of each column to lay out, in display order.

        Columns that do not all fit give way in this order: droppable columns go (highest
        `drop` first, never the sort column) while the rest, with every auto column capped
        at a fair share of the width, still overflow; then the widest auto columns shrink
        together, down to a floor. So a name is cut only when it is longer than its fair
        share, and one very long name does not cut every other name to the floor. Fixed
        columns such as the price keep their width.
        """
        pad = self._cell_padding
        sizes = {i: max(1, self._column_width(i)) for i in range(len(self._columns))}
        floors = {
            i: min(sizes[i], max(_AUTO_FLOOR, cell_len(c.label)))
            for i, c in enumerate(self._columns)
            if c.width is None
        }
        # While deciding what to drop, auto columns may also give up a fifth of their width
        # (a GPU model cut by a few cells beats losing a column), except the first column:
        # it names the row, and names are what must stay whole.
        fair = {
            i: max(floor, min(int(width * _FAIR_SHARE), sizes[i] if i == 0 else sizes[i] * 4 // 5))
            for i, floor in floors.items()
        }

        def total(limits: dict[int, int]) -> int:
            return sum(min(size, limits.get(i, size)) + 2 * pad for i, size in sizes.items())

        if total({}) <= width:
            return sizes
        droppable = [i for i in sizes if self._columns[i].drop > 0 and i != self._sort_index]
        for index in sorted(droppable, key=lambda i: -self._columns[i].drop):
            if total(fair) <= width:
                break
            del sizes[index]
        excess = total({}) - width
        shrinkable = [i for i in floors if i in sizes]
        while excess > 0:
            # One cell at a time off the widest auto column still above its floor.
            over = [i for i in shrinkable if sizes[i] > floors[i]]
            if not over:
                break
            widest = max(over, key=lambda i: sizes[i])
            sizes[widest] -= 1
            excess -= 1
        return sizes

    @property
    def hidden_columns(self) -> tuple[str, ...]:
        """Keys of the columns hidden for lack of width at the last layout."""
        laid_out = {slot.column for slot in self._layout}
        return tuple(c.key for i, c in enumerate(self._columns) if i not in laid_out)

    def _compute_layout(self, width: int) -> None:
        pad = self._cell_padding
        slots: list[_Slot] = []
        x = 0
        for index, size in self._column_sizes(width).items():
            column = self._columns[index]
            room = width - x
            if room <= 0:
                break
            align_right = column.align == "right"
            if size + 2 * pad <= room:
                slots.append(_Slot(index, pad, size, pad, align_right))
                x += size + 2 * pad
                continue
            # Squeeze the first column that doesn't fit (ellipsis) and drop the rest.
            left = min(pad, room - 1)
            right = min(pad, room - left - 1)
            slots.append(_Slot(index, left, room - left - right, right, align_right))
            x = width
            break
        self._layout = slots
        self._layout_width = x

    def _render_header(self, width: int, style: Style) -> Strip:
        parts: list[str] = []
        for index, left, size, right, align_right in self._layout:
            column = self._columns[index]
            if column.key == self._sort_column:
                arrow = "▼" if self._sort_reverse else "▲"
                label = f"{column.label} {arrow}"
                if cell_len(label) <= size:
                    text = _fit(label, size, align_right)
                elif size >= 3:
                    text = f"{_fit(column.label, size - 2, align_right)} {arrow}"
                else:
                    text = _fit(arrow, size, align_right)
            else:
                text = _fit(column.label, size, align_right)
            parts.append(f"{' ' * left}{text}{' ' * right}")
        parts.append(" " * (width - self._layout_width))
        return Strip([Segment("".join(parts), style)], width)

    def _render_empty(self, y: int, width: int, base: Style, empty: Style) -> Strip:
        if y != 1 + max(0, self.size.height - 2) // 2:
            return Strip.blank(width, base)
        message = self.empty_message
        text = _fit(message, min(width, cell_len(message)), False)
        left = (width - cell_len(text)) // 2
        segments = [
            Segment(" " * left, base),
            Segment(text, empty),
            Segment(" " * (width - left - cell_len(text)), base),
        ]
        return Strip(segments, width)

    def _render_row(self, row: Row, style: Style, width: int, ages: tuple[str, ...]) -> Strip:
        cells = row.cells
        if ages:
            texts = iter(ages)
            cells = tuple(next(texts) if type(cell) is Since else cell for cell in cells)
        count = len(cells)
        parts: list[str] = []
        segments: list[Segment] = []
        for index, left, size, right, align_right in self._layout:
            cell = cells[index] if index < count else ""
            if isinstance(cell, Since):  # only when `ages` is short of cells: never
                cell = ""
            if isinstance(cell, str):
                parts.append(f"{' ' * left}{_fit(cell, size, align_right)}{' ' * right}")
                continue
            parts.append(" " * left)
            segments.append(Segment("".join(parts), style))
            segments.extend(self._text_segments(cell, size, align_right, style))
            parts = [" " * right]
        parts.append(" " * (width - self._layout_width))
        segments.append(Segment("".join(parts), style))
        return Strip(segments, width)

    def _text_segments(
        self, cell: Text, size: int, align_right: bool, style: Style
    ) -> list[Segment]:
        text = safe_text(cell).copy()  # controls shown one for one, so spans survive
        if text.cell_len > size:
            # Rich's own ellipsis leaves a gap when a wide character straddles the cut.
            kept = _kept_chars(text.plain, size - 1) if size > 1 else 0
            text = text[:kept]
            text.append(_ELLIPSIS * min(size, 1))
        text.align("right" if align_right else "left", size)
        return [
            Segment(chunk, style + chunk_style if chunk_style else style)
            for chunk, chunk_style, _ in text.render(self.app.console)
            if chunk
        ]

    # ------------------------------------------------------------------ internals

    @property
    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _column_width(self, index: int) -> int:
        column = self._columns[index]
        if column.width is not None:
            return column.width
        # The label is never cut; the room for the sort arrow and the content are capped.
        label = cell_len(column.label)
        wanted = max(label + (2 if column.sortable else 0), self._content_widths[index])
        return max(label, min(self._max_auto_width, wanted))

    def _grow_widths(self, rows: Sequence[Row]) -> bool:
        """Widen auto columns to fit `rows`; return whether any column grew."""
        if not rows:
            return False
        cap = self._max_auto_width
        widths = self._content_widths
        all_cells = [row.cells for row in rows]
        grew = False
        for index, column in enumerate(self._columns):
            if column.width is not None or widths[index] >= cap:
                continue
            try:
                values = list(map(itemgetter(index), all_cells))
            except IndexError:
                values = [cells[index] if index < len(cells) else "" for cells in all_cells]
            strs = cast("list[str]", values)
            try:
                # One C-level pass over the whole column picks the cheapest exact measure.
                joined = "".join(strs)
            except TypeError:  # some cells are Text
                best = max(map(_cell_width, values))
            else:
                if not joined.isprintable():
                    best = max(map(_cell_width, values))
                elif joined.isascii():
                    best = max(map(len, strs))
                else:
                    best = max(map(cell_len, strs))
            if min(best, cap) > widths[index]:
                widths[index] = min(best, cap)
                grew = True
        return grew

    def _remeasure(self, removed: Sequence[Row]) -> bool:
        """Shrink auto widths that only a removed row needed; return whether any changed.

        Widths only grow with live data (no jitter), but a column must not stay wide for
        good because of one long name that is gone: a column is measured again when a
        removed row was as wide as it. Removals are rare, so the full measure is too.
        """
        widths = self._content_widths
        stale = [
            index
            for index, column in enumerate(self._columns)
            if column.width is None
            and widths[index] > 0
            and any(
                index < len(row.cells) and _cell_width(row.cells[index]) >= widths[index]
                for row in removed
            )
        ]
        if not stale:
            return False
        before = list(widths)
        for index in stale:
            widths[index] = 0
        self._grow_widths(list(self._rows.values()))
        return widths != before

    def _rebuild_sort_keys(self) -> None:
        index = self._sort_index
        key_of = self._sort_key_of
        self._sort_keys = {key: key_of(row, index) for key, row in self._rows.items()}

    def _sort_key_of(self, row: Row, index: int) -> tuple[int, object]:
        values, read = row.sort_values, self.sort_value
        if read is None or values is None or isinstance(values, tuple):
            return _sort_key(row, index)
        return _sort_key(row, index, read(row, self._columns[index].key))

    def _discard_strips(self, key: str) -> None:
        discard = self._strips.discard
        for variant in (_PLAIN, _ODD, _CURSOR, _CURSOR_BLURRED):
            discard((key, variant))

    def _sorted_keys(self) -> list[str]:
        if self._sort_index < 0:
            return self._source
        sort_keys = self._sort_keys
        try:
            # sorted() is stable, also with reverse=True, so ties keep the source order.
            return sorted(self._source, key=sort_keys.__getitem__, reverse=self._sort_reverse)
        except TypeError:
            # Incomparable non-numeric values in one column: compare those as text, but
            # keep numbers numeric.
            def safe(key: str) -> tuple[int, Any]:
                rank, value = sort_keys[key]
                return (rank, value if rank == 0 else str(value))

            return sorted(self._source, key=safe, reverse=self._sort_reverse)

    def _reorder(
        self,
        *,
        resort: bool,
        refilter: bool,
        fallback_first: bool,
        reveal: bool = False,
        narrowing: bool = False,
    ) -> None:
        """Rebuild the display order, then restore the cursor by key."""
        old_order = self._order
        old_index = self._cursor_index
        old_key = self._cursor_key
        old_top = self.scroll_offset.y
        was_in_view = bool(old_order) and old_top <= old_index < old_top + self._page_height
        if resort:
            self._sorted = self._sorted_keys()
        if refilter or resort:
            needle = self._needle
            if needle:
                search = self._fill_search()
                base = old_order if narrowing else self._sorted
                self._order = [key for key in base if needle in search[key]]
            else:
                self._order = self._sorted
        order = self._order
        if not order:
            self._cursor_index = 0
            self._cursor_key = None
        else:
            wanted = old_key if old_key is not None else self._remembered_key
            index = self._index_of(wanted)
            if index < 0:
                index = (
                    0 if fallback_first or old_key is None else self._nearest(old_order, old_index)
                )
            self._cursor_index = index
            self._cursor_key = self._remembered_key = order[index]
        self._update_virtual_size()
        if was_in_view and self._cursor_key is not None:
            # Keep the cursor row on the same screen line so live updates don't jump.
            self._scroll_to_cursor(self._cursor_index - (old_index - old_top))
        elif reveal:
            self._scroll_to_cursor(None)
        if self._cursor_key != old_key:
            self.cursor_changed()

    def _fill_search(self) -> dict[str, str]:
        """The search strings of every row (built now for rows that have none)."""
        search = self._search
        if len(search) != len(self._rows):
            for key, row in self._rows.items():
                if key not in search:
                    search[key] = _search_text(row.cells)
        return search

    def _nearest(self, old_order: list[str], old_index: int) -> int:
        """Display index of the surviving row closest to `old_index` in the old order."""
        rows = self._rows
        needle = self._needle
        search = self._fill_search() if needle else self._search
        for distance in range(1, len(old_order) + 1):
            for position in (old_index + distance, old_index - distance):
                if 0 <= position < len(old_order):
                    key = old_order[position]
                    if key in rows and (not needle or needle in search[key]):
                        index = self._index_of(key)
                        if index >= 0:
                            return index
        return min(old_index, len(self._order) - 1)

    def _index_of(self, key: str | None) -> int:
        order = self._order
        index = self._cursor_index
        if 0 <= index < len(order) and order[index] == key:
            return index
        if key is None or key not in self._rows:
            return -1
        try:
            return order.index(key)
        except ValueError:
            return -1

    def cursor_changed(self) -> None:
        """The cursor is on another row: post `CursorMoved`.

        A subclass that must react within the same frame (not a message turn later)
        extends this; it runs before the move is painted.
        """
        self.post_message(self.CursorMoved(self, self._cursor_key))

    def _move_cursor(self, index: int, top: int | None = None) -> None:
        """Move the cursor to `index` (clamped), then scroll to `top` or just into view."""
        order = self._order
        if not order:
            return
        index = max(0, min(index, len(order) - 1))
        old_index = self._cursor_index
        old_key = self._cursor_key
        self._cursor_index = index
        self._cursor_key = self._remembered_key = order[index]
        if index != old_index:
            self._refresh_index(old_index)
            self._refresh_index(index)
        self._scroll_to_cursor(top)
        if self._cursor_key != old_key:
            self.cursor_changed()

    def _page(self, delta: int) -> None:
        # Keep the cursor on the same screen line, as pagers do.
        offset = self._cursor_index - self.scroll_offset.y
        index = max(0, min(self._cursor_index + delta, len(self._order) - 1))
        self._move_cursor(index, top=index - offset)

    def _scroll_to_cursor(self, top: int | None) -> None:
        """Scroll to `top` (or stay), then adjust so the cursor row is on screen."""
        if not self.is_mounted:
            return
        page = self._page_height
        y = self.scroll_offset.y if top is None else top
        index = self._cursor_index
        if self._order:
            if index < y:
                y = index
            elif index >= y + page:
                y = index - page + 1
        y = max(0, min(y, len(self._order) + 1 - (page + 1)))
        if y != self.scroll_offset.y:
            self.scroll_to(y=y, animate=False, force=True)

    def _refresh_index(self, index: int) -> None:
        y = index - self.scroll_offset.y + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _refresh_keys(self, keys: Iterable[str]) -> None:
        """Repaint the on-screen lines of these rows only."""
        top = self.scroll_offset.y
        window = self._order[top : top + self._page_height]
        if not window:
            return
        wanted = set(keys)
        for offset, key in enumerate(window):
            if key in wanted:
                self._refresh_index(top + offset)

    def _update_virtual_size(self) -> None:
        pad = 2 * self._cell_padding
        width = sum(self._column_width(index) + pad for index in range(len(self._columns)))
        self.virtual_size = Size(width, len(self._order) + 1)
