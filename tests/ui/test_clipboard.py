"""copy_text: OSC 52 always, pyperclip only off SSH, failures swallowed, text never logged."""

from __future__ import annotations

import logging
from unittest.mock import MagicMock

import pyperclip
import pytest
from textual.app import App

from autodl_tui.ui import clipboard
from autodl_tui.ui.clipboard import OSC52, SYSTEM, copy_text, over_ssh

SECRET = "S3cret-root-pw"


@pytest.fixture
def fake_pyperclip(monkeypatch: pytest.MonkeyPatch) -> MagicMock:
    fake = MagicMock(name="pyperclip")
    fake.PyperclipException = pyperclip.PyperclipException
    monkeypatch.setattr(clipboard, "pyperclip", fake)
    return fake


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"):
        monkeypatch.delenv(name, raising=False)


def test_local_session_uses_both_paths(fake_pyperclip: MagicMock, local: None) -> None:
    app: App[None] = App()
    assert not over_ssh()
    assert copy_text(app, SECRET) == f"{OSC52} + {SYSTEM}"
    assert app.clipboard == SECRET
    fake_pyperclip.copy.assert_called_once_with(SECRET)


@pytest.mark.parametrize("env", ["SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"])
def test_over_ssh_skips_system_clipboard(
    fake_pyperclip: MagicMock, local: None, monkeypatch: pytest.MonkeyPatch, env: str
) -> None:
    monkeypatch.setenv(env, "10.0.0.1 50000 10.0.0.2 22")
    app: App[None] = App()
    assert over_ssh()
    assert copy_text(app, SECRET) == OSC52
    assert app.clipboard == SECRET
    fake_pyperclip.copy.assert_not_called()


@pytest.mark.parametrize(
    "error",
    [pyperclip.PyperclipException("no xclip"), RuntimeError("boom"), OSError("broken pipe")],
)
def test_system_clipboard_failure_is_swallowed(
    fake_pyperclip: MagicMock, local: None, error: Exception
) -> None:
    fake_pyperclip.copy.side_effect = error
    app: App[None] = App()
    assert copy_text(app, SECRET) == OSC52
    assert app.clipboard == SECRET


def test_text_is_never_logged_or_printed(
    fake_pyperclip: MagicMock,
    local: None,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_pyperclip.copy.side_effect = pyperclip.PyperclipException(f"cannot copy {SECRET}")
    app: App[None] = App()
    with caplog.at_level(logging.DEBUG):
        used = copy_text(app, SECRET)
    assert SECRET not in used
    assert SECRET not in caplog.text
    captured = capsys.readouterr()
    assert SECRET not in captured.out
    assert SECRET not in captured.err


async def test_copy_in_running_app(fake_pyperclip: MagicMock, local: None) -> None:
    app: App[None] = App()
    async with app.run_test():
        assert copy_text(app, "ssh -p 1 root@h") == f"{OSC52} + {SYSTEM}"
        assert app.clipboard == "ssh -p 1 root@h"
