"""The filter line: short text repaints only; long text still scrolls to the cursor."""

from __future__ import annotations

from textual.app import App, ComposeResult

from autodl_tui.ui.widgets.filter_input import FilterInput


class FilterApp(App[None]):
    CSS = "FilterInput { dock: bottom; }"

    def __init__(self) -> None:
        super().__init__()
        self.changes: list[str] = []

    def compose(self) -> ComposeResult:
        yield FilterInput()

    def on_input_changed(self, event: FilterInput.Changed) -> None:
        self.changes.append(event.value)


async def test_typing_a_short_filter_posts_every_change_without_a_layout() -> None:
    app = FilterApp()
    async with app.run_test(size=(60, 10)) as pilot:
        box = app.query_one(FilterInput)
        box.focus()
        await pilot.press(*"gpu", "backspace")
        await pilot.pause()
        assert box.value == "gp"
        assert app.changes == ["g", "gp", "gpu", "gp"]
        assert box.layouts_skipped == 4


async def test_a_long_filter_still_scrolls_to_the_cursor() -> None:
    app = FilterApp()
    async with app.run_test(size=(60, 10)) as pilot:
        box = app.query_one(FilterInput)
        box.focus()
        await pilot.press(*("x" * 100))
        await pilot.pause()
        assert box.value == "x" * 100
        assert box.scroll_x > 0
        assert 0 <= box.cursor_screen_offset.x < 60  # the cursor is on screen
        await pilot.press("home")
        await pilot.pause()
        assert box.scroll_x == 0
        await pilot.press(*["delete"] * 97)
        await pilot.pause()
        assert box.value == "xxx" and box.scroll_x == 0


class ClosingApp(FilterApp):
    def __init__(self) -> None:
        super().__init__()
        self.closed = 0

    def on_filter_input_closed(self, event: FilterInput.Closed) -> None:
        self.closed += 1


async def test_escape_clears_and_hides_the_line_and_says_so() -> None:
    app = ClosingApp()
    async with app.run_test(size=(60, 10)) as pilot:
        box = app.query_one(FilterInput)
        box.add_class("visible")
        box.focus()
        await pilot.press(*"gpu", "escape")
        await pilot.pause()
        assert box.value == ""
        assert not box.has_class("visible")
        assert app.closed == 1
        assert app.changes[-1] == ""  # the pane's filter is cleared through Changed
