"""The pty harness drives the real app against the real simulator, as a person would."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("cols", "rows"), [(80, 24), (120, 35)])
def test_app_starts_on_the_sim_shows_a_deployment_and_q_quits(
    terminal, sim_url: str, cols: int, rows: int
) -> None:
    term = terminal("--base-url", sim_url, "--token", "smoke-token", cols=cols, rows=rows)
    term.wait_first_paint("llm-serve")
    assert term.alive()
    assert len(term.lines()) == rows
    term.press("q")
    assert term.wait_exit() == 0
    # The token is never written to the terminal.
    assert b"smoke-token" not in term.raw
