"""Issue 12, long names, in the real process: one 60-character name and a long CJK one.

Its own simulator (this module changes the fleet): both deployments are created with
`autodl-tui deploy`, then the app shows the list at 80x24 and 120x35.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from sim_process import REPO

LONG = "llm-serve-" + "x" * 50
CJK = "大模型推理服务北京区域第二批次"
SHORT = ("h800-pretrain", "finetune-sweep", "nightly-batch", "llm-serve")


def deploy(url: str, name: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autodl_tui", "deploy", "examples/replicaset.toml"]
        + ["--name", name, "--force", "--base-url", url, "--token", "journey-token"],
        cwd=REPO,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")


@pytest.fixture(scope="module")
def fleet_url(sim_url: str) -> str:
    deploy(sim_url, LONG)
    deploy(sim_url, CJK)
    return sim_url


@pytest.mark.parametrize(("cols", "rows"), [(80, 24), (120, 35)])
def test_one_long_name_leaves_the_other_names_whole(
    terminal, fleet_url: str, cols: int, rows: int
) -> None:
    term = terminal("--base-url", fleet_url, "--token", "journey-token", cols=cols, rows=rows)
    term.wait_first_paint("h800-pretrain")
    term.wait_for("llm-serve-xxx")
    for name in SHORT:
        term.wait_for(f" {name} ")  # whole, not "llm-serve…"
    long_line = next(line for line in term.lines() if "llm-serve-xxx" in line)
    assert "…" in long_line and LONG not in long_line
    cjk_line = next(line for line in term.lines() if CJK[:4] in line)
    assert "…" in cjk_line and " …" not in cjk_line  # no gap before the ellipsis
