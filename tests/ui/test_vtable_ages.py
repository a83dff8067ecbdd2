"""Ages (`Since` cells) are formatted when painted, for the rows on screen only."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult

from autodl_tui.ui.widgets.vtable import Column, Row, Since, VirtualTable, since_text

SIZE = (60, 12)
T0 = 1_800_000_000.0
COLUMNS = (Column("name", "Name"), Column("age", "Age", align="right", width=7))


class Clock:
    """A settable clock, counted: how many ages were formatted."""

    def __init__(self) -> None:
        self.now = T0
        self.formatted = 0

    def __call__(self) -> float:
        return self.now

    def fmt(self, seconds: float) -> str:
        self.formatted += 1
        return since_text(seconds)


def rows(count: int) -> list[Row]:
    # Row i started i minutes before T0 (so row 0 is the youngest).
    return [
        Row(f"r{i:05d}", (f"r{i:05d}", Since(T0 - 60 * i)), (f"r{i:05d}", T0 - 60 * i))
        for i in range(count)
    ]


class AgesApp(App[None]):
    def __init__(self, clock: Clock, data: list[Row]) -> None:
        super().__init__()
        self.clock, self.data = clock, data

    def compose(self) -> ComposeResult:
        table = VirtualTable(COLUMNS)
        table.clock = self.clock
        table.format_since = self.clock.fmt
        yield table

    def on_mount(self) -> None:
        self.query_one(VirtualTable).set_rows(self.data)


def age_on_line(table: VirtualTable, y: int) -> str:
    return table.render_line(y).text.split()[-1]


async def test_ages_advance_with_the_clock_without_new_rows() -> None:
    clock = Clock()
    app = AgesApp(clock, rows(3))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        assert [age_on_line(table, y) for y in (1, 2, 3)] == ["<1m", "1m", "2m"]
        set_rows_calls: list[Any] = []
        table.set_rows = set_rows_calls.append  # type: ignore[method-assign]
        clock.now += 61
        table._check_ages()  # what the table's own periodic timer (every few seconds) runs
        await pilot.pause()
        assert [age_on_line(table, y) for y in (1, 2, 3)] == ["1m", "2m", "3m"]
        assert set_rows_calls == []  # the clock never rebuilt the rows


async def test_only_rows_on_screen_format_their_ages() -> None:
    clock = Clock()
    app = AgesApp(clock, rows(10_000))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        page = SIZE[1] - 1
        assert 0 < clock.formatted <= 4 * page  # a few paints of one page, not 10,000
        clock.formatted = 0
        table._check_ages()  # nothing changed: checks one page, repaints nothing
        assert clock.formatted <= page
        clock.now += 3600
        clock.formatted = 0
        table._check_ages()
        await pilot.pause()
        assert clock.formatted <= 3 * page
        assert age_on_line(table, 1) == "1h00m"


async def test_a_check_with_the_same_texts_repaints_nothing() -> None:
    clock = Clock()
    app = AgesApp(clock, rows(5))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        refreshed: list[int] = []
        table._refresh_index = refreshed.append  # type: ignore[method-assign]
        clock.now += 20  # "<1m" stays "<1m", "1m" stays "1m"
        table._check_ages()
        assert refreshed == []
        clock.now += 40
        table._check_ages()
        assert refreshed == [0, 1, 2, 3, 4]


async def test_a_repainted_age_is_not_repainted_again() -> None:
    clock = Clock()
    app = AgesApp(clock, rows(5))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        clock.now += 60
        table._check_ages()
        await pilot.pause()
        assert age_on_line(table, 1) == "1m"
        refreshed: list[int] = []
        table._refresh_index = refreshed.append  # type: ignore[method-assign]
        table._check_ages()  # the new texts were painted and kept: nothing is stale
        assert refreshed == []
        painted = clock.formatted
        for y in range(1, 6):
            table.render_line(y)
        assert clock.formatted - painted == 5  # one age per line: no strip rendered again


async def test_sorting_by_age_uses_the_moment_and_without_values_ages_sort_youngest_first() -> None:
    clock = Clock()
    data = rows(4)
    app = AgesApp(clock, list(reversed(data)))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(VirtualTable)
        table.sort_by("age")
        await pilot.pause()
        assert table.visible_keys == ("r00003", "r00002", "r00001", "r00000")  # oldest first
        table.set_rows([Row(r.key, r.cells) for r in data])  # no sort values: the cell's age
        table.sort_by("age", reverse=False)
        assert table.visible_keys == ("r00000", "r00001", "r00002", "r00003")


def test_an_age_cell_is_not_searchable_text_and_compares_by_its_moment() -> None:
    assert Since(T0) == Since(T0) and Since(T0) != Since(T0 + 1)
    assert Row("k", ("x", Since(T0))) == Row("k", ("x", Since(T0)))
