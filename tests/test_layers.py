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
    ],
)
def test_headless_layers_do_not_import_textual(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
