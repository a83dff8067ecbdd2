"""The real app against the `large` fleet (520 deployments, ~10.7k containers), end to end.

Two parts, then one table of every target:
- Processes (`benchmarks.procs`): `autodl-tui` in a pty, as a user runs it, against
  `autodl-tui sim --fleet large --speed 0` (a frozen clock: polls return the same data) in
  another process over loopback. Launch times include the interpreter and every import;
  CPU and RSS are the app process's alone.
- Headless, in this process: `AutoDLApp` over the in-process transport to
  `build_simulator("large")`, frame-timed with `benchmarks.frames`. The simulator's heap
  is frozen (`gc.freeze()`) before the app starts so that, as in the app's own process, the
  collector never walks it. Data goes in through the screen's message handlers, the same
  calls the poller's messages make, so a figure is convert + diff + paint.

`run(report, others=...)` takes the DataTable figures of `bench_table` and the comparator
of `bench_widgets` from the same `make bench` run for the comparison column.
Run alone with `.venv/bin/python -m benchmarks.bench_app [--quick] [--only=PART,...]`
(parts: launch, idle, polling, headless).
"""

from __future__ import annotations

import asyncio
import compileall
import dataclasses
import gc
import os
import random
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from time import perf_counter, process_time
from typing import Any

from textual.pilot import Pilot
from textual.widget import Widget

import autodl_tui.ui.app as app_module
from autodl_tui.api import AutoDLClient, Container
from autodl_tui.config import Settings
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.main_screen import Polled
from autodl_tui.ui.messages import EventsReceived, FleetContainersLoaded, StockLoaded
from autodl_tui.ui.panes import ContainersTable, DeploymentsTable
from autodl_tui.ui.widgets.event_log import EventLog
from autodl_tui.ui.widgets.heatmap import StockHeatmap
from autodl_tui.ui.widgets.vtable import AGE_CHECK_SECONDS, VirtualTable
from benchmarks.bench_widgets import BATCH, churn, make_events
from benchmarks.frames import FrameRecorder, Sample, measure, median_p95, ms, settle
from benchmarks.procs import PtyApp, SimServer

SIZE = (200, 50)
CHURN = 0.05
FIRST_PAINT = r"1 Deployments"  # the pane title: in the first full frame
FLEET_DATA = r"(svc|job|box)-\d{3}"  # a deployment name of the large fleet
#: Checks of the tables' ages the minute-tick figure runs (a minute and a bit of clock).
TICK_SECONDS = 13
STATUSES = ("running", "shutting_down", "starting", "shutdown")


class BenchApp(FrameRecorder, AutoDLApp):
    """The app itself, with frame timestamps."""

    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))


# ---------------------------------------------------------------- results


@dataclass
class Figure:
    """One line of the final table."""

    what: str
    values: list[float]
    unit: str
    target: float | None = None
    target_p95: float | None = None
    compare: str = ""

    def cells(self) -> list[str]:
        median, high = median_p95(self.values)
        fmt = "{:.0f}" if self.unit == "count" else "{:.1f}"
        target = "" if self.target is None else f"≤ {fmt.format(self.target)} {self.unit}"
        if self.target_p95 is not None:
            target += f", p95 ≤ {fmt.format(self.target_p95)}"
        verdict = "-"
        if self.target is not None and median == median:
            ok = median <= self.target
            if self.target_p95 is not None:
                ok = ok and high <= self.target_p95
            verdict = "pass" if ok else "FAIL"
        single = len(self.values) == 1
        return [
            self.what,
            str(len(self.values)),
            f"{fmt.format(median)} {self.unit}",
            "" if single else fmt.format(high),
            target,
            verdict,
            self.compare,
        ]


