"""A bare app that shows one screen, and a counting transport, for the screens' Pilot tests."""

from __future__ import annotations

from typing import Any

import httpx
from textual.app import App
from textual.screen import Screen

from autodl_tui.api import AutoDLClient
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.transport import sim_transport

SIZE = (130, 40)


class CountingTransport(httpx.AsyncBaseTransport):
    """Forwards to the simulator and counts requests per path."""

    def __init__(self, sim: Simulator) -> None:
        self.inner = sim_transport(sim)
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)

    def count(self, suffix: str) -> int:
        return sum(1 for p in self.paths if p.endswith(suffix))


def client_for(transport: httpx.AsyncBaseTransport) -> AutoDLClient:
    return AutoDLClient("test-token", base_url="http://sim", transport=transport)


class Host(App[None]):
    """Pushes one screen on mount and records what it is dismissed with."""

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.view = screen
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.view, callback=self.results.append)


def screen_text(app: App[Any]) -> str:
    """What the terminal shows now, one line per row (covers and overlays included)."""
    update = app.screen._compositor.render_full_update()
    return "\n".join("".join(strip.text for strip in line) for line in update.strips)
