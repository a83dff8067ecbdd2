"""Fixtures of the view tests; makes `views_host` importable (the suite runs with
--import-mode=importlib, which leaves sys.path alone)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.fleets import build_simulator

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def clock() -> VirtualClock:
    """The simulator's clock, paused at FIXED_START."""
    return VirtualClock()


@pytest.fixture
def sim(clock: VirtualClock) -> Simulator:
    """The demo fleet, seed 0."""
    return build_simulator("demo", seed=0, clock=clock)
