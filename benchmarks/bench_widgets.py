"""EventLog and StockHeatmap costs, headless, in one run.

`run(report)` is synchronous: it starts its own event loop with `asyncio.run`, so call it
from plain code (not from inside a running loop). Each result line is passed to `report`.
Run it with `.venv/bin/python -m benchmarks.bench_widgets [--quick]`.

How time is measured: see `benchmarks.frames` ("apply" the blocking widget call, "first
frame" and "settled" from call start, CPU over the call and its frames). Memory is measured
separately under tracemalloc (which slows everything down), after a `gc.collect()`.
"""

from __future__ import annotations

import asyncio
import gc
import random
import statistics
import sys
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from time import perf_counter, process_time

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from autodl_tui.api.models import ContainerEvent, GpuStock
from autodl_tui.catalog import CONTAINER_STATUSES, CST, REGIONS
from autodl_tui.ui.widgets.event_log import DEFAULT_MAX_LINES, EventLog
from autodl_tui.ui.widgets.heatmap import StockHeatmap, stock_level
from benchmarks.frames import ProbeApp, Sample, measure, median_p95, settle

SIZE = (200, 50)
BATCH = 100
T0 = datetime(2025, 6, 1, 9, 0, 0, tzinfo=CST)
GPUS = [
    "RTX 4090",
    "RTX 4090D",
    "RTX 3090",
    "RTX 3080 Ti",
    "RTX 3080x2",
    "RTX A4000",
    "RTX A5000",
    "RTX 2080 Ti",
    "A800-80GB",
    "A100-SXM4-80GB",
    "A100-PCIE-40GB",
    "H800",
    "H20",
    "L20",
    "L40S",
    "V100-32GB",
    "V100-SXM2-32GB",
    "TITAN Xp",
    "vGPU-32GB",
    "Tesla T4",
]
CHURN = 0.20


# ---------------------------------------------------------------- harness

CSS = "StockHeatmap { height: auto; } EventLog { height: 1fr; }"


@dataclass
class Results:
    rows: dict[str, list[Sample]] = field(default_factory=dict)

    def add(self, name: str, sample: Sample) -> None:
        self.rows.setdefault(name, []).append(sample)


def fmt(values: list[float]) -> str:
    median, high = median_p95(v * 1000 for v in values)
    if median != median:
        return "- | -"
    return f"{median:.2f} | {high:.2f}"


