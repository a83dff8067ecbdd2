"""Copy text to the user's clipboard from a TUI that usually runs over SSH inside tmux.

OSC 52 is the only path that reaches the *local* clipboard over SSH (the local terminal
decodes it; tmux forwards it with `set -g set-clipboard on`). It is fire-and-forget, so on a
local session we also try the system clipboard through pyperclip, which needs a helper
binary (pbcopy, xclip, xsel, wl-copy) and is skipped over SSH, where it would copy into the
remote machine's clipboard, or fail.

Nothing here logs or notifies the copied text: it is often a root password.
"""

from __future__ import annotations

import os
from typing import Any

import pyperclip
from textual.app import App

__all__ = ["OSC52", "SYSTEM", "copy_text", "over_ssh"]

OSC52 = "terminal (OSC 52)"
"""Label of the OSC 52 path in `copy_text`'s answer."""

SYSTEM = "system clipboard"
"""Label of the pyperclip path in `copy_text`'s answer."""

_SSH_ENV = ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT")


def over_ssh() -> bool:
    """Whether this process runs in an SSH session (so the system clipboard is the remote one)."""
    return any(os.environ.get(name) for name in _SSH_ENV)


def copy_text(app: App[Any], text: str) -> str:
    """Copy `text` via OSC 52 and, off SSH, the system clipboard; return the paths used.

    The answer reads "terminal (OSC 52)" or "terminal (OSC 52) + system clipboard". OSC 52
    has no acknowledgement, so "terminal" means "sent", not "arrived".
    """
    app.copy_to_clipboard(text)
    used = [OSC52]
    if not over_ssh() and _system_copy(text):
        used.append(SYSTEM)
    return " + ".join(used)


def _system_copy(text: str) -> bool:
    try:
        pyperclip.copy(text)
    except Exception:
        # PyperclipException when no helper binary exists (headless, no X/Wayland), or any
        # error from a broken helper: OSC 52 already went out, so this path is best effort.
        # The exception is dropped unlogged because its message may quote the text.
        return False
    return True
