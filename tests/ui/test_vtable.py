"""Pilot and unit tests for the virtualised table widget."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.strip import Strip

from autodl_tui.ui.widgets import Column, Row, VirtualTable

SIZE = (80, 20)
PAGE = SIZE[1] - 1  # one line is the header

COLUMNS = [
    Column("name", "Name"),
    Column("status", "Status"),
    Column("gpus", "GPUs", align="right"),
]


def make_rows(count: int, *, prefix: str = "r") -> list[Row]:
    return [
        Row(
            f"{prefix}{i:05d}",
            (f"{prefix}{i:05d}", "running" if i % 3 else "stopped", str(i % 8)),
            sort_values=(None, None, i % 8),
        )
        for i in range(count)
    ]


class CountingTable(VirtualTable):
    """Counts row renders and render_line calls."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rendered: list[str] = []
        self.lines = 0

    def render_line(self, y: int) -> Strip:
        self.lines += 1
        return super().render_line(y)

    def _render_row(self, row: Row, style: Style, width: int, ages: tuple[str, ...]) -> Strip:
        self.rendered.append(row.key)
        return super()._render_row(row, style, width, ages)


class TableApp(App[None]):
    def __init__(
        self,
        rows: Sequence[Row] = (),
        columns: Sequence[Column] = COLUMNS,
        **table_kwargs: Any,
    ) -> None:
        super().__init__()
        self.initial_rows = rows
        self.columns = columns
        self.table_kwargs = table_kwargs
        self.moved: list[str | None] = []
        self.activated: list[str] = []

    def compose(self) -> ComposeResult:
        yield CountingTable(self.columns, **self.table_kwargs)

    def on_mount(self) -> None:
        self.table.set_rows(self.initial_rows)
        self.table.focus()

    @property
    def table(self) -> CountingTable:
        return self.query_one(CountingTable)

    def on_virtual_table_cursor_moved(self, message: VirtualTable.CursorMoved) -> None:
        self.moved.append(message.key)

    def on_virtual_table_row_activated(self, message: VirtualTable.RowActivated) -> None:
        self.activated.append(message.key)


def screen_lines(app: App[Any]) -> list[str]:
    update = app.screen._compositor.render_full_update()
    return ["".join(strip.text for strip in line) for line in update.strips]


def line_text(table: VirtualTable, y: int) -> str:
    return table.render_line(y).text


# ---------------------------------------------------------------- cursor keys


async def test_cursor_keys_and_messages() -> None:
    app = TableApp(make_rows(100))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.pause()
        assert table.cursor_key == "r00000"
        assert app.moved == ["r00000"]
        await pilot.press("down", "j", "down")
        assert table.cursor_key == "r00003"
        await pilot.press("up", "k")
        assert table.cursor_key == "r00001"
        await pilot.press("up", "up", "up")  # clamps at the top
        assert table.cursor_index == 0
        await pilot.pause()
        assert app.moved[-1] == "r00000"
        await pilot.press("enter")
        await pilot.pause()
        assert app.activated == ["r00000"]


async def test_page_down_home_end() -> None:
    app = TableApp(make_rows(100))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.press("pagedown")
        assert table.cursor_index == PAGE
        assert table.scroll_offset.y == PAGE
        assert table.keys_in_view[0] == table.cursor_key
        await pilot.press("pageup")
        assert table.cursor_index == 0
        assert table.scroll_offset.y == 0
        await pilot.press("end")
        assert table.cursor_key == "r00099"
        assert table.keys_in_view[-1] == "r00099"
        await pilot.press("home")
        assert table.cursor_key == "r00000"
        await pilot.press("G")
        assert table.cursor_index == 99
        await pilot.press("g")
        assert table.cursor_index == 0
        assert table.scroll_offset.y == 0


async def test_ten_thousand_rows_cursor_to_end_renders_only_visible_rows() -> None:
    rows = make_rows(10_000)
    app = TableApp()
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.pause()
        table.rendered.clear()
        assert table.set_rows(rows) == 10_000
        await pilot.pause()
        assert table.row_count == table.total_count == 10_000
        # Only the on-screen rows were ever rendered: not 10,000.
        assert 0 < len(set(table.rendered)) <= PAGE
        await pilot.press("end")
        assert table.cursor_key == "r09999"
        assert table.keys_in_view == tuple(f"r{i:05d}" for i in range(10_000 - PAGE, 10_000))
        assert len(set(table.rendered)) <= 2 * PAGE + 1
        assert line_text(table, PAGE).startswith(" r09999")


# ---------------------------------------------------------------- set_rows diff


