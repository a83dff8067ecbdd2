"""Pilot and unit tests for the GPU stock heatmap."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip

from autodl_tui.api.models import GpuStock
from autodl_tui.catalog import CST, REGIONS
from autodl_tui.ui.widgets.heatmap import StockHeatmap, stock_level

T0 = datetime(2025, 6, 1, 9, 0, 0, tzinfo=CST)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def make_stock(
    cells: Mapping[tuple[str, str], tuple[int, int]],
) -> dict[str, list[GpuStock]]:
    stock: dict[str, list[GpuStock]] = {}
    for (region, gpu), (idle, total) in cells.items():
        stock.setdefault(region, []).append(GpuStock(region, gpu, idle, total))
    return stock


BASE: dict[tuple[str, str], tuple[int, int]] = {
    ("westDC2", "RTX 4090"): (3, 40),
    ("westDC2", "A800-80GB"): (0, 16),
    ("westDC3", "RTX 4090"): (30, 100),
    ("beijingDC1", "RTX 3090"): (12, 100),
    ("beijingDC4", "L20"): (1, 300),
}
# Column order is by total cards: RTX 4090 140, L20 300 -> L20 first.
COLUMNS = ("L20", "RTX 4090", "RTX 3090", "A800-80GB")


class CountingHeatmap(StockHeatmap):
    """Counts row renders and refresh calls."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rendered_rows: list[int] = []
        self.refreshes = 0

    def _render_row(self, row: int) -> Strip:
        self.rendered_rows.append(row)
        return super()._render_row(row)

    def refresh(self, *args: Any, **kwargs: Any) -> Any:
        self.refreshes += 1
        return super().refresh(*args, **kwargs)


class HeatmapApp(App[None]):
    def __init__(self, stock: Mapping[str, Sequence[GpuStock]] | None = None) -> None:
        super().__init__()
        self.clock = Clock()
        self.initial = stock
        self.moved: list[tuple[str, str, GpuStock | None]] = []
        self.selected: list[tuple[str, str, GpuStock | None]] = []

    def compose(self) -> ComposeResult:
        yield CountingHeatmap(now=self.clock)

    def on_mount(self) -> None:
        if self.initial is not None:
            self.heatmap.update_stock(self.initial, T0)
        self.heatmap.focus()

    @property
    def heatmap(self) -> CountingHeatmap:
        return self.query_one(CountingHeatmap)

    def on_stock_heatmap_cursor_moved(self, message: StockHeatmap.CursorMoved) -> None:
        self.moved.append((message.region, message.gpu_name, message.stock))

    def on_stock_heatmap_cell_selected(self, message: StockHeatmap.CellSelected) -> None:
        self.selected.append((message.region, message.gpu_name, message.stock))


def screen_lines(widget: StockHeatmap) -> list[str]:
    width, height = widget.size
    return [strip.text for strip in widget.render_lines(Region(0, 0, width, height))]


# ---------------------------------------------------------------- pure functions


@pytest.mark.parametrize(
    ("idle", "total", "level"),
    [
        (0, 100, "empty"),
        (0, 0, "empty"),
        (-1, 10, "empty"),
        (1, 100, "low"),
        (4, 100, "low"),
        (5, 100, "medium"),
        (14, 100, "medium"),
        (15, 100, "high"),
        (100, 100, "high"),
        (3, 0, "high"),
        (1, 21, "low"),
        (1, 20, "medium"),
        (1, 6, "high"),
    ],
)
def test_stock_level_thresholds(idle: int, total: int, level: str) -> None:
    assert stock_level(idle, total) == level


# ---------------------------------------------------------------- rendering


async def test_loading_text_before_first_data() -> None:
    app = HeatmapApp()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        lines = screen_lines(app.heatmap)
        assert "Loading GPU stock" in lines[0]
        assert not app.heatmap.loaded
        assert app.heatmap.cursor is None


async def test_shows_regions_names_and_idle_total() -> None:
    app = HeatmapApp(make_stock(BASE))
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        heatmap = app.heatmap
        text = "\n".join(screen_lines(heatmap))
        assert heatmap.gpu_names == COLUMNS
        assert heatmap.region_codes == tuple(region.code for region in REGIONS)
        for region in REGIONS:
            assert region.code in text
            assert region.name in text
        for idle, total in BASE.values():
            assert f"{idle}/{total}" in text
        assert "stock 09:00:00" in text
        # Wide (CJK) region names still line up: every row's first cell ends at one column.
        lines = screen_lines(heatmap)
        header = lines[1]
        row = next(line for line in lines if "westDC2" in line)
        assert row.index("3/40") + len("3/40") <= len(header)


