"""Soak test: the app headless against a faulty simulator, pressed by a seeded random user.

Runs `AutoDLApp` under `App.run_test` on the demo fleet over the in-process transport with
fault injection (5xx, 429, timeouts, malformed bodies; default rate 0.3, 20 ms latency), the
virtual clock running fast, and the simulator's fleet changing under it. A random user moves,
filters, zooms, opens every dialog and cancels it (and sometimes confirms a scale). Once a
minute the faults pause for a checkpoint that compares the event log with the simulator's
own event store. At the end it reports crashes, errors logged, events lost or shown twice,
peak memory and key -> frame latency.

    .venv/bin/python scripts/soak.py [--minutes 10] [--seed 1] [--fault-rate 0.3]

Key -> frame latency: `App._display` is hooked to timestamp every frame the compositor
produces (after paying the ANSI encoding the headless driver skips, as
benchmarks/bench_table.py does); a sample is key press -> first frame after it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import RenderableType
from textual._compositor import CompositorUpdate
from textual.screen import Screen

from autodl_tui.api import AutoDLClient, ContainerEvent
from autodl_tui.catalog import CST
from autodl_tui.config import Settings
from autodl_tui.logs import LOGGER, setup_logging
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.faults import FaultConfig
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui import app as app_module
from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.widgets.event_log import EventLog, event_line

SIZE = (140, 40)
#: Keys a user presses on the main screen, with weights (q is left out: it quits).
MOVES = {
    "down": 12, "up": 8, "pagedown": 2, "pageup": 2, "home": 1, "end": 1, "left": 2,
    "right": 2, "tab": 3, "shift+tab": 2, "1": 3, "2": 4, "3": 2, "4": 2, "z": 1, "r": 2,
    "o": 1, "O": 1, "c": 1, "p": 1, "u": 1, "f": 1, "g": 1, "G": 1, "a": 1,
}  # fmt: skip
#: Keys that open something; the user then types a little and usually cancels.
OPENERS = {
    "s": 3, "x": 2, "ctrl+d": 1, "b": 2, "enter": 3, "question_mark": 1, "ctrl+p": 1,
    "slash": 2, "E": 1, "n": 1, "C": 1, "i": 1, "B": 1, "d": 1,
}  # fmt: skip


class FrameProbeApp(AutoDLApp):
    """The app, timestamping each frame it paints."""

    # Textual resolves CSS_PATH next to the subclass's module; point it back at the app's.
    CSS_PATH = str(Path(app_module.__file__).parent / "app.tcss")
    frames: list[float]

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(self.console)
            self.frames.append(time.perf_counter())
        super()._display(screen, renderable)


class CountingHandler(logging.Handler):
    """Counts log records by level name."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.counts: Counter[str] = Counter()
        self.samples: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelname] += 1
        if record.levelno >= logging.ERROR and len(self.samples) < 5:
            self.samples.append(record.getMessage())


