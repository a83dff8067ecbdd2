"""The footer greys row keys out for the row under the cursor, at once and without a rebuild."""

from __future__ import annotations

from app_helpers import until
from textual.widgets._footer import FooterKey

from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.panes import DeploymentsTable
from autodl_tui.ui.widgets.footer import KeyFooter

SIZE = (160, 40)


def footer_key(app: AutoDLApp, action: str) -> FooterKey:
    return next(k for k in app.main_screen.query(FooterKey) if k.action == action)


async def test_moving_between_rows_greys_scale_in_place(make_app, clock) -> None:
    app = make_app(now=clock.now)
    async with app.run_test(size=SIZE) as pilot:
        main = app.main_screen
        table = main.query_one("#deployments", DeploymentsTable)
        await until(pilot, lambda: table.total_count > 0)
        await pilot.pause()
        footer = main.query_one(KeyFooter)
        kinds = [main.deployments[key].deployment_type for key in table._order]
        assert "ReplicaSet" in kinds and set(kinds) - {"ReplicaSet"}, "the demo has both kinds"
        rebuilt = footer.recomposes
        seen: set[bool] = set()
        for _ in range(len(kinds) - 1):
            await pilot.press("down")
            # No pause for a timer: the footer is right as soon as the key is handled.
            applies = main.deployments[table.cursor_key or ""].deployment_type == "ReplicaSet"
            key = footer_key(app, "scale")
            assert key.has_class("-disabled") is not applies
            assert main.action_state("scale") is (True if applies else None)
            seen.add(applies)
        assert seen == {True, False}
        assert footer.recomposes == rebuilt  # greyed in place, never rebuilt
        # Scale on a row where it does not apply explains instead of opening the dialog.
        while main.deployments[table.cursor_key or ""].deployment_type == "ReplicaSet":
            await pilot.press("up")
        await pilot.press("s")
        await pilot.pause()
        assert app.screen is main


async def test_a_new_set_of_keys_still_rebuilds_the_footer(make_app, clock) -> None:
    app = make_app(now=clock.now)
    async with app.run_test(size=SIZE) as pilot:
        main = app.main_screen
        await until(pilot, lambda: main.query_one("#deployments", DeploymentsTable).total_count)
        await pilot.pause()
        footer = main.query_one(KeyFooter)
        rebuilt = footer.recomposes
        await pilot.press("2")  # the containers pane: its own keys
        await until(pilot, lambda: any(k.action == "stop_container" for k in main.query(FooterKey)))
        assert footer.recomposes > rebuilt
        assert not any(k.action == "scale" for k in main.query(FooterKey))
