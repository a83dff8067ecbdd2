"""Pilot tests of the read-only views from the main screen: keys i, B and d."""

from __future__ import annotations

import pytest
from app_helpers import SIZE, loaded, opened, until
from textual.widgets import Select

from autodl_tui.ui.blacklist_screen import BlacklistScreen
from autodl_tui.ui.create_form import CreateFormScreen
from autodl_tui.ui.deployment_detail import DeploymentDetailScreen
from autodl_tui.ui.images_screen import ImagesScreen
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.panes import DeploymentsTable


async def test_i_lists_images_and_enter_starts_a_deployment_with_it(make_app, sim, clock) -> None:
    app = make_app(now=clock.now)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        screen = await opened(pilot, app, "i", ImagesScreen)
        await until(pilot, lambda: screen.exhausted)
        assert [im.image_uuid for im in screen.private] == [im["image_uuid"] for im in sim.images]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CreateFormScreen))
        image = app.screen.query_one("#image_uuid", Select)
        assert image.value == sim.images[0]["image_uuid"]


async def test_i_in_read_only_mode_copies_the_uuid(make_app, sim, clock) -> None:
    app = make_app(now=clock.now, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        screen = await opened(pilot, app, "i", ImagesScreen)
        await until(pilot, lambda: screen.exhausted)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert app.clipboard == sim.images[0]["image_uuid"]
        notes = [n.message for n in app._notifications]
        assert any(sim.images[0]["image_uuid"] in m for m in notes)


async def test_B_shows_the_simulators_blacklist_and_escape_returns(make_app, sim, clock) -> None:
    app = make_app(now=clock.now)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        screen = await opened(pilot, app, "B", BlacklistScreen)
        await until(pilot, lambda: screen.fetches == 1)
        [entry] = sim.list_blacklist()
        assert list(screen.machine_ids) == [entry["machine_id"]]
        assert screen.countdown_of(entry["machine_id"]) == "23:40:00"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_d_opens_the_selected_deployment(make_app, clock) -> None:
    app = make_app(now=clock.now)
    async with app.run_test(size=SIZE) as pilot:
        main = await loaded(pilot, app)
        selected = main.selected_deployment()
        assert selected is not None
        assert main.check_action("deployment_detail", ()) is True
        screen = await opened(pilot, app, "d", DeploymentDetailScreen)
        await until(pilot, lambda: screen.loaded)
        assert screen.deployment.uuid == selected.uuid
        assert screen.value_of("uuid") == selected.uuid
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))


@pytest.mark.parametrize("fleet", ["empty"])
async def test_d_is_greyed_without_a_deployment(make_app, clock) -> None:
    app = make_app(now=clock.now)
    async with app.run_test(size=SIZE) as pilot:
        main = app.main_screen
        await until(
            pilot,
            lambda: (
                main.query_one("#deployments", DeploymentsTable).empty_text == "No deployments yet"
            ),
        )
        assert main.check_action("deployment_detail", ()) is None
        await pilot.press("d")
        await pilot.pause(0.1)
        assert isinstance(app.screen, MainScreen)
        titles = [c.title for c in app.get_system_commands(main)]
        assert "Deployment detail" not in titles
        assert {"Images", "Blacklist"} <= set(titles)


async def test_views_stay_available_read_only(make_app, clock) -> None:
    app = make_app(now=clock.now, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        main = await loaded(pilot, app)
        titles = [c.title for c in app.get_system_commands(main)]
        assert {"Images", "Blacklist", "Deployment detail"} <= set(titles)
        assert "Scale deployment" not in titles
        for key, kind in (("i", ImagesScreen), ("B", BlacklistScreen)):
            await pilot.press(key)
            await until(pilot, lambda kind=kind: isinstance(app.screen, kind))
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DeploymentDetailScreen))


async def test_palette_and_help_list_the_view_keys(make_app, clock) -> None:
    app = make_app(now=clock.now)
    async with app.run_test(size=SIZE) as pilot:
        main = await loaded(pilot, app)
        commands = {c.title: c for c in app.get_system_commands(main)}
        commands["Blacklist"].callback()
        await until(pilot, lambda: isinstance(app.screen, BlacklistScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        rows = {(key, desc) for key, desc, _group in app.key_table()}
        assert {("i", "Images"), ("B", "Blacklist"), ("d", "Deployment detail")} <= rows


async def test_keymap_rebinds_the_view_keys(make_app, clock) -> None:
    app = make_app(now=clock.now, keymap={"open-blacklist": "ctrl+b"})
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await pilot.press("ctrl+b")
        await until(pilot, lambda: isinstance(app.screen, BlacklistScreen))
        assert ("ctrl+b", "Blacklist") in {(k, d) for k, d, _ in app.key_table()}
