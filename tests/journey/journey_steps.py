"""Steps every journey takes: start the real app on the module's simulator, pick a deployment."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from terminal import Terminal

SIZES = pytest.mark.parametrize(("cols", "rows"), [(80, 24), (120, 35)])
"""The two sizes every journey runs at."""

#: The token comes through the environment, as users are told to pass it (`--token` warns).
TOKEN_ENV = {"AUTODL_TOKEN": "journey-token"}


def started(terminal: Callable[..., Terminal], sim_url: str, cols: int, rows: int) -> Terminal:
    """The app against `sim_url` at cols x rows, its first deployments on screen."""
    term = terminal("--base-url", sim_url, cols=cols, rows=rows, env=TOKEN_ENV)
    term.wait_first_paint("h800-pretrain")
    return term


def on_deployment(term: Terminal, name: str) -> None:
    """The deployments cursor on `name`: filter to it (Enter jumps there), then Escape."""
    term.press("1", "/")
    term.type(name)
    term.press("enter")
    term.wait_for(f"/{name}")
    term.press("escape")
    term.wait_gone(f"/{name}")


def on_containers(term: Terminal, status: str = "running") -> None:
    """Focus the containers pane and wait until a container in `status` is listed in it.

    The pane's title names the deployment before its containers arrive; a key pressed on
    the still-empty pane has no row to act on, so a person (and a journey) waits for one.
    """
    term.press("2")
    term.wait_for("c Copy SSH")

    def listed() -> bool:
        where = term.find("Containers")
        return where is not None and any(status in line for line in term.block(*where)[1:])

    term.wait(listed, f"a {status} container in the containers pane")
