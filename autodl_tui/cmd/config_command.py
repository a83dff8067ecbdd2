"""`autodl-tui config --print-default | --path`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from autodl_tui.display import clean

if TYPE_CHECKING:
    import argparse

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """Print the default config or the config file's path; returns the exit code."""
    from autodl_tui.config import default_config_text
    from autodl_tui.paths import config_file

    if args.print_default:
        sys.stdout.write(default_config_text())
    else:
        print(clean(config_file()))
    return 0
