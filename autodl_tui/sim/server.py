"""Serve the simulator over real HTTP: the `autodl-tui sim` command and a test helper."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import sys
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import uvicorn

from autodl_tui.catalog import CST, check_flavor
from autodl_tui.sim.app import create_app
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.faults import FaultConfig
from autodl_tui.sim.fleets import FLEETS, build_simulator
from autodl_tui.sim.incidents import ALL_INCIDENTS, NO_INCIDENTS, parse_incidents
from autodl_tui.sim.limits import MAX_LATENCY_MS, MAX_SPEED

if TYPE_CHECKING:
    import socket
    from collections.abc import AsyncIterator, Awaitable, Callable
    from types import TracebackType

    from starlette.applications import Starlette


def _number(text: str, lo: float, hi: float, what: str) -> float:
    """`text` as a finite float in [lo, hi], or an argparse error saying why not."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
    # NaN fails both comparisons, and inf fails the upper bound.
    if not (math.isfinite(value) and lo <= value <= hi):
        raise argparse.ArgumentTypeError(f"must be {what}, not {text!r}")
    return value


def _speed(text: str) -> float:
    """The clock speed: 0 (frozen) to MAX_SPEED virtual seconds per real second."""
    return _number(text, 0, MAX_SPEED, f"between 0 (a frozen clock) and {MAX_SPEED:g}")


def _latency(text: str) -> float:
    """Milliseconds of added latency, 0 to MAX_LATENCY_MS."""
    return _number(text, 0, MAX_LATENCY_MS, f"between 0 and {MAX_LATENCY_MS:g} milliseconds")


def _fraction(text: str) -> float:
    """A float in [0, 1], for argparse."""
    return _number(text, 0, 1, "between 0 and 1")


def _port(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, not {text!r}")
    return value


def _seed(text: str) -> int:
    """A whole number of at most 64 bits (Python's own limit on int() is far larger)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if not -(2**63) <= value < 2**63:
        raise argparse.ArgumentTypeError("must fit in 64 bits")
    return value


def _token(text: str) -> str:
    """A token a client can send: not empty, no control characters (HTTP headers forbid them)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty (omit --token to accept any token)")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise argparse.ArgumentTypeError("must not contain control characters")
    return text


def _flavor(text: str) -> str:
    """`public` or `private`, or an argparse error naming the nearest one."""
    try:
        return check_flavor(text, "the flavor")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _incidents(text: str) -> frozenset[str]:
    """The incidents to stage: `all`, `none` or a comma list (sim/incidents.py)."""
    try:
        return parse_incidents(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `sim` subcommand's options to `parser`."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=_port, default=8765, help="port to listen on (0: any free)")
    parser.add_argument(
        "--token",
        dest="sim_token",
        type=_token,
        default=None,
        help="the only accepted token (default: any non-empty token)",
    )
    parser.add_argument("--seed", type=_seed, default=0, help="seed of the simulated world")
    parser.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        help=f"virtual seconds per real second (0: frozen; at most {MAX_SPEED:g})",
    )
    parser.add_argument("--fleet", choices=FLEETS, default="demo", help="initial deployments")
    parser.add_argument(
        "--incidents",
        type=_incidents,
        default=None,
        help="trouble staged on purpose: all, none or a comma list of slow-hosts, crashes, "
        "stock (default: all for the demo fleet, none otherwise)",
    )
    parser.add_argument(
        "--latency-ms", type=_latency, default=0.0, help="delay before every answer"
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
    parser.add_argument(
        "--ssh",
        action="store_true",
        help="also run a real SSH server on loopback: containers' ssh_command points at it",
    )
    parser.add_argument(
        "--ssh-port", type=int, default=0, help="port of the --ssh server (default 0: any free)"
    )
    parser.add_argument(
        "--flavor",
        type=_flavor,
        default="public",
        metavar="{public,private}",
        help="serve the public cloud's API or the private cloud's variant (sim/private.py)",
    )


def chosen_incidents(given: frozenset[str] | None, fleet: str) -> frozenset[str]:
    """The incidents asked for, or the fleet's default: all for `demo`, none otherwise."""
    if given is not None:
        return given
    return ALL_INCIDENTS if fleet == "demo" else NO_INCIDENTS


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
        incidents=chosen_incidents(args.incidents, args.fleet),
    )
    faults = FaultConfig(latency_ms=args.latency_ms, fault_rate=args.fault_rate, seed=args.seed)
    return create_app(sim, faults, flavor=getattr(args, "flavor", "public"))


class _AnnouncingServer(uvicorn.Server):
    """A uvicorn server that reports once its socket is bound (so with the real port)."""

    def __init__(
        self,
        config: uvicorn.Config,
        announce: Callable[[str], None],
        start_ssh: Callable[[], Awaitable[str]] | None = None,
    ) -> None:
        super().__init__(config)
        self._announce = announce
        self._start_ssh = start_ssh
        self.ssh_failed = False

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Bind as uvicorn does (and the SSH server, if asked), then announce the address."""
        await super().startup(sockets=sockets)
        if not self.started:
            return
        url = base_url(self)
        if self._start_ssh is not None:
            # On uvicorn's event loop: the SSH server reads the engine from this thread only.
            try:
                url += f" | ssh: {await self._start_ssh()}"
            except OSError as exc:
                print(f"autodl-tui sim: --ssh: cannot listen: {exc.strerror}", file=sys.stderr)
                self.ssh_failed = True
                self.should_exit = True
                return
        self._announce(url)


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

    staged = sorted(chosen_incidents(args.incidents, args.fleet))
    incidents = f"incidents {','.join(staged) or 'none'}"

    def announce(url: str) -> None:
        print(
            f"autodl-tui sim: listening on {url} | {app.state.flavor} flavor, fleet {args.fleet}, "
            f"seed {args.seed}, speed {args.speed}x, {incidents}, {account} | accepts {token}",
            flush=True,
        )

    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        # SIGTERM must not wait out a request held open by a timeout fault (30 s).
        timeout_graceful_shutdown=1,
    )
    start_ssh = None
    if args.ssh:
        from autodl_tui.sim.ssh import describe, start_ssh_server

        async def start_ssh() -> str:
            acceptor = await start_ssh_server(app.state.sim, host=args.host, port=args.ssh_port)
            return describe(acceptor)

    server = _AnnouncingServer(config, announce, start_ssh)
    try:
        server.run()
    except KeyboardInterrupt:
        return 0
    except SystemExit as exit_:
        # uvicorn leaves through sys.exit(<startup failure>) when it cannot bind the port.
        return exit_.code if isinstance(exit_.code, int) else 1
    return 2 if server.ssh_failed else 0


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
