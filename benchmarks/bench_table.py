"""VirtualTable vs Textual's DataTable on 10,000 rows x 10 columns, headless, in one run.

`run(report)` is synchronous: it starts its own event loop with `asyncio.run`, so call it
from plain code (not from inside a running loop). Each line of the result table is passed
to `report`. Run it with `.venv/bin/python -m benchmarks.bench_table [--quick]`.

How time is measured: see `benchmarks.frames` (frame timestamps, "settled" = operation
start -> the last frame before the app is idle again, 60 fps pacing included).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable

from autodl_tui.ui.widgets import Column, Row, VirtualTable
from benchmarks.frames import ProbeApp, measure, p95, settle

N_ROWS = 10_000
SIZE = (200, 50)
CHURN = 0.05
LABELS = ["ID", "Deployment", "Status", "Region", "GPU", "GPUs", "Util %", "Mem", "Uptime", "Price"]
KEYS = ["id", "dep", "status", "region", "gpu", "gpus", "util", "mem", "uptime", "price"]
NUMERIC = {"gpus", "util", "mem", "uptime", "price"}
STATUSES = ["running", "running", "running", "starting", "stopping", "stopped", "failed"]
REGIONS = ["west-A", "west-B", "north-A", "north-B", "south-C", "east-D", "chongqing-A"]
GPUS = ["RTX 4090", "RTX 3090", "A100-80G", "A800", "H800", "L40S", "V100-32G"]


# ---------------------------------------------------------------- data


def make_record(i: int, rnd: random.Random) -> list[Any]:
    return [
        f"ctr-{i:06d}-{rnd.getrandbits(24):06x}",
        f"dep-{i % 400:04d}-{(i * 7919) % 10_000:04d}",
        rnd.choice(STATUSES),
        rnd.choice(REGIONS),
        rnd.choice(GPUS),
        rnd.randint(1, 8),
        round(rnd.random() * 100, 1),
        rnd.randint(1, 80),
        rnd.randint(0, 90_000),
        round(rnd.random() * 12, 3),
    ]


def mutate(record: list[Any], rnd: random.Random) -> list[Any]:
    """A poll's change to one container: new utilisation, memory and sometimes status."""
    new = list(record)
    new[6] = round(rnd.random() * 100, 1)
    new[7] = rnd.randint(1, 80)
    new[8] = record[8] + 2
    if rnd.random() < 0.2:
        new[2] = rnd.choice(STATUSES)
    return new


def cells(record: list[Any]) -> tuple[str, ...]:
    uptime = record[8]
    return (
        record[0],
        record[1],
        record[2],
        record[3],
        record[4],
        str(record[5]),
        f"{record[6]:.1f}",
        f"{record[7]}G",
        f"{uptime // 3600}h{uptime % 3600 // 60:02d}m",
        f"¥{record[9]:.3f}",
    )


def to_row(record: list[Any]) -> Row:
    values = tuple(value if KEYS[i] in NUMERIC else None for i, value in enumerate(record))
    return Row(record[0], cells(record), sort_values=values)


@dataclass
class Snapshot:
    """One poll's data, pre-converted for both widgets (conversion is the app's cost)."""

    rows: list[Row]
    cells: list[tuple[str, ...]]

    @classmethod
    def of(cls, records: list[list[Any]]) -> Snapshot:
        return cls([to_row(record) for record in records], [cells(record) for record in records])


@dataclass
class Data:
    initial: Snapshot
    polls: list[Snapshot] = field(default_factory=list)

    @classmethod
    def build(cls, rounds: int, seed: int = 7) -> Data:
        rnd = random.Random(seed)
        current = [make_record(i, rnd) for i in range(N_ROWS)]
        data = cls(Snapshot.of(current))
        for _ in range(rounds):
            current = list(current)
            for index in rnd.sample(range(N_ROWS), int(N_ROWS * CHURN)):
                current[index] = mutate(current[index], rnd)
            data.polls.append(Snapshot.of(current))
        return data


# ---------------------------------------------------------------- harness

CSS = "VirtualTable, DataTable { height: 1fr; }"


