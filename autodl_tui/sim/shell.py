"""The small shell of a simulated container: a few commands, enough to look around.

`hostname`, `whoami`, `pwd`, `echo` (with $VAR and ${VAR}), `env`/`printenv`, `nvidia-smi`,
`uname`, `true`/`false` and `exit [N]`; `;` separates commands. Anything else answers
`command not found` (127) like bash.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from autodl_tui.sim.records import ContainerRec

__all__ = ["SimShell", "hostname"]

_VAR = re.compile(r"\$(?:\{(\w+)\}|(\w+)|(\?))")

Write = Callable[[str], None]


def hostname(c: ContainerRec) -> str:
    """The container's hostname: `autodl-container-` and its uuid's last part (<= 63)."""
    return f"autodl-container-{c.uuid.rsplit('-', 1)[-1]}"[:63]


class SimShell:
    """Runs command lines for one container; `run` returns an exit status to end the shell."""

    def __init__(self, container: ContainerRec, *, gpu_lines: Sequence[tuple[str, int]]) -> None:
        self._c = container
        self._gpus = list(gpu_lines)
        self.status = 0
        host = container.host
        self.env = {
            "AutoDLContainerUUID": container.uuid,
            "AutoDLDeploymentUUID": container.deployment.uuid,
            "AutoDLDataCenter": host.region if host else "",
            "HOME": "/root",
            "HOSTNAME": hostname(container),
            "PWD": "/root",
            "SHELL": "/bin/bash",
            "USER": "root",
        }

    def motd(self) -> str:
        """The greeting of an interactive login."""
        gpus = f"{len(self._gpus)} x {self._gpus[0][0]}" if self._gpus else "no GPU"
        return (
            f"Welcome to the autodl-tui simulator: container {self._c.uuid} ({gpus}).\n"
            "A few commands work here: hostname, echo, env, nvidia-smi, exit.\n"
        )

    def prompt(self) -> str:
        """`root@HOSTNAME:~# `."""
        return f"root@{hostname(self._c)}:~# "

    def run(self, line: str, write: Write) -> int | None:
        """Run one line; None to go on, or the status the shell exits with."""
        try:
            lexer = shlex.shlex(line, posix=True, punctuation_chars=";")
            lexer.whitespace_split = True
            tokens = list(lexer)
        except ValueError as exc:
            write(f"-bash: syntax error: {exc}\n")
            self.status = 2
            return None
        command: list[str] = []
        for token in [*tokens, ";"]:
            if token != ";":
                command.append(self._expand(token))
                continue
            if command:
                ended = self._one(command, write)
                if ended is not None:
                    return ended
            command = []
        return None

    def _expand(self, token: str) -> str:
        def value(match: re.Match[str]) -> str:
            if match.group(3):
                return str(self.status)
            return self.env.get(match.group(1) or match.group(2), "")

        return _VAR.sub(value, token)

    def _one(self, argv: list[str], write: Write) -> int | None:
        name, args = argv[0], argv[1:]
        status = 0
        if name == "exit":
            try:
                return int(args[0]) & 0xFF if args else self.status
            except ValueError:
                write(f"-bash: exit: {args[0]}: numeric argument required\n")
                return 2
        if name == "echo":
            write(" ".join(args) + "\n")
        elif name == "hostname":
            write(hostname(self._c) + "\n")
        elif name == "whoami":
            write("root\n")
        elif name == "pwd":
            write("/root\n")
        elif name == "uname":
            write(f"Linux {hostname(self._c)}\n" if args[:1] == ["-n"] else "Linux\n")
        elif name in ("env", "printenv") and not args:
            write("".join(f"{k}={v}\n" for k, v in sorted(self.env.items())))
        elif name == "printenv":
            found = [self.env[a] for a in args if a in self.env]
            write("".join(f"{v}\n" for v in found))
            status = 0 if len(found) == len(args) else 1
        elif name == "nvidia-smi":
            write(self._nvidia_smi())
        elif name in ("true", ":"):
            pass
        elif name == "false":
            status = 1
        else:
            write(f"-bash: {name}: command not found\n")
            status = 127
        self.status = status
        return None

    def _nvidia_smi(self) -> str:
        if not self._gpus:
            return "No devices were found\n"
        rule = "+" + "-" * 78 + "+\n"

        def row(text: str) -> str:
            return f"| {text:<76} |\n"

        lines = [
            rule,
            row("NVIDIA-SMI 550.54.14 (simulated)  Driver Version: 550.54.14  CUDA Version: 12.4"),
            rule,
            row(f"{'GPU':<4} {'Name':<28} {'Memory-Usage':<24} {'GPU-Util':>8}"),
        ]
        for index, (name, mib) in enumerate(self._gpus):
            usage = f"0MiB / {mib}MiB"
            lines.append(row(f"{index:<4} {name[:28]:<28} {usage:<24} {'0%':>8}"))
        lines.append(rule)
        return "".join(lines)