async def test_identical_set_rows_returns_zero_without_refresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = make_rows(1_000)
    app = TableApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.pause()
        refreshes: list[object] = []
        original = table.refresh

        def counting_refresh(*args: Any, **kwargs: Any) -> Any:
            refreshes.append(args)
            return original(*args, **kwargs)

        monkeypatch.setattr(table, "refresh", counting_refresh)
        table.rendered.clear()
        table.lines = 0
        moved = list(app.moved)
        # Equal but freshly built rows: the usual case for a poll that changed nothing.
        assert table.set_rows(make_rows(1_000)) == 0
        assert table.set_rows(rows) == 0
        await pilot.pause()
        assert refreshes == []
        assert table.rendered == [] and table.lines == 0
        assert app.moved == moved


async def test_changed_rows_invalidate_only_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = make_rows(1_000)
    app = TableApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.pause()
        table.rendered.clear()
        changed = list(rows)
        changed[5] = changed[5]._replace(cells=("r00005", "failed", "5"), style="bold red")
        changed[500] = changed[500]._replace(cells=("r00500", "failed", "4"))  # off screen
        assert table.set_rows(changed) == 2
        await pilot.pause()
        assert table.rendered == ["r00005"]
        assert "failed" in line_text(table, 6)
        segments = list(table.render_line(6))
        assert any(seg.style and seg.style.bold and seg.style.color for seg in segments)
        # A change that is entirely off screen repaints nothing.
        refreshes: list[object] = []
        original = table.refresh

        def counting_refresh(*args: Any, **kwargs: Any) -> Any:
            refreshes.append(args)
            return original(*args, **kwargs)

        monkeypatch.setattr(table, "refresh", counting_refresh)
        changed[900] = changed[900]._replace(cells=("r00900", "failed", "4"))
        table.rendered.clear()
        assert table.set_rows(changed) == 1
        await pilot.pause()
        assert refreshes == []
        assert table.rendered == []


async def test_cursor_kept_by_key_across_reorder_remove_add() -> None:
    rows = make_rows(50)
    app = TableApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        assert table.move_cursor_to_key("r00010")
        await pilot.pause()
        # Reversed order plus a new row: the cursor follows its row.
        reordered = [Row("new", ("new", "running", "1")), *reversed(rows)]
        assert table.set_rows(reordered) == 1
        assert table.cursor_key == "r00010"
        assert table.visible_keys[table.cursor_index or 0] == "r00010"
        await pilot.pause()
        moves = len(app.moved)
        # Removing the cursor row moves to the nearest survivor (the next row below).
        without = [row for row in reordered if row.key != "r00010"]
        assert table.set_rows(without) == 1
        assert table.cursor_key == "r00009"
        await pilot.pause()
        assert app.moved[moves:] == ["r00009"]
        # Removing a block: the nearest survivor is now the row above; removing
        # everything empties the table.
        keep = [row for row in without if row.key not in {"r00009", "r00008", "r00007"}]
        table.set_rows(keep)
        assert table.cursor_key == "r00011"
        assert table.set_rows([]) == len(keep)
        assert table.cursor_key is None and table.cursor_index is None
        await pilot.pause()
        assert app.moved[-1] is None
        assert "No rows" in "\n".join(screen_lines(app))


async def test_cursor_screen_line_is_kept_when_rows_are_inserted_above() -> None:
    rows = make_rows(200)
    app = TableApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.move_cursor_to_key("r00100")
        await pilot.pause()
        screen_line = table.cursor_index - table.scroll_offset.y  # type: ignore[operator]
        table.set_rows([*make_rows(5, prefix="a"), *rows])
        await pilot.pause()
        assert table.cursor_key == "r00100"
        assert table.cursor_index - table.scroll_offset.y == screen_line  # type: ignore[operator]


# ---------------------------------------------------------------- sort


async def test_sort_numeric_reverse_and_cursor_kept() -> None:
    rows = [
        Row("a", ("a", "x", "10"), sort_values=(None, None, 10)),
        Row("b", ("b", "y", "9"), sort_values=(None, None, 9)),
        Row("c", ("c", "z", "100"), sort_values=(None, None, 100)),
        Row("d", ("d", "w", "?"), sort_values=(None, None, None)),
    ]
    app = TableApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.move_cursor_to_key("c")
        table.sort_by("gpus")
        # Numeric (text would give 10, 100, 9); None falls back to the text, after numbers.
        assert table.visible_keys == ("b", "a", "c", "d")
        assert table.cursor_key == "c"
        assert "GPUs ▲" in line_text(table, 0)
        table.sort_by("gpus")  # same column toggles
        assert table.sort_reverse
        assert table.visible_keys == ("d", "c", "a", "b")
        assert "GPUs ▼" in line_text(table, 0)
        assert table.cursor_key == "c" and table.cursor_index == 1
        table.sort_by("status", reverse=False)  # text sort of the cells
        assert table.visible_keys == ("d", "a", "b", "c")
        table.clear_sort()
        assert table.visible_keys == ("a", "b", "c", "d")
        with pytest.raises(KeyError):
            table.sort_by("nope")
        await pilot.pause()


