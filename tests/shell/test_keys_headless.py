"""s, t and T in the app without a terminal: what they allow, refuse and say."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from app_helpers import Recorder, build_app, notifications, select, until
from textual.widgets import Input

from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.panes import ContainersTable
from autodl_tui.ui.tunnels_screen import PortDialog, TunnelsScreen, parse_port

SIZE = (160, 44)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder(sim_transport(build_simulator("demo", seed=0, clock=VirtualClock())))


@pytest.fixture
def make_app(recorder: Recorder) -> Callable[..., AutoDLApp]:
    def make(**settings: Any) -> AutoDLApp:
        return build_app(recorder, **settings)

    return make


async def _on_container(pilot: Any, app: AutoDLApp, deployment: str) -> ContainersTable:
    screen = await select(pilot, app, deployment)
    await pilot.press("2")
    table = screen.query_one("#containers", ContainersTable)
    await until(pilot, lambda: table.cursor_key is not None)
    return table


async def test_read_only_keeps_shell_and_tunnels_and_help_says_so(
    make_app: Callable[..., AutoDLApp], recorder: Recorder
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await _on_container(pilot, app, "llm-serve")
        assert app.main_screen.action_state("shell") is True
        assert app.main_screen.action_state("tunnel") is True
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, PortDialog))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, PortDialog))
        await pilot.press("T")
        await until(pilot, lambda: isinstance(app.screen, TunnelsScreen))
        await pilot.press("escape")
        keys = {(key, group) for key, _description, group in app.key_table()}
        assert {("s", "Containers"), ("t", "Containers"), ("T", "Global")} <= keys
        assert any("--read-only" in description for _k, description, _g in app.key_table())
    assert recorder.mutations() == []


async def test_a_container_without_a_host_says_so(make_app: Callable[..., AutoDLApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _on_container(pilot, app, "h800-pretrain")
        container = app.main_screen.selected_container()
        assert container is not None and not container.info.ssh_command
        await pilot.press("s")
        await until(pilot, lambda: "has no host yet" in notifications(app))
        assert screen.is_mounted


async def test_the_port_dialog_takes_a_port_and_explains_anything_else(
    make_app: Callable[..., AutoDLApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _on_container(pilot, app, "llm-serve")
        results: list[int | None] = []
        app.push_screen(PortDialog("x"), results.append)
        await until(
            pilot, lambda: isinstance(app.screen, PortDialog) and bool(app.screen.query("#port"))
        )
        box = app.screen.query_one("#port", Input)
        box.value = ""
        await pilot.press(*"http", "enter")
        await until(
            pilot, lambda: "whole number" in str(app.screen.query_one("#port-error").render())
        )
        assert results == []
        box.value = ""
        await pilot.press(*"6008", "enter")
        await until(pilot, lambda: results == [6008])


@pytest.mark.parametrize(("typed", "port"), [("6006", 6006), (" 6008 ", 6008), ("22", 22)])
def test_ports(typed: str, port: int) -> None:
    assert parse_port(typed) == port


@pytest.mark.parametrize("typed", ["", "0", "65536", "-1", "6006a", "٦٠٠٦", "1e3"])
def test_not_ports(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_port(typed)
