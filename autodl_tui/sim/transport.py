"""An in-process httpx transport onto the simulator: no sockets, same answers as over HTTP.

Usage::

    sim = build_simulator("demo")
    async with httpx.AsyncClient(transport=sim_transport(sim), base_url="http://sim") as client:
        body = {"page_index": 1, "page_size": 10}
        r = await client.post("/api/v1/dev/deployment/list", json=body)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from autodl_tui.sim.app import TIMEOUT_HEADER, create_app

if TYPE_CHECKING:
    from autodl_tui.sim.engine import Simulator
    from autodl_tui.sim.faults import FaultConfig


class SimTransport(httpx.AsyncBaseTransport):
    """`httpx.ASGITransport` over the simulator app, turning timeout faults into ReadTimeout."""

    def __init__(
        self,
        sim: Simulator,
        faults: FaultConfig | None = None,
        *,
        raise_app_exceptions: bool,
        flavor: str = "public",
    ) -> None:
        self.app = create_app(sim, faults, flavor=flavor)
        # ASGITransport ignores client timeouts, so holding a response would hang the client.
        self.app.state.hold_timeouts = False
        self._inner = httpx.ASGITransport(app=self.app, raise_app_exceptions=raise_app_exceptions)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` to the app; a simulated timeout raises as a real one would."""
        response = await self._inner.handle_async_request(request)
        if TIMEOUT_HEADER in response.headers:
            await response.aclose()
            raise httpx.ReadTimeout("simulated timeout (fault injection)", request=request)
        return response

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()


def sim_transport(
    sim: Simulator,
    faults: FaultConfig | None = None,
    *,
    raise_app_exceptions: bool = False,
    flavor: str = "public",
) -> SimTransport:
    """An in-process transport for `httpx.AsyncClient(transport=..., base_url="http://sim")`.

    Its `app.state.faults` can be changed at runtime. A simulator bug answers HTTP 500, as over
    a socket; pass `raise_app_exceptions=True` to get the exception itself while debugging.
    """
    return SimTransport(sim, faults, raise_app_exceptions=raise_app_exceptions, flavor=flavor)
