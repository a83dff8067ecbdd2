"""The askpass hand-over: the installed program reads the password once from the FIFO."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from autodl_tui.shell.askpass import is_password_prompt
from autodl_tui.shell.password import PasswordPipe, askpass_program

SECRET = "pW-7GqT2zLx9"


def _ask(env: dict[str, str], prompt: str) -> subprocess.CompletedProcess[bytes]:
    program = env["SSH_ASKPASS"]
    return subprocess.run(
        [program, prompt],
        env={**os.environ, **env},
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=30,
        check=False,
    )


@pytest.fixture
def program() -> str:
    found = askpass_program()
    assert found is not None, "autodl-tui-askpass is not installed (pip install -e .)"
    return str(found)


def test_the_password_is_read_once_then_gone(program: str) -> None:
    with PasswordPipe(SECRET, program=Path(program), interactive=False) as pipe:
        env = pipe.env()
        assert SECRET not in "".join(env.values())
        assert env["SSH_ASKPASS_REQUIRE"] == "force"
        folder = pipe.fifo.parent
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_ISFIFO(pipe.fifo.stat().st_mode)
        first = _ask(env, "root@127.0.0.1's password: ")
        assert first.returncode == 0
        assert first.stdout == SECRET.encode() + b"\n"
        assert pipe.delivered.wait(5)
        # A second prompt (a wrong password being retried) gets nothing.
        second = _ask(env, "root@127.0.0.1's password: ")
        assert second.returncode != 0 and second.stdout == b""
    assert not folder.exists()


def test_other_prompts_are_refused_in_the_background(program: str) -> None:
    with PasswordPipe(SECRET, program=Path(program), interactive=False) as pipe:
        answer = _ask(pipe.env(), "Are you sure you want to continue connecting (yes/no)? ")
        assert answer.returncode != 0 and SECRET.encode() not in answer.stdout
        assert not pipe.delivered.is_set()


@pytest.mark.parametrize(
    ("prompt", "is_password"),
    [
        ("root@connect.westb.seetacloud.com's password: ", True),
        ("Password: ", True),
        ("Enter passphrase for key '/root/.ssh/id_ed25519': ", False),
        ("Are you sure you want to continue connecting (yes/no/[fingerprint])? ", False),
    ],
)
def test_which_prompts_get_the_password(prompt: str, is_password: bool) -> None:
    assert is_password_prompt(prompt) is is_password
