"""`autodl-tui serve`: the app in a web browser through textual-serve, behind an access secret.

textual-serve has no authentication of its own: every WebSocket connection starts a fresh app
process that runs with the server's token. So every request (page, scripts, WebSocket,
downloads) must carry a random access secret, given once in the URL printed at start and then
kept in an HttpOnly, SameSite=Strict cookie; anything else gets a 403 and no app starts. The
secret is required on loopback too: other local users and any web page the browser opens can
reach 127.0.0.1.

The app runs as `python -m autodl_tui ...` through textual-serve's shell command. The API token
goes to that child through the environment (AUTODL_TOKEN), never argv, and never reaches the
page: only the app's rendered screen does. The app is read-only unless `--allow-write`, and the
server binds loopback unless `--public`.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import shlex
import socket
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from autodl_tui.config import ConfigError, base_url_arg, load_settings, resolve_token
from autodl_tui.display import clean
from autodl_tui.token import ENV_VAR, TokenError, add_token_arguments

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "DEFAULT_PORT",
    "MIN_PASSWORD_CHARS",
    "PasswordError",
    "read_password",
    "add_arguments",
    "app_command",
    "is_loopback",
    "run",
]

DEFAULT_PORT = 8000
"""Port `serve` listens on when `--port` is not given."""

_EXIT_USAGE = 2


def _int_in(low: int, high: int, what: str) -> Callable[[str], int]:
    """An argparse `type=` for a whole number from `low` to `high` (a usage error otherwise)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {clean(text)!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} is between {low} and {high}")
        return value

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `autodl-tui serve`."""
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; others need --public)",
    )
    parser.add_argument(
        "--port",
        type=_int_in(1, 65535, "a port"),
        default=DEFAULT_PORT,
        help="TCP port (default 8000)",
    )
    parser.add_argument(
        "--public",
        action="store_true",
        help="allow binding an address other than loopback (the access secret still applies)",
    )
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="URL browsers reach the server by (default http://HOST:PORT), e.g. behind a proxy",
    )
    parser.add_argument(
        "--allow-write",
        action="store_true",
        help="let browser sessions create, scale, stop and delete (default: read-only)",
    )
    parser.add_argument(
        "--allow-secrets",
        action="store_true",
        help="let browser sessions reveal and copy root passwords (default: hidden)",
    )
    parser.add_argument(
        "--password-file",
        type=Path,
        metavar="PATH",
        help="ask browsers for the password in PATH (one line, 12+ characters) instead of a "
        "random key in the URL",
    )
    parser.add_argument(
        "--max-sessions",
        type=_int_in(1, 64, "the number of sessions"),
        default=4,
        help="most app sessions at once; each browser tab runs one app process (default 4)",
    )
    # SUPPRESS: given after the subcommand they override, absent they keep the main options'.
    parser.add_argument(
        "--base-url", type=base_url_arg, metavar="URL", default=argparse.SUPPRESS, help="API root"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help="serve the demo (built-in simulator, no token)",
    )
    add_token_arguments(parser, suppress=True)


def is_loopback(host: str) -> bool:
    """Whether `host` names only this machine (127.0.0.0/8, ::1 or localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(
    *, base_url: str | None, read_only: bool, demo: bool, hide_secrets: bool = True
) -> str:
    """The shell command textual-serve runs per session (never holds the token)."""
    parts = [sys.executable, "-m", "autodl_tui"]
    if base_url:
        parts += ["--base-url", base_url]
    if read_only:
        parts.append("--read-only")
    if hide_secrets:
        parts.append("--hide-secrets")
    if demo:
        parts.append("--demo")
    return shlex.join(parts)


#: Shortest password `--password-file` may hold: the form allows about one guess a second.
MIN_PASSWORD_CHARS = 12
_MAX_PASSWORD_READ = 1024


class PasswordError(ValueError):
    """A password file that cannot be used; the message never quotes the file's content."""


def read_password(path: Path) -> tuple[str, list[str]]:
    """The password on the first line of `path`, and warnings (others can read the file)."""
    source = f"--password-file {path}"
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise PasswordError(f"{source}: not a regular file")
        with open(path, "rb") as handle:
            data = handle.read(_MAX_PASSWORD_READ)
    except OSError as exc:
        raise PasswordError(f"{source}: cannot read it: {exc.strerror}") from None
    try:
        line = data.decode("utf-8").split("\n", 1)[0].removesuffix("\r")
    except UnicodeDecodeError:
        raise PasswordError(f"{source}: not text (invalid UTF-8)") from None
    if not line.isprintable():
        raise PasswordError(f"{source}: the first line holds control characters")
    if len(line) < MIN_PASSWORD_CHARS:
        raise PasswordError(f"{source}: the password is shorter than {MIN_PASSWORD_CHARS}")
    warnings = []
    if info.st_mode & (stat.S_IRGRP | stat.S_IROTH):
        warnings.append(f"{path} is readable by other users; run: chmod 600 {path}")
    return line, warnings


def _say(message: str) -> None:
    print(f"autodl-tui serve: {clean(message, newlines=True)}", file=sys.stderr)


def _default_public_url(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def run(args: argparse.Namespace) -> int:
    """Run the subcommand from parsed arguments; returns the exit code."""
    if not is_loopback(args.host) and not args.public:
        _say(
            f"{args.host} is not a loopback address: anyone who can reach it and has the URL "
            "controls the account; add --public to bind it anyway"
        )
        return _EXIT_USAGE
    demo = bool(getattr(args, "demo", False))
    try:
        # `autodl-tui --profile NAME serve …` (or AUTODL_TUI_PROFILE) picks the account.
        settings = load_settings(profile=getattr(args, "profile", None))
    except ConfigError as exc:
        _say(f"config file: {exc}")
        return _EXIT_USAGE
    token = ""
    if not demo:
        try:
            found = resolve_token(args, settings)
        except TokenError as exc:
            _say(str(exc))
            return _EXIT_USAGE
        for warning in found.warnings:
            _say(f"warning: {warning}")
        token = found.token
        if not token:
            _say(
                f"no token: give --token-file PATH, --token - or {ENV_VAR} (a browser session "
                "must not be asked for the account's token)"
            )
            return _EXIT_USAGE
    password = None
    if args.password_file is not None:
        try:
            password, warnings = read_password(args.password_file)
        except PasswordError as exc:
            _say(str(exc))
            return _EXIT_USAGE
        for warning in warnings:
            _say(f"warning: {warning}")
    public_url = args.public_url or _default_public_url(args.host, args.port)
    secret = secrets.token_urlsafe(24)
    command = app_command(
        base_url=getattr(args, "base_url", None),
        read_only=not args.allow_write,
        demo=demo,
        hide_secrets=not args.allow_secrets,
    )
    if token:
        # textual-serve spawns each session with a copy of os.environ: the child reads the
        # token from there (token_from_args), so it is in no argv and never in the page.
        os.environ[ENV_VAR] = token
    from autodl_tui.serve.guard import KEY_PARAM, GuardedServer

    server = GuardedServer(
        command,
        secret=secret,
        max_sessions=args.max_sessions,
        password=password,
        host=args.host,
        port=args.port,
        public_url=public_url,
        title="autodl-tui",
    )
    mode = "read-only" if not args.allow_write else "READ-WRITE (--allow-write)"
    if password is None:
        print(f"autodl-tui serve: {mode}, open {public_url}/?{KEY_PARAM}={secret}", flush=True)
        print("autodl-tui serve: the URL is the password; Ctrl+C stops the server", flush=True)
    else:
        print(f"autodl-tui serve: {mode}, open {public_url}/", flush=True)
        print(
            f"autodl-tui serve: the password is in {clean(str(args.password_file))}; "
            "Ctrl+C stops the server",
            flush=True,
        )
    server.serve()
    return 0
