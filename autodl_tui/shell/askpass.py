"""The `autodl-tui-askpass` program: what ssh runs (SSH_ASKPASS) to get the root password.

ssh (OpenSSH >= 8.4, with SSH_ASKPASS_REQUIRE=force) runs it with the prompt as its only
argument and reads the answer from its stdout. A password prompt is answered from the FIFO
named by AUTODL_TUI_ASKPASS_FIFO, which the app writes exactly once and then removes (see
password.py). Any other prompt (an unknown host key, a key's passphrase) is the user's to
answer: on the terminal when AUTODL_TUI_ASKPASS_TTY is 1 (the shell, the app suspended),
refused otherwise (a tunnel in the background, where the terminal belongs to the app).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["FIFO_VARIABLE", "TTY_VARIABLE", "is_password_prompt", "main"]

FIFO_VARIABLE = "AUTODL_TUI_ASKPASS_FIFO"
"""The environment variable naming the FIFO that holds the password."""

TTY_VARIABLE = "AUTODL_TUI_ASKPASS_TTY"
"""`1` when other prompts may be asked on the terminal."""

#: The longest answer read from the FIFO (a root password is 12 characters).
_MAX_BYTES = 4096


def is_password_prompt(prompt: str) -> bool:
    """Whether ssh asks for the account's password (`root@host's password: `, `Password:`)."""
    return "password" in prompt.lower() and "passphrase" not in prompt.lower()


def _from_fifo(path: str) -> bytes:
    # O_NONBLOCK off: the open waits (briefly) for the app's writer, which polls for us.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        data = b""
        while len(data) <= _MAX_BYTES:
            chunk = os.read(fd, _MAX_BYTES)
            if not chunk:
                break
            data += chunk
        return data
    finally:
        os.close(fd)


def _from_terminal(prompt: str) -> bytes:
    with open("/dev/tty", "r+b", buffering=0) as tty:
        tty.write(prompt.encode("utf-8", "replace"))
        return tty.readline()


def main(argv: Sequence[str] | None = None) -> int:
    """Answer one ssh prompt on stdout; a non-zero status when there is no answer to give."""
    args = sys.argv[1:] if argv is None else list(argv)
    prompt = args[0] if args else ""
    try:
        if is_password_prompt(prompt):
            path = os.environ.get(FIFO_VARIABLE, "")
            if not path:
                return 1
            answer = _from_fifo(path)
        elif os.environ.get(TTY_VARIABLE) == "1":
            answer = _from_terminal(prompt)
        else:
            return 1
    except OSError:
        # The FIFO is gone (the password was handed out once already) or no terminal.
        return 1
    sys.stdout.buffer.write(answer if answer.endswith(b"\n") else answer + b"\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