class Counting(httpx.AsyncBaseTransport):
    """Counts requests on their way to the simulator."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        return await self.inner.handle_async_request(request)


def rss_kib() -> int:
    """Current resident set size in KiB (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def event_lines(sim: Simulator, deployment_uuid: str) -> Counter[str]:
    """What the event log should hold for a deployment: every stored event."""
    lines: Counter[str] = Counter()
    for container, status, ts in sim.all_events(deployment_uuid):
        event = ContainerEvent(container, status, datetime.fromtimestamp(ts, CST))
        lines[event_line(event)[0]] += 1
    return lines


class Soak:
    """One soak run and its figures."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.clock = VirtualClock(datetime.now(CST), speed=args.speed, running=True)
        self.sim = build_simulator("demo", seed=args.seed, clock=self.clock)
        self.faults = FaultConfig(
            latency_ms=args.latency_ms, fault_rate=args.fault_rate, seed=args.seed
        )
        self.transport = Counting(sim_transport(self.sim, self.faults))
        client = AutoDLClient("soak-token", base_url="http://sim", transport=self.transport)
        self.app = FrameProbeApp(
            Settings(refresh=2, stock_refresh=30), client, api_label="soak", now=self.clock.now
        )
        self.app.frames = []
        self.latencies: list[float] = []
        self.keys = 0
        self.checkpoints = 0
        self.lost = 0
        self.duplicated = 0
        self.unexpected_lines = 0
        self.peak_rss = 0
        self.crash = ""
        self.first_snapshot: tracemalloc.Snapshot | None = None

    async def run(self) -> None:
        """Press keys until the time is up, with a checkpoint every minute."""
        deadline = time.monotonic() + self.args.minutes * 60
        next_check = time.monotonic() + 60
        next_change = time.monotonic() + 5
        async with self.app.run_test(size=SIZE) as pilot:
            await self.wait(pilot, lambda: bool(self.app.main_screen.deployments), 30)
            while time.monotonic() < deadline:
                if self.app.return_code is not None:
                    self.crash = f"app exited with {self.app.return_code}"
                    return
                if time.monotonic() >= next_change:
                    self.change_fleet()
                    next_change = time.monotonic() + 5
                if time.monotonic() >= next_check:
                    await self.checkpoint(pilot)
                    next_check = time.monotonic() + 60
                await self.act(pilot)
                self.peak_rss = max(self.peak_rss, rss_kib())
            await self.checkpoint(pilot)

    async def wait(self, pilot: Any, condition: Any, seconds: float) -> bool:
        """Let the app run until `condition()` or the timeout; returns whether it held."""
        end = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > end:
                return False
            await pilot.pause(0.05)
        return True

    def change_fleet(self) -> None:
        """The account changes outside the app: scale a ReplicaSet (events follow)."""
        sets = [
            d
            for d in self.sim.list_deployments(1, 100)["list"]
            if d["deployment_type"] == "ReplicaSet" and d["status"] == "running"
        ]
        if sets:
            dep = self.rng.choice(sets)
            self.sim.set_replica_num(dep["uuid"], self.rng.randint(1, 4))

    async def press(self, pilot: Any, key: str) -> None:
        """Press one key; record key -> first frame if the key changed the screen."""
        frames = self.app.frames
        before = len(frames)
        start = time.perf_counter()
        await pilot.press(key)
        self.keys += 1
        after = [t for t in frames[before:] if t >= start]
        if after:
            self.latencies.append(after[0] - start)

    async def act(self, pilot: Any) -> None:
        """One user gesture: a move, or open something, type, cancel (rarely: confirm)."""
        rng = self.rng
        if rng.random() < 0.8:
            key = rng.choices(list(MOVES), weights=list(MOVES.values()))[0]
            await self.press(pilot, key)
        else:
            key = rng.choices(list(OPENERS), weights=list(OPENERS.values()))[0]
            await self.press(pilot, key)
            for _ in range(rng.randint(0, 3)):
                await self.press(pilot, rng.choice("0123456789abcxyz"))
            confirm_scale = key == "s" and rng.random() < 0.3
            await self.press(pilot, "enter" if confirm_scale else "escape")
            await self.back_to_main(pilot)
        if self.app.frames and len(self.app.frames) > 10_000:
            del self.app.frames[:-1000]
        await pilot.pause(self.rng.uniform(0.02, 0.3))

    async def back_to_main(self, pilot: Any) -> None:
        """Escape until the main screen is on top (a dialog may have stayed open)."""
        for _ in range(5):
            if isinstance(self.app.screen, MainScreen):
                return
            await self.press(pilot, "escape")
        main = self.app.main_screen
        if main.query_one("#filter").has_focus:
            await self.press(pilot, "escape")

    async def checkpoint(self, pilot: Any) -> None:
        """Faults off, clock paused: the event log must equal the simulator's store."""
        screen = self.app.main_screen
        uuid = screen.poller.selected
        if uuid is None or uuid not in screen.deployments:
            return
        rate = self.faults.fault_rate
        self.faults.fault_rate = 0.0
        self.clock.pause()
        log = screen.query_one("#events", EventLog)
        try:
            screen.poller.refresh_now()
            try:
                expected = event_lines(self.sim, uuid)
            except Exception:
                return  # deleted meanwhile
            matched = await self.wait(
                pilot,
                lambda: Counter(log.lines) == expected or screen.poller.selected != uuid,
                20,
            )
            if screen.poller.selected != uuid:
                return
            shown = Counter(log.lines)
            self.checkpoints += 1
            if tracemalloc.is_tracing() and self.first_snapshot is None:
                self.first_snapshot = tracemalloc.take_snapshot()
            if not matched:
                self.lost += sum((expected - shown).values())
                self.duplicated += sum((shown - expected)[line] for line in shown if expected[line])
                self.unexpected_lines += sum(
                    n for line, n in (shown - expected).items() if not expected[line]
                )
        finally:
            self.faults.fault_rate = rate
            self.clock.resume()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) of `values`, 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    """Run the soak and print the report; exit status 1 on a crash, loss or duplicate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--speed", type=float, default=30.0, help="virtual seconds per second")
    parser.add_argument(
        "--trace-memory",
        action="store_true",
        help="print where memory grew between the first checkpoint and the end (slow)",
    )
    args = parser.parse_args(argv)
    if args.trace_memory:
        tracemalloc.start(8)

    import pyperclip

    pyperclip.copy = lambda text: None  # headless: OSC 52 only
    log_dir = Path(tempfile.mkdtemp(prefix="autodl-soak-"))
    log_file = setup_logging(log_dir)
    counter = CountingHandler()
    logging.getLogger(LOGGER).addHandler(counter)

    soak = Soak(args)
    started = time.monotonic()
    try:
        asyncio.run(soak.run())
    except Exception as exc:  # the point of a soak: report it, do not hide it
        soak.crash = f"{type(exc).__name__}: {exc}"
    elapsed = time.monotonic() - started
    peak = max(soak.peak_rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    lat_ms = [x * 1000 for x in soak.latencies]
    report = [
        ("duration", f"{elapsed / 60:.1f} min, fault rate {args.fault_rate}, seed {args.seed}"),
        ("keys pressed", f"{soak.keys}"),
        ("requests sent", f"{soak.transport.sent}"),
        ("crashes", soak.crash or "0"),
        ("errors logged", f"{counter.counts['ERROR'] + counter.counts['CRITICAL']}"),
        ("warnings logged (failed actions)", f"{counter.counts['WARNING']}"),
        ("event checkpoints", f"{soak.checkpoints}"),
        ("events lost / shown twice", f"{soak.lost} / {soak.duplicated}"),
        ("event lines not in the store", f"{soak.unexpected_lines}"),
        ("peak RSS", f"{peak / 1024:.0f} MiB"),
        (
            "key -> frame",
            f"p50 {statistics.median(lat_ms) if lat_ms else 0:.1f} ms, "
            f"p95 {percentile(lat_ms, 95):.1f} ms, max {max(lat_ms, default=0):.1f} ms "
            f"({len(lat_ms)} samples)",
        ),
        ("log file", str(log_file)),
    ]
    width = max(len(k) for k, _ in report)
    for key, value in report:
        print(f"{key:<{width}}  {value}")
    for sample in counter.samples:
        print(f"  error: {sample}")
    if soak.first_snapshot is not None:
        print("memory growth since the first checkpoint (top 15 places):")
        growth = tracemalloc.take_snapshot().compare_to(soak.first_snapshot, "lineno")
        for stat in growth[:15]:
            print(f"  {stat}")
    failed = bool(soak.crash) or soak.lost or soak.duplicated or soak.unexpected_lines
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
