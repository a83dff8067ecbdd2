"""Layering rules: the API client, the simulator and the deploy core never import Textual.

(Rich may load: httpx imports it for its own command line when it is installed.)
"""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "autodl_tui.api",
        "autodl_tui.sim.app",
        "autodl_tui.sim.server",
        "autodl_tui.sim.fleets",
        "autodl_tui.deploy",
        "autodl_tui.deploy.command",
        # The fleet state and its feed: API -> poller -> store, no widget in sight.
        "autodl_tui.ui.store",
        "autodl_tui.ui.fleet",
    ],
)
def test_headless_layers_do_not_import_textual(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_app_paints_without_loading_the_http_client() -> None:
    """The client (httpx) loads after the first frame: importing the app does not load it."""
    code = (
        "import sys, autodl_tui.cli, autodl_tui.ui.launch, autodl_tui.ui.app; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'httpx' "
        "or m == 'autodl_tui.api.client'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_client_is_still_importable_from_the_api_package() -> None:
    from autodl_tui import api
    from autodl_tui.api.client import DEFAULT_BASE_URL, AutoDLClient, ClientStats

    assert api.AutoDLClient is AutoDLClient
    assert api.ClientStats is ClientStats
    assert api.DEFAULT_BASE_URL == DEFAULT_BASE_URL
    with pytest.raises(AttributeError):
        _ = api.NoSuchThing  # type: ignore[attr-defined]