async def test_unknown_region_code_gets_a_row() -> None:
    app = HeatmapApp(make_stock({**BASE, ("marsDC1", "RTX 4090"): (1, 2)}))
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        assert app.heatmap.region_codes[-1] == "marsDC1"
        assert any("marsDC1" in line and "1/2" in line for line in screen_lines(app.heatmap))


async def test_cells_use_level_styles() -> None:
    app = HeatmapApp(make_stock(BASE))
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        heatmap = app.heatmap
        heatmap.move_cursor("foshanDC1", "L20")  # keep the cursor off the rows we inspect
        styles = {
            level: heatmap.get_component_rich_style(f"stock-heatmap--{level}", partial=True)
            for level in ("empty", "low", "medium", "high", "missing")
        }
        segments = {seg.text.strip(): seg.style for seg in heatmap._render_row(0)}
        assert segments["3/40"] is not None and segments["3/40"].color == styles["medium"].color
        assert segments["0/16"] is not None
        assert segments["0/16"].bgcolor == styles["empty"].bgcolor
        assert segments["·"] is not None and segments["·"].color == styles["missing"].color
        row2 = {seg.text.strip(): seg.style for seg in heatmap._render_row(1)}
        assert row2["30/100"] is not None and row2["30/100"].color == styles["high"].color
        row5 = {seg.text.strip(): seg.style for seg in heatmap._render_row(4)}
        assert row5["1/300"] is not None and row5["1/300"].color == styles["low"].color


async def test_identical_update_returns_false_and_does_not_refresh() -> None:
    app = HeatmapApp(make_stock(BASE))
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        heatmap = app.heatmap
        refreshes = heatmap.refreshes
        rendered = len(heatmap.rendered_rows)
        later = T0 + timedelta(seconds=30)
        # Equal data in new objects, and in another order.
        same = make_stock(dict(reversed(list(BASE.items()))))
        assert heatmap.update_stock(same, later) is False
        assert heatmap.refreshes == refreshes
        await pilot.pause()
        assert len(heatmap.rendered_rows) == rendered
        # The confirmation time is kept, so the age counts from the latest poll.
        assert heatmap.fetched_at == later


async def test_changed_cell_rerenders_only_its_row() -> None:
    app = HeatmapApp(make_stock(BASE))
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        heatmap = app.heatmap
        heatmap.rendered_rows.clear()
        changed = {**BASE, ("westDC3", "RTX 4090"): (29, 100)}
        assert heatmap.update_stock(make_stock(changed), T0) is True
        await pilot.pause()
        assert heatmap.rendered_rows == [1]
        assert any("29/100" in line for line in screen_lines(heatmap))


async def test_stale_marker_dims_grid_and_keeps_data() -> None:
    app = HeatmapApp(make_stock(BASE))
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        heatmap = app.heatmap
        heatmap.set_stale(True)
        await pilot.pause()
        lines = screen_lines(heatmap)
        assert "stale" in lines[0]
        assert any("30/100" in line for line in lines)
        assert heatmap.stale
        assert all(seg.style is not None and seg.style.dim for seg in heatmap._render_row(1))
        heatmap.set_stale(False)
        await pilot.pause()
        assert "stale" not in screen_lines(heatmap)[0]
        assert not any(seg.style is not None and seg.style.dim for seg in heatmap._render_row(1))


async def test_stale_before_first_data_shows_marker() -> None:
    app = HeatmapApp()
    async with app.run_test(size=(60, 10)) as pilot:
        app.heatmap.set_stale(True)
        await pilot.pause()
        line = screen_lines(app.heatmap)[0]
        assert "Loading" in line and "stale" in line


async def test_age_label_uses_injected_clock() -> None:
    app = HeatmapApp(make_stock(BASE))
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        heatmap = app.heatmap
        assert heatmap.age_text == "stock 09:00:00"
        app.clock.now = T0 + timedelta(seconds=12)
        heatmap.refresh_age()
        assert heatmap.age_text == "stock 09:00:00"  # under a minute: the time says it all
        app.clock.now = T0 + timedelta(seconds=75)
        heatmap.refresh_age()
        await pilot.pause()
        assert heatmap.age_text == "stock 09:00:00 (1m ago)"
        assert "stock 09:00:00 (1m ago)" in screen_lines(heatmap)[0]
        # The next wake-up is when the text changes (at 2m), not a second from now.
        delay = heatmap.age_wake.delay
        assert delay is not None and delay >= 45.0
        assert heatmap.age_ticks == 0


