"""The developer token: one check for every source, never echoing what it refuses."""

from __future__ import annotations

import argparse
import io
import os
from pathlib import Path

import pytest

from autodl_tui.token import (
    ARGV_WARNING,
    ENV_VAR,
    MAX_TOKEN_CHARS,
    TokenError,
    add_token_arguments,
    check_token,
    read_token_file,
    read_token_stdin,
    token_from_args,
)

#: Shaped like AutoDL's developer token (a JWT: base64url parts joined by dots).
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJkZXZlbG9wX2FwaSJ9.c2lnbmF0dXJlLXBhcnQ_-x"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_token_arguments(parser)
    return parser.parse_args(argv)


@pytest.mark.parametrize("token", [JWT, "t", "demo-token", "a+b/c=", "x!#$%&'()*,:;<>?@[]^`{|}~"])
def test_printable_ascii_tokens_are_accepted_as_they_are(token: str) -> None:
    assert check_token(token, "somewhere") == token


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        (JWT[:10] + "\n" + JWT[10:], "a line break at character 11"),
        (JWT + "\r\n", "a carriage return"),
        (" " + JWT, "a space at character 1"),
        (JWT[:5] + "\t" + JWT[5:], "a tab"),
        (JWT + "\x1b]52;c;aGk=\x07", "a control character (U+001B)"),
        (JWT + "\x7f", "a control character (U+007F)"),
        (JWT + "\u202e", "U+202E"),
        (JWT + "\u3000", "a space character (U+3000)"),
        (JWT + "令牌", "a non-ASCII character (U+4EE4)"),
        (JWT + "\x85", "U+0085"),
    ],
)
def test_controls_whitespace_and_non_ascii_are_refused_naming_the_source(
    bad: str, named: str
) -> None:
    with pytest.raises(TokenError) as caught:
        check_token(bad, "AUTODL_TOKEN")
    message = str(caught.value)
    assert message.startswith("the token from AUTODL_TOKEN holds") and named in message
    assert JWT[:8] not in message and JWT[-8:] not in message


def test_only_a_read_line_loses_its_line_ending(tmp_path: Path) -> None:
    with pytest.raises(TokenError, match="a line break"):
        check_token(JWT + "\n", "AUTODL_TOKEN")
    path = tmp_path / "token"
    for ending in ("", "\n", "\r\n"):
        path.write_text(JWT + ending, encoding="utf-8", newline="")
        assert read_token_file(path)[0] == JWT
        assert read_token_stdin(io.StringIO(JWT + ending)) == JWT
    path.write_text("\n")
    with pytest.raises(TokenError, match="empty"):
        read_token_file(path)
    with pytest.raises(TokenError, match="characters long"):
        check_token("x" * (MAX_TOKEN_CHARS + 1), "f")


def test_token_file_is_read_and_a_readable_one_warns(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(JWT + "\n", encoding="utf-8")
    path.chmod(0o600)
    assert read_token_file(path) == (JWT, [])
    path.chmod(0o644)
    token, warnings = read_token_file(path)
    assert token == JWT and "readable by other users" in warnings[0]
    assert f"chmod 600 {path}" in warnings[0]


def test_token_file_problems_name_the_file_and_never_the_token(tmp_path: Path) -> None:
    two_lines = tmp_path / "two"
    two_lines.write_text(f"{JWT}\n{JWT}\n", encoding="utf-8")
    binary = tmp_path / "bin"
    binary.write_bytes(b"\xff\xfe" + JWT.encode())
    for path, why in (
        (two_lines, "a line break"),
        (binary, "invalid UTF-8"),
        (tmp_path / "missing", "cannot read it"),
        (tmp_path, "not a regular file"),
        (Path("/dev/null"), "not a regular file"),
    ):
        with pytest.raises(TokenError) as caught:
            read_token_file(path)
        assert str(path) in str(caught.value) and why in str(caught.value)
        assert JWT[:8] not in str(caught.value)


def test_token_file_may_be_a_pipe_for_process_substitution() -> None:
    read, write = os.pipe()
    os.write(write, (JWT + "\n").encode())
    os.close(write)
    try:
        assert read_token_file(Path(f"/dev/fd/{read}")) == (JWT, [])
    finally:
        os.close(read)


def test_stdin_gives_one_line() -> None:
    assert read_token_stdin(io.StringIO(JWT + "\nsecond line\n")) == JWT
    with pytest.raises(TokenError, match=r"--token - \(stdin\) is empty"):
        read_token_stdin(io.StringIO(""))


def test_sources_in_order_and_the_argv_warning() -> None:
    env = {ENV_VAR: "from-env"}
    assert token_from_args(parse(), env).token == "from-env"
    assert token_from_args(parse(), {}).token == ""
    from_flag = token_from_args(parse("--token", "from-flag"), env)
    assert from_flag.token == "from-flag" and from_flag.warnings == [ARGV_WARNING]
    for hint in ("ps", "--token-file PATH", "--token -", ENV_VAR):
        assert hint in ARGV_WARNING
    piped = token_from_args(parse("--token", "-"), env, io.StringIO("from-stdin\n"))
    assert piped.token == "from-stdin" and piped.used_stdin and not piped.warnings
    dash_file = token_from_args(parse("--token-file", "-"), env, io.StringIO("from-stdin\n"))
    assert dash_file.token == "from-stdin" and dash_file.used_stdin
    with pytest.raises(TokenError, match="not both"):
        token_from_args(parse("--token", "a", "--token-file", "b"), env)
    with pytest.raises(TokenError, match=f"from {ENV_VAR} holds a line break"):
        token_from_args(parse(), {ENV_VAR: "ab\ncd"})
    assert "from-env" not in repr(token_from_args(parse(), env))
