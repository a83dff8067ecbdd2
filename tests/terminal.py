"""The real app in a pseudo-terminal, driven as a person would, for end-to-end tests.

`Terminal` starts `python -m autodl_tui ARGS` in a pty of a fixed size with an isolated
environment (config and state in temporary directories, TERM=xterm-256color, no token or SSH
variables inherited), records every byte the app writes, feeds them to a terminal emulator
(pyte) so a test reads the screen as lines of text, sends named keys and mouse clicks, waits
for a condition with a deadline (the failure message shows the screen), and decodes every
OSC 52 clipboard write the app made. The process is always killed when the test ends.

`sim_url` is a module-scoped fixture: `autodl-tui sim --fleet demo` on a loopback port.
`terminal` is a function-scoped factory fixture: `terminal(*args)` starts the app and every
app it started is closed at teardown.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import select
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import ptyprocess
import pyte
import pytest
import wcwidth
from sim_process import running_sim

__all__ = [
    "ESC",
    "KEYS",
    "Terminal",
    "key_bytes",
    "osc52_writes",
    "sim_url",
    "terminal",
]

ESC = "\x1b"
#: The first paint of a cold Python + Textual start on a busy 2-core CI machine.
FIRST_PAINT_S = 60.0
#: Any later step (a key's effect, a poll's answer reaching the screen).
STEP_S = 20.0
#: After a lone ESC, Textual waits this long for more bytes before it reports `escape`; the
#: next key must come later or the two are read as one alt+key sequence (a protocol gap,
#: not a wait for the app).
ESC_GAP_S = 0.15

KEYS: dict[str, str] = {
    "enter": "\r",
    "escape": ESC,
    "tab": "\t",
    "shift+tab": ESC + "[Z",
    "backspace": "\x7f",
    "space": " ",
    "up": ESC + "[A",
    "down": ESC + "[B",
    "right": ESC + "[C",
    "left": ESC + "[D",
    "home": ESC + "[H",
    "end": ESC + "[F",
    "pageup": ESC + "[5~",
    "pagedown": ESC + "[6~",
    "insert": ESC + "[2~",
    "delete": ESC + "[3~",
    "f1": ESC + "OP",
    "f2": ESC + "OQ",
    "f3": ESC + "OR",
    "f4": ESC + "OS",
}
"""Named keys as the bytes xterm sends for them; `ctrl+<letter>` is computed."""

# ESC ] 52 ; <targets> ; <base64> then BEL or ST (ESC \). Targets may be empty ("c" usually).
_OSC52 = re.compile(rb"\x1b\]52;([^;\x07\x1b]*);([^\x07\x1b]*)(?:\x07|\x1b\\)")

# What the child must not inherit: a real token, SSH markers (they change the clipboard
# path), a config override, Textual debugging switches, a display (without one no system
# clipboard helper works, so OSC 52 is the app's only copy path).
_DROP_PREFIXES = (
    "AUTODL",
    "SSH_",
    "TEXTUAL",
    "TMUX",
    "XDG_",
    "COLUMNS",
    "LINES",
    "DISPLAY",
    "WAYLAND_DISPLAY",
)


def key_bytes(name: str) -> bytes:
    """The bytes a terminal sends for key `name` ("enter", "ctrl+d", "up", "q", "ä")."""
    if name in KEYS:
        return KEYS[name].encode()
    if name.startswith("ctrl+") and len(name) == 6 and name[5].isalpha():
        return bytes([ord(name[5].lower()) & 0x1F])
    if name.startswith("alt+") and len(name) == 5:
        return (ESC + name[4]).encode()
    if len(name) == 1:
        return name.encode()
    raise ValueError(f"unknown key name {name!r}")


def osc52_writes(raw: bytes) -> list[str]:
    """Every OSC 52 clipboard write in `raw`, decoded ("?" queries and bad base64 as-is)."""
    found: list[str] = []
    for match in _OSC52.finditer(raw):
        data = match.group(2)
        try:
            found.append(base64.b64decode(data, validate=True).decode("utf-8", "replace"))
        except (binascii.Error, ValueError):
            found.append(data.decode("latin-1"))
    return found


def isolated_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """An environment for the app: this one minus secrets and overrides, dirs under `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROP_PREFIXES)}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        TERM="xterm-256color",
        COLORTERM="truecolor",
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


class Terminal:
    """One `python -m autodl_tui` process in a pty of `cols` x `rows`, screen emulated by pyte."""

    def __init__(
        self,
        args: Sequence[str],
        *,
        home: Path,
        cols: int = 80,
        rows: int = 24,
        env: dict[str, str] | None = None,
        module: Sequence[str] = ("-m", "autodl_tui"),
    ) -> None:
        self.args = list(args)
        self.home = home
        self.cols = cols
        self.rows = rows
        for sub in ("config", "state", "data", "cache"):
            (home / sub).mkdir(parents=True, exist_ok=True)
        self.env = isolated_env(home, env)
        self._raw = bytearray()
        self._lock = threading.Lock()
        self._screen = pyte.Screen(cols, rows)
        self._stream = pyte.ByteStream(self._screen)
        self._eof = threading.Event()
        self.proc = ptyprocess.PtyProcess.spawn(
            [sys.executable, *module, *self.args],
            cwd=str(home),
            env=self.env,
            dimensions=(rows, cols),
        )
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    # --- output ------------------------------------------------------------------------

    def _read(self) -> None:
        fd = self.proc.fd
        while True:
            try:
                ready, _, _ = select.select([fd], [], [], 0.2)
                if not ready:
                    if not self.proc.isalive():
                        # Drain what is left, then stop.
                        ready = [fd]
                    else:
                        continue
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            with self._lock:
                self._raw += chunk
                self._stream.feed(chunk)
        self._eof.set()

    @property
    def raw(self) -> bytes:
        """Every byte the app has written to the terminal so far."""
        with self._lock:
            return bytes(self._raw)

    def lines(self) -> list[str]:
        """The emulated screen, one string per row (trailing blanks stripped)."""
        with self._lock:
            return [self._row(y).rstrip() for y in range(self._screen.lines)]

    def _row(self, y: int) -> str:
        # pyte's own `display` indexes each cell's first character and fails on the empty
        # cell a wide character's right half can leave behind; such a cell shows nothing.
        line = self._screen.buffer[y]
        cells = []
        x = 0
        while x < self._screen.columns:
            data = line[x].data
            cells.append(data)
            x += 2 if data and wcwidth.wcwidth(data[0]) == 2 else 1
        return "".join(cells)

    def text(self) -> str:
        """The emulated screen as one string, rows joined by newlines."""
        return "\n".join(self.lines())

    def title(self) -> str:
        """The window title the terminal would show (OSC 0/2), as pyte saw it."""
        with self._lock:
            return str(self._screen.title)

    def clipboard(self) -> list[str]:
        """Every OSC 52 clipboard write in the output, decoded, oldest first."""
        return osc52_writes(self.raw)

    def mark(self) -> int:
        """A position in the raw output; `since(mark)` gives what came after it."""
        with self._lock:
            return len(self._raw)

    def since(self, mark: int) -> bytes:
        """The raw output written after `mark`."""
        with self._lock:
            return bytes(self._raw[mark:])

    def find(self, needle: str) -> tuple[int, int] | None:
        """(column, row), 0-based screen cells, where `needle` first starts on the screen."""
        for row, line in enumerate(self.lines()):
            index = line.find(needle)
            if index >= 0:
                # A wide character takes two cells but one string index.
                return max(0, wcwidth.wcswidth(line[:index])), row
        return None

    def block(self, col: int, row: int) -> list[str]:
        """The screen from cell (`col`, `row`) to the bottom right, one string per row."""
        with self._lock:
            out = []
            for y in range(row, self.rows):
                line = self._screen.buffer[y]
                out.append("".join(line[x].data for x in range(col, self.cols)).rstrip())
            return out

    # --- input -------------------------------------------------------------------------

    def write(self, data: bytes | str) -> None:
        """Send raw bytes (or UTF-8 text) as if typed."""
        self.proc.write(data.encode() if isinstance(data, str) else data)

    def press(self, *keys: str) -> None:
        """Send named keys one after another ("enter", "ctrl+d", "q")."""
        for key in keys:
            self.write(key_bytes(key))
            if key == "escape":
                # Whatever is written next must not join this ESC into one sequence.
                time.sleep(ESC_GAP_S)

    def type(self, text: str) -> None:
        """Type `text` (no key names)."""
        self.write(text)

    def click(self, col: int, row: int, button: int = 0) -> None:
        """A mouse click at 0-based (col, row), as xterm's SGR (1006) mouse reports."""
        x, y = col + 1, row + 1
        # A move first: Textual routes the press to the widget under the last known position.
        self.write(f"{ESC}[<35;{x};{y}M{ESC}[<{button};{x};{y}M{ESC}[<{button};{x};{y}m")

    def resize(self, cols: int, rows: int) -> None:
        """Change the pty's size (the app gets SIGWINCH) and the emulator's."""
        with self._lock:
            self.cols, self.rows = cols, rows
            self._screen.resize(rows, cols)
        self.proc.setwinsize(rows, cols)

    # --- waiting -----------------------------------------------------------------------

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = STEP_S) -> None:
        """Return once `condition()` holds; fail after `timeout` s showing `what` and the screen."""
        deadline = time.monotonic() + timeout
        while True:
            if condition():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:g} s waiting for {what}\n{self}")
            if self._eof.is_set() and not condition():
                raise AssertionError(f"the app ended while waiting for {what}\n{self}")
            time.sleep(0.02)

    def wait_for(self, text: str, timeout: float = STEP_S) -> None:
        """Return once `text` is visible on the screen."""
        self.wait(lambda: text in self.text(), f"{text!r} on screen", timeout)

    def wait_gone(self, text: str, timeout: float = STEP_S) -> None:
        """Return once `text` is no longer visible."""
        self.wait(lambda: text not in self.text(), f"{text!r} to leave the screen", timeout)

    def wait_first_paint(self, text: str) -> None:
        """Wait generously for the first screen to show `text` (a cold start on a busy CI)."""
        self.wait_for(text, FIRST_PAINT_S)

    def wait_output(self, needle: bytes, after: int = 0, timeout: float = STEP_S) -> None:
        """Return once the raw output after position `after` contains `needle`."""
        self.wait(lambda: needle in self.since(after), f"{needle!r} in the output", timeout)

    # --- ending ------------------------------------------------------------------------

    def alive(self) -> bool:
        """Whether the app process is still running."""
        return bool(self.proc.isalive())

    def wait_exit(self, timeout: float = STEP_S) -> int:
        """Wait for the app to end by itself; return its exit code (-N for signal N)."""
        self.wait(lambda: not self.proc.isalive(), "the app to exit", timeout)
        self._eof.wait(5)
        return self.exit_code()

    def exit_code(self) -> int:
        """The exit code of an ended app (-N for signal N)."""
        if self.proc.isalive():
            raise AssertionError(f"the app is still running\n{self}")
        if self.proc.signalstatus is not None:
            return -int(self.proc.signalstatus)
        return int(self.proc.exitstatus or 0)

    def close(self) -> None:
        """End the app for sure: SIGTERM to its process group, then SIGKILL; close the pty."""
        for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            if not self.proc.isalive():
                break
            # The child leads its own session (ptyprocess calls setsid): kill the group.
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + grace
            while self.proc.isalive() and time.monotonic() < deadline:
                time.sleep(0.02)
        self._eof.wait(2)
        with contextlib.suppress(OSError):
            self.proc.close(force=True)
        self._reader.join(2)

    def __str__(self) -> str:
        border = "-" * self.cols
        state = "running" if self.proc.isalive() else f"ended ({self.proc.exitstatus})"
        return f"screen ({self.cols}x{self.rows}, app {state}):\n{border}\n{self.text()}\n{border}"

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    """Base URL of `autodl-tui sim --fleet demo`, one process per test module.

    Without the staged incidents: a crash in the middle of a journey would make it race.
    """
    with running_sim("--fleet", "demo", "--incidents", "none") as (_proc, url):
        yield url


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[..., Terminal]]:
    """`terminal(*args, cols=80, rows=24, env=None)` starts the app; all are closed after."""
    started: list[Terminal] = []

    def start(
        *args: str, cols: int = 80, rows: int = 24, env: dict[str, str] | None = None
    ) -> Terminal:
        home = Path(tempfile.mkdtemp(prefix="home-", dir=tmp_path))
        term = Terminal(args, home=home, cols=cols, rows=rows, env=env)
        started.append(term)
        return term

    yield start
    for term in started:
        term.close()
