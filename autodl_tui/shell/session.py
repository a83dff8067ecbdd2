"""An interactive ssh login on the terminal the app handed over (it is suspended meanwhile)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autodl_tui.shell.client import shell_argv
from autodl_tui.shell.diagnose import SSH_FAILED, explain
from autodl_tui.shell.password import PasswordPipe, askpass_program
from autodl_tui.shell.stderr_tail import StderrTail

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from autodl_tui.shell.client import SshClient
    from autodl_tui.shell.target import SshTarget

__all__ = ["ShellResult", "child_env", "run_shell"]


@dataclass(frozen=True)
class ShellResult:
    """How a shell ended: ssh's exit status and, when ssh itself failed, why in words."""

    returncode: int
    problem: str = ""


def child_env(extra: Mapping[str, str], base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for ssh: ours without a token, plus `extra` (askpass, no secrets)."""
    env = {
        k: v
        for k, v in (os.environ if base is None else base).items()
        if not k.startswith("AUTODL_TOKEN")
    }
    env.update(extra)
    return env


def run_shell(
    client: SshClient, target: SshTarget, password: str, options: Sequence[str]
) -> ShellResult:
    """Run ssh in the foreground until the remote shell ends; blocks (call while suspended).

    ssh's stderr is shown on the terminal as it comes and kept, to explain a failure.
    """
    program = askpass_program()
    if program is None:
        return ShellResult(
            SSH_FAILED, "autodl-tui-askpass is not installed beside autodl-tui; reinstall it"
        )
    with PasswordPipe(password, program=program, interactive=True) as pipe:
        try:
            proc = subprocess.Popen(
                shell_argv(client, target, options),
                env=child_env(pipe.env()),
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            return ShellResult(SSH_FAILED, f"ssh could not be started: {exc.strerror}")
        assert proc.stderr is not None
        tail = StderrTail(proc.stderr, echo_fd=2)
        try:
            returncode = proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            returncode = proc.wait()
        tail.join()
    if returncode == SSH_FAILED:
        return ShellResult(returncode, explain(target, tail.text(), returncode))
    return ShellResult(returncode)
