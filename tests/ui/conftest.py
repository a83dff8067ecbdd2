"""Fixtures of the view tests: the demo simulator and its clock."""

from __future__ import annotations

import pytest

from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.fleets import build_simulator


@pytest.fixture
def clock() -> VirtualClock:
    """The simulator's clock, paused at FIXED_START."""
    return VirtualClock()


@pytest.fixture
def sim(clock: VirtualClock) -> Simulator:
    """The demo fleet, seed 0."""
    return build_simulator("demo", seed=0, clock=clock)
