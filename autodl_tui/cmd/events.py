"""`autodl-tui events DEPLOYMENT [--follow]`: a deployment's container events as NDJSON.

`--follow` polls with the app's `EventCursor`, so each event is printed exactly once, oldest
first, however the server fails meanwhile: a failed poll changes nothing and is retried after
a pause (said on stderr), until interrupted (Ctrl-C or SIGTERM, exit 0).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import TYPE_CHECKING

from autodl_tui.cmd.common import (
    EXIT_OK,
    add_output_arguments,
    describe,
    dumps,
    emit,
    record,
    run_with_client,
    say,
)

if TYPE_CHECKING:
    from autodl_tui.api.client import AutoDLClient
    from autodl_tui.config import Settings

__all__ = ["add_arguments", "follow", "run"]

#: Longest pause between polls after failures in a row (seconds).
_MAX_BACKOFF = 30.0


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("not a number of seconds") from None
    if not 0.1 <= value <= 3600:
        raise argparse.ArgumentTypeError("must be between 0.1 and 3600 seconds")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `autodl-tui events`."""
    parser.add_argument("deployment", help="deployment uuid or exact name")
    parser.add_argument("--container", default="", help="only this container's events")
    parser.add_argument(
        "-f",
        "--follow",
        action="store_true",
        help="keep printing new events (NDJSON, each once) until interrupted",
    )
    parser.add_argument(
        "--interval",
        type=_interval,
        metavar="SECONDS",
        help="seconds between polls with --follow (default: the config's refresh, 2)",
    )
    add_output_arguments(parser)


async def follow(client: AutoDLClient, uuid: str, container: str, interval: float) -> None:
    """Print every event of the deployment once, as NDJSON, until cancelled."""
    from autodl_tui.api.errors import AutoDLError

    cursor = client.event_cursor(uuid, container)
    failures = 0
    while True:
        try:
            fresh = await cursor.poll()
        except AutoDLError as exc:
            failures += 1
            pause = min(_MAX_BACKOFF, interval * 2**failures)
            say(f"poll failed, retrying in {pause:g} s: {describe(exc)}", command="events")
            await asyncio.sleep(pause)
            continue
        failures = 0
        if cursor.truncated:
            say("more new events than the backfill holds; older ones skipped", command="events")
        for event in fresh:
            sys.stdout.write(dumps(record(event)) + "\n")
        sys.stdout.flush()
        await asyncio.sleep(interval)


def run(args: argparse.Namespace) -> int:
    """Run `events` from parsed arguments; returns the exit code."""
    from autodl_tui.cmd.listing import COLUMNS, find_deployment

    async def body(client: AutoDLClient, settings: Settings) -> int:
        uuid = (await find_deployment(client, args.deployment)).uuid
        if not args.follow:
            rows = [record(e) for e in await client.event_cursor(uuid, args.container).poll()]
            emit(rows, args.output, COLUMNS["events"])
            return EXIT_OK
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        assert task is not None
        stopped = False

        def stop() -> None:
            nonlocal stopped
            stopped = True
            task.cancel()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop)
        try:
            await follow(client, uuid, args.container, args.interval or settings.refresh)
        except asyncio.CancelledError:
            if not stopped:
                raise
            task.uncancel()  # our own stop: the client still closes normally
        return EXIT_OK

    return run_with_client(args, body)