@dataclass
class Figures:
    rows: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, figure: Figure) -> None:
        self.rows.append(figure)

    def table(self) -> list[str]:
        lines = [
            "| what | n | median | p95 | target | verdict | DataTable / comparator (median, p95) |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += ["| " + " | ".join(row.cells()) + " |" for row in self.rows]
        return lines


def compare(values: list[float] | None, label: str = "DataTable") -> str:
    if not values:
        return ""
    median, high = median_p95(values)
    return f"{label}: {median:.1f} / {high:.1f} ms"


# ---------------------------------------------------------------- processes


def app_args(url: str) -> list[str]:
    return ["--base-url", url]


BENCH_TOKEN = "bench-token"


PROCESS_PARTS = ("launch", "idle", "polling")
HEADLESS = "headless"
#: The huge fleet (about 107k containers) headless: a minute or two of building and loading.
HUGE = "huge"
PARTS = (*PROCESS_PARTS, HEADLESS, HUGE)


def bench_processes(figures: Figures, quick: bool, parts: tuple[str, ...] = PROCESS_PARTS) -> None:
    rounds = 3 if quick else 5
    seconds = 4.0 if quick else 10.0
    with SimServer("large", speed=0) as sim:
        if "launch" in parts:
            bench_launch(figures, sim, rounds)
        if "idle" in parts:
            bench_idle(figures, sim, seconds)
        if "polling" in parts:
            bench_polling(figures, sim, seconds)


def compile_package() -> None:
    """Write the package's bytecode, as installing it does (pip compiles on install).

    With PYTHONDONTWRITEBYTECODE set (this machine's shells set it) an editable install
    never gets any, and every launch would compile ~80 modules first: 90-100 ms of the
    first paint that no installed copy pays.
    """
    compileall.compile_dir(Path(app_module.__file__).parents[1], quiet=1)


def bench_launch(figures: Figures, sim: SimServer, rounds: int) -> None:
    compile_package()
    paint, data, demo = [], [], []
    for _ in range(rounds):
        with PtyApp(app_args(sim.base_url), size=SIZE, token=BENCH_TOKEN) as app:
            paint.append(app.wait_for(FIRST_PAINT)[0] * 1000)
            data.append(app.wait_for(FLEET_DATA)[0] * 1000)
        with PtyApp(["--demo"], size=SIZE) as app:
            demo.append(app.wait_for(FIRST_PAINT)[0] * 1000)
    figures.add(Figure("launch → first paint (pty, real process)", paint, "ms", 300))
    figures.add(Figure("launch → large fleet's deployments on screen", data, "ms", 1500))
    figures.add(Figure("launch --demo → first paint (simulator built after it)", demo, "ms"))


def bench_idle(figures: Figures, sim: SimServer, seconds: float) -> None:
    """Data on screen, no poll due for an hour: what is left is the app's own timers."""
    quiet = "refresh = 3600\nstock_refresh = 3600\n"
    with PtyApp(app_args(sim.base_url), size=SIZE, config=quiet, token=BENCH_TOKEN) as app:
        app.wait_for(FLEET_DATA)
        time.sleep(2.0)
        idle = cpu_share(app, seconds)
    figures.add(
        Figure(
            f"CPU idle, data on screen, only the clock labels ({seconds:.0f} s)",
            [idle],
            "%",
            0.3,
        )
    )


def bench_polling(figures: Figures, sim: SimServer, seconds: float) -> None:
    """Polling every 2 s against a frozen simulator, then RSS with every container loaded."""
    polling = "refresh = 2\nstock_refresh = 3600\n"
    with PtyApp(app_args(sim.base_url), size=SIZE, config=polling, token=BENCH_TOKEN) as app:
        app.wait_for(FLEET_DATA)
        time.sleep(2.0)
        busy = cpu_share(app, seconds)
        figures.add(
            Figure(f"CPU polling every 2 s, unchanged data ({seconds:.0f} s)", [busy], "%", 1.0)
        )
        rss_deployments = app.rss_bytes() / 2**20
        app.press("2")
        time.sleep(1.0)  # focus moves asynchronously: a key typed at once goes elsewhere
        mark = app.chunk_count
        app.press("a")
        app.wait_for("all deployments", after=mark)
        rss = stable_rss(app) / 2**20
    figures.add(Figure("RSS, large fleet: every deployment + all containers", [rss], "MiB", 150))
    figures.notes.append(
        f"RSS with the 520 deployments only: {rss_deployments:.0f} MiB; "
        f"with the fleet-wide containers view loaded: {rss:.0f} MiB."
    )


def cpu_share(app: PtyApp, seconds: float) -> float:
    """Percent of one core the app used over `seconds` of wall time."""
    cpu, wall = app.cpu_seconds(), perf_counter()
    time.sleep(seconds)
    return (app.cpu_seconds() - cpu) / (perf_counter() - wall) * 100


def stable_rss(app: PtyApp, timeout: float = 30.0) -> int:
    """RSS once it has stopped growing (the fleet-wide lists have all arrived)."""
    deadline = perf_counter() + timeout
    last = app.rss_bytes()
    steady = 0
    while perf_counter() < deadline and steady < 4:
        time.sleep(0.5)
        now = app.rss_bytes()
        steady = steady + 1 if abs(now - last) < 256 * 1024 else 0
        last = now
    return last


# ---------------------------------------------------------------- headless


async def until(pilot: Pilot[Any], condition: Callable[[], bool], limit: float = 60.0) -> None:
    deadline = perf_counter() + limit
    while not condition():
        if perf_counter() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.02)


