"""Run the app on the real service or the embedded simulator.

The client (and for `--demo` the simulator) is built by the app after its first paint:
the screen shows before the network or the simulated world is touched.
"""

from __future__ import annotations

import argparse
import difflib
import logging
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from autodl_tui.catalog import CST
from autodl_tui.logs import add_secret, setup_logging

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from autodl_tui.api import AutoDLClient
    from autodl_tui.config import Settings

DEMO_TOKEN = "demo-token"


def demo_client(*, seed: int = 0, speed: float = 1.0, ssh: bool = False) -> AutoDLClient:
    """A client wired in-process to a simulator holding the demo fleet and its incidents.

    With `ssh` (the `--demo` app) the simulator's SSH server listens on loopback too.
    """
    from autodl_tui.api import AutoDLClient
    from autodl_tui.sim.clock import VirtualClock
    from autodl_tui.sim.fleets import build_simulator
    from autodl_tui.sim.incidents import ALL_INCIDENTS
    from autodl_tui.sim.transport import sim_transport

    clock = VirtualClock(datetime.now(CST).replace(microsecond=0), speed=speed, running=True)
    sim = build_simulator("demo", seed=seed, clock=clock, incidents=ALL_INCIDENTS)
    if ssh:
        from autodl_tui.sim.ssh import start_in_background

        start_in_background(sim)
    return AutoDLClient(DEMO_TOKEN, base_url="http://sim", transport=sim_transport(sim))


def api_label(base_url: str, profile: str = "") -> str:
    """What the status line shows for the API: the profile, host and port, never a secret.

    `user:pass@` is refused when the URL is read; it is cut here too so no caller can show it.
    """
    try:
        host = urlsplit(base_url).netloc.rpartition("@")[2] or "(invalid API URL)"
    except ValueError:
        host = "(invalid API URL)"
    return f"{profile} · {host}" if profile else host


def known_themes() -> list[str]:
    """The theme names `theme =` may hold: Textual's built-in themes."""
    from textual.theme import BUILTIN_THEMES

    return sorted(BUILTIN_THEMES)


def theme_problem(name: str) -> str | None:
    """Why the config's `theme` cannot be used (naming the nearest theme), or None."""
    themes = known_themes()
    if name in themes:
        return None
    near = difflib.get_close_matches(name, themes, n=1)
    hint = f"did you mean {near[0]!r}? " if near else ""
    return f"theme: unknown theme {name!r}; {hint}known themes: {', '.join(themes)}"


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


def client_maker(settings: Settings) -> Callable[[str], AutoDLClient]:
    """Token -> a client for `settings`' server (flavor, request budget)."""

    def client(token: str) -> AutoDLClient:
        from autodl_tui.api import AutoDLClient

        return AutoDLClient(
            token,
            base_url=settings.base_url,
            flavor=settings.flavor,
            requests_per_minute=settings.requests_per_minute,
        )

    return client


def profile_loader(*, read_only: bool, hide_secrets: bool) -> Callable[[str], tuple[Settings, str]]:
    """Name -> (the config file read again with profile `name`, its token or "").

    `--read-only` and `--hide-secrets` given at launch hold for every profile switched to.
    ConfigError or TokenError say what is wrong (file, profile or its token source).
    """

    def load(name: str) -> tuple[Settings, str]:
        from autodl_tui.config import load_settings, resolve_token

        settings = load_settings(profile=name)
        settings.read_only = settings.read_only or read_only
        settings.hide_secrets = settings.hide_secrets or hide_secrets
        token = resolve_token(argparse.Namespace(), settings).token
        add_secret(token)
        return settings, token

    return load


def run_app(
    settings: Settings,
    *,
    token: str,
    demo: bool,
    warnings: Sequence[str] = (),
    read_only_flag: bool = False,
    hide_secrets_flag: bool = False,
) -> int:
    """Run the TUI until the user quits; returns the exit code.

    The client's module (httpx) is imported by the factories, after the first paint.
    The `*_flag`s are the command line's, kept when the user switches profile.
    """
    from autodl_tui.ui.app import AutoDLApp

    warnings = [*warnings, *start_logging(token)]
    client = client_maker(settings)

    factory: Callable[[], AutoDLClient] | None
    if demo:
        factory = partial(demo_client, ssh=True)
        label = "simulator (demo)"
    else:
        factory = (lambda: client(token)) if token else None
        label = api_label(settings.base_url, settings.profile)
    app = AutoDLApp(
        settings,
        None,
        api_label=label,
        make_client=client,
        client_factory=factory,
        # The demo's simulator is built in: there is no other account to switch to.
        load_profile=None
        if demo
        else profile_loader(read_only=read_only_flag, hide_secrets=hide_secrets_flag),
        client_maker=client_maker,
        freeze_heap=True,
        warnings=warnings,
    )
    code = app.run()
    if app.return_code:  # Textual ended on an error our guards did not catch (see ui/guard.py)
        log.critical("the app ended on an unhandled error; Textual printed its traceback")
    return code or app.return_code or 0
