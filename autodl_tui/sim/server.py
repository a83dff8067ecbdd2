"""Serve the simulator over real HTTP: the `autodl-tui sim` command and a test helper."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette

from autodl_tui.catalog import CST
from autodl_tui.sim.app import create_app
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.faults import FaultConfig
from autodl_tui.sim.fleets import FLEETS, build_simulator


def _non_negative(text: str) -> float:
    """A float >= 0, for argparse (a negative speed would run the clock backwards)."""
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, not {text}")
    return value


def _fraction(text: str) -> float:
    """A float in [0, 1], for argparse."""
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `sim` subcommand's options to `parser`."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (0: any free)")
    parser.add_argument(
        "--token",
        dest="sim_token",
        default=None,
        help="the only accepted token (default: any non-empty token)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulated world")
    parser.add_argument(
        "--speed", type=_non_negative, default=1.0, help="virtual seconds per real second"
    )
    parser.add_argument("--fleet", choices=FLEETS, default="demo", help="initial deployments")
    parser.add_argument(
        "--latency-ms", type=_non_negative, default=0.0, help="delay before every answer"
    )
    parser.add_argument(
        "--fault-rate",
        type=_fraction,
        default=0.0,
        help="share of requests that fail (HTTP 5xx/429, timeouts, truncated JSON)",
    )
    parser.add_argument(
        "--not-enterprise",
        action="store_true",
        help="an account without enterprise verification (deployment calls are refused)",
    )


def build_app(args: argparse.Namespace) -> Starlette:
    """The simulator app the options describe, its clock running from now."""
    # build_simulator pauses the clock while it writes the fleet's history, then resumes it.
    clock = VirtualClock(start=datetime.now(CST), speed=args.speed, running=True)
    sim = build_simulator(
        args.fleet,
        seed=args.seed,
        clock=clock,
        token=args.sim_token,
        enterprise_verified=not args.not_enterprise,
    )
    faults = FaultConfig(latency_ms=args.latency_ms, fault_rate=args.fault_rate, seed=args.seed)
    return create_app(sim, faults)


class _AnnouncingServer(uvicorn.Server):
    """A uvicorn server that reports once its socket is bound (so with the real port)."""

    def __init__(self, config: uvicorn.Config, announce: Callable[[str], None]) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Bind as uvicorn does, then announce the address."""
        await super().startup(sockets=sockets)
        if self.started:
            self._announce(base_url(self))


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; the exit status."""
    try:
        app = build_app(args)
    except ValueError as err:
        print(f"autodl-tui sim: {err}", file=sys.stderr)
        return 2
    # The configured token is a secret of sorts: say that one is set, never echo it.
    token = "only the --token given" if args.sim_token else "any non-empty token (no --token given)"
    account = "not enterprise-verified" if args.not_enterprise else "enterprise-verified"

    def announce(url: str) -> None:
        print(
            f"autodl-tui sim: listening on {url} | fleet {args.fleet}, seed {args.seed}, "
            f"speed {args.speed}x, {account} | accepts {token}",
            flush=True,
        )

    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning")
    try:
        _AnnouncingServer(config, announce).run()
    except KeyboardInterrupt:
        return 0
    except SystemExit as exit_:
        # uvicorn leaves through sys.exit(<startup failure>) when it cannot bind the port.
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0


def base_url(server: uvicorn.Server) -> str:
    """`http://host:port` of a started server, with the port the OS actually gave."""
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class ServerThread:
    """uvicorn serving `app` from a background thread, for tests; a context manager.

    The engine then runs on that thread: touch the simulator directly only while no request
    is in flight, or the single-threaded engine would be entered from two threads at once.
    """

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            # Leave the test process's logging alone; errors still reach pytest via propagation.
            log_config=None,
            access_log=False,
            lifespan="off",
            # A request held by a timeout fault must not stall shutdown for its full hold time.
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, name="sim-server", daemon=True)
        self.base_url = ""

    def start(self, timeout: float = 10.0) -> str:
        """Start serving; the base URL once the socket is bound."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulator server did not start")
            time.sleep(0.005)
        self.base_url = base_url(self.server)
        return self.base_url

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        self.server.should_exit = True
        self._thread.join(timeout)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.asynccontextmanager
async def serve_in_background(
    app: Any, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[str]:
    """Serve `app` on a loopback port from a thread while the block runs; yields the base URL."""
    thread = ServerThread(app, host, port)
    # Starting and joining block on the other thread; keep this event loop free meanwhile.
    url = await asyncio.to_thread(thread.start)
    try:
        yield url
    finally:
        await asyncio.to_thread(thread.stop)