def format_table(results: Results) -> list[str]:
    lines = [
        "| operation (ms) | n | apply median | p95 | first frame median | p95 "
        "| settled median | p95 | CPU median | p95 | frames |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, samples in results.rows.items():
        frames = statistics.median(s.frames for s in samples)
        cols = [
            fmt([s.apply for s in samples]),
            fmt([s.first for s in samples]),
            fmt([s.settled for s in samples]),
            fmt([s.cpu for s in samples]),
        ]
        lines.append(f"| {name} | {len(samples)} | {' | '.join(cols)} | {frames:g} |")
    return lines


# ---------------------------------------------------------------- event log


def make_events(count: int, rnd: random.Random, start: datetime) -> list[ContainerEvent]:
    events = []
    for index in range(count):
        deployment = f"{rnd.getrandbits(40):010x}"
        machine = f"{rnd.getrandbits(40):010x}"
        events.append(
            ContainerEvent(
                f"{deployment}-{machine}-{rnd.getrandbits(32):08x}",
                rnd.choice(CONTAINER_STATUSES),
                start + timedelta(seconds=index),
            )
        )
    return events


async def bench_event_log(results: Results, batches: int) -> None:
    rnd = random.Random(11)
    data = [make_events(BATCH, rnd, T0 + timedelta(hours=i)) for i in range(batches)]
    log = EventLog()
    app = ProbeApp(log, css=CSS)
    # From empty to twice `max_lines`: the first half grows the log, the second half prunes.
    full_after = DEFAULT_MAX_LINES // BATCH
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for index, batch in enumerate(data):
            sample = await measure(app, pilot, lambda batch=batch: log.append(batch))
            results.add(f"EventLog.append({BATCH}), following, all {batches}", sample)
            phase = "growing" if index < full_after else f"full at {DEFAULT_MAX_LINES:,}"
            results.add(f"EventLog.append({BATCH}), following, {phase}", sample)
        # The user scrolled up: no yank, the "↓ N new" badge and pruning shift the view.
        log.scroll_to(y=log.max_scroll_y // 2, animate=False)
        await settle(pilot)
        for batch in data[: batches // 4]:
            sample = await measure(app, pilot, lambda batch=batch: log.append(batch))
            results.add(f"EventLog.append({BATCH}), scrolled up, full", sample)
        # The p95 outliers above are CPython's full (gen 2) collections walking the whole
        # app heap, not widget work: with the startup heap frozen they disappear.
        gc.collect()
        gc.freeze()
        try:
            for batch in data[batches // 4 : batches // 2]:
                sample = await measure(app, pilot, lambda batch=batch: log.append(batch))
                results.add(f"EventLog.append({BATCH}), scrolled up, full, gc.freeze()", sample)
        finally:
            gc.unfreeze()
        lines = log.total_count
        for text in ["r", "ru", "run", "runn", "running", ""]:
            sample = await measure(app, pilot, lambda text=text: log.set_filter(text))
            results.add(f"EventLog.set_filter keystroke over {lines:,} lines", sample)


def bench_event_log_memory(report: Callable[[str], None]) -> None:
    rnd = random.Random(5)
    events = make_events(DEFAULT_MAX_LINES, rnd, T0)
    event_line_chars = 0

    async def main() -> None:
        nonlocal event_line_chars
        log = EventLog()
        app = ProbeApp(log, css=CSS)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            for start in range(0, len(events), BATCH):
                log.append(events[start : start + BATCH])
            await settle(pilot)  # a rendered screen: the strip cache is populated too
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            event_line_chars = sum(len(line) for line in log.lines)
            retained = after - before
            report(
                f"EventLog memory: {log.total_count:,} retained lines "
                f"(avg {event_line_chars / log.total_count:.0f} chars) + visible strip cache: "
                f"{retained / 2**20:.2f} MiB traced ({retained / log.total_count:.0f} B/line)"
            )

    asyncio.run(main())


# ---------------------------------------------------------------- heatmap


def make_stock(rnd: random.Random) -> dict[str, list[GpuStock]]:
    stock: dict[str, list[GpuStock]] = {}
    for region in REGIONS:
        items = []
        for gpu in GPUS:
            if rnd.random() < 0.7:
                total = rnd.randint(8, 400)
                items.append(GpuStock(region.code, gpu, rnd.randint(0, total), total))
        stock[region.code] = items
    return stock


def churn(stock: dict[str, list[GpuStock]], rnd: random.Random) -> dict[str, list[GpuStock]]:
    """Change the idle count of 20% of all grid cells (regions x models)."""
    cells = [(region, i) for region, items in stock.items() for i in range(len(items))]
    wanted = round(len(REGIONS) * len(GPUS) * CHURN)
    new = {region: list(items) for region, items in stock.items()}
    for region, index in rnd.sample(cells, min(wanted, len(cells))):
        old = new[region][index]
        idle = old.idle
        while idle == old.idle:
            idle = rnd.randint(0, old.total)
        new[region][index] = GpuStock(region, old.gpu_name, idle, old.total)
    return new


_LEVEL_STYLE = {
    "missing": Style(dim=True),
    "empty": Style(color="grey50", bgcolor="#3a1520"),
    "low": Style(color="red", bold=True),
    "medium": Style(color="yellow"),
    "high": Style(color="green"),
}


def static_text(stock: dict[str, list[GpuStock]]) -> Text:
    """The same grid as one Rich Text, as a `Static`-based heatmap would rebuild it."""
    cells = {(r, s.gpu_name): (s.idle, s.total) for r, items in stock.items() for s in items}
    totals: dict[str, int] = {}
    for (_, gpu), (_, total) in cells.items():
        totals[gpu] = totals.get(gpu, 0) + total
    gpus = sorted(totals, key=lambda gpu: (-totals[gpu], gpu))
    widths = [max(5, len(gpu)) for gpu in gpus]
    text = Text(no_wrap=True, overflow="crop")
    text.append(" stock 0s ago\n", "dim")
    text.append(" Region".ljust(33), "bold")
    for gpu, width in zip(gpus, widths, strict=True):
        text.append(f" {gpu.rjust(width)} ", "bold")
    for region in REGIONS:
        text.append(f"\n {region.code.ljust(12)}  ")
        text.append(region.name)
        text.append(" " * (20 - cell_len(region.name)))
        for gpu, width in zip(gpus, widths, strict=True):
            cell = cells.get((region.code, gpu))
            if cell is None:
                text.append(f" {'·'.center(width)} ", _LEVEL_STYLE["missing"])
            else:
                value = f"{cell[0]}/{cell[1]}"
                text.append(f" {value.rjust(width)} ", _LEVEL_STYLE[stock_level(*cell)])
    return text


async def bench_heatmap(results: Results, polls: int) -> None:
    rnd = random.Random(3)
    snapshots = [make_stock(rnd)]
    for _ in range(polls):
        snapshots.append(churn(snapshots[-1], rnd))

    heatmap = StockHeatmap(now=lambda: T0)  # a fixed clock: no age-label repaints
    app = ProbeApp(heatmap, css=CSS)
    async with app.run_test(size=SIZE) as pilot:
        heatmap.update_stock(snapshots[0], T0)
        heatmap.focus()
        await settle(pilot)
        for snapshot in snapshots[1:]:
            sample = await measure(
                app, pilot, lambda snapshot=snapshot: heatmap.update_stock(snapshot, T0)
            )
            results.add("StockHeatmap.update_stock, 11x20, 20% cells changed", sample)
        last = snapshots[-1]
        for _ in range(max(10, polls // 4)):
            sample = await measure(app, pilot, lambda: heatmap.update_stock(last, T0))
            results.add("StockHeatmap.update_stock, identical (returns False)", sample)
        for index in range(max(10, polls // 2)):
            key = ("right", "down", "left", "up")[index % 4]
            sample = await measure(app, pilot, lambda key=key: pilot.press(key))
            # pilot.press awaits its own idle wait, so its "apply" time means nothing.
            sample.apply = float("nan")
            results.add("StockHeatmap cursor key -> frame (incl. key dispatch)", sample)

    static = Static()
    app = ProbeApp(static, css=CSS)
    async with app.run_test(size=SIZE) as pilot:
        static.update(static_text(snapshots[0]))
        await settle(pilot)
        for snapshot in snapshots[1:]:
            sample = await measure(
                app, pilot, lambda snapshot=snapshot: static.update(static_text(snapshot))
            )
            results.add("comparator: Static.update(pre-built rich Text), same grid", sample)


def bench_idle(report: Callable[[str], None], seconds: float) -> None:
    """CPU while both widgets sit on screen with data and the age label ticks each second."""

    async def main() -> None:
        heatmap = StockHeatmap()  # the real clock: the label changes every second
        log = EventLog()
        app = ProbeApp(heatmap, log, css=CSS)
        async with app.run_test(size=SIZE) as pilot:
            heatmap.update_stock(make_stock(random.Random(1)), datetime.now(CST))
            log.append(make_events(DEFAULT_MAX_LINES, random.Random(2), T0))
            await settle(pilot)
            await asyncio.sleep(0.5)  # let start-up frames (scrollbars, resizes) finish
            frames = len(app.frames)
            cpu = process_time()
            await asyncio.sleep(seconds)
            cpu = process_time() - cpu
            report(
                f"Idle with data on screen for {seconds:.0f} s: {cpu * 1000:.1f} ms CPU "
                f"({cpu / seconds:.3%} of a core), {len(app.frames) - frames} frames "
                f"(age label: {heatmap.age_text!r})"
            )

    asyncio.run(main())


def run(report: Callable[[str], None], *, quick: bool = False) -> dict[str, list[Sample]]:
    """Run the benchmark (synchronously), pass each result line to `report`.

    Returns the samples by operation (for `bench_app`'s comparisons).
    """
    batches = 40 if quick else 200
    polls = 20 if quick else 200
    results = Results()
    started = perf_counter()

    async def main() -> None:
        await bench_event_log(results, batches)
        await bench_heatmap(results, polls)

    asyncio.run(main())
    report(
        f"Terminal {SIZE[0]}x{SIZE[1]}; event log batches of {BATCH}, max_lines "
        f"{DEFAULT_MAX_LINES:,}; heatmap {len(REGIONS)}x{len(GPUS)} with {CHURN:.0%} of cells "
        f"changed per poll; Python {sys.version.split()[0]}; "
        f"total {perf_counter() - started:.0f} s"
    )
    for line in format_table(results):
        report(line)
    bench_event_log_memory(report)
    bench_idle(report, 2.0 if quick else 10.0)
    return results.rows


if __name__ == "__main__":
    run(print, quick="--quick" in sys.argv[1:])
