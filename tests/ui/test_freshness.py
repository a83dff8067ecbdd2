"""Freshness labels: the time of the last refresh, a coarse age, and no needless repaints."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from textual.app import App, ComposeResult

from autodl_tui.catalog import CST
from autodl_tui.ui.status_bar import StatusBar
from autodl_tui.ui.units import AGE_TICK_MAX, fetched_label

T0 = datetime(2026, 11, 27, 17, 42, 55, tzinfo=CST)


@pytest.mark.parametrize(
    ("seconds", "text", "changes_in"),
    [
        (-5, "17:42:55", 60),  # a clock behind the data reads as just fetched
        (0, "17:42:55", 60),
        (9, "17:42:55", 51),
        (59.5, "17:42:55", 0.5),
        (60, "17:42:55 (1m ago)", 60),
        (61, "17:42:55 (1m ago)", 59),
        (3599, "17:42:55 (59m ago)", 1),
        (3600, "17:42:55 (1h ago)", 3600),
        (86400 * 2 + 5, "17:42:55 (2d ago)", 86400 - 5),
    ],
)
def test_fetched_label_text_and_next_change(seconds: float, text: str, changes_in: float) -> None:
    label = fetched_label(T0, T0 + timedelta(seconds=seconds))
    assert label.text == text
    assert label.changes_in == pytest.approx(changes_in)


def test_fetched_label_shows_china_time_and_takes_naive_times_as_such() -> None:
    utc = T0.astimezone(CST).replace(tzinfo=None) - timedelta(hours=8)
    from datetime import UTC

    assert fetched_label(utc.replace(tzinfo=UTC), T0).text == "17:42:55"
    naive = T0.replace(tzinfo=None)
    assert fetched_label(naive, naive + timedelta(minutes=5)).text == "17:42:55 (5m ago)"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class StatusApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()

    def compose(self) -> ComposeResult:
        yield StatusBar("api.test", self.clock, read_only=False)


def line_of(bar: StatusBar) -> str:
    return str(bar.render())


async def test_status_line_shows_the_refresh_time_then_a_coarse_age() -> None:
    app = StatusApp()
    async with app.run_test(size=(120, 3)) as pilot:
        bar = app.query_one(StatusBar)
        assert bar.age_wake.delay is None  # nothing to age yet: no timer at all
        bar.last_refresh = T0
        bar.update_line()
        await pilot.pause()
        assert "changed 17:42:55" in line_of(bar)
        assert "ago" not in line_of(bar)
        # The one timer waits for the first change of text (a minute), not a second.
        assert bar.age_wake.delay is not None and bar.age_wake.delay > 59
        app.clock.now = T0 + timedelta(seconds=90)
        bar._on_age_tick()
        await pilot.pause()
        assert "changed 17:42:55 (1m ago)" in line_of(bar)
        assert bar.age_wake.delay is not None and 30 - 1 < bar.age_wake.delay <= 30 + 1
        app.clock.now = T0 + timedelta(hours=5)
        bar._on_age_tick()
        assert "(5h ago)" in line_of(bar)
        # Never more than AGE_TICK_MAX between looks at the clock (a clock that jumps).
        assert bar.age_wake.delay is not None and bar.age_wake.delay <= AGE_TICK_MAX + 1
        assert bar.ticks == 2


async def test_status_line_repaints_only_when_its_text_changes() -> None:
    app = StatusApp()
    async with app.run_test(size=(120, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.last_refresh = T0
        bar.update_line()
        await pilot.pause()
        updates = []
        original = bar.update

        def counting(*args: object, **kwargs: object) -> None:
            updates.append(args)
            original(*args, **kwargs)  # type: ignore[arg-type]

        bar.update = counting  # type: ignore[method-assign]
        for seconds in (1, 10, 30, 59):
            app.clock.now = T0 + timedelta(seconds=seconds)
            bar.update_line()
        assert updates == []
        app.clock.now = T0 + timedelta(seconds=61)
        bar.update_line()
        assert len(updates) == 1
