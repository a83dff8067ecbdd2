"""Fixtures of the app tests: a simulator-backed app, its clock and a request recorder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from app_helpers import Recorder, build_app, fixed_now

from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui.app import AutoDLApp


@pytest.fixture
def clock() -> VirtualClock:
    """The simulator's clock, paused at FIXED_START."""
    return VirtualClock()


@pytest.fixture
def fleet() -> str:
    """Which fleet the simulator holds (parametrize `fleet` to change it)."""
    return "demo"


@pytest.fixture
def sim(clock: VirtualClock, fleet: str) -> Simulator:
    """The simulator, seed 0."""
    return build_simulator(fleet, seed=0, clock=clock)


@pytest.fixture
def recorder(sim: Simulator) -> Recorder:
    """The app's transport: records every request and forwards it to the simulator."""
    return Recorder(sim_transport(sim))


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The config file lives in a temp dir (and does not exist yet)."""
    path = tmp_path / "config.toml"
    monkeypatch.setenv("AUTODL_TUI_CONFIG", str(path))
    return path


@pytest.fixture
def no_clipboard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Copies land in `app.clipboard` only, never on the system clipboard."""
    monkeypatch.setattr("autodl_tui.ui.clipboard.pyperclip.copy", lambda text: None)


@pytest.fixture
def make_app(recorder: Recorder, config_path: Path, no_clipboard: None) -> Callable[..., AutoDLApp]:
    """Build the app over `recorder`; keywords go to `build_app` and the settings."""

    def make(now: Callable[[], datetime] = fixed_now, **settings: Any) -> AutoDLApp:
        return build_app(recorder, now, **settings)

    return make
