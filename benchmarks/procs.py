"""Processes for the end-to-end figures: the simulator server and the app in a real pty.

The app runs in its own process so its RSS and CPU are the app's alone (not the
benchmark's tables, not the simulator's world), and its launch time includes the
interpreter start and every import, as a user typing `autodl-tui` pays them.
Screen text is found in the app's raw terminal output with the escape sequences removed;
Textual writes each changed line as one run of text, so a name never spans two runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Sequence
from pathlib import Path

_ESCAPE = re.compile(
    rb"\x1b(?:\[[0-9;?<>=$ ]*[@-~]"  # CSI: cursor moves, colours, modes
    rb"|\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|[PX^_][^\x1b]*\x1b\\"  # DCS and friends
    rb"|[@-Z\\-_])"  # two-byte escapes
)
_TAIL = 400  # bytes of stripped text kept to catch a match split across two reads
_TICKS = os.sysconf("SC_CLK_TCK")


def python() -> str:
    """The interpreter running the benchmark (the venv's)."""
    return sys.executable


class SimServer:
    """`autodl-tui sim` in a child process on a free loopback port; a context manager."""

    def __init__(self, fleet: str = "large", *, speed: float = 0.0, seed: int = 0) -> None:
        self.argv = [
            python(),
            "-m",
            "autodl_tui",
            "sim",
            "--port",
            "0",
            "--fleet",
            fleet,
            "--speed",
            str(speed),
            "--seed",
            str(seed),
        ]
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""

    def __enter__(self) -> SimServer:
        self.proc = subprocess.Popen(
            self.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        match = re.search(r"listening on (\S+)", line)
        if not match:
            self.proc.kill()
            raise RuntimeError(f"simulator did not start: {line!r}")
        self.base_url = match.group(1)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class PtyApp:
    """The app in a pseudo-terminal of a fixed size; its output is read on a thread."""

    def __init__(
        self,
        args: Sequence[str],
        *,
        size: tuple[int, int] = (200, 50),
        config: str = "",
        token: str = "",
    ) -> None:
        self.args = list(args)
        # Through the environment, as users are told to: `--token` on argv warns on screen.
        self.token = token
        self.size = size
        self.pid = 0
        self.started = 0.0
        self._fd = -1
        self._chunks: list[tuple[float, bytes]] = []
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self._config = tempfile.TemporaryDirectory(prefix="autodl-bench-")
        if config:
            path = Path(self._config.name) / "config.toml"
            path.write_text(config)
            path.chmod(0o600)

    def __enter__(self) -> PtyApp:
        columns, rows = self.size
        env = dict(os.environ)
        env.update(
            TERM="xterm-256color",
            COLUMNS=str(columns),
            LINES=str(rows),
            AUTODL_TUI_CONFIG=str(Path(self._config.name) / "config.toml"),
            XDG_CONFIG_HOME=self._config.name,
        )
        env.pop("AUTODL_TOKEN", None)
        if self.token:
            env["AUTODL_TOKEN"] = self.token
        env.pop("TEXTUAL", None)
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # child
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
            os.execve(python(), [python(), "-m", "autodl_tui", *self.args], env)
        self.pid, self._fd = pid, fd
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self._fd], [], [], 0.5)
                if not ready:
                    if self._exited():
                        return
                    continue
                data = os.read(self._fd, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self._chunks.append((time.perf_counter(), data))

    def _exited(self) -> bool:
        try:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return True
        return pid != 0

    def wait_for(self, pattern: str, timeout: float = 30.0, *, after: int = 0) -> tuple[float, int]:
        """Seconds from launch until `pattern` (a regex) shows, and the chunk index it did."""
        wanted = re.compile(pattern.encode())
        deadline = time.perf_counter() + timeout
        index = after
        tail = b""
        while True:
            with self._lock:
                chunks = self._chunks[index:]
            for offset, (stamp, data) in enumerate(chunks):
                text = tail + _ESCAPE.sub(b"", data)
                if wanted.search(text):
                    return stamp - self.started, index + offset + 1
                tail = text[-_TAIL:]
            index += len(chunks)
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{pattern!r} did not appear within {timeout:.0f} s")
            time.sleep(0.002)

    @property
    def chunk_count(self) -> int:
        """How many output chunks were read so far (a mark for `wait_for(after=...)`)."""
        with self._lock:
            return len(self._chunks)

    def quiet_for(self, seconds: float, timeout: float = 60.0) -> None:
        """Wait until the app wrote nothing for `seconds` (its screen has settled)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self._lock:
                last = self._chunks[-1][0] if self._chunks else self.started
            if time.perf_counter() - last >= seconds:
                return
            time.sleep(0.05)

    def press(self, keys: str) -> None:
        """Type keys into the terminal."""
        os.write(self._fd, keys.encode())

    def cpu_seconds(self) -> float:
        """User + system CPU the app process has used (from /proc, 10 ms resolution)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS

    def rss_bytes(self) -> int:
        """Resident set size of the app process now."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def __exit__(self, *exc: object) -> None:
        try:
            self.press("q")
            deadline = time.perf_counter() + 5
            while not self._exited() and time.perf_counter() < deadline:
                time.sleep(0.05)
        except OSError:
            pass
        if not self._exited():
            os.kill(self.pid, 9)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
        os.close(self._fd)
        self._config.cleanup()
