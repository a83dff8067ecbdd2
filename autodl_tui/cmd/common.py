"""What every headless subcommand shares: exit codes, the client, output and confirmation.

Exit codes (the same as `deploy`'s): 0 done, 2 usage or invalid input (including an unknown
deployment), 3 API error, 4 no matching stock (deploy only), 5 refused (not confirmed, no
terminal to ask on and no `--yes`, or a read-only config/profile), 130 interrupted.

Everything written passes the display boundary: tables and messages through
`display.clean`, JSON through `json.dumps(ensure_ascii=True)`, which escapes every control
and non-ASCII character, so nothing a server sends can reach the terminal as an escape.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from autodl_tui.display import clean, fit

if TYPE_CHECKING:
    import argparse
    from collections.abc import Awaitable, Callable, Iterable, Sequence

    from autodl_tui.api.client import AutoDLClient
    from autodl_tui.config import Settings

__all__ = [
    "EXIT_API",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_REFUSED",
    "Failed",
    "add_output_arguments",
    "add_yes_argument",
    "confirm",
    "describe",
    "dumps",
    "emit",
    "record",
    "refuse_if_read_only",
    "run_with_client",
    "say",
]

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_API = 3
EXIT_REFUSED = 5
EXIT_INTERRUPTED = 130
#: Widest a table cell gets (a hostile name must not push the other columns off screen).
_CELL = 40


class Failed(Exception):
    """A subcommand stops with this exit code after saying why on stderr."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def say(message: str, *, command: str = "") -> None:
    """One message for the user on stderr, through the display boundary."""
    from autodl_tui.logs import mask_secrets

    prefix = f"autodl-tui {command}: " if command else "autodl-tui: "
    print(prefix + clean(mask_secrets(message), newlines=True), file=sys.stderr, flush=True)


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """`--json` / `--ndjson` (a table is the default)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--json", dest="output", action="store_const", const="json", help="one JSON array"
    )
    group.add_argument(
        "--ndjson",
        dest="output",
        action="store_const",
        const="ndjson",
        help="one JSON object per line",
    )
    parser.set_defaults(output="table")


def add_yes_argument(parser: argparse.ArgumentParser) -> None:
    """`--yes`: act without asking (scripts); without it a terminal is needed to confirm."""
    parser.add_argument(
        "-y", "--yes", action="store_true", help="do not ask for confirmation (for scripts)"
    )


def _plain(value: object) -> object:
    """A JSON-ready copy of a model value; fields marked secret (repr=False) are left out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.repr}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def record(value: object, **extra: object) -> dict[str, Any]:
    """A model (dataclass) as a JSON object without its secrets, plus `extra` keys."""
    plain = _plain(value)
    out = dict(plain) if isinstance(plain, dict) else {"value": plain}
    out.update({k: _plain(v) for k, v in extra.items()})
    return out


def dumps(obj: object) -> str:
    """JSON on one line with every control and non-ASCII character escaped."""
    return json.dumps(obj, ensure_ascii=True, separators=(",", ":"))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return fit(",".join(str(v) for v in value), _CELL)
    if isinstance(value, dict):
        return fit(dumps(value), _CELL)
    return fit(value, _CELL)


def emit(
    rows: Sequence[Mapping[str, Any]],
    output: str,
    columns: Sequence[str],
    out: TextIO | None = None,
) -> None:
    """Print `rows` as a JSON array, NDJSON lines, or a table of `columns`."""
    out = out or sys.stdout
    if output == "json":
        print(json.dumps(list(rows), ensure_ascii=True, indent=2), file=out)
    elif output == "ndjson":
        for row in rows:
            print(dumps(row), file=out)
    else:
        _table(rows, columns, out)
    out.flush()


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], out: TextIO) -> None:
    from rich.cells import cell_len

    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    heads = [c.upper() for c in columns]
    widths = [max([cell_len(h), *(cell_len(r[i]) for r in cells)]) for i, h in enumerate(heads)]

    def line(values: Iterable[str]) -> str:
        return "  ".join(v + " " * (w - cell_len(v)) for v, w in zip(values, widths, strict=True))

    print(line(heads).rstrip(), file=out)
    for row in cells:
        print(line(row).rstrip(), file=out)


