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
