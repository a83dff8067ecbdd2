"""`autodl-tui completion bash|zsh|tcsh`: a completion script generated from the parser.

shtab walks the argparse parser, so the script always matches the options of this version.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

__all__ = ["SHELLS", "add_arguments", "run", "script"]

SHELLS = ("bash", "zsh", "tcsh")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `autodl-tui completion`."""
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")


def script(shell: str) -> str:
    """The completion script for `shell`, from the full parser."""
    import shtab

    from autodl_tui.cli import build_parser, populate_all

    parser = build_parser()
    populate_all(parser)
    return str(shtab.complete(parser, shell=shell))


def run(args: argparse.Namespace) -> int:
    """Print the script; returns the exit code."""
    sys.stdout.write(script(args.shell))
    sys.stdout.flush()
    return 0
