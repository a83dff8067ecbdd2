"""Pilot and unit tests for the container event log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console, ConsoleOptions, RenderResult
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender

from autodl_tui.api.models import ContainerEvent
from autodl_tui.catalog import CST
from autodl_tui.ui.units import short_container_id
from autodl_tui.ui.widgets.event_log import EventLog, event_line

T0 = datetime(2025, 6, 1, 9, 0, 0, tzinfo=CST)
SIZE = (60, 12)


def uuid(index: int) -> str:
    return f"dep{index:07d}-{index:010d}-{index:08x}"


def make_events(
    start: int, count: int, statuses: Sequence[str] = ("running",)
) -> list[ContainerEvent]:
    return [
        ContainerEvent(uuid(i), statuses[i % len(statuses)], T0 + timedelta(seconds=i))
        for i in range(start, start + count)
    ]


class LogApp(App[None]):
    def __init__(self, **log_kwargs: Any) -> None:
        super().__init__()
        self.log_kwargs = log_kwargs

    def compose(self) -> ComposeResult:
        yield EventLog(**self.log_kwargs)

    def on_mount(self) -> None:
        self.query_one(EventLog).focus()

    @property
    def event_log(self) -> EventLog:
        return self.query_one(EventLog)


def screen_lines(log: EventLog) -> list[str]:
    width, height = log.size
    return [strip.text.rstrip() for strip in log.render_lines(Region(0, 0, width, height))]


# ---------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("container_uuid", "short"),
    [
        ("5f5ff8a4a7-5f01416932-e2237a58", "5f01416932-e2237a58"),
        ("dep-with-dashes-5f01416932-e2237a58", "5f01416932-e2237a58"),
        ("5f01416932-e2237a58", "5f01416932-e2237a58"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_short_container_id(container_uuid: str, short: str) -> None:
    assert short_container_id(container_uuid) == short


def test_event_line_shows_china_time_and_status() -> None:
    event = ContainerEvent(
        "5f5ff8a4a7-5f01416932-e2237a58", "running", datetime(2025, 6, 1, 1, 2, 3, tzinfo=UTC)
    )
    text, status_at = event_line(event)
    assert text == "09:02:03  5f01416932-e2237a58  running"
    assert text[status_at:] == "running"
    missing = event_line(ContainerEvent("", "", None))[0]
    assert missing == "--:--:--  -  (none)"
    # Terminal control characters from the service are neutralised.
    assert "\x1b" not in event_line(ContainerEvent("a-b-c", "\x1b[2Jbad", T0))[0]


# ---------------------------------------------------------------- the widget


async def test_append_keeps_order_newest_at_bottom() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.event_log
        assert screen_lines(log)[0].strip() == "No events yet"
        log.append(make_events(0, 3))
        log.append(make_events(3, 2))
        await pilot.pause()
        assert [line.split()[1] for line in log.lines] == [
            short_container_id(uuid(i)) for i in range(5)
        ]
        lines = [line for line in screen_lines(log) if line.strip()]
        assert lines[0].startswith("09:00:00")
        assert short_container_id(uuid(4)) in lines[-1]
        assert log.total_count == log.matched_count == 5


async def test_tail_follows_and_scrolled_up_is_not_yanked() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.event_log
        log.append(make_events(0, 40))
        await pilot.pause()
        assert log.follow
        assert log.scroll_y == log.max_scroll_y > 0
        assert short_container_id(uuid(39)) in "\n".join(screen_lines(log))

        await pilot.press("pageup")
        assert not log.follow
        top = log.scroll_y
        log.append(make_events(40, 5))
        await pilot.pause()
        assert log.scroll_y == top  # not yanked down
        assert log.unseen_count == 5
        assert "↓ 5 new" in screen_lines(log)[-1]

        await pilot.press("end")
        assert log.follow and log.unseen_count == 0
        assert log.scroll_y == log.max_scroll_y
        assert short_container_id(uuid(44)) in "\n".join(screen_lines(log))
        assert "new" not in screen_lines(log)[-1]


async def test_scrolling_back_to_the_bottom_resumes_following() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.event_log
        log.append(make_events(0, 40))
        await pilot.pause()
        await pilot.press("k", "k")
        assert not log.follow
        log.append(make_events(40, 3))
        await pilot.press("j", "j", "j", "j", "j")
        assert log.follow
        assert log.unseen_count == 0
        log.append(make_events(43, 3))
        await pilot.pause()
        assert log.scroll_y == log.max_scroll_y


async def test_f_toggles_follow() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.event_log
        log.append(make_events(0, 40))
        await pilot.pause()
        await pilot.press("f")
        assert not log.follow
        assert "paused" in screen_lines(log)[-1]
        bottom = log.scroll_y
        log.append(make_events(40, 4))
        await pilot.pause()
        assert log.scroll_y == bottom
        assert "↓ 4 new" in screen_lines(log)[-1]
        await pilot.press("f")
        assert log.follow and log.scroll_y == log.max_scroll_y


async def test_filter_counts_and_badge() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.event_log
        log.append(make_events(0, 30, statuses=("running", "starting", "shutdown")))
        log.set_filter("RUN")  # case-insensitive
        await pilot.pause()
        assert log.matched_count == 10
        assert log.total_count == 30
        assert all("running" in line for line in log.shown_lines)
        assert "10 of 30" in screen_lines(log)[-1]
        log.append(make_events(30, 3, statuses=("running", "removed", "removed")))
        await pilot.pause()
        assert (log.matched_count, log.total_count) == (11, 33)
        assert "11 of 33" in screen_lines(log)[-1]
        # The filter also matches times and ids: it runs over the whole line text.
        log.set_filter(short_container_id(uuid(31)))
        assert log.matched_count == 1
        log.set_filter("nothing like this")
        await pilot.pause()
        assert log.matched_count == 0
        assert "No events match" in screen_lines(log)[0]
        log.set_filter("")
        assert log.matched_count == log.total_count == 33


async def test_max_lines_drops_oldest() -> None:
    app = LogApp(max_lines=50)
    async with app.run_test(size=SIZE) as pilot:
        log = app.event_log
        log.set_filter("running")
        for start in range(0, 120, 10):
            log.append(make_events(start, 10, statuses=("running", "created")))
        await pilot.pause()
        assert log.total_count == 50
        assert log.lines[0].split()[1] == short_container_id(uuid(70))
        assert log.matched_count == 25
        assert log.shown_lines[0].split()[1] == short_container_id(uuid(70))
        assert len(log._strips) <= 256  # rendered strips stay bounded too
        log.max_lines = 10
        assert log.total_count == 10 and log.matched_count == 5
        log.set_filter("")
        assert log.lines[-1].split()[1] == short_container_id(uuid(119))


async def test_pruning_keeps_the_same_lines_in_view_when_scrolled_up() -> None:
    app = LogApp(max_lines=100)
    async with app.run_test(size=SIZE) as pilot:
        log = app.event_log
        log.append(make_events(0, 100))
        await pilot.pause()
        log.scroll_to(y=50, animate=False)
        await pilot.pause()
        assert not log.follow
        first_shown = screen_lines(log)[0]
        log.append(make_events(100, 10))
        await pilot.pause()
        assert log.scroll_y == 40
        assert screen_lines(log)[0] == first_shown


async def test_status_colours_and_unknown_status_shown() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.event_log
        log.append(
            make_events(0, 4, statuses=("running", "starting", "shutting_down", "weird_new"))
        )
        await pilot.pause()
        assert "weird_new" in "\n".join(screen_lines(log))
        strips = [log.render_line(y) for y in range(4)]
        status_styles = [strip._segments[-1].style for strip in strips]
        assert [strip._segments[-1].text for strip in strips] == [
            "running",
            "starting",
            "shutting_down",
            "weird_new",
        ]
        colours = [style.color if style else None for style in status_styles]
        success = log.get_component_rich_style("event-log--running", partial=True).color
        assert colours[0] == success
        assert len({colours[0], colours[1], colours[2]}) == 3
        # Unknown statuses are plain: the widget's own colour.
        assert colours[3] == log.rich_style.color


async def test_clear() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.event_log
        log.append(make_events(0, 30))
        log.clear()
        await pilot.pause()
        assert log.total_count == 0 and log.matched_count == 0
        assert screen_lines(log)[0].strip() == "No events yet"
        log.append(make_events(30, 1))
        assert log.lines[0].split()[1] == short_container_id(uuid(30))


SIZES = [(1, 1), (2, 2), (1, 20), (70, 1), (10, 3), (20, 5)]


async def test_tiny_sizes_do_not_crash() -> None:
    app = LogApp(max_lines=30)
    async with app.run_test(size=SIZES[0]) as pilot:
        log = app.event_log
        for index, (width, height) in enumerate(SIZES):
            await pilot.resize_terminal(width, height)
            log.append(make_events(index * 20, 20, statuses=("running", "weird")))
            log.action_line_up()
            log.set_filter("run" if index % 2 else "")
            await pilot.pause()
            screen_lines(log)
            log.action_follow_tail()
            await pilot.pause()
            screen_lines(log)
        assert log.total_count == 30


def test_an_event_of_another_day_shows_its_date() -> None:
    # Issue 12: "23:59:01" from yesterday read as today's. The day is China Standard Time's:
    # 2025-06-01 17:30 UTC is already 06-02 there.
    from datetime import date

    late = ContainerEvent(
        "a-5f01416932-e2237a58", "running", datetime(2025, 6, 1, 17, 30, tzinfo=UTC)
    )
    assert event_line(late, date(2025, 6, 2))[0].startswith("01:30:00  ")
    text, status_at = event_line(late, date(2025, 6, 3))
    assert text == "06-02 01:30:00  5f01416932-e2237a58  running"
    assert text[status_at:] == "running"


async def test_the_log_dates_lines_by_its_clock() -> None:
    from datetime import timedelta

    from textual.app import App

    now = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield EventLog(now=lambda: now)

    app = One()
    async with app.run_test(size=(80, 10)) as pilot:
        log = app.query_one(EventLog)
        log.append(
            [
                ContainerEvent("a-b-c", "created", now - timedelta(days=1)),
                ContainerEvent("a-b-c", "running", now),
            ]
        )
        await pilot.pause()
        assert log.lines[0].startswith("06-01 20:00:00")
        assert log.lines[1].startswith("20:00:00")


# ---------------------------------------------------------------- repaints


class CountingBar(ScrollBarRender):
    """A scrollbar renderer that counts how often the bar is drawn."""

    drawn = 0

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        CountingBar.drawn += 1
        yield from super().__rich_console__(console, options)


def bar_lines(bar: ScrollBar) -> list[str]:
    width, height = bar.size
    return [repr(list(strip)) for strip in bar.render_lines(Region(0, 0, width, height))]


async def test_a_batch_at_the_tail_repaints_the_scrollbar_only_when_its_thumb_moves() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.event_log
        bar = log.vertical_scrollbar
        bar.renderer = CountingBar
        log.append(make_events(0, 400))  # the thumb is one cell at the bottom from here on
        await pilot.pause()
        CountingBar.drawn = 0
        log.append(make_events(400, 100))
        await pilot.pause()
        assert CountingBar.drawn == 0
        assert log.follow and round(log.scroll_y) == log.max_scroll_y
        painted = bar_lines(bar)
        bar.refresh()  # what a full repaint draws: the same bar
        assert bar_lines(bar) == painted
        assert CountingBar.drawn == 1

        log.action_scroll_top()  # the thumb moves: the bar is drawn again
        await pilot.pause()
        assert CountingBar.drawn == 2
        painted = bar_lines(bar)
        bar.refresh()
        assert bar_lines(bar) == painted


async def test_a_batch_on_a_short_log_still_moves_the_thumb() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.event_log
        bar = log.vertical_scrollbar
        log.append(make_events(0, 20))
        await pilot.pause()
        for start in (20, 30, 45):
            log.append(make_events(start, 10 if start < 45 else 5))
            await pilot.pause()
            painted = bar_lines(bar)
            bar.refresh()
            assert bar_lines(bar) == painted