async def test_cursor_moves_post_region_and_gpu() -> None:
    app = HeatmapApp(make_stock(BASE))
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        heatmap = app.heatmap
        assert heatmap.cursor == ("westDC2", "L20")
        assert app.moved[-1][:2] == ("westDC2", "L20")
        await pilot.press("right")
        assert app.moved[-1][:2] == ("westDC2", "RTX 4090")
        stock = app.moved[-1][2]
        assert stock is not None and (stock.idle, stock.total) == (3, 40)
        await pilot.press("j", "l", "l")
        assert heatmap.cursor == ("westDC3", "A800-80GB")
        assert app.moved[-1] == ("westDC3", "A800-80GB", None)
        await pilot.press("k", "h")
        assert heatmap.cursor == ("westDC2", "RTX 3090")
        await pilot.press("up", "left", "left", "left", "left")  # clamped at the edges
        assert heatmap.cursor == ("westDC2", "L20")
        await pilot.press("end")
        assert heatmap.cursor == ("westDC2", "A800-80GB")
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == [("westDC2", "A800-80GB", heatmap.stock_at("westDC2", "A800-80GB"))]
        assert heatmap.move_cursor("beijingDC4", "L20")
        assert not heatmap.move_cursor("nowhere", "L20")


async def test_cursor_keeps_its_cell_when_columns_reorder() -> None:
    app = HeatmapApp(make_stock(BASE))
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        heatmap = app.heatmap
        assert heatmap.move_cursor("westDC3", "RTX 4090")
        await pilot.pause()
        moves = len(app.moved)
        # RTX 4090 now has the most cards, so it becomes the first column.
        heatmap.update_stock(make_stock({**BASE, ("foshanDC1", "RTX 4090"): (0, 900)}), T0)
        await pilot.pause()
        assert heatmap.gpu_names[0] == "RTX 4090"
        assert heatmap.cursor == ("westDC3", "RTX 4090")
        assert len(app.moved) == moves  # same cell: no message


async def test_click_moves_cursor() -> None:
    app = HeatmapApp(make_stock(BASE))
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        heatmap = app.heatmap
        header = screen_lines(heatmap)[1]
        x = header.index("RTX 3090")
        await pilot.click(StockHeatmap, offset=(x + 2, 2 + 2))  # third region row
        assert heatmap.cursor == ("beijingDC1", "RTX 3090")


async def test_narrow_width_shows_codes_and_whole_cells_only() -> None:
    cells = {
        (region.code, f"GPU-{index:02d}"): (index * 7 % 50, 100 + index)
        for region in REGIONS
        for index in range(20)
    }
    app = HeatmapApp(make_stock(cells))
    async with app.run_test(size=(38, 20)) as pilot:
        await pilot.pause()
        heatmap = app.heatmap
        valid = {f"{idle}/{total}" for idle, total in cells.values()}
        for _ in range(25):
            lines = screen_lines(heatmap)
            assert "西北企业区" not in "\n".join(lines)  # codes only when narrow
            for line in lines[2:]:
                for token in re.findall(r"[\d/]+", line.strip().partition(" ")[2]):
                    assert token in valid, (token, line)
            # The action scrolls synchronously; no need to wait for a frame.
            heatmap.action_cursor_right()
        assert heatmap.cursor is not None and heatmap.cursor[1] == heatmap.gpu_names[-1]
        assert heatmap.scroll_x == heatmap.max_scroll_x


SIZES = [(1, 1), (2, 2), (1, 30), (80, 1), (12, 3), (30, 6), (3, 14)]


async def test_tiny_sizes_do_not_crash() -> None:
    app = HeatmapApp()
    async with app.run_test(size=SIZES[0]) as pilot:
        for index, (width, height) in enumerate(SIZES):
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            screen_lines(app.heatmap)
            if index == 2:
                app.heatmap.update_stock(make_stock(BASE), T0)
            if index == 4:
                app.heatmap.set_stale(True)
            app.heatmap.action_cursor_right()
            app.heatmap.action_cursor_down()
            app.heatmap.action_select_cell()
            await pilot.pause()  # a real frame at this size
            screen_lines(app.heatmap)
        assert app.heatmap.cursor == ("beijingDC3", "A800-80GB")


async def test_duplicate_models_are_summed_and_odd_names_are_safe() -> None:
    stock = make_stock(BASE)
    stock["westDC2"].append(GpuStock("westDC2", "RTX 4090", 2, 10))
    stock["westDC3"].append(GpuStock("westDC3", "bad\x1b[2Jname", 1, 1))
    app = HeatmapApp(stock)
    async with app.run_test(size=(160, 20)) as pilot:
        await pilot.pause()
        heatmap = app.heatmap
        merged = heatmap.stock_at("westDC2", "RTX 4090")
        assert merged is not None and (merged.idle, merged.total) == (5, 50)
        text = "\n".join(screen_lines(heatmap))
        assert "5/50" in text
        assert "\x1b" not in text and "bad␛[2Jname" in text
        assert heatmap.update_stock({}, T0) is True  # everything gone: rows stay, no columns
        await pilot.pause()
        assert heatmap.cursor is None and heatmap.gpu_names == ()
        assert any("westDC2" in line for line in screen_lines(heatmap))
