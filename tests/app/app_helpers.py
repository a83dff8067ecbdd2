"""Shared pieces of the reliability tests: a recording transport, waiting, row selection."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from autodl_tui.api import AutoDLClient, ContainerEvent, RetryPolicy
from autodl_tui.catalog import CST
from autodl_tui.config import Settings
from autodl_tui.sim.engine import Simulator
from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.panes import DeploymentsTable
from autodl_tui.ui.widgets.event_log import EventLog, event_line

SIZE = (140, 40)
TOKEN = "test-token"
MUTATING_METHODS = ("PUT", "DELETE")
MUTATING_POSTS = ("/api/v1/dev/deployment/blacklist", "/api/v1/dev/deployment")


class Recorder(httpx.AsyncBaseTransport):
    """Records every request the app sends, then forwards it to the simulator."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        return await self.inner.handle_async_request(request)

    def mutations(self) -> list[tuple[str, str]]:
        """Every request that could change the account."""
        return [
            r
            for r in self.requests
            if r[0] in MUTATING_METHODS or (r[0] == "POST" and r[1] in MUTATING_POSTS)
        ]


async def no_sleep(seconds: float) -> None:
    """Retry backoff that does not wait: faults are decided by seed, not by time."""


def make_client(transport: httpx.AsyncBaseTransport, token: str = TOKEN) -> AutoDLClient:
    """A client over `transport` with fast retries."""
    return AutoDLClient(
        token,
        base_url="http://sim",
        transport=transport,
        retry=RetryPolicy(max_retries=2),
        sleep=no_sleep,
    )


def make_app(
    transport: httpx.AsyncBaseTransport,
    now: Callable[[], datetime],
    *,
    with_token_screen: bool = False,
    **settings: Any,
) -> AutoDLApp:
    """The app polling only when asked (r), at the given clock."""
    config = Settings(**{"refresh": 3600, "stock_refresh": 3600, **settings})
    return AutoDLApp(
        config,
        make_client(transport),
        api_label="sim",
        now=now,
        make_client=(lambda t: make_client(transport, t)) if with_token_screen else None,
    )


async def until(pilot: Any, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until `condition` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


async def select(pilot: Any, app: AutoDLApp, name: str) -> MainScreen:
    """Wait for the deployments, then put the cursor on `name` by keys."""
    screen = app.main_screen
    table = screen.query_one("#deployments", DeploymentsTable)
    await until(pilot, lambda: table.total_count > 0)
    target = next(uuid for uuid, d in screen.deployments.items() if d.name == name)
    await pilot.press("home")
    for _ in range(table.total_count):
        if table.cursor_key == target:
            break
        await pilot.press("down")
    assert table.cursor_key == target
    await until(pilot, lambda: screen.poller.selected == target and bool(screen.containers))
    return screen


def expected_event_lines(sim: Simulator, deployment_uuid: str) -> Counter[str]:
    """The event log's lines for every event the simulator stored for the deployment."""
    lines: Counter[str] = Counter()
    for container, status, ts in sim.all_events(deployment_uuid):
        event = ContainerEvent(container, status, datetime.fromtimestamp(ts, CST))
        lines[event_line(event)[0]] += 1
    return lines


def shown_event_lines(screen: MainScreen) -> Counter[str]:
    """The event log's lines as a multiset."""
    return Counter(screen.query_one("#events", EventLog).lines)


def notifications(app: AutoDLApp) -> str:
    """Every notification's title and text, joined."""
    return "\n".join(f"{n.title} {n.message}" for n in app._notifications)
