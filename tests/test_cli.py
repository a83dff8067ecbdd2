"""The command line refuses bad flags, config files and tokens with one clear line, exit 2.

Each case runs the real `python -m autodl_tui` in a fresh process: the exit code, stderr
naming the problem, never a traceback, never the secret. Where the app would start its
screen, `main()` runs in-process with the launcher replaced.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autodl_tui import cli
from autodl_tui.config import Settings
from autodl_tui.token import ARGV_WARNING
from autodl_tui.ui.launch import api_label, theme_problem

REPO = Path(__file__).resolve().parents[1]
SECRET = "s3cret-Token-Value"


def run(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "AUTODL_TOKEN"}
    base["AUTODL_TUI_CONFIG"] = str(tmp_path / "config.toml")
    return subprocess.run(
        [sys.executable, "-m", "autodl_tui", *args],
        cwd=REPO,
        env={**base, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def refused(done: subprocess.CompletedProcess[str], *said: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and SECRET not in done.stderr + done.stdout
    for text in said:
        assert text in done.stderr, done.stderr


@pytest.mark.parametrize("command", [(), ("deploy", "x.toml")])
@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("", "the URL is empty"),
        ("http://[::1", "the URL is not a valid URL"),
        ("api.autodl.com", "must start with http:// or https://"),
        (f"https://me:{SECRET}@api.autodl.com", "must not hold a user name or password"),
    ],
)
def test_bad_base_url_is_a_usage_error(
    tmp_path: Path, command: tuple[str, ...], url: str, said: str
) -> None:
    args = ("--base-url", url, *command) if not command else (*command, "--base-url", url)
    refused(run(tmp_path, *args), "argument --base-url:", said)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"read_onIy = true\n", "unknown key 'read_onIy'; did you mean 'read_only'?"),
        (b'theme = "nope"\n', "theme: unknown theme 'nope'"),
        (b'theme = "dracla"\n', "did you mean 'dracula'?"),
        (b'theme = "\xff"\n', "is not UTF-8 text"),
        (b"refresh = [\n", "is not valid TOML"),
        (b"refresh = true\n", "refresh must be a number of seconds, got bool"),
        (b'base_url = ""\n', "base_url: the URL is empty"),
        (f'base_url = "http://u:{SECRET}@h"\n'.encode(), "base_url: the URL must not hold"),
        (f'token = "{SECRET}\\n"\n'.encode(), "token: the token from the config file holds"),
    ],
)
def test_bad_config_is_one_clear_line(tmp_path: Path, body: bytes, said: str) -> None:
    (tmp_path / "config.toml").write_bytes(body)
    refused(run(tmp_path), "autodl-tui: config file: ", said)
    if b"theme" not in body:  # the theme is known only to the app, not to deploy
        refused(run(tmp_path, "deploy", "x.toml"), "autodl-tui deploy: config file: ", said)


def test_a_fifo_or_directory_config_is_refused_without_hanging(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "config.toml")  # opened, it would block start-up until a writer came
    refused(run(tmp_path), "config.toml is not a regular file (a FIFO)")
    os.unlink(tmp_path / "config.toml")
    (tmp_path / "config.toml").mkdir()
    refused(run(tmp_path, "deploy", "x.toml"), "is not a regular file (a directory)")


@pytest.mark.parametrize("command", [(), ("deploy", "x.toml")])
def test_bad_tokens_name_their_source_and_are_never_echoed(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    env = {"AUTODL_TOKEN": f"{SECRET}\nX"}
    refused(run(tmp_path, *command, env=env), "the token from AUTODL_TOKEN holds a line break")
    file = tmp_path / "token"
    file.write_text(f"{SECRET} \n")
    refused(
        run(tmp_path, *command, "--token-file", str(file)),
        f"the token from --token-file {file} holds a space at character 19",
    )
    refused(
        run(tmp_path, *command, "--token", "-", stdin=f"{SECRET}\x1b[2J\n"),
        "the token from --token - (stdin) holds a control character (U+001B)",
    )
    refused(
        run(tmp_path, *command, "--token", f"{SECRET}\x07"),
        "the token from --token holds a control character (U+0007)",
    )
    refused(run(tmp_path, *command, "--token-file", str(tmp_path)), "not a regular file")


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[dict[str, Any]]]:
    """Calls `cli.main` made to the app's launcher, which is replaced (no screen starts)."""
    calls: list[dict[str, Any]] = []

    def fake_run_app(settings: Settings, **kwargs: Any) -> int:
        calls.append({"settings": settings, **kwargs})
        return 0

    monkeypatch.setenv("AUTODL_TUI_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.delenv("AUTODL_TOKEN", raising=False)
    monkeypatch.setattr("autodl_tui.ui.launch.run_app", fake_run_app)
    monkeypatch.setattr(cli, "_reattach_keyboard", lambda: None)
    yield calls


def test_token_on_the_command_line_warns_on_stderr_and_on_screen(
    launched: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--token", SECRET]) == 0
    assert launched[-1]["token"] == SECRET
    assert ARGV_WARNING in launched[-1]["warnings"]
    err = capsys.readouterr().err
    assert f"autodl-tui: warning: {ARGV_WARNING}" in err and SECRET not in err


def test_token_file_and_stdin_reach_the_app_without_a_warning(
    launched: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file = tmp_path / "token"
    file.write_text(SECRET + "\n")
    file.chmod(0o600)
    assert cli.main(["--token-file", str(file), "--base-url", "http://127.0.0.1:9"]) == 0
    assert launched[-1]["token"] == SECRET and launched[-1]["warnings"] == []
    assert launched[-1]["settings"].base_url == "http://127.0.0.1:9"
    monkeypatch.setattr(sys, "stdin", io.StringIO(SECRET + "\n"))
    assert cli.main(["--token", "-"]) == 0
    assert launched[-1]["token"] == SECRET and launched[-1]["warnings"] == []
    assert capsys.readouterr().err == ""
    file.chmod(0o644)
    assert cli.main(["--token-file", str(file)]) == 0
    assert "readable by other users" in launched[-1]["warnings"][0]


def test_piped_token_without_a_terminal_left_is_refused(
    launched: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_tty() -> None:
        raise OSError(6, "No such device or address")

    monkeypatch.setattr(cli, "_reattach_keyboard", no_tty)
    monkeypatch.setattr(sys, "stdin", io.StringIO(SECRET + "\n"))
    assert cli.main(["--token", "-"]) == 2
    assert "use --token-file PATH" in capsys.readouterr().err and launched == []


def test_the_status_line_label_is_the_host_never_credentials() -> None:
    assert api_label("https://api.autodl.com") == "api.autodl.com"
    assert api_label(f"http://me:{SECRET}@[::1]:8765/x") == "[::1]:8765"
    assert api_label("http://[::1") == "(invalid API URL)"
    assert api_label("https://private.autodl.com", "lab") == "lab · private.autodl.com"


def test_theme_problem_names_the_nearest_theme() -> None:
    assert theme_problem("textual-dark") is None
    problem = theme_problem("monokia") or ""
    assert problem.startswith("theme: unknown theme 'monokia'; did you mean 'monokai'?")
