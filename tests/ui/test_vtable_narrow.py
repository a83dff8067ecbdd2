"""A narrow table hides its least useful columns first and keeps the important ones whole."""

from __future__ import annotations

from textual.app import App, ComposeResult

from autodl_tui.ui.widgets import Column, Row, VirtualTable

COLUMNS = (
    Column("name", "Name"),
    Column("uuid", "UUID", width=10, drop=3),
    Column("gpu", "GPU"),
    Column("regions", "Regions", drop=2),
    Column("price", "¥/h", align="right", width=7),
    Column("age", "Age", width=5, drop=1),
)
ROW = Row(
    "d1",
    ("llm-serve", "8d8f851bb4", "Tesla V100-SXM2-32GB ×2", "westDC2, beijingDC1", "¥8.33", "3h"),
)


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield VirtualTable(COLUMNS)

    def on_mount(self) -> None:
        self.query_one(VirtualTable).set_rows([ROW])


async def header_and_row(width: int) -> tuple[str, str, tuple[str, ...]]:
    app = OneTable()
    async with app.run_test(size=(width, 4)) as pilot:
        await pilot.pause()
        table = app.query_one(VirtualTable)
        return table.render_line(0).text, table.render_line(1).text, table.hidden_columns


async def test_wide_table_shows_every_column() -> None:
    header, row, hidden = await header_and_row(120)
    assert hidden == ()
    for label in ("Name", "UUID", "GPU", "Regions", "¥/h", "Age"):
        assert label in header
    assert "Tesla V100-SXM2-32GB ×2" in row


async def test_narrow_table_drops_by_order_and_keeps_the_price_whole() -> None:
    header, row, hidden = await header_and_row(60)
    # The highest `drop` goes first (uuid, then regions); age (drop=1) still fits.
    assert hidden == ("uuid", "regions")
    assert "Age" in header and "3h" in row
    assert "Tesla V100-SXM2-32GB ×2" in row
    assert row.rstrip().endswith("¥8.33  3h")


async def test_very_narrow_table_squeezes_auto_columns_before_the_price() -> None:
    header, row, hidden = await header_and_row(38)
    assert set(hidden) == {"uuid", "regions", "age"}
    assert row.rstrip().endswith("¥8.33")
    assert "…" in row  # the GPU name is cut, not the price
    assert "llm-serve" in row


# --- issue 12: long names, CJK, the sort column, Escape --------------------------------------

from autodl_tui.ui.rows import DEPLOYMENT_COLUMNS  # noqa: E402

LONG = "llm-serve-" + "x" * 50  # 60 characters
GPU = "Tesla V100-SXM2-32GB ×2"
CJK = "大模型推理服务北京区域第二批次"  # 15 wide characters, 30 cells


def deployment_cells(name: str, uuid: str) -> tuple[str, ...]:
    return (name, uuid, "ReplicaSet", "running", "2/0/2", GPU, "westDC2", "¥4.20", "3h")


class Deployments(App[None]):
    """The deployments pane's columns, as wide as that pane is at 120x35 (70 cells)."""

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names

    def compose(self) -> ComposeResult:
        yield VirtualTable(DEPLOYMENT_COLUMNS)

    def on_mount(self) -> None:
        self.query_one(VirtualTable).set_rows(
            Row(f"d{i}", deployment_cells(name, f"{i:010d}")) for i, name in enumerate(self.names)
        )

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def lines(self) -> list[str]:
        return [self.table.render_line(y).text for y in range(1 + len(self.names))]


async def test_one_long_name_cuts_only_itself_and_low_value_columns_go_first() -> None:
    app = Deployments(["llm-serve", "llm-serve-4090", LONG])
    async with app.run_test(size=(70, 8)) as pilot:
        await pilot.pause()
        header, short, longer, long = app.lines()
        # Both short names in full, so they no longer look alike.
        assert " llm-serve " in short and " llm-serve-4090 " in longer
        assert "llm-serve-4090…" not in longer
        # The long one is cut, but to a fair share of the width, not to the floor.
        name_cells = long.index("…")
        assert len("llm-serve-4090") < name_cells < len(LONG)
        assert long[1:name_cells] == LONG[: name_cells - 1]
        # What made room: the low-value columns, not the status, GPU or price.
        assert {"uuid", "regions"} <= set(app.table.hidden_columns)
        for label in ("Name", "Status", "Replicas", "GPU", "¥/h"):
            assert label in header
        assert "Tesla V100" in long and long.rstrip().endswith(("¥4.20", "3h"))


async def test_the_name_column_narrows_again_when_the_long_name_is_gone() -> None:
    app = Deployments(["llm-serve", LONG])
    async with app.run_test(size=(120, 8)) as pilot:
        await pilot.pause()
        wide_hidden = app.table.hidden_columns
        assert wide_hidden  # the long name took the room of some columns
        app.table.set_rows([Row("d0", deployment_cells("llm-serve", "0000000000"))])
        await pilot.pause()
        assert app.table.hidden_columns == ()  # every column is back
        assert "llm-serve" in app.table.render_line(1).text


async def test_a_long_cjk_name_has_no_gap_before_the_ellipsis() -> None:
    app = Deployments([CJK, LONG])
    async with app.run_test(size=(70, 8)) as pilot:
        await pilot.pause()
        line = app.lines()[1]
        assert "…" in line
        cut = line[: line.index("…")]
        assert not cut.endswith(" ")  # the ellipsis follows the last whole character
        assert CJK.startswith(cut.strip())
        assert app.table.render_line(1).cell_length == 70


async def test_the_sort_column_is_never_hidden_so_its_arrow_shows() -> None:
    app = Deployments(["llm-serve", LONG])
    async with app.run_test(size=(70, 8)) as pilot:
        await pilot.pause()
        table = app.table
        assert "uuid" in table.hidden_columns
        for column in DEPLOYMENT_COLUMNS:
            table.sort_by(column.key, reverse=False)
            await pilot.pause()
            assert column.key not in table.hidden_columns
            assert "▲" in table.render_line(0).text, column.key
        table.sort_by("age", reverse=True)
        await pilot.pause()
        assert "▼" in table.render_line(0).text


class FilteredHost(App[None]):
    BINDINGS = [("escape", "screen_escape")]

    def __init__(self) -> None:
        super().__init__()
        self.escapes = 0
        self.cleared: list[VirtualTable] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable(COLUMNS)

    def on_mount(self) -> None:
        table = self.query_one(VirtualTable)
        table.set_rows([ROW, Row("d2", ("other", "1", "A100", "x", "¥1", "1h"))])
        table.focus()

    def action_screen_escape(self) -> None:
        self.escapes += 1

    def on_virtual_table_filter_cleared(self, message: VirtualTable.FilterCleared) -> None:
        self.cleared.append(message.table)


async def test_escape_in_the_table_clears_its_filter_then_goes_on() -> None:
    app = FilteredHost()
    async with app.run_test(size=(120, 6)) as pilot:
        table = app.query_one(VirtualTable)
        table.set_filter("llm")
        await pilot.pause()
        assert table.matched_count == 1
        await pilot.press("escape")
        await pilot.pause()
        assert table.filter_text == "" and table.matched_count == 2
        assert app.cleared == [table] and app.escapes == 0
        await pilot.press("escape")  # no filter left: the key reaches the next binding
        await pilot.pause()
        assert app.escapes == 1 and app.cleared == [table]
