"""The age-label wake: one pending timer, capped, and a failing callback reported, not raised."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from autodl_tui.ui.age_wake import AgeWake
from autodl_tui.ui.units import AGE_TICK_MAX


class WakeApp(App[None]):
    def __init__(self, *, fail: bool = False) -> None:
        super().__init__()
        self.fail = fail
        self.woken = 0

    def compose(self) -> ComposeResult:
        yield Static("age")

    def on_mount(self) -> None:
        self.wake = AgeWake(self.query_one(Static), self.woke, "test-age")

    def woke(self) -> None:
        self.woken += 1
        if self.fail:
            raise RuntimeError("the label could not be drawn")


async def test_a_wake_fires_once_after_the_label_changes_and_rearming_replaces_it() -> None:
    app = WakeApp()
    async with app.run_test() as pilot:
        app.wake.schedule(3600.0)
        assert app.wake.delay is not None and AGE_TICK_MAX <= app.wake.delay < AGE_TICK_MAX + 1
        app.wake.schedule(0.0)  # replaces the long wait: only one timer is pending
        # Waited for rather than slept on: a loaded machine (CI on 2 cores) may take longer.
        for _ in range(50):
            await pilot.pause(0.1)
            if app.wake.fired:
                break
        await pilot.pause(0.2)  # a second (replaced) timer would have fired by now too
        assert (app.woken, app.wake.fired, app.wake.delay) == (1, 1, None)
        app.wake.schedule(None)
        await pilot.pause(0.2)
        assert app.woken == 1


async def test_a_failing_wake_is_reported_and_the_app_goes_on() -> None:
    app = WakeApp(fail=True)
    async with app.run_test() as pilot:
        app.wake.schedule(0.0)
        await pilot.pause(0.3)
        assert app.woken == 1
        assert any("could not be drawn" in str(n.message) for n in app._notifications)
        assert app.is_running
