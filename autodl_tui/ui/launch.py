"""Run the app on the real service or the embedded simulator.

The client (and for `--demo` the simulator) is built by the app after its first paint:
the screen shows before the network or the simulated world is touched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from autodl_tui.catalog import CST
from autodl_tui.config import Settings
from autodl_tui.logs import add_secret, setup_logging

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from autodl_tui.api import AutoDLClient

DEMO_TOKEN = "demo-token"


def demo_client(*, seed: int = 0, speed: float = 1.0) -> AutoDLClient:
    """A client wired in-process to a simulator holding the demo fleet, clock running."""
    from autodl_tui.api import AutoDLClient
    from autodl_tui.sim.clock import VirtualClock
    from autodl_tui.sim.fleets import build_simulator
    from autodl_tui.sim.transport import sim_transport

    clock = VirtualClock(datetime.now(CST).replace(microsecond=0), speed=speed, running=True)
    sim = build_simulator("demo", seed=seed, clock=clock)
    return AutoDLClient(DEMO_TOKEN, base_url="http://sim", transport=sim_transport(sim))


def api_label(base_url: str) -> str:
    """What the status line shows for the API: the host, never the token."""
    return urlparse(base_url).netloc or base_url


def start_logging(token: str) -> list[str]:
    """Open the log file (secrets redacted); returns warnings for the user, if any."""
    add_secret(token)
    add_secret(DEMO_TOKEN)
    try:
        path = setup_logging()
    except OSError as exc:
        return [f"No log file: {exc}"]
    log.info("autodl-tui started; log file %s", path)
    return []


def run_app(settings: Settings, *, token: str, demo: bool, warnings: Sequence[str] = ()) -> int:
    """Run the TUI until the user quits; returns the exit code.

    The client's module (httpx) is imported by the factories, after the first paint.
    """
    from autodl_tui.ui.app import AutoDLApp

    warnings = [*warnings, *start_logging(token)]

    def client(token: str) -> AutoDLClient:
        from autodl_tui.api import AutoDLClient

        return AutoDLClient(token, base_url=settings.base_url)

    factory: Callable[[], AutoDLClient] | None
    if demo:
        factory = demo_client
        label = "simulator (demo)"
    else:
        factory = (lambda: client(token)) if token else None
        label = api_label(settings.base_url)
    app = AutoDLApp(
        settings,
        None,
        api_label=label,
        make_client=client,
        client_factory=factory,
        freeze_heap=True,
        warnings=warnings,
    )
    return app.run() or 0
