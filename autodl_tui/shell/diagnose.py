"""Turn what ssh printed when it failed (exit 255) into one clear sentence for the user."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autodl_tui.shell.target import SshTarget

__all__ = ["SSH_FAILED", "explain", "last_line"]

SSH_FAILED = 255
"""ssh's own exit status for its errors (a remote command's status is passed through)."""

#: (what ssh prints, what it means), first match wins; {where} is host and port.
_KNOWN: tuple[tuple[str, str], ...] = (
    (
        "REMOTE HOST IDENTIFICATION HAS CHANGED",
        "The host key of {where} changed since the last login (a new container behind the "
        "same address, or someone in between). If you trust it, remove the old key with "
        "ssh-keygen -R '[{host}]:{port}' and press the key again.",
    ),
    (
        "Host key verification failed",
        "The host key of {where} could not be verified (it is not in known_hosts and was not "
        "accepted). Open a shell with s to accept it, or add -o StrictHostKeyChecking="
        "accept-new to ssh_options.",
    ),
    (
        "Permission denied",
        "Login to {where} failed: the root password was refused (it changes when a "
        "container is recreated; press r and try again).",
    ),
    ("Connection refused", "{where} refused the connection: the container may be stopping."),
    ("Could not resolve hostname", "The host name of {where} could not be resolved."),
    ("timed out", "The connection to {where} timed out."),
    ("No route to host", "There is no route to {where}."),
    ("Connection closed", "{where} closed the connection during login."),
    ("Connection reset", "{where} reset the connection during login."),
    ("Address already in use", "The local port is already in use."),
    ("cannot listen to port", "The local port could not be opened."),
)


def last_line(stderr: str) -> str:
    """The last non-empty line ssh printed ("" if none)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def explain(target: SshTarget, stderr: str, returncode: int | None) -> str:
    """Why ssh ended, in words; the last line ssh printed follows an unknown failure."""
    where = f"{target.host} port {target.port}"
    for needle, meaning in _KNOWN:
        if needle.lower() in stderr.lower():
            return meaning.format(where=where, host=target.host, port=target.port)
    tail = last_line(stderr)
    status = f"exit {returncode}" if returncode is not None else "still running"
    return f"ssh to {where} failed ({status})" + (f": {tail}" if tail else ".")
