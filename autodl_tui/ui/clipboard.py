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
import re
from typing import TYPE_CHECKING, Any, Literal

import pyperclip

from autodl_tui.display import clean
from autodl_tui.shell.target import SSH_SHAPE

if TYPE_CHECKING:
    from textual.app import App

    from autodl_tui.api import ContainerInfo

__all__ = [
    "OSC52",
    "SYSTEM",
    "CopyKind",
    "copy_concern",
    "copy_preview",
    "copy_text",
    "copy_value",
    "over_ssh",
]

OSC52 = "terminal (OSC 52)"
"""Label of the OSC 52 path in `copy_text`'s answer."""

SYSTEM = "system clipboard"
"""Label of the pyperclip path in `copy_text`'s answer."""

_SSH_ENV = ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT")

CopyKind = Literal["ssh", "password", "url"]
"""What a copy key copies: the SSH command, the root password, or the 6006 service URL."""

# The shape of every ssh_command seen: `ssh -p 21305 root@region-1.autodl.com`, or
# `root@connect.<zone>.seetacloud.com` (shared/api/REAL-WORLD.md, info keys). Anything else
# is pasted into a shell by the user, so it is shown and confirmed before it is copied.
_SSH_SHAPE = SSH_SHAPE  # the shape `s` and `t` parse (autodl_tui/shell/target.py)
_URL_SHAPE = re.compile(r"https?://[^\s]{1,2000}")

#: Why a root password is neither copied nor revealed (--hide-secrets; `serve` sets it).
HIDDEN_SECRETS = "Secrets are hidden (--hide-secrets): root passwords are not copied or shown."


def copy_concern(kind: CopyKind, value: str) -> str:
    """Why `value` should not be copied without a look ("" when it has the expected shape).

    A newline, a control or format character (bidi override, zero-width) makes a pasted
    command do something other than what the user saw; an SSH command that is not
    `ssh -p PORT user@host` may carry a second command (`; curl … | sh`).
    """
    if not value.isprintable():
        return "it holds control characters or a line break (shown below as ␊, ␛, <U+…>)"
    if kind == "ssh" and not _SSH_SHAPE.fullmatch(value):
        return "it is not of the usual form `ssh -p PORT user@host`"
    if kind == "url" and not _URL_SHAPE.fullmatch(value):
        return "it is not a plain http(s) URL"
    return ""


def copy_preview(kind: CopyKind, value: str) -> str:
    """What the confirmation shows: the exact text, controls visible; a password stays masked.

    A password is shown as dots except for the characters that made it odd, so the user
    sees where they are without the password reaching the screen.
    """
    return clean(_masked(value) if kind == "password" else value)


def _masked(value: str) -> str:
    return "".join("•" if c.isprintable() else c for c in value)


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
    # Under a browser (textual-serve) the system clipboard is the server's: OSC 52 only.
    if not over_ssh() and not app.is_web and _system_copy(text):
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


def copy_value(info: ContainerInfo, kind: CopyKind) -> str:
    """The text a copy key copies, from the table and the detail alike.

    The URL is `service_6006_port_url`, falling back to the deprecated `service_url`.
    """
    return {
        "ssh": info.ssh_command,
        "password": info.root_password,
        "url": info.service_6006_url,
    }[kind]