async def test_sort_is_stable_and_keys_cycle() -> None:
    rows = [
        Row(k, (k, s, "0")) for k, s in [("a", "up"), ("b", "down"), ("c", "up"), ("d", "down")]
    ]
    app = TableApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.press("o")  # first sortable column
        assert table.sort_column == "name"
        await pilot.press("o")
        assert table.sort_column == "status"
        assert table.visible_keys == ("b", "d", "a", "c")  # ties keep source order
        await pilot.press("O")
        assert table.sort_reverse
        assert table.visible_keys == ("a", "c", "b", "d")
        await pilot.press("o", "o")  # past the last column: back to source order
        assert table.sort_column is None
        assert table.visible_keys == ("a", "b", "c", "d")


async def test_set_rows_resorts_when_sort_values_change() -> None:
    rows = [Row(k, (k, "s", str(v)), sort_values=(None, None, v)) for v, k in enumerate("abc", 1)]
    app = TableApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.sort_by("gpus")
        table.move_cursor_to_key("a")
        table.set_rows(
            [rows[0]._replace(cells=("a", "s", "9"), sort_values=(None, None, 9)), *rows[1:]]
        )
        assert table.visible_keys == ("b", "c", "a")
        assert table.cursor_key == "a"
        await pilot.pause()


# ---------------------------------------------------------------- filter


async def test_filter_first_match_cursor_and_clear() -> None:
    rows = [
        Row("w1", ("web-1", "Running", "1")),
        Row("d1", ("db-1", "stopped", "2")),
        Row("w2", ("web-2", "running", "3")),
        Row("c1", ("cache", "RUNNING", "4")),
    ]
    app = TableApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.move_cursor_to_key("w2")
        assert table.set_filter("RUN") == "w1"  # case-insensitive
        assert table.visible_keys == ("w1", "w2", "c1")
        assert (table.matched_count, table.total_count) == (3, 4)
        assert table.cursor_key == "w2"  # still matches: kept
        assert table.set_filter("runningc") is None  # no match across cell borders
        assert table.cursor_key is None
        # After a typo the cursor returns to the row it was on.
        assert table.set_filter("web") == "w1"
        assert table.cursor_key == "w2"
        assert table.set_filter("db") == "d1"
        assert table.cursor_key == "d1"  # old row hidden: first match
        assert table.filter_text == "db"
        assert table.set_filter("zzz") is None
        assert table.cursor_key is None
        await pilot.pause()
        assert "No matching rows" in "\n".join(screen_lines(app))
        assert table.set_filter("") == "w1"
        assert table.visible_keys == ("w1", "d1", "w2", "c1")
        assert table.cursor_key == "d1"  # back on the last row the cursor was on


async def test_filter_applies_to_rows_set_later() -> None:
    app = TableApp(make_rows(10))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.set_filter("stopped")
        assert table.visible_keys == ("r00000", "r00003", "r00006", "r00009")
        rows = make_rows(10)
        rows[1] = rows[1]._replace(cells=("r00001", "stopped", "1"))
        table.set_rows(rows)
        assert table.visible_keys == ("r00000", "r00001", "r00003", "r00006", "r00009")
        await pilot.pause()


async def test_filter_keystrokes_on_ten_thousand_rows_narrow_widen_and_keep_the_cursor() -> None:
    app = TableApp(make_rows(10_000))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        assert table.move_cursor_to_key("r00123")
        matched = []
        for text in ("r", "r0", "r00", "r001", "r0012", "r00123"):
            table.set_filter(text)
            matched.append(table.matched_count)
            assert table.cursor_key == "r00123"  # still matches every prefix: kept
        assert matched == [10_000, 10_000, 1_000, 100, 10, 1]
        assert table.visible_keys == ("r00123",)
        # Widening again (backspace) brings rows back in order, cursor on the same row.
        table.set_filter("r001")
        assert table.matched_count == 100
        assert table.visible_keys[:3] == ("r00100", "r00101", "r00102")
        assert table.cursor_key == "r00123"
        table.set_filter("")
        assert table.matched_count == 10_000
        assert table.cursor_key == "r00123" and table.cursor_index == 123
        await pilot.pause()
        assert table.keys_in_view[0] <= "r00123" <= table.keys_in_view[-1]


