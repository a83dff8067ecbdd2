"""`scale`, `stop`, `rm`, `stop-container`, `blacklist`: the app's actions without the app.

Each asks as the app's dialog does (y/N; deletion needs the exact name typed) on a terminal;
`--yes` skips the question for scripts; without a terminal and without `--yes`, or with a
read-only config or profile, nothing is sent and the exit code is 5. Values are checked with
the app's rules (`autodl_tui.safety`) before anything is sent: a bad one exits 2.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from autodl_tui.catalog import BLACKLIST_DEFAULT_MINUTES
from autodl_tui.cmd.common import (
    EXIT_INVALID,
    EXIT_OK,
    Failed,
    add_yes_argument,
    confirm,
    refuse_if_read_only,
    run_with_client,
    say,
)
from autodl_tui.cmd.mutate_help import MUTATE_HELP

if TYPE_CHECKING:
    from collections.abc import Callable

    from autodl_tui.api.client import AutoDLClient
    from autodl_tui.config import Settings

__all__ = ["COMMANDS", "add_arguments", "run"]

COMMANDS = tuple(MUTATE_HELP)


def _checked(parse: Callable[[str], int]) -> Callable[[str], int]:
    """An argparse `type=` from one of the app's parsers (its message on a usage error)."""

    def convert(text: str) -> int:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _replicas(text: str) -> int:
    from autodl_tui.safety import parse_replicas

    return _checked(parse_replicas)(text)


def _minutes(text: str) -> int:
    from autodl_tui.safety import parse_minutes

    return _checked(parse_minutes)(text)


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    """Arguments of one of COMMANDS."""
    if command in ("scale", "stop", "rm"):
        parser.add_argument("deployment", help="deployment uuid or exact name")
    else:
        parser.add_argument("container", help="container uuid")
    if command == "scale":
        parser.add_argument("replicas", type=_replicas, help="new replica count, 0..1000")
    if command == "stop-container":
        parser.add_argument(
            "--decrease-replicas",
            action="store_true",
            help="also lower the ReplicaSet's count by one (else it starts a replacement)",
        )
        parser.add_argument("--no-cache", action="store_true", help="do not keep the cache")
        parser.add_argument(
            "--cmd-before-shutdown", default="", metavar="CMD", help="run this first"
        )
    if command == "blacklist":
        parser.add_argument(
            "--minutes",
            type=_minutes,
            default=BLACKLIST_DEFAULT_MINUTES,
            help=f"how long, 1..43200 (default {BLACKLIST_DEFAULT_MINUTES}: 24 h)",
        )
        parser.add_argument("--comment", default="", help="a note kept with the entry")
    add_yes_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Run one of COMMANDS from parsed arguments; returns the exit code."""
    from autodl_tui.cmd.listing import find_deployment
    from autodl_tui.display import has_controls

    command: str = args.command

    async def body(client: AutoDLClient, settings: Settings) -> int:
        refuse_if_read_only(settings)  # before any request: a read-only profile sends nothing
        if command in ("scale", "stop", "rm"):
            d = await find_deployment(client, args.deployment)
            label = f"{d.name} ({d.uuid})" if d.name else d.uuid
            if command == "scale":
                confirm(
                    f"Scale {label}: replicas {d.replica_num} -> {args.replicas}?",
                    yes=args.yes,
                    settings=settings,
                )
                await client.set_replica_num(d.uuid, args.replicas)
                say(f"{label}: replicas {d.replica_num} -> {args.replicas}", command=command)
            elif command == "stop":
                confirm(
                    f"Stop {label}? Every container shuts down and stops billing.",
                    yes=args.yes,
                    settings=settings,
                )
                await client.stop_deployment(d.uuid)
                say(f"{label} is stopping", command=command)
            else:
                # An unnamed (or unprintable) name is confirmed with the uuid, as in the app.
                expected = d.name if d.name and not has_controls(d.name) else d.uuid
                confirm(
                    f"Delete {label}? It is stopped first; this cannot be undone.",
                    yes=args.yes,
                    settings=settings,
                    expected=expected,
                )
                await client.delete_deployment(d.uuid)
                say(f"{label} deleted", command=command)
            return EXIT_OK
        if not args.container.strip():
            raise Failed(EXIT_INVALID, "the container uuid is empty")
        if command == "stop-container":
            extra = " and lower its deployment's replica count" if args.decrease_replicas else ""
            confirm(f"Stop container {args.container}{extra}?", yes=args.yes, settings=settings)
            await client.stop_container(
                args.container,
                decrease_one_replica_num=args.decrease_replicas,
                no_cache=args.no_cache,
                cmd_before_shutdown=args.cmd_before_shutdown,
            )
            say(f"{args.container} is stopping", command=command)
            return EXIT_OK
        confirm(
            f"Ban the host of container {args.container} for {args.minutes} min?",
            yes=args.yes,
            settings=settings,
        )
        await client.set_blacklist(
            args.container, expire_in_minutes=args.minutes, comment=args.comment
        )
        say(f"host of {args.container} banned for {args.minutes} min", command=command)
        return EXIT_OK

    return run_with_client(args, body)
