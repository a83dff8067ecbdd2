"""Command line: the app; `sim` serves the simulator; `deploy` creates from a template."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from autodl_tui import __version__
from autodl_tui.config import (
    ConfigError,
    load_settings,
    others_can_read,
    permission_warning,
    resolve_token,
)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0.5 <= value <= 3600:
        raise argparse.ArgumentTypeError("refresh must be between 0.5 and 3600 seconds")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for the app and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="autodl-tui",
        description="Keyboard-driven terminal app for AutoDL elastic deployments (弹性部署).",
    )
    parser.add_argument("--version", action="version", version=f"autodl-tui {__version__}")
    parser.add_argument("--base-url", help="API root (default: config file, else api.autodl.com)")
    parser.add_argument("--token", help="developer token (else AUTODL_TOKEN, else config file)")
    parser.add_argument(
        "--refresh", type=_positive_seconds, help="seconds between polls (default 2)"
    )
    parser.add_argument("--read-only", action="store_true", help="hide every mutating action")
    parser.add_argument(
        "--demo", action="store_true", help="run on the built-in simulator (no token needed)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    sim = commands.add_parser("sim", help="serve the AutoDL simulator over HTTP")
    from autodl_tui.sim import server

    server.add_arguments(sim)
    deploy = commands.add_parser(
        "deploy",
        help="create a deployment from a TOML template (pre-flight first)",
        description="Validate FILE.toml, print the pre-flight, create the deployment once and "
        "print its uuid. Exit codes: 2 invalid file, 3 API error, 4 no matching stock.",
    )
    from autodl_tui.deploy import command

    command.add_arguments(deploy)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `autodl-tui` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "sim":
        from autodl_tui.sim import server

        return server.run(args)
    if args.command == "deploy":
        from autodl_tui.deploy import command

        return command.run(args)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"autodl-tui: config file: {exc}", file=sys.stderr)
        return 2
    warnings = [permission_warning()] if others_can_read() else []
    for warning in warnings:
        print(f"autodl-tui: warning: {warning}", file=sys.stderr)
    if args.base_url:
        settings.base_url = args.base_url
    if args.refresh:
        settings.refresh = args.refresh
    settings.read_only = settings.read_only or args.read_only
    token = resolve_token(args.token, settings)
    from autodl_tui.ui.launch import run_app

    return run_app(settings, token=token, demo=args.demo, warnings=warnings)