async def test_ten_thousand_sorted_rows_refreshed_with_churn_keep_order_and_cursor() -> None:
    import random

    rows = make_rows(10_000)
    app = TableApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.sort_by("gpus")
        table.set_filter("running")
        assert table.move_cursor_to_key("r05000")
        rnd = random.Random(1)
        for _ in range(5):
            for index in rnd.sample(range(10_000), 500):
                if index == 5000:
                    continue
                value = rnd.randint(0, 99)
                status = rnd.choice(("running", "stopped"))
                rows[index] = rows[index]._replace(
                    cells=(rows[index].key, status, str(value)), sort_values=(None, None, value)
                )
            assert table.set_rows(list(rows)) > 0
            shown = [table.get_row(key) for key in table.visible_keys]
            values = [row.sort_values[2] for row in shown if row and row.sort_values]
            assert values == sorted(values)  # still sorted by the numeric column
            assert all(row and row.cells[1] == "running" for row in shown)  # still filtered
            expected = sum(1 for row in rows if row.cells[1] == "running")
            assert (table.matched_count, table.total_count) == (expected, 10_000)
            assert table.cursor_key == "r05000"  # selection kept by key
            await pilot.pause()
            assert "r05000" in table.keys_in_view


# ---------------------------------------------------------------- mouse


async def test_click_selects_row_and_header_sorts() -> None:
    app = TableApp(make_rows(30))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.click(CountingTable, offset=(3, 4))
        assert table.cursor_key == "r00003"
        await pilot.click(CountingTable, offset=(3, 5), times=2)
        await pilot.pause()
        assert app.activated == ["r00004"]
        await pilot.click(CountingTable, offset=(2, 0))  # "Name" header
        assert table.sort_column == "name"
        await pilot.click(CountingTable, offset=(2, 0))
        assert table.sort_reverse
        assert table.cursor_key == "r00004"


async def test_mouse_wheel_scrolls_without_moving_cursor() -> None:
    app = TableApp(make_rows(100))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        for _ in range(2):
            table.post_message(events.MouseScrollDown(table, 5, 5, 0, 1, 0, False, False, False))
        await pilot.pause()
        assert table.scroll_offset.y > 0
        assert table.cursor_key == "r00000"
        top = table.keys_in_view[0]
        assert line_text(table, 1).startswith(f" {top}")


# ---------------------------------------------------------------- rendering


async def test_header_stays_and_cells_align_truncate() -> None:
    columns = [
        Column("name", "Name", width=6),
        Column("n", "N", width=4, align="right"),
        Column("t", "Styled"),
    ]
    rows = [
        Row("a", ("abcdefghij", "7", Text("hot", style="red"))),
        Row("b", ("x\ty", "12345", Text("中文中文", style="bold"))),
    ]
    app = TableApp(rows, columns=columns, max_auto_width=5)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.pause()
        # Fixed widths 6 and 4; the auto column is capped at 5 but never cuts its label.
        assert line_text(table, 0).startswith(" Name       N  Styled ")
        assert line_text(table, 1).startswith(" abcde…     7  hot    ")
        # Control characters become spaces; wide text keeps exact cell widths, and a cut
        # through a wide character puts the ellipsis right after the last whole one.
        assert line_text(table, 2).startswith(" x y     123…  中文…  ")
        for y in range(4):
            assert table.render_line(y).cell_length == table.size.width
        red = [seg for seg in table.render_line(1) if seg.text.startswith("hot")]
        assert red and red[0].style is not None and red[0].style.color is not None


async def test_columns_wider_than_screen_end_with_ellipsis() -> None:
    columns = [Column(f"c{i}", f"Col{i}", width=12) for i in range(10)]
    rows = [Row("a", tuple("v" * 12 for _ in range(10)))]
    app = TableApp(rows, columns=columns)
    async with app.run_test(size=(50, 6)) as pilot:
        await pilot.pause()
        lines = screen_lines(app)
        assert lines[1].rstrip().endswith("…")
        assert all(len(line) == 50 for line in lines)


async def test_cursor_row_is_highlighted_full_width() -> None:
    app = TableApp(make_rows(5))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.pause()
        cursor = {seg.style.bgcolor for seg in table.render_line(1) if seg.style}
        other = {seg.style.bgcolor for seg in table.render_line(2) if seg.style}
        assert len(cursor) == 1 and cursor != other
        table.blur()
        await pilot.pause()
        blurred = {seg.style.bgcolor for seg in table.render_line(1) if seg.style}
        assert blurred != cursor


