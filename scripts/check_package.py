"""`make package-test`: build the wheel, install it with pipx into a temporary home, use it.

What a user who runs `pipx install autodl-tui` gets: the console script starts, reports the
version the package declares, generates its completion, and its headless `ls` reads a
simulator started from the same installed package over a loopback socket. Nothing here uses
the checkout's sources once the wheel is built.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The token the simulator is started with and `ls` sends.
SIM_TOKEN = "package-check-token"


def run(argv: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    """Run `argv`, fail loudly with its output when it fails, return its stdout."""
    done = subprocess.run(
        argv, env=env, input=stdin, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, proc: subprocess.Popen[bytes]) -> None:
    """Until the simulator listens (30 s at most)."""
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            raise SystemExit("the installed simulator exited")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline:
            raise SystemExit("the installed simulator never opened its port")
        time.sleep(0.1)


def main() -> int:
    """Build, install, check; exit non-zero on the first failure."""
    with tempfile.TemporaryDirectory(prefix="autodl-pkg-") as tmp:
        home = Path(tmp)
        dist = home / "dist"
        run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
            dict(os.environ),
        )
        (wheel,) = dist.glob("autodl_tui-*.whl")
        env = dict(
            os.environ,
            PIPX_HOME=str(home / "pipx"),
            PIPX_BIN_DIR=str(home / "bin"),
            PIPX_MAN_DIR=str(home / "man"),
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_STATE_HOME=str(home / "state"),
            XDG_CACHE_HOME=str(home / "cache"),
        )
        env.pop("AUTODL_TOKEN", None)
        env.pop("AUTODL_TUI_CONFIG", None)
        run([sys.executable, "-m", "pipx", "install", "--python", sys.executable, str(wheel)], env)
        exe = str(home / "bin" / "autodl-tui")

        declared = wheel.name.split("-")[1]
        version = run([exe, "--version"], env).strip()
        if declared not in version:
            raise SystemExit(f"--version says {version!r}, the wheel is {declared}")
        if "autodl-tui" not in run([exe, "--help"], env):
            raise SystemExit("--help does not name the program")
        if "complete" not in run([exe, "completion", "bash"], env):
            raise SystemExit("the bash completion script looks empty")

        port = free_port()
        sim = subprocess.Popen(
            [exe, "sim", "--port", str(port), "--token", SIM_TOKEN],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port, sim)
            base = f"http://127.0.0.1:{port}"
            listed = json.loads(
                run(
                    [exe, "ls", "deployments", "--json", "--base-url", base, "--token", "-"],
                    env,
                    stdin=SIM_TOKEN,
                )
            )
        finally:
            sim.terminate()
            sim.wait(timeout=10)
        if not listed or not all("uuid" in row for row in listed):
            raise SystemExit(f"ls deployments gave no deployments: {listed!r}")
        print(
            f"package check: {wheel.name} installed with pipx; {version}; {len(listed)} deployments"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
