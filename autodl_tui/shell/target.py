"""The container's `ssh_command`, parsed strictly into host, port and user.

The service's string is never handed to a shell: only this exact shape is accepted, and the
ssh argv is built from its three parts (see shared/api/REAL-WORLD.md, info keys).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SSH_SHAPE", "SshTarget", "TargetError", "parse_ssh_command"]

SSH_SHAPE = re.compile(
    r"ssh -p (?P<port>[0-9]{1,5}) (?P<user>[A-Za-z0-9._-]{1,64})@(?P<host>[A-Za-z0-9.-]{1,253})"
)
"""Every ssh_command seen: `ssh -p 21305 root@connect.westb.seetacloud.com`."""


class TargetError(ValueError):
    """The ssh_command is not `ssh -p PORT user@host`; the message says what is wrong."""


@dataclass(frozen=True)
class SshTarget:
    """Where a container's SSH server listens and whom to log in as."""

    host: str
    port: int
    user: str

    @property
    def destination(self) -> str:
        """`user@host`, the one positional argument of the ssh argv."""
        return f"{self.user}@{self.host}"

    def __str__(self) -> str:
        return f"{self.destination} port {self.port}"


def parse_ssh_command(command: str) -> SshTarget:
    """`ssh -p PORT user@host` as an SshTarget; TargetError for anything else."""
    if not command:
        raise TargetError("the container has no SSH command yet")
    match = SSH_SHAPE.fullmatch(command)
    if match is None:
        raise TargetError("the SSH command is not of the form `ssh -p PORT user@host`")
    port = int(match["port"])
    user, host = match["user"], match["host"]
    if not 1 <= port <= 65535:
        raise TargetError(f"the SSH port {port} is not between 1 and 65535")
    # A leading dash would be read by ssh as an option; a leading dot is no host name.
    if user.startswith("-") or host.startswith(("-", ".")) or ".." in host:
        raise TargetError("the SSH user or host is not a plain name")
    return SshTarget(host=host, port=port, user=user)
