"""The token's command-line flags and variable name, light enough for `--version`.

The parser is built on every launch, before it decides what runs: this module imports
argparse only, so `autodl-tui --version` does not load what reading a token needs
(subprocess, getpass, pathlib, dataclasses: `autodl_tui.token`).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["ENV_VAR", "add_token_arguments"]

ENV_VAR = "AUTODL_TOKEN"


def _path(text: str) -> Path:
    """`--token-file`'s value as a path (pathlib loaded only when the flag is given)."""
    from pathlib import Path

    return Path(text)


def add_token_arguments(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """`--token` and `--token-file` (with `suppress`, absent flags keep the main options')."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--token",
        metavar="TOKEN",
        default=default,
        help=f"developer token; '-' reads one line from stdin (visible in `ps`: prefer "
        f"--token-file or {ENV_VAR})",
    )
    parser.add_argument(
        "--token-file",
        metavar="PATH",
        type=_path,
        default=default,
        help="read the developer token from this file (one line; keep it mode 0600; '-': stdin)",
    )
