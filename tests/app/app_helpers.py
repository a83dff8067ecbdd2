"""Shared pieces of the app tests: a recording transport, client and app builders, row selection."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import httpx
from textual.screen import Screen
from waiting import until

from autodl_tui.api import AutoDLClient, ContainerEvent, RetryPolicy
from autodl_tui.catalog import CST
from autodl_tui.config import Settings
from autodl_tui.sim.clock import FIXED_START
from autodl_tui.sim.commands import ContainerQuery
from autodl_tui.sim.engine import Simulator
from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.panes import DeploymentsTable
from autodl_tui.ui.widgets.event_log import EventLog, event_line

SIZE = (140, 40)
ScreenT = TypeVar("ScreenT", bound=Screen[Any])
TOKEN = "test-token"
MUTATING_METHODS = ("PUT", "DELETE")
MUTATING_POSTS = ("/api/v1/dev/deployment/blacklist", "/api/v1/dev/deployment")
CREATE = ("POST", "/api/v1/dev/deployment")


class Recorder(httpx.AsyncBaseTransport):
    """Records every request the app sends, then forwards it to the simulator."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        return await self.forward(request)

    async def forward(self, request: httpx.Request) -> httpx.Response:
        """Hand the request to the simulator (subclasses bend it here)."""
        return await self.inner.handle_async_request(request)

    @property
    def creates(self) -> int:
        """How many create-deployment requests were sent."""
        return self.requests.count(CREATE)

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


def fixed_now() -> datetime:
    """The app's clock in most tests: the simulator's start, standing still."""
    return FIXED_START


def build_app(
    transport: httpx.AsyncBaseTransport,
    now: Callable[[], datetime] = fixed_now,
    *,
    token: str = TOKEN,
    with_token_screen: bool = False,
    after_first_paint: bool = False,
    **settings: Any,
) -> AutoDLApp:
    """The app polling only when asked (r), at the given clock, its client using `token`.

    `after_first_paint`: the app builds its client after the first paint, as `autodl-tui` does.
    """
    config = Settings(**{"refresh": 3600, "stock_refresh": 3600, **settings})
    return AutoDLApp(
        config,
        None if after_first_paint else make_client(transport, token),
        api_label="sim",
        now=now,
        make_client=(lambda t: make_client(transport, t)) if with_token_screen else None,
        client_factory=(lambda: make_client(transport, token)) if after_first_paint else None,
    )


async def loaded(pilot: Any, app: AutoDLApp) -> MainScreen:
    """Wait for the first deployments on the main screen."""
    screen = app.main_screen
    await until(pilot, lambda: screen.query_one("#deployments", DeploymentsTable).total_count > 0)
    return screen


async def opened(pilot: Any, app: AutoDLApp, key: str, kind: type[ScreenT]) -> ScreenT:
    """Press `key` and wait until a `kind` screen is on top; return it."""
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, kind))
    screen = app.screen
    assert isinstance(screen, kind)
    return screen


async def select(pilot: Any, app: AutoDLApp, name: str) -> MainScreen:
    """Wait for the deployments, then put the cursor on `name` by keys."""
    screen = await loaded(pilot, app)
    table = screen.query_one("#deployments", DeploymentsTable)
    target = next(uuid for uuid, d in screen.deployments.items() if d.name == name)
    await pilot.press("home")
    for _ in range(table.total_count):
        if table.cursor_key == target:
            break
        await pilot.press("down")
    assert table.cursor_key == target
    await until(pilot, lambda: screen.poller.selected == target and bool(screen.containers))
    return screen


def deployment(sim: Simulator, name: str) -> dict[str, Any]:
    """The simulator's record of the deployment called `name`."""
    return dict(sim.list_deployments(1, 10, name=name)["list"][0])


def container_status(sim: Simulator, deployment_uuid: str, uuid: str | None) -> str:
    """The simulator's status of one container."""
    query = ContainerQuery(deployment_uuid, 1, 10, container_uuid=uuid or "")
    return str(sim.list_containers(query)["list"][0]["status"])


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
