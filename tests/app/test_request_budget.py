"""The request budget in the app: `E` shows its use, and focus loss slows the polls."""

from __future__ import annotations

from typing import Any

from app_helpers import SIZE, loaded, opened, until
from textual.events import AppBlur, AppFocus
from textual.widgets import Static

from autodl_tui.ui.failures import LastErrorScreen


async def test_e_shows_the_budgets_use_of_the_last_minute(make_app: Any, config_path: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot, app)
        sent = app.client.budget.used_last_minute()
        assert sent >= 1
        dialog = await opened(pilot, app, "E", LastErrorScreen)
        text = " ".join(str(s.render()) for s in dialog.query(Static))
        assert "in the last minute, budget 300 a minute" in text
        assert screen.poller.presence.factor() == 1.0


async def test_focus_loss_slows_polling_and_focus_back_catches_up(make_app: Any) -> None:
    app = make_app(refresh=2.0)  # away: every 10 s
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot, app)
        presence = screen.poller.presence
        app.post_message(AppBlur())
        await until(pilot, lambda: presence.away())
        assert screen.poller.next_delay("deployments", 2.0) >= 10.0
        # One more poll: the fast loop is now in a wait of 10 s or more.
        polls = screen.poller.polls
        await until(pilot, lambda: screen.poller.polls > polls)
        await pilot.pause(0.5)
        polls = screen.poller.polls
        app.post_message(AppFocus())
        # Back: the fast loop polls at once rather than finishing its 10 s wait.
        await until(pilot, lambda: screen.poller.polls > polls, timeout=4.0)
        assert not presence.away()
        assert screen.poller.next_delay("deployments", 2.0) < 10.0
