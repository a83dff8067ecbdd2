"""On a real terminal, `rm` asks for the exact name and `scale` for y/N before sending."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import ptyprocess
from sim_process import REPO, running_sim


def read_until(proc: ptyprocess.PtyProcess, text: str, timeout: float = 20) -> str:
    seen = b""
    deadline = time.monotonic() + timeout
    while text.encode() not in seen:
        assert time.monotonic() < deadline, seen.decode(errors="replace")
        try:
            seen += proc.read(4096)
        except EOFError:
            break
    return seen.decode(errors="replace")


def names(url: str, env: dict[str, str]) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-m", "autodl_tui", "--base-url", url, "ls", "deployments", "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return {d["name"] for d in json.loads(done.stdout)}


def run_on_terminal(url: str, env: dict[str, str], answer: str, *args: str) -> tuple[int, str]:
    proc = ptyprocess.PtyProcess.spawn(
        [sys.executable, "-m", "autodl_tui", "--base-url", url, *args], cwd=str(REPO), env=env
    )
    try:
        prompt = read_until(proc, "confirm: " if args[0] == "rm" else "[y/N] ")
        proc.write(answer.encode() + b"\r")
        rest = read_until(proc, "\x00never")  # to the end
        proc.wait()
        return proc.exitstatus, prompt + rest
    finally:
        if proc.isalive():
            proc.terminate(force=True)


def test_rm_on_a_terminal_needs_the_exact_name(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTODL_")}
    env.update(AUTODL_TOKEN="pty.test.token", AUTODL_TUI_CONFIG=str(tmp_path / "c.toml"))
    with running_sim("--fleet", "demo") as (_proc, url):
        code, screen = run_on_terminal(url, env, "old-ap", "rm", "old-api")
        assert code == 5 and "Type old-api to confirm" in screen and "not confirmed" in screen
        assert "old-api" in names(url, env)
        code, screen = run_on_terminal(url, env, "old-api", "rm", "old-api")
        assert code == 0, screen
        assert "old-api" not in names(url, env)
        code, screen = run_on_terminal(url, env, "", "scale", "sd-webui", "5")
        assert code == 5 and "replicas 3 -> 5?" in screen
