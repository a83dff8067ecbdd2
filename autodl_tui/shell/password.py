"""Hand a root password to ssh without argv, the screen, the log, the clipboard or a file.

Why a FIFO and SSH_ASKPASS: OpenSSH reads passwords only from the terminal or from an askpass
program, and `SSH_ASKPASS_REQUIRE=force` (OpenSSH >= 8.4) makes it use the program even with
a terminal and no DISPLAY. ssh closes every inherited descriptor above stderr at start-up,
so a pipe cannot reach the program; an environment variable would be readable in
/proc/PID/environ and inherited by everything ssh starts; a regular 0600 file sits on disk
until removed. A FIFO in a fresh 0700 directory holds nothing on disk: the app opens it for
writing only once the askpass program has opened it for reading, writes the password once,
and removes it, so a second prompt (or any later reader) finds nothing.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
import sysconfig
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from autodl_tui.shell.askpass import FIFO_VARIABLE, TTY_VARIABLE

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["ASKPASS_PROGRAM", "PasswordPipe", "askpass_program"]

ASKPASS_PROGRAM = "autodl-tui-askpass"
"""The console script ssh runs as SSH_ASKPASS (installed with the package)."""

#: How often the writer looks for the askpass program's open (no reader yet: ENXIO).
_POLL_S = 0.02
#: The same after the first 10 s.
_SLOW_POLL_S = 0.25


def askpass_program() -> Path | None:
    """The installed `autodl-tui-askpass` next to this Python, or None."""
    for directory in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        candidate = Path(directory) / ASKPASS_PROGRAM
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(ASKPASS_PROGRAM)
    return Path(found) if found else None


class PasswordPipe:
    """A one-shot FIFO holding `password` for one ssh process; a context manager.

    `env()` gives the variables to add to ssh's environment. The FIFO and its directory are
    removed when the password was read, and in any case when the block ends.
    """

    def __init__(self, password: str, *, program: Path, interactive: bool) -> None:
        self._password = password.encode("utf-8")
        self._program = program
        self._interactive = interactive
        self._dir = Path(tempfile.mkdtemp(prefix="autodl-askpass-"))  # mode 0700
        self.fifo = self._dir / "password"
        os.mkfifo(self.fifo, 0o600)
        self._stop = threading.Event()
        self.delivered = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="askpass-fifo", daemon=True)
        self._thread.start()

    def env(self) -> dict[str, str]:
        """SSH_ASKPASS and friends for ssh's environment (no secret among them)."""
        return {
            "SSH_ASKPASS": str(self._program),
            "SSH_ASKPASS_REQUIRE": "force",
            FIFO_VARIABLE: str(self.fifo),
            TTY_VARIABLE: "1" if self._interactive else "0",
        }

    def _serve(self) -> None:
        tries = 0
        while not self._stop.is_set():
            try:
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno == errno.ENXIO:  # nobody reading yet
                    # Quick while a login is likely, then slower: a session that logged in
                    # with a key never asks, and this thread waits out the whole shell.
                    tries += 1
                    self._stop.wait(_POLL_S if tries < 500 else _SLOW_POLL_S)
                    continue
                return  # the FIFO was removed: closing
            try:
                os.set_blocking(fd, True)
                os.write(fd, self._password + b"\n")
            except OSError:
                pass  # the reader went away; it gets nothing
            finally:
                os.close(fd)
            self.delivered.set()
            # Once only: a second prompt (a wrong password) must find no FIFO.
            self.fifo.unlink(missing_ok=True)
            return

    def close(self) -> None:
        """Stop offering the password and remove the FIFO and its directory."""
        self._stop.set()
        self._thread.join(2)
        shutil.rmtree(self._dir, ignore_errors=True)
        self._password = b""

    def __enter__(self) -> PasswordPipe:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
