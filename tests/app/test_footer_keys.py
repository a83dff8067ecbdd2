"""The footer greys row keys out for the row under the cursor, at once and without a rebuild."""

from __future__ import annotations

from app_helpers import until

from autodl_tui.ui.actions import ACTIONS
from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.panes import DeploymentsTable
from autodl_tui.ui.widgets.footer import FooterKey, KeyFooter

SIZE = (160, 40)


def shows(main: object, action: str) -> bool:
    """Whether the footer has a key for row action `action`."""
    return any(k.action == ACTIONS[action].action for k in main.query(FooterKey))  # type: ignore[attr-defined]


def footer_key(app: AutoDLApp, action: str) -> FooterKey:
    return next(k for k in app.main_screen.query(FooterKey) if k.action == ACTIONS[action].action)


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
            # A stopped ReplicaSet cannot be scaled either: scaling would not start it.
            d = main.deployments[table.cursor_key or ""]
            applies = d.deployment_type == "ReplicaSet" and d.status != "stopped"
            key = footer_key(app, "scale_deployment")
            assert key.has_class("-disabled") is not applies
            assert main.action_state("scale_deployment") is (True if applies else None)
            seen.add(applies)
        assert seen == {True, False}
        assert footer.recomposes == rebuilt  # greyed in place, never rebuilt
        # Scale on a row where it does not apply explains instead of opening the dialog.
        while main.action_state("scale_deployment"):
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
        await until(pilot, lambda: shows(main, "stop_container"))
        assert footer.recomposes > rebuilt
        assert not shows(main, "scale_deployment")


async def test_at_80x24_the_footer_shows_help_first_and_help_lists_what_was_cut(
    make_app,
) -> None:
    # Issue 12: at 80x24 the footer was cut, and with it the keys at its end.
    from autodl_tui.ui.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.main_screen
        await until(pilot, lambda: main.query_one("#deployments", DeploymentsTable).total_count)
        await pilot.press("2")
        await until(pilot, lambda: shows(main, "blacklist_host"))
        footer = main.query_one(KeyFooter)
        assert footer.compact
        keys = list(footer.query(FooterKey))
        assert keys[0].action == "help" and keys[0].region.x == 0  # first, so never cut
        assert keys[0].region.right <= 80
        # Keys that run under the palette label (or off the screen) at the right end.
        palette = next(k for k in keys if "-command-palette" in k.classes)
        cut = [k for k in keys if k is not palette and k.region.right > palette.region.x]
        assert cut  # the containers pane has more keys than 80 columns hold
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        listed = " ".join(str(s.render()) for s in app.screen.query("Static"))
        for key in cut:
            assert key.description in listed, key.description
