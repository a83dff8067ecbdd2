"""`events --follow` prints each event exactly once while the server fails (socket and in-process).

The client retries a failed request itself, so against `sim --fault-rate` most faults never
reach the cursor; the in-process test makes polls fail outright to cover that path too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from sim_process import REPO, running_sim

from autodl_tui.api import (
    AutoDLClient,
    AutoDLError,
    ContainerEvent,
    EventCursor,
    Page,
    TransportError,
)
from autodl_tui.catalog import CST
from autodl_tui.cmd.events import follow

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=CST)

Key = tuple[str, str, str]


async def retried(call, attempts: int = 40):
    for _ in range(attempts):
        try:
            return await call()
        except AutoDLError:
            await asyncio.sleep(0.05)
    raise AssertionError("the faulty simulator failed 40 times in a row")


async def all_events(client: AutoDLClient, uuid: str) -> Counter[Key]:
    """Every event of the deployment, in one page (page_size far above the count)."""
    page = await retried(lambda: client.list_container_events(uuid, page_size=5000))
    assert page.is_last
    return Counter((e.container_uuid, e.status, e.created_at.isoformat()) for e in page.items)


def test_follow_is_exactly_once_under_faults(tmp_path: Path) -> None:
    with running_sim("--fleet", "demo", "--fault-rate", "0.2", "--speed", "20") as (_p, url):
        env = {k: v for k, v in os.environ.items() if k != "AUTODL_TUI_PROFILE"}
        env.update(AUTODL_TOKEN="follow.test.token", AUTODL_TUI_CONFIG=str(tmp_path / "c.toml"))

        async def setup() -> str:
            async with AutoDLClient("follow.test.token", base_url=url) as client:
                listing = await retried(client.list_all_deployments)
                return next(d.uuid for d in listing if d.name == "sd-webui")

        uuid = asyncio.run(setup())
        follower = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "autodl_tui",
                "--base-url",
                url,
                "events",
                uuid,
                "--follow",
                "--interval",
                "0.2",
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(follower.stdout), daemon=True)
        reader.start()
        try:

            async def scale_and_compare() -> tuple[Counter[Key], Counter[Key]]:
                async with AutoDLClient("follow.test.token", base_url=url) as client:
                    before = await all_events(client, uuid)
                    await retried(lambda: client.set_replica_num(uuid, 6))
                    deadline = time.monotonic() + 40
                    while True:
                        await asyncio.sleep(0.5)
                        truth = await all_events(client, uuid)
                        followed = Counter(
                            (e["container_uuid"], e["status"], e["created_at"])
                            for e in map(json.loads, list(lines))
                        )
                        # Never more copies of an event than the server holds: no repeats.
                        assert not followed - truth, followed - truth
                        if followed == truth and sum(truth.values()) > sum(before.values()) + 3:
                            return before, followed
                        assert time.monotonic() < deadline, (len(followed), len(truth))

            before, followed = asyncio.run(scale_and_compare())
        finally:
            follower.send_signal(signal.SIGINT)
            try:
                follower.wait(timeout=10)
            finally:
                follower.kill()
        err = follower.stderr.read()
        assert follower.returncode == 0, err
        assert sum(followed.values()) == len(lines)


class FlakySource:
    """One page of events, newest first; every third call fails; one event arrives per call."""

    def __init__(self) -> None:
        self.calls = 0
        self.events: list[ContainerEvent] = []

    async def list_container_events(
        self, deployment_uuid: str, **_: object
    ) -> Page[ContainerEvent]:
        await asyncio.sleep(0)
        self.calls += 1
        second = T0 + timedelta(seconds=self.calls // 2)  # pairs of events share a second
        self.events.append(ContainerEvent(f"c{self.calls % 3}", "running", second))
        if self.calls % 3 == 0:
            raise TransportError("injected fault")
        items = tuple(sorted(self.events, key=lambda e: e.created_at, reverse=True))
        return Page(items, page_index=1, page_size=1000, max_page=1, result_total=len(items))


class FakeClient:
    def __init__(self, source: FlakySource) -> None:
        self.source = source

    def event_cursor(self, uuid: str, container: str = "") -> EventCursor:
        return EventCursor(self.source, uuid, container)


async def test_follow_prints_each_event_once_across_failed_polls(capsys, monkeypatch) -> None:
    monkeypatch.setattr("autodl_tui.cmd.events._MAX_BACKOFF", 0.01)
    source = FlakySource()
    task = asyncio.create_task(follow(FakeClient(source), "d1", "", 0.001))  # type: ignore[arg-type]
    while source.calls < 60:
        await asyncio.sleep(0.001)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    out, err = capsys.readouterr()
    printed = [json.loads(line) for line in out.splitlines()]
    keys = Counter((e["container_uuid"], e["created_at"]) for e in printed)
    every = Counter((e.container_uuid, e.created_at.isoformat()) for e in source.events)
    assert not keys - every  # nothing printed more often than it happened
    # Everything but the events added by the last few calls was printed.
    assert sum(keys.values()) >= len(source.events) - 3
    assert err.count("poll failed, retrying") >= 15