def refuse_if_read_only(settings: Settings) -> None:
    """Failed(EXIT_REFUSED) when the config, the profile or `--read-only` says read-only."""
    if settings.read_only:
        label = f"profile {settings.profile!r}" if settings.profile else "the config"
        raise Failed(EXIT_REFUSED, f"read-only ({label} or --read-only): nothing is changed")


def confirm(
    question: str,
    *,
    yes: bool,
    settings: Settings,
    expected: str = "",
    stdin: TextIO | None = None,
) -> None:
    """Raise Failed(EXIT_REFUSED) unless the action may go ahead.

    A read-only config or profile refuses always; `--yes` goes ahead; otherwise the question
    is asked on the terminal (stderr), and without a terminal the command refuses. With
    `expected`, the answer must be that exact text (deletion: the name), as in the app.
    """
    from autodl_tui.safety import names_match

    refuse_if_read_only(settings)
    if yes:
        return
    stdin = stdin or sys.stdin
    if not stdin.isatty():
        raise Failed(EXIT_REFUSED, "no terminal to confirm on; pass --yes to go ahead")
    if expected:
        prompt = f"{clean(question)}\nType {clean(expected)} to confirm: "
    else:
        prompt = f"{clean(question)} [y/N] "
    print(prompt, end="", file=sys.stderr, flush=True)
    try:
        answer = stdin.readline(4096).rstrip("\r\n")
    except KeyboardInterrupt:
        answer = ""
    ok = names_match(answer, expected) if expected else answer.strip().lower() in ("y", "yes")
    if not ok:
        raise Failed(EXIT_REFUSED, "not confirmed: nothing was changed")


def describe(exc: BaseException) -> str:
    """An API error's message and hint, for stderr."""
    hint = getattr(exc, "hint", "")
    return f"{exc}" + (f"\n  {hint}" if hint else "")


def run_with_client(
    args: argparse.Namespace,
    body: Callable[[AutoDLClient, Settings], Awaitable[int]],
) -> int:
    """Load the config (and `--profile`), resolve the token, run `body` with a client.

    Prints why and returns the exit code on any failure; never a traceback for bad input.
    """
    from autodl_tui.api.client import AutoDLClient
    from autodl_tui.api.errors import CODE_CLIENT_VALIDATION, AutoDLError
    from autodl_tui.config import ConfigError, load_settings, resolve_token
    from autodl_tui.logs import add_secret
    from autodl_tui.token import TokenError

    command = getattr(args, "command", "")
    try:
        settings = load_settings(profile=getattr(args, "profile", None))
        found = resolve_token(args, settings)
    except (ConfigError, TokenError) as exc:
        say(str(exc), command=command)
        return EXIT_INVALID
    for warning in found.warnings:
        say(f"warning: {warning}", command=command)
    if getattr(args, "base_url", None):
        settings.base_url = args.base_url
    settings.read_only = settings.read_only or bool(getattr(args, "read_only", False))
    if not found.token:
        say(
            "no developer token: pass --token-file PATH or --token -, set AUTODL_TOKEN, "
            "use a profile with a token, or save one in the app",
            command=command,
        )
        return EXIT_INVALID
    add_secret(found.token)

    async def main() -> int:
        client = AutoDLClient(found.token, base_url=settings.base_url, flavor=settings.flavor)
        async with client:
            return await body(client, settings)

    try:
        return asyncio.run(main())
    except Failed as exc:
        say(str(exc), command=command)
        return exc.code
    except AutoDLError as exc:
        say(describe(exc), command=command)
        # Our own validation refused the input before anything was sent: a usage problem.
        return EXIT_INVALID if getattr(exc, "code", "") == CODE_CLIENT_VALIDATION else EXIT_API
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `autodl-tui ls ... | head`: the reader left; stop quietly, as other tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
