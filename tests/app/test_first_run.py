"""First run and configuration: the token screen, saving the token, and a remapped keymap."""

from __future__ import annotations

import stat
from collections.abc import Callable
from dataclasses import replace

import pytest
from app_helpers import SIZE, build_app, make_client, until
from textual.widgets import Input

from autodl_tui.api import AutoDLClient
from autodl_tui.config import Settings, load_settings
from autodl_tui.sim.clock import FIXED_START, VirtualClock
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.dialogs import ScaleDialog
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.panes import DeploymentsTable
from autodl_tui.ui.token_screen import TokenScreen

GOOD_TOKEN = "first-run-token"
CONFIG_TEXT = "# my AutoDL settings, keep this comment\nrefresh = 5 # seconds\n\n[keymap]\n"


@pytest.fixture
def sim() -> Simulator:
    return build_simulator("demo", seed=0, clock=VirtualClock(), token=GOOD_TOKEN)


def client_factory(sim: Simulator, made: list[str]) -> Callable[[str], AutoDLClient]:
    def make(token: str) -> AutoDLClient:
        made.append(token)
        return make_client(sim_transport(sim), token)

    return make


def first_run_app(sim: Simulator, made: list[str], settings: Settings) -> AutoDLApp:
    return AutoDLApp(
        settings,
        None,
        api_label="sim",
        make_client=client_factory(sim, made),
        now=lambda: FIXED_START,
    )


def error_text(app: AutoDLApp) -> str:
    return str(app.screen.query_one("#token-error").render())


async def test_no_token_asks_for_one_and_rejects_a_bad_one(sim, config_path) -> None:
    made: list[str] = []
    app = first_run_app(sim, made, Settings(refresh=3600, stock_refresh=3600))
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, TokenScreen)
        await pilot.press("enter")
        await until(pilot, lambda: "Paste a token first" in error_text(app))
        assert made == []

        await pilot.press(*"wrong-token", "enter")
        await until(pilot, lambda: "rejected" in error_text(app))
        assert isinstance(app.screen, TokenScreen)
        # The rejected token is never echoed back.
        assert "wrong-token" not in error_text(app)
    assert not config_path.exists()


async def test_a_token_with_a_space_or_control_is_refused_before_it_is_sent(
    sim, config_path
) -> None:
    made: list[str] = []
    app = first_run_app(sim, made, Settings(refresh=3600, stock_refresh=3600))
    async with app.run_test(size=SIZE) as pilot:
        field = app.screen.query_one("#token-input", Input)
        for pasted, said in (
            ("first-run token", "holds a space at character 10 of 15"),
            ("first-run-token\x1b[2J", "holds a control character (U+001B)"),
        ):
            field.value = pasted
            await pilot.press("enter")
            await until(pilot, lambda said=said: said in error_text(app))
            assert error_text(app).startswith("The token from the input field")
            assert "first-run" not in error_text(app)
        assert made == [] and isinstance(app.screen, TokenScreen)
    assert not config_path.exists()