class Driver:
    """Operations on one table kind, so both widgets run the same script."""

    name = ""
    table: Widget

    def widget(self) -> Widget:
        raise NotImplementedError

    def setup(self) -> None:
        """Prepare the mounted, empty widget (not timed)."""

    def load(self, snapshot: Snapshot) -> None:
        raise NotImplementedError

    def poll(self, snapshot: Snapshot) -> None:
        raise NotImplementedError

    def filter(self, text: str) -> None:
        raise NotImplementedError


class VirtualDriver(Driver):
    name = "VirtualTable"

    def widget(self) -> Widget:
        columns = [
            Column(key, label, align="right" if key in NUMERIC else "left")
            for key, label in zip(KEYS, LABELS, strict=True)
        ]
        self.table = VirtualTable(columns)
        return self.table

    def load(self, snapshot: Snapshot) -> None:
        self.table.set_rows(snapshot.rows)

    def poll(self, snapshot: Snapshot) -> None:
        # The whole snapshot goes in; the table diffs it by key.
        self.table.set_rows(snapshot.rows)

    def filter(self, text: str) -> None:
        self.table.set_filter(text)


class DataTableDriver(Driver):
    name = "DataTable"

    def widget(self) -> Widget:
        self.table: DataTable[str] = DataTable(cursor_type="row")
        self.shadow: dict[str, tuple[str, ...]] = {}
        self.all_rows: list[tuple[str, ...]] = []
        return self.table

    def setup(self) -> None:
        # add_column measures the label with the app's console, so it needs a running app.
        for key, label in zip(KEYS, LABELS, strict=True):
            self.table.add_column(label, key=key)

    def load(self, snapshot: Snapshot) -> None:
        add_row = self.table.add_row
        for row in snapshot.cells:
            add_row(*row, key=row[0])
            self.shadow[row[0]] = row
        self.all_rows = list(self.shadow.values())

    def poll(self, snapshot: Snapshot) -> None:
        # The best DataTable strategy measured in perf-baseline B3: diff, update_cell.
        table = self.table
        shadow = self.shadow
        with table.app.batch_update():
            for row in snapshot.cells:
                old = shadow[row[0]]
                if old != row:
                    for index, (before, after) in enumerate(zip(old, row, strict=True)):
                        if before != after:
                            table.update_cell(row[0], KEYS[index], after)
                    shadow[row[0]] = row
        self.all_rows = list(shadow.values())

    def filter(self, text: str) -> None:
        # DataTable has no filter: rebuild with the matching rows.
        needle = text.casefold()
        table = self.table
        with table.app.batch_update():
            table.clear()
            for row in self.all_rows:
                if not needle or any(needle in cell.casefold() for cell in row):
                    table.add_row(*row, key=row[0])


@dataclass
class Results:
    samples: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, widget: str, metric: str, value: float) -> None:
        self.samples.setdefault(metric, {}).setdefault(widget, []).append(value * 1000)


async def bench_widget(
    driver_type: type[Driver], data: Data, results: Results, load_rounds: int, key_rounds: int
) -> None:
    name = driver_type.name
    for round_ in range(load_rounds):
        driver = driver_type()
        app = ProbeApp(driver.widget(), css=CSS)
        async with app.run_test(size=SIZE) as pilot:
            driver.setup()
            sample = await measure(app, pilot, lambda driver=driver: driver.load(data.initial))
            results.add(name, "load 10k rows -> first frame", sample.first)
            results.add(name, "load 10k rows -> settled frame", sample.settled)
            if round_ == load_rounds - 1:
                await run_interactive(driver, app, pilot, data, results, key_rounds)


