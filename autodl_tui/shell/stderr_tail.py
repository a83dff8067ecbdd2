"""Read a child's stderr in a thread, keeping the tail (and optionally echoing it)."""

from __future__ import annotations

import os
import threading
from typing import IO

__all__ = ["StderrTail"]

#: What is kept: enough for ssh's last few messages, bounded whatever the child prints.
_KEEP = 16384


class StderrTail:
    """Drains `stream` until EOF; `text()` is the last bytes read, decoded."""

    def __init__(self, stream: IO[bytes], *, echo_fd: int | None = None) -> None:
        self._stream = stream
        self._echo_fd = echo_fd
        self._tail = b""
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._drain, name="ssh-stderr", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self._stream.fileno(), 4096)
            except OSError:
                break
            if not chunk:
                break
            if self._echo_fd is not None:
                try:
                    os.write(self._echo_fd, chunk)
                except OSError:
                    self._echo_fd = None
            with self._lock:
                self._tail = (self._tail + chunk)[-_KEEP:]
        self._stream.close()

    def join(self, timeout: float = 2.0) -> None:
        """Wait for EOF (the child and its children closed stderr)."""
        self._thread.join(timeout)

    def text(self) -> str:
        """The kept tail as text."""
        with self._lock:
            return self._tail.decode("utf-8", "replace")
