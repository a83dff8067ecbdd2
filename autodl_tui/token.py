"""The developer token: one check for every place it enters, and the flags that carry it.

AutoDL's developer token is a JWT (three base64url parts joined by dots). The check is strict
about what can never be in one and would corrupt a header, a log line or a terminal (control
characters, whitespace, non-ASCII) and lenient about the rest, so a token of a new format
still works. A refused token is never echoed: the message names where it came from and the
position of the first bad character.

Sources, first wins: `--token VALUE`, `--token -` (one line from stdin), `--token-file PATH`,
the selected profile's `token_command`, `token_file` or `token`, `AUTODL_TOKEN`, the config
file (see `config.resolve_token`). `--token VALUE` works but warns: argv is visible in `ps` and
lands in shell history.
"""

from __future__ import annotations

import getpass
import os
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from autodl_tui.token_flags import ENV_VAR, add_token_arguments

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping, Sequence
    from pathlib import Path

__all__ = [
    "ENV_VAR",
    "MAX_TOKEN_CHARS",
    "STDIN",
    "ARGV_WARNING",
    "TokenError",
    "TokenSource",
    "add_token_arguments",
    "check_token",
    "read_token_command",
    "read_token_file",
    "read_token_stdin",
    "token_from_args",
]

#: `--token -`: read the token from standard input.
STDIN = "-"
#: A JWT is a few hundred characters; anything near this is not a token.
MAX_TOKEN_CHARS = 8192
#: Seconds a `token_command` may take (a password manager may ask for a passphrase).
COMMAND_TIMEOUT = 60
#: Most a token file or stdin is read for (a token is one short line).
_MAX_READ = MAX_TOKEN_CHARS + 2
ARGV_WARNING = (
    "--token puts the token in `ps` output and your shell history; use --token-file PATH, "
    f"--token - (reads one line from stdin) or the {ENV_VAR} variable instead"
)

_NAMES = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab", " ": "a space"}


class TokenError(ValueError):
    """A token that cannot be used; the message names its source, never its value."""


def _describe(char: str) -> str:
    if char in _NAMES:
        return _NAMES[char]
    if char.isspace():
        return f"a space character (U+{ord(char):04X})"
    if not char.isprintable():
        return f"a control character (U+{ord(char):04X})"
    return f"a non-ASCII character (U+{ord(char):04X})"


def check_token(value: str, source: str) -> str:
    """`value` if it can be a developer token, else TokenError naming `source` (never `value`).

    Anything that is not printable ASCII without spaces is refused, a trailing newline too:
    only a line read from a file or stdin has its line ending dropped (see `_line`).
    """
    token = value
    if not token:
        raise TokenError(f"the token from {source} is empty")
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenError(
            f"the token from {source} is {len(token)} characters long; "
            f"a developer token is far shorter (at most {MAX_TOKEN_CHARS})"
        )
    for index, char in enumerate(token):
        if not "!" <= char <= "~":
            raise TokenError(
                f"the token from {source} holds {_describe(char)} at character {index + 1} "
                f"of {len(token)}; a developer token has no spaces, control or non-ASCII "
                "characters (copy it again from 控制台 -> 设置 -> 开发者Token)"
            )
    return token


def read_token_file(path: Path, source: str = "") -> tuple[str, list[str]]:
    """The token in `path` (one line) and warnings, e.g. that others can read the file.

    A regular file or a pipe (`--token-file <(pass show autodl)`); never a directory or a
    device, which are refused before they are opened. `source` names it in messages.
    """
    source = source or f"--token-file {path}"
    try:
        info = os.stat(path)
    except OSError as exc:
        raise TokenError(f"{source}: cannot read it: {exc.strerror}") from None
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        raise TokenError(f"{source}: not a regular file")
    warnings = []
    if stat.S_ISREG(info.st_mode) and info.st_mode & (stat.S_IRGRP | stat.S_IROTH):
        warnings.append(f"{path} is readable by other users; run: chmod 600 {path}")
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_READ + 1)
    except OSError as exc:
        raise TokenError(f"{source}: cannot read it: {exc.strerror}") from None
    return check_token(_line(_decode(data, source)), source), warnings


def read_token_command(argv: Sequence[str], source: str) -> str:
    """The first line a command (`pass show autodl`) prints, checked like every token.

    Run without a shell (argv as given), its stderr and stdin left to the user's terminal
    (a password manager may ask there), at most `COMMAND_TIMEOUT` seconds. What it printed
    is never echoed: a failure names the command's first word and its exit status only.
    """
    if not argv:
        raise TokenError(f"{source}: the command is empty")
    try:
        done = subprocess.run(
            list(argv), stdout=subprocess.PIPE, timeout=COMMAND_TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise TokenError(f"{source}: cannot run {argv[0]!r}: not found") from None
    except PermissionError:
        raise TokenError(f"{source}: cannot run {argv[0]!r}: permission denied") from None
    except subprocess.TimeoutExpired:
        raise TokenError(f"{source}: no answer within {COMMAND_TIMEOUT} s") from None
    except OSError as exc:
        raise TokenError(f"{source}: cannot run {argv[0]!r}: {exc.strerror}") from None
    if done.returncode != 0:
        raise TokenError(f"{source}: {argv[0]!r} exited with status {done.returncode}")
    first = _decode(done.stdout[: _MAX_READ + 1], source).split("\n", 1)[0]
    return check_token(_line(first + "\n"), source)


def read_token_stdin(stdin: TextIO | None = None) -> str:
    """One line from stdin: prompted without echo on a terminal, read as is from a pipe."""
    source = "--token - (stdin)"
    stdin = stdin or sys.stdin
    if stdin.isatty():
        try:
            line = getpass.getpass("AutoDL developer token: ", stream=sys.stderr)
        except (EOFError, KeyboardInterrupt):
            raise TokenError(f"no token was typed for {source}") from None
    else:
        line = stdin.readline(_MAX_READ + 1)
    return check_token(_line(line), source)


def _line(text: str) -> str:
    """`text` without the one line ending a file or a typed line ends with."""
    return text.removesuffix("\n").removesuffix("\r")


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise TokenError(f"the token from {source} is not text (invalid UTF-8)") from None


@dataclass
class TokenSource:
    """The token the command line or the environment gave, and what to warn about."""

    token: str = field(default="", repr=False)
    warnings: list[str] = field(default_factory=list)
    #: The token came from a pipe on stdin, so stdin is no longer the keyboard.
    used_stdin: bool = False


def token_from_args(
    args: argparse.Namespace,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
) -> TokenSource:
    """The token from `--token`/`--token-file`, else `AUTODL_TOKEN` (empty if neither is set).

    The config file's token, already checked when the file was read, comes after this.
    """
    environ = os.environ if environ is None else environ
    flag: str | None = getattr(args, "token", None)
    path: Path | None = getattr(args, "token_file", None)
    if flag is not None and path is not None:
        raise TokenError("pass either --token or --token-file, not both")
    # `--token-file -` is stdin too, as `-` is for every file option of the usual tools.
    if flag == STDIN or (path is not None and str(path) == STDIN):
        stdin = stdin or sys.stdin
        return TokenSource(read_token_stdin(stdin), used_stdin=not stdin.isatty())
    if flag is not None:
        return TokenSource(check_token(flag, "--token"), [ARGV_WARNING])
    if path is not None:
        return TokenSource(*read_token_file(path))
    value = environ.get(ENV_VAR, "")
    return TokenSource(check_token(value, ENV_VAR) if value else "")