def churned(containers: list[Container], rnd: random.Random) -> list[Container]:
    """A poll in which 5% of the containers changed status and price."""
    new = list(containers)
    for index in rnd.sample(range(len(new)), int(len(new) * CHURN)):
        c = new[index]
        status = (
            STATUSES[(STATUSES.index(c.status) + 1) % len(STATUSES)]
            if c.status in STATUSES
            else "running"
        )
        new[index] = dataclasses.replace(c, status=status, price=c.price + 10)
    return new


class Counting:
    """Counts calls of widget-updating methods while active."""

    METHODS = (
        (Widget, "refresh"),
        (VirtualTable, "set_rows"),
        (VirtualTable, "update_rows"),
        (VirtualTable, "set_columns"),
        (EventLog, "append"),
        (EventLog, "clear"),
        (StockHeatmap, "update_stock"),
    )

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._saved: list[tuple[type, str, Any]] = []

    def __enter__(self) -> Counting:
        for cls, name in self.METHODS:
            original = cls.__dict__[name]
            self._saved.append((cls, name, original))

            def wrapper(
                self_: Any, *args: Any, _o: Any = original, _n: str = name, **kw: Any
            ) -> Any:
                self.calls[f"{type(self_).__name__}.{_n}"] += 1
                return _o(self_, *args, **kw)

            setattr(cls, name, wrapper)
        return self

    def _counted(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        calls = self.calls

        def wrapper(widget: Any, *args: Any, **kwargs: Any) -> Any:
            calls[f"{type(widget).__name__}.{name}"] += 1
            return original(widget, *args, **kwargs)

        return wrapper

    def __exit__(self, *exc: object) -> None:
        for cls, name, original in reversed(self._saved):
            setattr(cls, name, original)


class AppClock:
    """The app's clock: the simulator's, plus a shift only the app sees (the minute tick)."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.shift = 0.0

    def now(self) -> datetime:
        return self.clock.now() + timedelta(seconds=self.shift)

    def timestamp(self) -> float:
        return self.clock.timestamp() + self.shift


def fleet_app(fleet: str, clock: VirtualClock, app_clock: AppClock) -> BenchApp:
    """The app on `fleet` in-process, heap frozen as the app freezes it (`freeze_heap`)."""
    sim = build_simulator(fleet, seed=0, clock=clock)
    # The simulator lives in another process in real use: keep its heap out of the GC's way.
    gc.collect()
    gc.freeze()
    settings = Settings(refresh=3600, stock_refresh=3600)
    app = BenchApp(
        settings,
        None,
        api_label="sim",
        now=app_clock.now,
        freeze_heap=True,  # as `autodl-tui` runs it: no gc.freeze() of the bench's own
        client_factory=lambda: AutoDLClient(
            "bench-token", base_url="http://sim", transport=sim_transport(sim)
        ),
    )
    return app


async def load_fleet_view(app: BenchApp, pilot: Pilot[Any], limit: float = 600.0) -> float:
    """Press 2 then a; milliseconds until every fleet-wide row is on screen."""
    screen = app.main_screen
    deployments = screen.query_one("#deployments", DeploymentsTable)
    await until(pilot, lambda: deployments.total_count > 0 and bool(screen.containers), limit)
    await until(pilot, lambda: screen.query_one("#stock", StockHeatmap).loaded, limit)
    started = perf_counter()
    await pilot.press("2", "a")
    table = screen.query_one("#containers", ContainersTable)
    await until(pilot, lambda: table.total_count > deployments.total_count, limit)
    await settle(pilot)
    return (app.frames[-1] - started) * 1000


def churn_polls(
    app: BenchApp, clock: VirtualClock, rnd: random.Random, count: int
) -> Iterator[FleetContainersLoaded]:
    """`count` fleet-wide polls in turn, each with 5% of the previous one's containers changed."""
    current = list(app.main_screen.containers.values())
    for _ in range(count):
        current = churned(current, rnd)
        yield FleetContainersLoaded(tuple(current), clock.now())


async def refresh_rounds(
    app: BenchApp, pilot: Pilot[Any], clock: VirtualClock, rnd: random.Random, count: int
) -> list[Sample]:
    """`count` fleet-wide polls, each with 5% of the containers changed, timed to the frame."""
    screen = app.main_screen
    return [
        await measure(app, pilot, lambda m=message: screen.fleet.apply(m))
        for message in churn_polls(app, clock, rnd, count)
    ]


async def minute_ticks(
    app: BenchApp, pilot: Pilot[Any], clock: AppClock, checks: int
) -> tuple[list[Sample], int]:
    """The app's clock runs `checks` age checks' worth (the simulator's stays), each timed.

    Each table checks its ages every AGE_CHECK_SECONDS; a row's age text changes when the
    row's own age passes a minute, so over a minute every row on screen repaints once, in
    the check after its minute came.
    Returns one sample per check and how many rows were set meanwhile (0: the clock
    rebuilt nothing).
    """
    screen = app.main_screen
    tables: list[VirtualTable] = [
        screen.query_one("#deployments", DeploymentsTable),
        screen.query_one("#containers", ContainersTable),
    ]

    def check() -> None:
        for table in tables:
            table._check_ages()  # what each table's periodic timer (every few seconds) runs

    samples = []
    with Counting() as counting:
        for _ in range(checks):
            clock.shift += AGE_CHECK_SECONDS
            samples.append(await measure(app, pilot, check))
    rebuilt = sum(n for name, n in counting.calls.items() if name.endswith(".set_rows"))
    return samples, rebuilt


async def keys_around_polls(
    app: BenchApp, pilot: Pilot[Any], clock: VirtualClock, rnd: random.Random, count: int
) -> list[Sample]:
    """A cursor key pressed as a 5%-churn poll arrives: key -> frame with the poll's work."""
    screen = app.main_screen
    samples = []
    for message in churn_polls(app, clock, rnd, count):

        async def poll_then_key(m: FleetContainersLoaded = message) -> None:
            screen.post_message(Polled(m))  # as the poller's facts arrive
            await pilot.press("down")

        samples.append(await measure(app, pilot, poll_then_key))
    return samples


async def bench_headless_huge(figures: Figures, quick: bool) -> None:
    """The huge fleet (about 107k containers) in-process: load, churn refresh, minute tick."""
    rounds = 5 if quick else 10
    clock = VirtualClock()
    app_clock = AppClock(clock)
    app = fleet_app("huge", clock, app_clock)
    try:
        async with app.run_test(size=SIZE) as pilot:
            fleet_ms = await load_fleet_view(app, pilot)
            table = app.main_screen.query_one("#containers", ContainersTable)
            rows = table.total_count
            figures.add(
                Figure(
                    f"huge: a → all {rows:,} containers on screen (in-process)", [fleet_ms], "ms"
                )
            )
            table.move_cursor(rows // 2)
            await settle(pilot)
            rnd = random.Random(5)
            refresh = await refresh_rounds(app, pilot, clock, rnd, rounds)
            figures.add(
                Figure(f"huge: refresh of {rows:,} rows, 5% changed", ms(refresh), "ms", 100)
            )
            ticks, rebuilt = await minute_ticks(app, pilot, app_clock, TICK_SECONDS)
            figures.add(Figure("huge: clock, each age check, CPU", ms(ticks, "cpu"), "ms", 16, 16))
            figures.notes.append(f"huge: rows set while the clock ran a minute: {rebuilt}.")
    finally:
        gc.unfreeze()


async def bench_headless(figures: Figures, others: Mapping[str, Any], quick: bool) -> None:
    rounds = 10 if quick else 30
    clock = VirtualClock()
    app_clock = AppClock(clock)
    app = fleet_app("large", clock, app_clock)
    dt: dict[str, dict[str, list[float]]] = others.get("bench_table") or {}

    def datatable(metric: str) -> list[float] | None:
        return dt.get(metric, {}).get("DataTable")

    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = app.main_screen
            fleet_ms = await load_fleet_view(app, pilot)
            table = screen.query_one("#containers", ContainersTable)
            figures.add(
                Figure(
                    f"a → all {table.total_count:,} containers on screen (520 lists, in-process)",
                    [fleet_ms],
                    "ms",
                )
            )
            table.move_cursor(table.total_count // 2)
            await settle(pilot)

            rnd = random.Random(5)
            refresh_after = await refresh_rounds(app, pilot, clock, rnd, rounds)
            keys_after = [
                await measure(app, pilot, lambda: pilot.press("down")) for _ in range(rounds)
            ]
            ticks, rebuilt = await minute_ticks(app, pilot, app_clock, TICK_SECONDS)
            figures.add(
                Figure(
                    f"clock over a minute, each age check, CPU "
                    f"({table.total_count:,} rows; was the minute tick)",
                    ms(ticks, "cpu"),
                    "ms",
                    16,
                    16,
                )
            )
            figures.notes.append(
                f"Rows set while the app's clock ran {TICK_SECONDS} age checks: {rebuilt}; the "
                f"slowest {max(ms(ticks, 'cpu')):.1f} ms CPU (to the frame, with Textual's 60 fps "
                f"pacing: median {median_p95(ms(ticks))[0]:.1f}, max {max(ms(ticks)):.1f} ms)."
            )
            around = await keys_around_polls(app, pilot, clock, rnd, rounds)
            figures.add(
                Figure(
                    "cursor key as a 5%-churn poll arrives → frame (10k rows)",
                    ms(around),
                    "ms",
                    33,
                    50,
                )
            )
            figures.add(
                Figure(
                    f"refresh of the {table.total_count:,}-row containers pane, 5% changed",
                    ms(refresh_after),
                    "ms",
                    25,
                    50,
                    compare(datatable("poll, 5% rows changed -> settled frame")),
                )
            )

            await settle(pilot)
            poller = screen.poller
            # The budget leaves a few of the first load's lists to later polls: read them
            # first, so what follows is a poll with nothing new.
            for _ in range(100):
                if poller.fleet_whole:
                    break
                await poller.poll_fleet()
                await settle(pilot)
            with Counting() as counting:
                cpu = process_time()
                await poller.poll_fast()
                await poller.poll_fleet()
                await poller.poll_stock()
                await settle(pilot)
                cpu = process_time() - cpu
            figures.add(
                Figure(
                    "widget updates on an unchanged poll (all three loops)",
                    [float(sum(counting.calls.values()))],
                    "count",
                    0,
                )
            )
            figures.notes.append(
                f"An unchanged poll of everything (deployments, the container lists the "
                f"planner picks, 11 stock regions; simulator included, in-process) costs "
                f"{cpu * 1000:.0f} ms CPU and touches {dict(counting.calls) or 'no widget'}."
            )

            figures.add(
                Figure(
                    "cursor key → frame (10k rows)",
                    ms(keys_after),
                    "ms",
                    16,
                    compare=compare(datatable("cursor down key -> settled frame")),
                )
            )
            pages = [
                await measure(app, pilot, lambda k=k: pilot.press(k))
                for k in (["pagedown", "pagedown", "pagedown", "pageup"] * rounds)[:rounds]
            ]
            figures.add(
                Figure(
                    "page down/up → frame (10k rows)",
                    ms(pages),
                    "ms",
                    33,
                    compare=compare(datatable("page down/up key -> settled frame")),
                )
            )

            await pilot.press("slash")
            await settle(pilot)
            typed = [*"running", *["backspace"] * 7, *"svc-1", *["backspace"] * 5]
            filters = [await measure(app, pilot, lambda k=k: pilot.press(k)) for k in typed]
            await pilot.press("escape")
            figures.add(
                Figure(
                    "filter keystroke → frame (10k rows, typed in the filter box)",
                    ms(filters),
                    "ms",
                    50,
                    compare=compare(datatable("filter (DataTable: rebuild) -> settled frame")),
                )
            )

            selected = poller.selected or ""
            events = random.Random(11)
            batches = [
                make_events(BATCH, events, clock.now() + timedelta(minutes=i))
                for i in range(rounds * 3)
            ]
            appends = [
                await measure(
                    app,
                    pilot,
                    lambda b=b: screen.fleet.apply(EventsReceived(selected, tuple(b), False)),
                )
                for b in batches
            ]
            figures.add(Figure("event log: append 100 events → frame", ms(appends), "ms", 10))

            stock = {r: list(items) for r, items in (poller._last_stock or {}).items()}
            heat: list[Sample] = []
            cells = random.Random(3)
            for _ in range(rounds):
                stock = churn(stock, cells)
                message = StockLoaded({r: tuple(v) for r, v in stock.items()}, clock.now())
                heat.append(await measure(app, pilot, lambda m=message: screen.fleet.apply(m)))
            widgets = others.get("bench_widgets") or {}
            static = widgets.get("comparator: Static.update(pre-built rich Text), same grid")
            figures.add(
                Figure(
                    "stock heatmap refresh, 20% of cells changed → frame",
                    ms(heat),
                    "ms",
                    10,
                    compare=compare(ms(static) if static else None, "Static"),
                )
            )

            log = screen.query_one("#events", EventLog)
            log.clear()
            await settle(pilot)
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(100):
                batch = tuple(make_events(BATCH, events, clock.now()))
                screen.fleet.apply(EventsReceived(selected, batch, False))
            await settle(pilot)
            gc.collect()
            retained = (tracemalloc.get_traced_memory()[0] - before) / 2**20
            tracemalloc.stop()
            figures.add(
                Figure(
                    f"event log: {log.total_count:,} lines retained (tracemalloc)",
                    [retained],
                    "MiB",
                    10,
                )
            )
    finally:
        gc.unfreeze()


def run(
    report: Callable[[str], None],
    *,
    quick: bool = False,
    others: Mapping[str, Any] | None = None,
    only: tuple[str, ...] = PARTS,
) -> Figures:
    """Run the parts named in `only` (all by default), report the notes and the table."""
    unknown = set(only) - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown part(s) {sorted(unknown)}; choose from {', '.join(PARTS)}")
    figures = Figures()
    started = perf_counter()
    processes = tuple(part for part in only if part in PROCESS_PARTS)
    if processes:
        bench_processes(figures, quick, processes)
    if HEADLESS in only:
        asyncio.run(bench_headless(figures, others or {}, quick))
    if HUGE in only:
        asyncio.run(bench_headless_huge(figures, quick))
    for result in (others or {}).values():
        # Other modules' own figures (bench_fleets, bench_requests, ...) join the final table.
        if isinstance(result, Figures):
            figures.rows.extend(result.rows)
            figures.notes.extend(result.notes)
    report(
        f"Real app, large fleet, terminal {SIZE[0]}x{SIZE[1]}; Python {sys.version.split()[0]}; "
        f"total {perf_counter() - started:.0f} s; load average {load_average()}"
    )
    for note in figures.notes:
        report(note)
    report("")
    for line in figures.table():
        report(line)
    return figures


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, for the record (other jobs skew the figures)."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def parse_only(argv: list[str]) -> tuple[str, ...]:
    """`--only=launch,idle`: the parts to run (every part without it)."""
    for arg in argv:
        if arg.startswith("--only="):
            return tuple(arg.split("=", 1)[1].split(","))
    return PARTS


if __name__ == "__main__":
    args = sys.argv[1:]
    run(print, quick="--quick" in args, only=parse_only(args))
