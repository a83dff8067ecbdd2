"""`serve` without a browser: its arguments, the app command, the guard, web copy."""

from __future__ import annotations

import argparse
from pathlib import Path
from unittest.mock import MagicMock

import pytest
from textual.app import App

from autodl_tui.cli import build_parser
from autodl_tui.serve.command import PasswordError, app_command, is_loopback, read_password
from autodl_tui.serve.guard import secret_matches
from autodl_tui.ui import clipboard
from autodl_tui.ui.clipboard import OSC52, copy_text


class WebApp(App[None]):
    """An app that believes it runs in a browser (textual-serve's web driver)."""

    @property
    def is_web(self) -> bool:
        return True


def test_a_copy_in_the_browser_never_touches_the_servers_clipboard(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"):
        monkeypatch.delenv(name, raising=False)
    fake = MagicMock(name="pyperclip")
    monkeypatch.setattr(clipboard, "pyperclip", fake)
    app = WebApp()
    assert copy_text(app, "ssh -p 1 root@h") == OSC52
    assert app.clipboard == "ssh -p 1 root@h"
    fake.copy.assert_not_called()
    # The same copy off the browser does use it (so the check above can fail).
    copy_text(App(), "x")
    fake.copy.assert_called_once_with("x")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("::", False),
        ("example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_app_command_is_read_only_by_default_and_holds_no_token() -> None:
    args = build_parser().parse_args(["serve", "--base-url", "http://127.0.0.1:9"])
    assert args.host == "127.0.0.1" and not args.public and not args.allow_write
    command = app_command(base_url=args.base_url, read_only=not args.allow_write, demo=False)
    assert "--read-only" in command and "http://127.0.0.1:9" in command
    assert "token" not in command
    assert "--read-only" not in app_command(base_url=None, read_only=False, demo=True)
    # Root passwords stay out of browser sessions unless serve is told otherwise.
    assert "--hide-secrets" in command
    shown = build_parser().parse_args(["serve", "--allow-secrets"])
    assert shown.allow_secrets
    assert "--hide-secrets" not in app_command(
        base_url=None, read_only=True, demo=True, hide_secrets=not shown.allow_secrets
    )


def test_a_hostile_base_url_is_one_quoted_argument() -> None:
    command = app_command(base_url="http://h:1/;touch x", read_only=True, demo=False)
    assert "'http://h:1/;touch x'" in command


@pytest.mark.parametrize(
    "argv",
    [["serve", "--port", "0"], ["serve", "--port", "x"], ["serve", "--max-sessions", "0"]],
)
def test_bad_numbers_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(argv)
    assert exited.value.code == 2


def test_the_secret_check() -> None:
    assert secret_matches("abc", "abc")
    assert not secret_matches("abc", "abd")
    assert not secret_matches("abc", "")
    assert not secret_matches("abc", None)


def test_the_token_flags_work_after_the_subcommand() -> None:
    args = build_parser().parse_args(["serve", "--token-file", "/tmp/t"])
    assert isinstance(args, argparse.Namespace)
    assert str(args.token_file) == "/tmp/t"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"Zq9xK\n", "shorter than"),
        (b"Wv7pLm twelve\x1b[2J\n", "control characters"),
        (b"\xff\xfeYt4gH not utf-8\n", "not text"),
    ],
)
def test_a_bad_password_file_is_refused_without_quoting_it(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "pw"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(PasswordError, match=problem) as refused:
        read_password(path)
    assert content.decode(errors="replace").strip("\ufffd\n")[:5] not in str(refused.value)


def test_a_password_file_gives_its_first_line_and_warns_when_others_can_read_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "pw"
    path.write_text("a long enough password\r\nsecond line\n")
    path.chmod(0o600)
    assert read_password(path) == ("a long enough password", [])
    path.chmod(0o644)
    assert "chmod 600" in read_password(path)[1][0]
    with pytest.raises(PasswordError, match="not a regular file"):
        read_password(tmp_path)