async def run_interactive(
    driver: Driver,
    app: ProbeApp,
    pilot: Pilot[None],
    data: Data,
    results: Results,
    key_rounds: int,
) -> None:
    name = driver.name
    table = driver.table
    table.focus()
    # Put the cursor mid-table, as a user watching a live fleet would.
    if isinstance(table, VirtualTable):
        table.move_cursor(N_ROWS // 2)
    elif isinstance(table, DataTable):
        table.move_cursor(row=N_ROWS // 2, animate=False)
    await settle(pilot)

    unpainted = 0
    for snapshot in data.polls:
        sample = await measure(app, pilot, lambda snapshot=snapshot: driver.poll(snapshot))
        results.add(name, "poll, 5% rows changed: apply (blocking)", sample.apply)
        results.add(name, "poll, 5% rows changed -> settled frame", sample.settled)
        unpainted += not sample.painted
    results.notes.append(
        f"{name}: {unpainted} of {len(data.polls)} polls painted no frame "
        "(no changed row on screen); their 'settled' time is the apply time."
    )

    for _ in range(key_rounds):
        sample = await measure(app, pilot, lambda: pilot.press("down"))
        results.add(name, "cursor down key -> settled frame", sample.settled)
    for index in range(key_rounds):
        key = "pagedown" if index % 4 != 3 else "pageup"
        sample = await measure(app, pilot, lambda key=key: pilot.press(key))
        results.add(name, "page down/up key -> settled frame", sample.settled)

    if isinstance(table, VirtualTable):
        typed = ["ctr-0012", "running", "a100"]
        keystrokes = [word[: i + 1] for word in typed for i in range(len(word))]
        keystrokes += ["a10", "a1", "a", ""]
        for text in keystrokes:
            sample = await measure(app, pilot, lambda text=text: driver.filter(text))
            results.add(name, "filter keystroke -> settled frame", sample.settled)
    else:
        for text in ["ctr-0012", "running", ""]:
            sample = await measure(app, pilot, lambda text=text: driver.filter(text))
            results.add(name, "filter (DataTable: rebuild) -> settled frame", sample.settled)


def format_table(results: Results) -> list[str]:
    lines = [
        "| metric (ms) | n | VirtualTable median | p95 | DataTable median | p95 | ratio DT/VT |",
        "|---|---|---|---|---|---|---|",
    ]
    filter_dt = results.samples.get("filter (DataTable: rebuild) -> settled frame", {})
    for metric, by_widget in results.samples.items():
        if metric.startswith("filter (DataTable"):
            continue
        vt = by_widget.get("VirtualTable", [])
        dt = by_widget.get("DataTable", [])
        if metric.startswith("filter keystroke"):
            dt = filter_dt.get("DataTable", [])
            metric = "filter keystroke (DT: clear + re-add matches) -> settled"
        counts = "/".join(str(len(v)) for v in (vt, dt) if v)
        cols = []
        for values in (vt, dt):
            if values:
                cols += [f"{statistics.median(values):.1f}", f"{p95(values):.1f}"]
            else:
                cols += ["-", "-"]
        ratio = (
            f"x{statistics.median(dt) / statistics.median(vt):.1f}"
            if vt and dt and statistics.median(vt) > 0
            else "-"
        )
        lines.append(f"| {metric} | {counts} | {' | '.join(cols)} | {ratio} |")
    return lines


def run(report: Callable[[str], None], *, quick: bool = False) -> dict[str, dict[str, list[float]]]:
    """Run the benchmark (synchronously), pass each result line to `report`.

    Returns the samples in ms by metric, then widget (for `bench_app`'s comparisons).
    """
    poll_rounds = 5 if quick else 30
    key_rounds = 5 if quick else 30
    load_rounds_vt = 2 if quick else 5
    load_rounds_dt = 1 if quick else 2
    data = Data.build(poll_rounds)
    results = Results()
    started = perf_counter()

    async def main() -> None:
        await bench_widget(VirtualDriver, data, results, load_rounds_vt, key_rounds)
        await bench_widget(DataTableDriver, data, results, load_rounds_dt, key_rounds)

    asyncio.run(main())
    report(
        f"Tables: {N_ROWS:,} rows x {len(KEYS)} columns, terminal {SIZE[0]}x{SIZE[1]}, "
        f"{poll_rounds} polls of {CHURN:.0%} churn, {key_rounds} key presses each; "
        f"Python {sys.version.split()[0]}; total {perf_counter() - started:.0f} s"
    )
    for line in format_table(results):
        report(line)
    for note in results.notes:
        report(note)
    return results.samples


if __name__ == "__main__":
    run(print, quick="--quick" in sys.argv[1:])