async def test_good_token_is_saved_keeping_the_users_comments(sim, config_path) -> None:
    config_path.write_text(CONFIG_TEXT, encoding="utf-8")
    made: list[str] = []
    app = first_run_app(sim, made, load_settings(config_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*GOOD_TOKEN, "enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        table = app.main_screen.query_one("#deployments", DeploymentsTable)
        await until(pilot, lambda: table.total_count > 0)
    text = config_path.read_text(encoding="utf-8")
    assert "# my AutoDL settings, keep this comment" in text
    assert "refresh = 5 # seconds" in text
    assert load_settings(config_path).token == GOOD_TOKEN
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600


async def test_unticking_save_leaves_the_config_alone(sim, config_path) -> None:
    config_path.write_text(CONFIG_TEXT, encoding="utf-8")
    app = first_run_app(sim, [], load_settings(config_path))
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#token-save").focus()
        await pilot.press("space")
        app.screen.query_one("#token-input").focus()
        await pilot.press(*GOOD_TOKEN, "enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
    assert config_path.read_text(encoding="utf-8") == CONFIG_TEXT


async def test_keymap_remaps_a_binding_by_its_id(sim, config_path) -> None:
    config_path.write_text(
        CONFIG_TEXT + 'deployments-scale = "S"\napp-help = "f1"\n', encoding="utf-8"
    )
    settings = load_settings(config_path)
    client = make_client(sim_transport(sim), GOOD_TOKEN)
    settings = replace(settings, refresh=3600, stock_refresh=3600)
    app = AutoDLApp(settings, client, api_label="sim", now=lambda: FIXED_START)
    async with app.run_test(size=SIZE) as pilot:
        table = app.main_screen.query_one("#deployments", DeploymentsTable)
        await until(pilot, lambda: table.total_count > 0)
        first = app.main_screen.deployments[str(table.cursor_key)]
        assert first.deployment_type == "ReplicaSet"
        await pilot.press("s")
        await pilot.pause(0.1)
        assert isinstance(app.screen, MainScreen), "the old key no longer scales"
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, ScaleDialog))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        # The help lists the keys as the user mapped them.
        keys = {description: key for key, description, _ in app.key_table()}
        assert keys["Scale"] == "S"
        assert keys["Help"] == "f1"


async def test_a_keymap_id_no_binding_has_is_named_with_the_nearest(sim, config_path) -> None:
    config_path.write_text(CONFIG_TEXT + 'deployments-scal = "S"\n', encoding="utf-8")
    settings = replace(load_settings(config_path), refresh=3600, stock_refresh=3600)
    client = make_client(sim_transport(sim), GOOD_TOKEN)
    app = AutoDLApp(settings, client, api_label="sim", now=lambda: FIXED_START)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        texts = [n.message for n in app._notifications]
        assert any(
            "'deployments-scal'" in t and "did you mean 'deployments-scale'" in t for t in texts
        ), texts
    assert app.return_code in (None, 0)


async def test_filter_typed_in_one_burst_filters_and_never_acts(sim, config_path) -> None:
    """Keys that arrive together right after "/" go to the filter, not to the table's keys."""
    from textual import events

    app = build_app(sim_transport(sim), token=GOOD_TOKEN)
    before = {d["name"]: d["replica_num"] for d in sim.list_deployments(1, 50)["list"]}
    async with app.run_test(size=SIZE) as pilot:
        table = app.main_screen.query_one("#deployments", DeploymentsTable)
        await until(pilot, lambda: table.total_count > 0)
        # "s" and "x" are scale and stop on the deployments table.
        for char in "/sd-webui":
            key = {"/": "slash", "-": "minus"}.get(char, char)
            app.post_message(events.Key(key, char))
        app.post_message(events.Key("enter", "\r"))
        await pilot.pause(0.3)
        assert isinstance(app.screen, MainScreen)
        assert table.filter_text == "sd-webui"
        cursor = table.cursor_key
        assert cursor is not None and app.main_screen.deployments[cursor].name == "sd-webui"
        assert app.main_screen.focused is table
        # Inside the filter line "/" is just a character (it replaces the selected text).
        await pilot.press("slash", "slash")
        assert app.main_screen.query_one("#filter", Input).value == "/"
        await pilot.press("escape")
        # "2" then "c" in one burst: focus is on the containers before "c" is handed out.
        await until(pilot, lambda: bool(app.main_screen.containers))
        app.post_message(events.Key("2", "2"))
        app.post_message(events.Key("c", "c"))
        await until(pilot, lambda: bool(app.clipboard))
        assert app.clipboard.startswith("ssh ")
    after = {d["name"]: d["replica_num"] for d in sim.list_deployments(1, 50)["list"]}
    assert after == before


PROFILES_TEXT = (
    'token = "top-level-token"\n\n[profiles.lab]\nbase_url = "http://127.0.0.1:9"\n'
    'refresh = 7\n\n[profiles.vault]\ntoken_command = "pass show autodl"\n'
)


async def test_with_a_profile_the_token_is_saved_to_that_profile(sim, config_path) -> None:
    config_path.write_text(PROFILES_TEXT, encoding="utf-8")
    settings = replace(load_settings(config_path, profile="lab"), token="")
    app = first_run_app(sim, [], settings)
    async with app.run_test(size=SIZE) as pilot:
        assert "profiles.lab.token" in str(app.screen.query_one("#token-save").render())
        await pilot.press(*GOOD_TOKEN, "enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
    saved = load_settings(config_path)
    # The other server's top-level token is untouched; the profile keeps its other keys.
    assert saved.token == "top-level-token"
    assert saved.profiles["lab"].token == GOOD_TOKEN
    assert saved.profiles["lab"].refresh == 7
    assert saved.profiles["vault"].token_command == ("pass", "show", "autodl")


async def test_a_profile_with_a_token_command_is_not_overwritten(sim, config_path) -> None:
    config_path.write_text(PROFILES_TEXT, encoding="utf-8")
    settings = replace(load_settings(config_path, profile="vault"), token="")
    app = first_run_app(sim, [], settings)
    async with app.run_test(size=SIZE) as pilot:
        assert not app.screen.query("#token-save")
        said = str(app.screen.query_one("#token-nosave").render())
        assert "profile vault reads its token from token_command" in said
        await pilot.press(*GOOD_TOKEN, "enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
    assert config_path.read_text(encoding="utf-8") == PROFILES_TEXT
