"""Region x GPU-model heatmap of idle/total cards (Line API).

Why the Line API and not `Static(rich Table/Text)`: a `Static` re-renders and re-measures the
whole grid through Rich on every update, while this widget keeps one pre-rendered strip per
region row and rebuilds only the rows whose cells changed. `benchmarks/bench_widgets.py`
measures both on the same 11 x 20 grid with 20% of cells changed per poll: update -> settled
frame 2.5 ms median here against 8.4 ms for `Static.update` with a pre-built `rich.Text`.
An unchanged poll costs no frame.

Layout: line 0 is the status line (age of the data, "stale" marker, legend), line 1 the
column header; both stay put while the region rows scroll vertically, and the region
column stays put while the GPU columns scroll horizontally.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar, Literal, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from autodl_tui.catalog import REGIONS, now_cst
from autodl_tui.display import clean, fit
from autodl_tui.ui.age_wake import AgeWake
from autodl_tui.ui.guard import Guarded
from autodl_tui.ui.units import fetched_label

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from datetime import datetime

    from textual import events
    from textual.binding import BindingType

    from autodl_tui.api.models import GpuStock
    from autodl_tui.catalog import Region as CatalogRegion

__all__ = ["StockHeatmap", "StockLevel", "stock_level"]

StockLevel = Literal["missing", "empty", "low", "medium", "high"]
"""Availability class of a cell; "missing" means the region has no such model."""

_LEVELS: tuple[StockLevel, ...] = ("missing", "empty", "low", "medium", "high")
_FROZEN_LINES = 2  # status line + column header
_MAX_NAME = 16  # longer GPU names are cut with an ellipsis
_MIN_CELL = 5
_MISSING = "·"
_DIM = Style(dim=True)
_LEGEND: tuple[tuple[StockLevel, str], ...] = (
    ("empty", "0 idle"),
    ("low", "<5%"),
    ("medium", "<15%"),
    ("high", "≥15%"),
)


def stock_level(idle: int, total: int) -> StockLevel:
    """Classify a cell: no idle cards, under 5% idle, under 15% idle, or at least 15%."""
    if idle <= 0:
        return "empty"
    if total <= 0:
        return "high"  # idle cards with an unknown total are still available
    ratio = idle / total
    if ratio < 0.05:
        return "low"
    if ratio < 0.15:
        return "medium"
    return "high"


class _Cell(NamedTuple):
    idle: int
    total: int


@dataclass(frozen=True, slots=True)
class _Grid:
    """Everything that decides the geometry; a change here means a full relayout."""

    regions: tuple[str, ...]
    gpus: tuple[str, ...]
    widths: tuple[int, ...]


class StockHeatmap(Guarded, ScrollView, can_focus=True):
    """GPU stock per region and model: "idle/total" cells coloured by availability."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="heatmap-cursor-up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="heatmap-cursor-down"),
        Binding("left,h", "cursor_left", "Left", show=False, id="heatmap-cursor-left"),
        Binding("right,l", "cursor_right", "Right", show=False, id="heatmap-cursor-right"),
        Binding("home", "cursor_first", "First model", show=False, id="heatmap-cursor-first"),
        Binding("end", "cursor_last", "Last model", show=False, id="heatmap-cursor-last"),
        Binding("enter", "select_cell", "Select", id="heatmap-select"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "stock-heatmap--header",
        "stock-heatmap--region-code",
        "stock-heatmap--region-name",
        "stock-heatmap--current",
        "stock-heatmap--missing",
        "stock-heatmap--empty",
        "stock-heatmap--low",
        "stock-heatmap--medium",
        "stock-heatmap--high",
        "stock-heatmap--cursor",
        "stock-heatmap--cursor-blurred",
        "stock-heatmap--status",
        "stock-heatmap--stale",
    }

    DEFAULT_CSS = """
    StockHeatmap {
        height: auto;
        max-height: 100%;
        background: $surface;
        color: $foreground;
        overflow: auto auto;
        &:focus {
            background-tint: $foreground 5%;
        }
        & > .stock-heatmap--header { color: $text-muted; text-style: bold; }
        & > .stock-heatmap--region-code { color: $text-primary; }
        & > .stock-heatmap--region-name { color: $foreground; }
        & > .stock-heatmap--current { color: $text-accent; text-style: bold; }
        & > .stock-heatmap--missing { color: $text-disabled; }
        & > .stock-heatmap--empty { background: $error 20%; color: $text-muted; }
        & > .stock-heatmap--low { color: $text-error; text-style: bold; }
        & > .stock-heatmap--medium { color: $text-warning; }
        & > .stock-heatmap--high { color: $text-success; }
        & > .stock-heatmap--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .stock-heatmap--cursor-blurred {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .stock-heatmap--status { color: $text-muted; }
        & > .stock-heatmap--stale { background: $error; color: $text; text-style: bold; }
    }
    """

    # Line-API rows carry no offset metadata, so automatic text selection has nothing to use.
    ALLOW_SELECT = False

    class _CellMessage(Message):
        def __init__(
            self, heatmap: StockHeatmap, region: str, gpu_name: str, stock: GpuStock | None
        ) -> None:
            self.heatmap = heatmap
            """The heatmap that sent the message."""
            self.region = region
            """Region code of the cell, e.g. "westDC2"."""
            self.gpu_name = gpu_name
            """GPU model of the cell, e.g. "RTX 4090"."""
            self.stock = stock
            """The cell's stock, or None when the region has no such model."""
            super().__init__()

        @property
        def control(self) -> StockHeatmap:
            """The heatmap that sent the message."""
            return self.heatmap

    class CursorMoved(_CellMessage):
        """The cursor now rests on another (region, GPU model) cell."""

        def can_replace(self, message: Message) -> bool:
            """Let a newer move supersede an unhandled one (held arrow keys)."""
            return isinstance(message, StockHeatmap.CursorMoved) and message.heatmap is self.heatmap

    class CellSelected(_CellMessage):
        """The user pressed Enter (or double-clicked) on a cell."""

    def __init__(
        self,
        *,
        now: Callable[[], datetime] | None = None,
        regions: Sequence[CatalogRegion] = REGIONS,
        loading_text: str = "Loading GPU stock…",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._now: Callable[[], datetime] = now or now_cst
        self._catalog = tuple(regions)
        self._region_names = {region.code: region.name for region in self._catalog}
        self._loading_text = loading_text
        self._loaded = False
        self._stale = False
        self._fetched_at: datetime | None = None
        self._cells: dict[tuple[str, str], _Cell] = {}
        self._stock: dict[tuple[str, str], GpuStock] = {}
        self._grid = _Grid((), (), ())
        self._starts: list[int] = []  # x of each GPU column inside the grid
        self._bounds: list[int] = [0]  # column edges: the starts, then the grid's width
        self._grid_width = 0
        self._cursor_row = 0
        self._cursor_col = 0
        self._age_text = ""
        self.age_wake = AgeWake(self, self.refresh_age, "stock-heatmap-age")
        """Wakes the heatmap when its age label's text changes."""
        # Layout for the current widget width (full region names, or codes only).
        self._region_width = 0
        self._code_width = 0
        self._compact = False
        self._full_region_width = 0
        self._compact_region_width = 0
        self._styles: tuple[Style, ...] = ()
        self._level_styles: dict[StockLevel, Style] = {}
        self._stale_styles: dict[StockLevel, Style] = {}
        self._rows: LRUCache[int, Strip] = LRUCache(256)
        self._labels: dict[tuple[int, bool], Strip] = {}
        self._header: Strip | None = None

    # ------------------------------------------------------------------ public API

    @property
    def loaded(self) -> bool:
        """Whether any stock has been shown yet (before that the loading text shows)."""
        return self._loaded

    @property
    def stale(self) -> bool:
        """Whether the grid is marked stale (the last poll failed)."""
        return self._stale

    @property
    def fetched_at(self) -> datetime | None:
        """When the shown data was last fetched (or confirmed unchanged)."""
        return self._fetched_at

    @property
    def age_text(self) -> str:
        """The age label as last rendered, e.g. "stock 12s ago" ("" before data)."""
        return self._age_text

    @property
    def region_codes(self) -> tuple[str, ...]:
        """Row order: the catalogue's regions, then any unknown codes the service sent."""
        return self._grid.regions

    @property
    def gpu_names(self) -> tuple[str, ...]:
        """Column order: GPU models by total cards over all regions, most first."""
        return self._grid.gpus

    @property
    def cursor(self) -> tuple[str, str] | None:
        """(region code, GPU model) under the cursor, or None while there are no columns."""
        grid = self._grid
        if not grid.gpus or not grid.regions:
            return None
        return grid.regions[self._cursor_row], grid.gpus[self._cursor_col]

    def stock_at(self, region: str, gpu_name: str) -> GpuStock | None:
        """The stock of one cell, or None when the region has no such model."""
        return self._stock.get((region, gpu_name))

    def update_stock(self, stock: Mapping[str, Sequence[GpuStock]], fetched_at: datetime) -> bool:
        """Show new stock (region code -> models); returns False, repainting nothing, if unchanged.

        On unchanged data the newer `fetched_at` is still kept, so the age label (from its
        next tick) counts from the latest confirmation rather than from the first fetch.
        The stale marker is left alone: the app clears it with `set_stale(False)`.
        """
        cells: dict[tuple[str, str], _Cell] = {}
        by_key: dict[tuple[str, str], GpuStock] = {}
        for region, items in stock.items():
            for item in items:
                key = (region, item.gpu_name)
                old = by_key.get(key)
                if old is not None:
                    # The same model listed twice in one region: count both.
                    item = replace(old, idle=old.idle + item.idle, total=old.total + item.total)
                by_key[key] = item
                cells[key] = _Cell(item.idle, item.total)
        self._fetched_at = fetched_at
        grid = self._build_grid(cells, stock.keys())
        if self._loaded and cells == self._cells and grid == self._grid:
            return False
        previous = self.cursor
        old_cells = self._cells
        self._cells = cells
        self._stock = by_key
        first = not self._loaded
        self._loaded = True
        self.refresh_age(repaint=False)
        if first or grid != self._grid:
            self._set_grid(grid)
            self._restore_cursor(previous)
            self.refresh()
        else:
            changed_rows = {
                grid.regions.index(region)
                for region, gpu in cells.keys() ^ old_cells.keys()
                if region in grid.regions
            }
            changed_rows.update(
                grid.regions.index(key[0])
                for key, cell in cells.items()
                if old_cells.get(key) != cell and key[0] in grid.regions
            )
            for row in changed_rows:
                self._rows.discard(row)
                self._refresh_row(row)
            self._refresh_status()
        self._post_cursor(previous, force=first)
        return True

    def set_stale(self, stale: bool = True) -> None:
        """Mark the data as stale (dimmed grid, "stale" badge) or fresh again."""
        if stale == self._stale:
            return
        self._stale = stale
        self._rows.clear()
        self._header = None
        self.refresh()

    def refresh_age(self, *, repaint: bool = True) -> None:
        """Recompute the age label; repaints the status line only when its text changed.

        Then waits, with a one-shot timer, until the text will change (see `fetched_label`).
        """
        text = ""
        changes_in: float | None = None
        if self._loaded and self._fetched_at is not None:
            label = fetched_label(self._fetched_at, self._now())
            text, changes_in = f"stock {label.text}", label.changes_in
        if text != self._age_text:
            self._age_text = text
            if repaint:
                self._refresh_status()
        self.age_wake.schedule(changes_in)

    @property
    def age_ticks(self) -> int:
        """How many times the age timer fired (it fires only when the label may change)."""
        return self.age_wake.fired

    def move_cursor(self, region: str, gpu_name: str) -> bool:
        """Put the cursor on a cell; returns False if no such row or column is shown."""
        grid = self._grid
        if region not in grid.regions or gpu_name not in grid.gpus:
            return False
        self._move_to(grid.regions.index(region), grid.gpus.index(gpu_name))
        return True

    # ------------------------------------------------------------------ actions

    def action_cursor_up(self) -> None:
        """Move the cursor to the region above."""
        self._move_to(self._cursor_row - 1, self._cursor_col)

    def action_cursor_down(self) -> None:
        """Move the cursor to the region below."""
        self._move_to(self._cursor_row + 1, self._cursor_col)

    def action_cursor_left(self) -> None:
        """Move the cursor to the model on the left."""
        self._move_to(self._cursor_row, self._cursor_col - 1)

    def action_cursor_right(self) -> None:
        """Move the cursor to the model on the right."""
        self._move_to(self._cursor_row, self._cursor_col + 1)

    def action_cursor_first(self) -> None:
        """Move the cursor to the first (most plentiful) model."""
        self._move_to(self._cursor_row, 0)

    def action_cursor_last(self) -> None:
        """Move the cursor to the last model."""
        self._move_to(self._cursor_row, len(self._grid.gpus) - 1)

    def action_select_cell(self) -> None:
        """Post `CellSelected` for the cell under the cursor."""
        cursor = self.cursor
        if cursor is not None:
            self.post_message(self.CellSelected(self, *cursor, self.stock_at(*cursor)))

    # ------------------------------------------------------------------ events

    def on_mount(self) -> None:
        """Start waiting for the age label's next change (stock may have come before)."""
        self.refresh_age()

    def on_resize(self, event: events.Resize) -> None:
        """Fit the grid to the new width and keep the cursor in view."""
        self._apply_width()
        self._scroll_to_cursor()

    # Textual calls every class's handler along the MRO, so these don't call super().
    def on_focus(self, event: events.Focus) -> None:
        """Repaint the cursor's row (it shows focus)."""
        self._rows.discard(self._cursor_row)

    def on_blur(self, event: events.Blur) -> None:
        """Repaint the cursor's row (it shows focus)."""
        self._rows.discard(self._cursor_row)

    def on_click(self, event: events.Click) -> None:
        """Move the cursor to the clicked cell; a double click selects it."""
        offset = event.get_content_offset(self)
        if offset is None or not self._grid.gpus:
            return
        row = round(self.scroll_y) + offset.y - _FROZEN_LINES
        if offset.y < _FROZEN_LINES or not 0 <= row < len(self._grid.regions):
            return
        col = self._cursor_col
        if offset.x >= self._region_width:
            x = round(self.scroll_x) + offset.x - self._region_width
            if x >= self._grid_width:
                return
            col = max(0, bisect_right(self._starts, x) - 1)
        self._move_to(row, col)
        if event.chain >= 2:
            self.action_select_cell()

    # ------------------------------------------------------------------ model -> grid

    def _build_grid(self, cells: Mapping[tuple[str, str], _Cell], present: Iterable[str]) -> _Grid:
        known = [region.code for region in self._catalog]
        # A region code the catalogue doesn't know is still shown, after the known ones.
        extra = sorted(set(present).union(region for region, _ in cells) - set(known))
        regions = (*known, *extra)
        totals: dict[str, int] = {}
        widths: dict[str, int] = {}
        for (_, gpu), cell in cells.items():
            totals[gpu] = totals.get(gpu, 0) + max(0, cell.total)
            # Sized for idle == total, so a changing idle count never moves the columns.
            value = max(len(f"{cell.total}/{cell.total}"), len(f"{cell.idle}/{cell.total}"))
            widths[gpu] = max(widths.get(gpu, 0), value)
        gpus = tuple(sorted(totals, key=lambda gpu: (-totals[gpu], gpu)))
        sizes = tuple(
            max(_MIN_CELL, widths[gpu], min(_MAX_NAME, cell_len(clean(gpu)))) for gpu in gpus
        )
        return _Grid(regions, gpus, sizes)

    def _set_grid(self, grid: _Grid) -> None:
        self._grid = grid
        starts: list[int] = []
        x = 0
        for size in grid.widths:
            starts.append(x)
            x += size + 2
        self._starts = starts
        self._bounds = [*starts, x]
        self._grid_width = x
        code_width = min(
            _MAX_NAME, max((cell_len(clean(code)) for code in grid.regions), default=0)
        )
        name_width = max(
            (cell_len(self._region_names.get(code, "")) for code in grid.regions), default=0
        )
        self._code_width = code_width
        self._compact_region_width = code_width + 2
        self._full_region_width = code_width + 2 + name_width + 1 if name_width else code_width + 2
        self._rows.clear()
        self._labels.clear()
        self._header = None
        self._apply_width()

    def _apply_width(self) -> None:
        """Pick full or code-only region labels for the width, and set the virtual size."""
        if not self._loaded:
            self._region_width = 0
            self.virtual_size = Size(cell_len(self._loading_text) + 2, 1)
            return
        # Decided from the widget's own width (scrollbar room reserved) rather than the
        # viewport, which depends on the virtual size and could flip back and forth.
        room = self.size.width - self.styles.scrollbar_size_vertical
        first = self._grid.widths[0] + 2 if self._grid.widths else 0
        compact = room < self._full_region_width + first
        if compact != self._compact:
            self._compact = compact
            self._header = None
        self._region_width = self._compact_region_width if compact else self._full_region_width
        size = Size(self._region_width + self._grid_width, _FROZEN_LINES + len(self._grid.regions))
        if size != self.virtual_size:
            self.virtual_size = size

    def _restore_cursor(self, previous: tuple[str, str] | None) -> None:
        grid = self._grid
        if previous is not None:
            region, gpu = previous
            if region in grid.regions:
                self._cursor_row = grid.regions.index(region)
            if gpu in grid.gpus:
                self._cursor_col = grid.gpus.index(gpu)
        self._cursor_row = max(0, min(self._cursor_row, len(grid.regions) - 1))
        self._cursor_col = max(0, min(self._cursor_col, len(grid.gpus) - 1))

    def _post_cursor(self, previous: tuple[str, str] | None, *, force: bool = False) -> None:
        cursor = self.cursor
        if cursor is not None and (force or cursor != previous):
            self.post_message(self.CursorMoved(self, *cursor, self.stock_at(*cursor)))

    def _move_to(self, row: int, col: int) -> None:
        grid = self._grid
        if not grid.gpus or not grid.regions:
            return
        row = max(0, min(row, len(grid.regions) - 1))
        col = max(0, min(col, len(grid.gpus) - 1))
        if (row, col) == (self._cursor_row, self._cursor_col):
            return
        previous = self.cursor
        old_row, old_col = self._cursor_row, self._cursor_col
        self._cursor_row, self._cursor_col = row, col
        for changed in {old_row, row}:
            self._rows.discard(changed)
            self._labels.pop((changed, False), None)
            self._labels.pop((changed, True), None)
            self._refresh_row(changed)
        if col != old_col:
            self._header = None
            self.refresh(Region(0, 1, self.size.width, 1))
        self._scroll_to_cursor()
        self._post_cursor(previous)

    def _scroll_to_cursor(self) -> None:
        if not self._grid.gpus:
            return
        view = self.scrollable_content_region
        rows_view = max(1, view.height - _FROZEN_LINES)
        grid_view = max(1, view.width - self._region_width)
        x, y = round(self.scroll_x), round(self.scroll_y)
        left = self._starts[self._cursor_col]
        right = left + self._grid.widths[self._cursor_col] + 2
        if left < x:
            x = left
        elif right > x + grid_view:
            # Scroll to a column edge, so the leftmost column isn't cut (and blanked).
            bounds = self._bounds
            x = min(left, bounds[bisect_left(bounds, right - grid_view)])
        if self._cursor_row < y:
            y = self._cursor_row
        elif self._cursor_row >= y + rows_view:
            y = self._cursor_row - rows_view + 1
        if (x, y) != (round(self.scroll_x), round(self.scroll_y)):
            self.scroll_to(x, y, animate=False)

    def _refresh_row(self, row: int) -> None:
        y = _FROZEN_LINES + row - round(self.scroll_y)
        if y >= _FROZEN_LINES:
            self.refresh(Region(0, y, self.size.width, 1))

    def _refresh_status(self) -> None:
        self.refresh(Region(0, 0, self.size.width, 1))

    # ------------------------------------------------------------------ rendering

    def notify_style_update(self) -> None:
        """Styles changed (theme, focus tint): drop every pre-rendered strip."""
        super().notify_style_update()
        self._styles = ()

    def _prepare_styles(self) -> None:
        base = self.rich_style
        get = self.get_component_rich_style
        partial = (
            "stock-heatmap--header",
            "stock-heatmap--region-code",
            "stock-heatmap--region-name",
            "stock-heatmap--current",
            "stock-heatmap--status",
        )
        styles = (
            base,
            *(base + get(name, partial=True) for name in partial),
            get("stock-heatmap--cursor"),
            get("stock-heatmap--cursor-blurred"),
            get("stock-heatmap--stale"),
            *(base + get(f"stock-heatmap--{level}", partial=True) for level in _LEVELS),
        )
        if styles != self._styles:
            self._styles = styles
            self._level_styles = dict(zip(_LEVELS, styles[9:], strict=True))
            self._stale_styles = {
                level: style + _DIM for level, style in self._level_styles.items()
            }
            self._rows.clear()
            self._labels.clear()
            self._header = None

    def render_lines(self, crop: Region) -> list[Strip]:
        """Check the styles once per frame, then render the requested lines."""
        self._prepare_styles()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """Render one screen line: status, column header, or a region row."""
        if not self._styles:
            self._prepare_styles()
        width = self.scrollable_content_region.width
        if y == 0:
            return self._render_status().crop(0, width)
        if not self._loaded:
            return Strip.blank(0)
        if y == 1:
            label = self._label(-1)
            if self._header is None:
                self._header = self._render_header()
            grid = self._header
        else:
            row = round(self.scroll_y) + y - _FROZEN_LINES
            if not 0 <= row < len(self._grid.regions):
                return Strip.blank(0)
            label = self._label(row)
            strip = self._rows.get(row)
            if strip is None:
                strip = self._render_row(row)
                self._rows.set(row, strip)
            grid = strip
        region_width = min(self._region_width, width)
        if region_width >= width:
            return label.crop(0, width)
        x = round(self.scroll_x)
        start, end = self._span(x, width - region_width)
        gap = Strip.blank(start - x, self._styles[0]) if start > x else None
        return Strip.join([label, gap, grid.crop(start, end)])

    def _span(self, x: int, view: int) -> tuple[int, int]:
        """The whole columns inside grid cells [x, x + view): a cut-off "25/3" would lie."""
        bounds = self._bounds
        first = bisect_left(bounds, x)
        last = bisect_right(bounds, x + view) - 1
        if last > first:
            return bounds[first], bounds[last]
        return x, x  # not even one whole column fits: blank beats a misleading fragment

    def _label(self, row: int) -> Strip:
        """The region cell of a row (row -1: the header's corner), cached per layout."""
        key = (row, self._compact)
        strip = self._labels.get(key)
        if strip is None:
            strip = self._render_label(row)
            self._labels[key] = strip
        return strip

    def _render_label(self, row: int) -> Strip:
        base, header, code_style, name_style, current = self._styles[:5]
        width = self._region_width
        if row < 0:
            text = " Region"
            return Strip([Segment(fit(text, width).ljust(width), header)], width)
        code = self._grid.regions[row]
        if row == self._cursor_row:
            code_style = name_style = current
        shown = fit(code, self._code_width)
        shown += " " * (self._code_width - cell_len(shown))
        segments = [Segment(f" {shown} ", code_style)]
        if not self._compact:
            name = self._region_names.get(code, "")
            pad = width - self._compact_region_width - cell_len(name)
            segments.append(Segment(name + " " * pad, name_style))
        return Strip(segments, width)

    def _render_header(self) -> Strip:
        header, current = self._styles[1], self._styles[4]
        grid = self._grid
        segments = []
        for col, (gpu, size) in enumerate(zip(grid.gpus, grid.widths, strict=True)):
            name = fit(gpu, size)
            text = " " * (size - cell_len(name)) + name
            style = current if col == self._cursor_col else header
            segments.append(Segment(f" {text} ", style))
        return Strip(segments, self._grid_width)

    def _render_row(self, row: int) -> Strip:
        styles = self._level_styles
        cursor_style = self._styles[6] if self.has_focus else self._styles[7]
        if self._stale:
            styles = self._stale_styles
            cursor_style += _DIM
        grid = self._grid
        region = grid.regions[row]
        cells = self._cells
        cursor_col = self._cursor_col if row == self._cursor_row else -1
        segments = []
        for col, (gpu, size) in enumerate(zip(grid.gpus, grid.widths, strict=True)):
            cell = cells.get((region, gpu))
            if cell is None:
                level: StockLevel = "missing"
                left = (size - 1) // 2
                text = f"{' ' * (left + 1)}{_MISSING}{' ' * (size - left)}"
            else:
                level = stock_level(cell.idle, cell.total)
                value = f"{cell.idle}/{cell.total}"
                text = f" {' ' * (size - len(value))}{value} "
            style = cursor_style if col == cursor_col else styles[level]
            segments.append(Segment(text, style))
        return Strip(segments, self._grid_width)

    def _render_status(self) -> Strip:
        base, status, stale = self._styles[0], self._styles[5], self._styles[8]
        segments: list[Segment] = []
        if not self._loaded:
            segments.append(Segment(f" {self._loading_text}", status))
        elif self._age_text:
            segments.append(Segment(f" {self._age_text}", status))
        if self._stale:
            segments += [Segment(" ", base), Segment(" stale ", stale)]
        if self._loaded:
            segments.append(Segment("   ", base))
            levels = self._level_styles
            for level, label in _LEGEND:
                segments += [Segment(f" {label} ", levels[level]), Segment(" ", base)]
            segments.append(Segment(f" {_MISSING} none ", levels["missing"]))
        return Strip(segments)
