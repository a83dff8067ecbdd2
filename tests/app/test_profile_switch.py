"""Switching profile inside the app (P): a new server and token, or nothing changed."""

from __future__ import annotations

from app_helpers import SIZE, make_client, notifications, until

from autodl_tui.config import ConfigError, Profile, Settings
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.profile_dialog import ProfilePickDialog
from autodl_tui.ui.token_screen import TokenScreen

SIMS = {
    "http://a": build_simulator("demo", seed=0, clock=VirtualClock()),
    "http://b": build_simulator("empty", seed=0, clock=VirtualClock()),
}
PROFILES = {name: Profile(name, base_url=f"http://{name}") for name in ("a", "b", "c")}


def settings_for(name: str) -> Settings:
    return Settings(
        base_url=f"http://{name}", profiles=PROFILES, profile=name, refresh=3600, stock_refresh=3600
    )


def client_maker(settings: Settings):  # type: ignore[no-untyped-def]
    return lambda token: make_client(sim_transport(SIMS[settings.base_url]), token)


def load(name: str) -> tuple[Settings, str]:
    if name == "c":
        raise ConfigError("profile c token_file: cannot read it: No such file or directory")
    return settings_for(name), "" if name == "b" else "tok"


def app_on_a() -> AutoDLApp:
    start = settings_for("a")
    return AutoDLApp(
        start,
        client_maker(start)("tok"),
        api_label="a · a",
        load_profile=load,
        client_maker=client_maker,
    )


async def test_a_profile_that_cannot_be_read_changes_nothing() -> None:
    app = app_on_a()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: bool(app.main_screen.deployments))
        first = app.main_screen
        await pilot.press("P")
        await until(pilot, lambda: isinstance(app.screen, ProfilePickDialog))
        await pilot.press("3")
        await until(pilot, lambda: "Profile c not used" in notifications(app))
        assert app.main_screen is first and app.settings.profile == "a"


async def test_a_profile_without_a_token_asks_for_one_for_that_profile() -> None:
    app = app_on_a()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.main_screen.deployments))
        await pilot.press("P")
        await until(pilot, lambda: isinstance(app.screen, ProfilePickDialog))
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, TokenScreen))
        assert app.settings.profile == "b"
        assert not any(isinstance(s, MainScreen) for s in app.screen_stack)
        assert "profiles.b.token" in str(app.screen.query_one("#token-save").render())