async def test_zebra_stripes_and_empty_text() -> None:
    app = TableApp(make_rows(4), zebra_stripes=True, empty_text="Loading…")
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.pause()
        even = {seg.style.bgcolor for seg in table.render_line(3) if seg.style}
        odd = {seg.style.bgcolor for seg in table.render_line(4) if seg.style}
        assert even != odd
        table.clear()
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "Loading…" in text


@pytest.mark.parametrize("size", [(1, 1), (1, 3), (2, 2), (3, 1), (5, 4)])
async def test_tiny_sizes_do_not_crash(size: tuple[int, int]) -> None:
    app = TableApp(make_rows(30))
    async with app.run_test(size=size) as pilot:
        table = app.table
        await pilot.press("down", "pagedown")
        actions = ("cursor_last", "page_up", "cursor_first", "cycle_sort", "reverse_sort")
        for action in actions:
            getattr(table, f"action_{action}")()
        await pilot.pause()
        screen_lines(app)
        table.set_filter("r0")
        table.clear()
        for action in actions:
            getattr(table, f"action_{action}")()
        await pilot.resize_terminal(1, 1)
        screen_lines(app)


async def test_no_columns_and_no_rows() -> None:
    app = TableApp(columns=[])
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.press("down", "end", "o", "O", "enter")
        assert table.cursor_key is None
        table.set_rows(make_rows(3))
        await pilot.pause()
        assert table.cursor_key == "r00000"
        assert line_text(table, 1).strip() == ""
        for width in (0, 1, 2):
            table._compute_layout(width)
            table._render_header(width, Style())
        screen_lines(app)


async def test_resize_keeps_cursor_visible() -> None:
    app = TableApp(make_rows(100))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.move_cursor_to_key("r00015")
        await pilot.pause()
        await pilot.resize_terminal(80, 6)
        await pilot.pause()
        assert "r00015" in table.keys_in_view


async def test_set_columns_keeps_rows_and_drops_missing_sort() -> None:
    app = TableApp(make_rows(5))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.sort_by("gpus", reverse=True)
        table.set_columns([Column("name", "Name"), Column("status", "Status")])
        assert table.sort_column is None
        assert table.total_count == 5
        await pilot.pause()
        assert "GPUs" not in line_text(table, 0)


async def test_update_rows_gives_what_set_rows_gives_for_the_same_change() -> None:
    # Two tables, one told the whole list (set_rows), one told only what changed
    # (update_rows): sorted, filtered, cursor held, they must show the same rows every poll.
    import random

    rows = make_rows(2_000)

    class Two(App[None]):
        def compose(self) -> ComposeResult:
            yield VirtualTable(COLUMNS, id="whole")
            yield VirtualTable(COLUMNS, id="delta")

    app = Two()
    async with app.run_test(size=SIZE) as pilot:
        whole, delta = (app.query_one(f"#{key}", VirtualTable) for key in ("whole", "delta"))
        for table in (whole, delta):
            table.set_rows(rows)
            table.sort_by("gpus")
            table.set_filter("running")
            table.move_cursor_to_key("r01000")
        rnd = random.Random(3)
        for _ in range(8):
            fresh = []
            for index in rnd.sample(range(2_000), 100):
                value = rnd.randint(0, 99)
                status = rnd.choice(("running", "stopped"))
                rows[index] = rows[index]._replace(
                    cells=(rows[index].key, status, str(value)), sort_values=(None, None, value)
                )
                fresh.append(rows[index])
            assert whole.set_rows(list(rows)) == delta.update_rows(fresh)
            assert delta.visible_keys == whole.visible_keys
            assert delta.cursor_key == whole.cursor_key
            assert delta.matched_count == whole.matched_count
            keys = [row.key for row in rows[0:50:7]]
            assert [delta.get_row(k) for k in keys] == [whole.get_row(k) for k in keys]
            await pilot.pause()
            assert line_text(delta, 3) == line_text(whole, 3)


async def test_update_rows_refuses_a_row_the_table_does_not_hold_and_changes_nothing() -> None:
    rows = make_rows(5)
    app = TableApp(rows)
    async with app.run_test(size=SIZE):
        table = app.table
        changed = rows[1]._replace(cells=("r00001", "stopped", "7"))
        with pytest.raises(KeyError):
            table.update_rows([changed, Row("new", ("new", "running", "1"))])
        assert table.get_row("r00001") == rows[1] and table.total_count == 5
        assert table.update_rows([rows[2]]) == 0  # the very row it holds: nothing to do
