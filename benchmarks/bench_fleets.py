"""The real app as the fleet grows, over a long session, and `--version`, each a real process.

- `--version`: the console script, wall time from exec to exit (parser and imports only).
- Fleet sizes (`small`, `large`, `xlarge`, `huge`: 52 to 5,200 deployments, about 0.9k to
  107k containers): `autodl-tui sim --fleet SIZE --speed 0` (a frozen clock: polls return
  the same data) in one process, the app in a pty in another. For each size: `a` (fleet-wide
  view) to its first rows on screen and to every deployment's (a long first load shows its
  rows as they arrive), then CPU while polling unchanged data and RSS once settled.
- A session: the large fleet with the simulator's clock at 30x (its fleet changes under the
  app), fleet-wide view open, RSS and CPU sampled every 10 s; the trend is RSS's slope over
  the second half (a leak keeps climbing, a warm-up levels off). The simulator lists more
  containers as the session goes on (reuse pools kept 7 days fill up at 30x): the trend
  beyond what that growth costs (a row's cost taken from the first load) is the target.

`run(report, quick=...)` returns the figures; `bench_app` puts them in the final table.
Run alone: `.venv/bin/python -m benchmarks bench_fleets [--quick] [--only=huge,large]`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from time import perf_counter

from benchmarks.bench_app import (
    BENCH_TOKEN,
    FLEET_DATA,
    SIZE,
    Figure,
    Figures,
    app_args,
    cpu_share,
    stable_rss,
)
from benchmarks.procs import PtyApp, SimServer

#: A fleet-wide row: short container id (machine-8hex), then the deployment's name.
FLEET_ROW = r"[0-9a-z]{10}-[0-9a-f]{8} +(svc|job|box)-\d{3}"
#: The first load is over when the app's CPU stays under this share for LOAD_QUIET seconds
#: (reading thousands of lists keeps it near a full core; polling unchanged data is a few %).
LOAD_DONE_CPU = 30.0
LOAD_QUIET = 2.0
POLLING = "refresh = 2\nstock_refresh = 3600\n"
#: The fleet sizes' runs lift the request budget to its most (6,000 a minute, room for
#: 12,000 at once): the figures are the app's and the simulator's, not the budget's. At the
#: default (300 a minute, 600 at once) a fleet past 600 deployments fills in over minutes,
#: which is the budget doing its job against a real service.
FLEET_POLLING = POLLING + "requests_per_minute = 6000\n"
#: Targets of issue 15 by fleet: (a -> rows ms, RSS MiB, CPU % polling unchanged data).
TARGETS: dict[str, tuple[float | None, float | None, float | None]] = {
    "small": (None, None, None),
    "large": (None, 120.0, 1.0),
    "xlarge": (None, None, None),
    "huge": (3000.0, 250.0, 3.0),
}
SESSION_SPEED = 30.0
#: `--only=session`: the long session alone.
SESSION = "session"


def console_script() -> list[str]:
    """`autodl-tui` as installed next to this interpreter (else `python -m autodl_tui`)."""
    script = Path(sys.executable).with_name("autodl-tui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "autodl_tui"]


def bench_version(figures: Figures, rounds: int) -> None:
    argv = [*console_script(), "--version"]
    times = []
    for _ in range(rounds):
        started = perf_counter()
        subprocess.run(argv, check=True, capture_output=True, timeout=30)
        times.append((perf_counter() - started) * 1000)
    figures.add(Figure("autodl-tui --version (exec to exit)", times, "ms", 80))


def load_settled(app: PtyApp, timeout: float = 600.0) -> float:
    """Seconds from launch until the app's CPU fell under LOAD_DONE_CPU % for LOAD_QUIET s
    (the start of that quiet window): every list of a first fleet-wide load has arrived.
    """
    step = 0.5
    samples: list[tuple[float, float]] = [(perf_counter() - app.started, app.cpu_seconds())]
    deadline = perf_counter() + timeout
    window = round(LOAD_QUIET / step)
    while perf_counter() < deadline:
        time.sleep(step)
        samples.append((perf_counter() - app.started, app.cpu_seconds()))
        if len(samples) > window:
            (t0, c0), (t1, c1) = samples[-window - 1], samples[-1]
            if (c1 - c0) / (t1 - t0) * 100 < LOAD_DONE_CPU:
                return t0
    raise TimeoutError(f"the app was still busy after {timeout:.0f} s")


def bench_fleet(figures: Figures, fleet: str, seconds: float) -> None:
    a_target, rss_target, cpu_target = TARGETS[fleet]
    built = perf_counter()
    with SimServer(fleet, speed=0) as sim:
        build_s = perf_counter() - built
        with PtyApp(
            app_args(sim.base_url), size=SIZE, config=FLEET_POLLING, token=BENCH_TOKEN
        ) as app:
            app.wait_for(FLEET_DATA, timeout=120)
            app.press("2")
            time.sleep(1.0)  # focus moves asynchronously: a key typed at once goes elsewhere
            mark = app.chunk_count
            pressed = perf_counter() - app.started
            app.press("a")
            shown, _ = app.wait_for(FLEET_ROW, timeout=300, after=mark)
            a_ms = (shown - pressed) * 1000
            # A long first load shows its first rows early and says how far it got: RSS
            # and CPU are taken once every list has arrived (the app's CPU settled).
            all_ms = (load_settled(app) - pressed) * 1000
            rss = stable_rss(app) / 2**20
            time.sleep(2.0)
            cpu = cpu_share(app, seconds)
    figures.add(Figure(f"{fleet}: a → fleet-wide rows on screen", [a_ms], "ms", a_target))
    figures.add(Figure(f"{fleet}: a → whole first load (CPU settled)", [all_ms], "ms"))
    figures.add(Figure(f"{fleet}: RSS, fleet-wide view loaded", [rss], "MiB", rss_target))
    figures.add(
        Figure(
            f"{fleet}: CPU polling unchanged data, fleet-wide ({seconds:.0f} s)",
            [cpu],
            "%",
            cpu_target,
        )
    )
    figures.notes.append(f"{fleet}: the simulator process built its fleet in {build_s:.1f} s.")


def listed_containers(base_url: str) -> int:
    """How many containers the simulator lists now, over every deployment (its own client)."""
    import asyncio

    from autodl_tui.api import AutoDLClient

    async def count() -> int:
        async with AutoDLClient(BENCH_TOKEN, base_url=base_url, requests_per_minute=100_000) as c:
            deployments = await c.list_all_deployments()
            lists = await asyncio.gather(*(c.list_all_containers(d.uuid) for d in deployments))
            return sum(len(items) for items in lists)

    return asyncio.run(count())


def bench_session(figures: Figures, minutes: float) -> None:
    samples: list[tuple[float, float, float]] = []  # (minutes in, RSS MiB, CPU s)
    listed: list[tuple[float, int]] = []  # (minutes in, containers the simulator lists)
    with (
        SimServer("large", speed=SESSION_SPEED) as sim,
        PtyApp(app_args(sim.base_url), size=SIZE, config=POLLING, token=BENCH_TOKEN) as app,
    ):
        app.wait_for(FLEET_DATA, timeout=120)
        app.press("2")
        time.sleep(1.0)
        before = stable_rss(app) / 2**20  # the deployments only
        mark = app.chunk_count
        app.press("a")
        app.wait_for(FLEET_ROW, timeout=300, after=mark)
        load_settled(app)
        loaded = stable_rss(app) / 2**20
        at_load = listed_containers(sim.base_url)
        start = perf_counter()
        while True:
            elapsed = perf_counter() - start
            samples.append((elapsed / 60, app.rss_bytes() / 2**20, app.cpu_seconds()))
            if len(samples) % 6 == 1 or elapsed >= minutes * 60:
                listed.append((elapsed / 60, listed_containers(sim.base_url)))
            if elapsed >= minutes * 60:
                break
            time.sleep(10.0)
    half = [s for s in samples if s[0] >= minutes / 2]
    slope = statistics.linear_regression([s[0] for s in half], [s[1] for s in half]).slope
    grown = [n for n in listed if n[0] >= minutes / 2] or listed[-2:]
    growth = statistics.linear_regression([n[0] for n in grown], [n[1] for n in grown]).slope
    # What one more fleet-wide row costs, from the first load: the fleet's own growth
    # explains this much of the trend (the simulator at 30x fills deployments' reuse pools,
    # kept 7 days, so it lists more containers as the session goes on).
    per_row = (loaded - before) / at_load if at_load else 0.0
    cpu = (samples[-1][2] - samples[0][2]) / ((samples[-1][0] - samples[0][0]) * 60) * 100
    label = f"{minutes:.0f}-minute session, large fleet at {SESSION_SPEED:.0f}x, fleet-wide"
    figures.add(Figure(f"{label}: RSS trend, second half", [slope], "MiB/min"))
    figures.add(
        Figure(
            f"{label}: RSS trend beyond the fleet's own growth",
            [slope - growth * per_row],
            "MiB/min",
            0.5,
        )
    )
    figures.add(Figure(f"{label}: CPU", [cpu], "%", 10.0))
    figures.notes.append(
        f"Session RSS: {before:.0f} MiB with the deployments, {loaded:.0f} MiB with the "
        f"fleet-wide view loaded ({at_load:,} containers: {per_row * 1024:.1f} KiB a row), "
        f"{max(s[1] for s in samples):.0f} MiB peak, {samples[-1][1]:.0f} MiB at the end. "
        f"The simulator listed {listed[0][1]:,} → {listed[-1][1]:,} containers "
        f"({growth:+.0f} a minute in the second half)."
    )


def run(
    report: Callable[[str], None], *, quick: bool = False, only: tuple[str, ...] = ()
) -> Figures:
    """`--version`, every fleet size, then the session; reports as it goes.

    `only` (`--only=huge,large`, `--only=session`) runs those fleet sizes or the session
    alone (no `--version`); names that are neither (`bench_app`'s parts) are not this module's.
    """
    figures = Figures()
    session = not only or SESSION in only
    only = tuple(part for part in only if part in TARGETS or part == SESSION)
    if not only:
        bench_version(figures, 5 if quick else 15)
    sizes = ("small", "large", "huge") if quick else ("small", "large", "xlarge", "huge")
    for fleet in [p for p in only if p in TARGETS] if only else sizes:
        bench_fleet(figures, fleet, 5.0 if quick else 10.0)
        report(f"fleets: {fleet} done")
    if session:
        bench_session(figures, 2.0 if quick else 10.0)
    for note in figures.notes:
        report(note)
    for line in figures.table():
        report(line)
    return figures


if __name__ == "__main__":
    sizes = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--only=")), "")
    run(print, quick="--quick" in sys.argv[1:], only=tuple(filter(None, sizes.split(","))))
