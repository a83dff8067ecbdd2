"""A pane's border texts repaint their border row, not the whole pane."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Static

from autodl_tui.ui.panes import PaneFrame


class CountingFrame(PaneFrame):
    """Counts the content lines it is asked to draw."""

    DEFAULT_CSS = "CountingFrame { border: round white; }"

    drawn = 0

    def render_line(self, y: int) -> Strip:
        CountingFrame.drawn += 1
        return super().render_line(y)


class FrameApp(App[None]):
    def compose(self) -> ComposeResult:
        with CountingFrame(id="pane"):
            yield Static("body")


def frame_lines(frame: PaneFrame) -> list[str]:
    width, height = frame.outer_size
    return [strip.text for strip in frame.render_lines(Region(0, 0, width, height))]


async def test_a_new_subtitle_repaints_only_the_bottom_border_row() -> None:
    app = FrameApp()
    async with app.run_test(size=(40, 10)) as pilot:
        frame = app.query_one(CountingFrame)
        frame.set_border_text("title", "Events", 30)
        await pilot.pause()
        CountingFrame.drawn = 0
        frame.set_border_text("subtitle", "4,200", 30)
        await pilot.pause()
        assert CountingFrame.drawn == 0  # no content line drawn again
        painted = frame_lines(frame)
        assert "4,200" in painted[-1] and "Events" in painted[0]
        frame.refresh()  # a full repaint draws the same pane
        assert frame_lines(frame) == painted
        assert CountingFrame.drawn > 0

        CountingFrame.drawn = 0
        frame.set_border_text("title", "Events /x (Esc clears)", 30)
        await pilot.pause()
        assert CountingFrame.drawn == 0
        painted = frame_lines(frame)
        assert "Events /x" in painted[0] and "4,200" in painted[-1]
        frame.refresh()
        assert frame_lines(frame) == painted


async def test_border_text_is_outside_text_never_markup() -> None:
    app = FrameApp()
    async with app.run_test(size=(40, 10)) as pilot:
        frame = app.query_one(CountingFrame)
        frame.set_border_text("title", "[bold]x[/bold]", 30)
        await pilot.pause()
        assert "[bold]x[/bold]" in frame_lines(frame)[0]
