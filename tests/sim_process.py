"""`autodl-tui sim` as a real child process on a free loopback port, for CLI tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def running_sim(*args: str, capture: bool = False) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Start `autodl-tui sim --port P ARGS`, wait for its port, yield (process, base URL).

    With `capture`, stdout and stderr are piped (read them after the block with
    `proc.communicate()`); the process is terminated when the block ends.
    """
    port = free_port()
    pipe = subprocess.PIPE if capture else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "autodl_tui", "sim", "--port", str(port), *args],
        cwd=REPO,
        stdout=pipe,
        stderr=pipe,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, "the simulator exited"
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "the simulator never opened its port"
            time.sleep(0.05)
        yield proc, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        if not capture:
            proc.wait(timeout=10)
