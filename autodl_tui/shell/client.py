"""The system's OpenSSH client: where it is, whether it is new enough, the argv we give it.

The argv is built from parsed parts only (never a string from the service). Our own `-o`
options come first because ssh keeps the first value it sees for an option, so a config
file's `ssh_options` cannot undo them; `-p` comes last because for it the last one wins.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from autodl_tui.shell.target import SshTarget

__all__ = [
    "MIN_VERSION",
    "SshClient",
    "SshProblem",
    "find_ssh",
    "shell_argv",
    "tunnel_argv",
]

MIN_VERSION = (8, 4)
"""SSH_ASKPASS_REQUIRE appeared in OpenSSH 8.4."""

_VERSION = re.compile(r"OpenSSH_(\d+)\.(\d+)")
#: Options on every ssh we run: one password try (a wrong one fails at once, clearly).
_COMMON = ("-o", "NumberOfPasswordPrompts=1")


class SshProblem(Exception):
    """ssh cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class SshClient:
    """A usable OpenSSH client: its path and version."""

    path: str
    version: tuple[int, int]


def find_ssh(name: str = "ssh") -> SshClient:
    """The OpenSSH client on PATH, at least MIN_VERSION; SshProblem otherwise."""
    path = shutil.which(name)
    if path is None:
        raise SshProblem(
            "OpenSSH's ssh client is not installed (Debian/Ubuntu: apt-get install "
            "openssh-client; macOS has it): the shell and tunnels need it"
        )
    version = _version(path)
    if version is None:
        raise SshProblem(f"{path} is not OpenSSH (ssh -V did not say OpenSSH_X.Y)")
    if version < MIN_VERSION:
        raise SshProblem(
            f"OpenSSH {version[0]}.{version[1]} is too old: 8.4 or later is needed to hand "
            "over the root password without showing it (SSH_ASKPASS_REQUIRE)"
        )
    return SshClient(path, version)


@lru_cache(maxsize=8)
def _version(path: str) -> tuple[int, int] | None:
    try:
        done = subprocess.run(
            [path, "-V"], capture_output=True, timeout=10, stdin=subprocess.DEVNULL, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION.search((done.stderr + done.stdout).decode("utf-8", "replace"))
    return (int(match[1]), int(match[2])) if match else None


def shell_argv(client: SshClient, target: SshTarget, options: Sequence[str]) -> list[str]:
    """The argv of an interactive login shell on `target`."""
    return [
        client.path,
        *_COMMON,
        *options,
        "-p",
        str(target.port),
        "--",
        target.destination,
    ]


def tunnel_argv(
    client: SshClient,
    target: SshTarget,
    options: Sequence[str],
    *,
    local_port: int,
    remote_port: int,
) -> list[str]:
    """The argv forwarding 127.0.0.1:`local_port` to the container's `remote_port`, no shell."""
    return [
        client.path,
        *_COMMON,
        # Fail (and so exit) when the forward cannot be set up instead of idling without it;
        # notice a dead connection within about 45 s.
        "-o",
        "ExitOnForwardFailure=yes",
        "-o",
        "ServerAliveInterval=15",
        "-o",
        "ServerAliveCountMax=3",
        *options,
        "-N",
        "-L",
        f"127.0.0.1:{local_port}:localhost:{remote_port}",
        "-p",
        str(target.port),
        "--",
        target.destination,
    ]
