"""Fixtures for the simulator's HTTP layer: a demo account reached in-process or over a socket."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from autodl_tui.sim.app import create_app
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.faults import FaultConfig
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.server import ServerThread
from autodl_tui.sim.transport import sim_transport

TOKEN = "test-token"
API = "/api/v1/dev"


@dataclass
class Conn:
    """A client wired to one simulator app, and the app itself (to flip faults at runtime)."""

    http: httpx.AsyncClient
    app: Starlette
    sim: Simulator
    kind: str

    async def call(self, method: str, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        """One request to `API + path` with a JSON body (when given)."""
        if body is not None:
            kw["json"] = body
        return await self.http.request(method, API + path, **kw)

    async def ok(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        """`data` of a call that must succeed."""
        r = await self.call(method, path, body, **kw)
        assert r.status_code == 200, r.text
        envelope = r.json()
        assert envelope["code"] == "Success", envelope
        return envelope["data"]


Connect = Callable[..., contextlib.AbstractAsyncContextManager[Conn]]


def _make_sim(fleet: str = "demo", **kw: Any) -> Simulator:
    """A simulator on a paused clock, so only the calls a test makes change its state."""
    return build_simulator(fleet, seed=kw.pop("seed", 7), clock=VirtualClock(), **kw)


@pytest.fixture
def make_sim() -> Callable[..., Simulator]:
    return _make_sim


@pytest.fixture
def sim() -> Simulator:
    return _make_sim()


class Switchboard:
    """An ASGI app handing each request to the app the current test plugged in.

    One uvicorn thread then serves the whole session, which keeps socket tests as fast as
    in-process ones while every request still crosses a real loopback socket.
    """

    def __init__(self) -> None:
        self.target: Starlette | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.target is not None, "no app plugged into the switchboard"
        await self.target(scope, receive, send)


@pytest.fixture(scope="session")
def socket_server() -> Iterator[tuple[Switchboard, str]]:
    board = Switchboard()
    with ServerThread(board) as url:
        yield board, url


@pytest.fixture(params=["asgi", "socket"])
def connect(request: pytest.FixtureRequest) -> Connect:
    """Open a `Conn` to a simulator, in-process (ASGI) or through a real loopback socket."""
    kind: str = request.param

    @contextlib.asynccontextmanager
    async def _connect(
        sim: Simulator,
        faults: FaultConfig | None = None,
        *,
        token: str | None = TOKEN,
        timeout: float | httpx.Timeout = 5.0,
    ) -> AsyncIterator[Conn]:
        headers = {"Authorization": token} if token is not None else {}
        if kind == "asgi":
            transport = sim_transport(sim, faults)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://sim", headers=headers, timeout=timeout
            ) as http:
                yield Conn(http, transport.app, sim, kind)
            return
        board, url = request.getfixturevalue("socket_server")
        app = create_app(sim, faults)
        board.target = app
        try:
            async with httpx.AsyncClient(base_url=url, headers=headers, timeout=timeout) as http:
                yield Conn(http, app, sim, kind)
        finally:
            board.target = None

    return _connect


@pytest.fixture
async def conn(connect: Connect, sim: Simulator) -> AsyncIterator[Conn]:
    async with connect(sim) as c:
        yield c


def _create_body(**overrides: Any) -> dict[str, Any]:
    """A valid create body (the vendor's ReplicaSet example with a public image)."""
    template = {
        "dc_list": ["westDC2", "westDC3"],
        "gpu_name_set": ["RTX 4090"],
        "gpu_num": 1,
        "cuda_v_from": 113,
        "cuda_v_to": 128,
        "cpu_num_from": 1,
        "cpu_num_to": 100,
        "memory_size_from": 1,
        "memory_size_to": 256,
        "cmd": "sleep 100",
        "price_from": 100,
        "price_to": 9000,
        "image_uuid": "base-image-l2t43iu6uk",
    }
    template.update(overrides.pop("template", {}))
    body: dict[str, Any] = {
        "name": "api-created",
        "deployment_type": "ReplicaSet",
        "replica_num": 2,
        "reuse_container": True,
        "container_template": template,
    }
    body.update(overrides)
    return body


@pytest.fixture
def create_body() -> Callable[..., dict[str, Any]]:
    """Build a valid create body; keyword overrides replace top-level or template fields."""
    return _create_body
