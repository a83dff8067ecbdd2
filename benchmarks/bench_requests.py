"""Requests per minute per view: what the real app asks of the service.

`autodl-tui sim --fleet large` (520 deployments, ~10.6k containers; its clock running at
real speed, so a few container lists change between sweeps, as on a live account) runs in a
child process; the app runs in a pty (`benchmarks.procs`) with its `--base-url` pointing at
a counting TCP proxy on loopback in this process. The proxy forwards bytes untouched and
counts the HTTP request lines the app sends, by path. Views measured, in one session:

- main screen, idle (no key pressed after start-up; the user counts as present);
- main screen, terminal focus lost (the app is told so with the focus-out report `CSI O`);
- fleet-wide view (`2`, `a`) once its first load is over.

Each figure is the count over a window, scaled to a minute, with its target and verdict.
Run alone: `.venv/bin/python -m benchmarks.bench_requests [--quick]`.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

from benchmarks.bench_app import (
    BENCH_TOKEN,
    FLEET_DATA,
    SIZE,
    Figure,
    Figures,
    app_args,
    load_average,
)
from benchmarks.procs import PtyApp, SimServer

_REQUEST_LINE = re.compile(rb"(GET|POST|PUT|DELETE) (/[^ ?]*)[^ ]* HTTP/1\.[01]\r\n")
_TAIL = 256  # bytes kept between reads: a request line split over two reads is still seen

#: The main screen, watched: one deployments request, the selected deployment's containers
#: and its events every 2 s (90 a minute) and stock every 30 s (22): about 112. Before this
#: bench existed the app sent 254.
MAIN_TARGET = 120.0
#: With the terminal's focus lost every poll waits 5 times longer: about 23 a minute.
AWAY_TARGET = 30.0
#: The fleet-wide view must stay within the default request budget (300 a minute); it sent
#: 3,177 a minute before.
FLEET_TARGET = 300.0


class CountingProxy:
    """A loopback TCP proxy to `target` that counts request lines by path; a context manager."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: asyncio.Server | None = None
        self.url = ""

    def total(self) -> int:
        """Requests counted so far."""
        with self._lock:
            return sum(self.counts.values())

    def snapshot(self) -> Counter[str]:
        """A copy of the counts by path."""
        with self._lock:
            return Counter(self.counts)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0)
        )
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self._host, self._port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pipe(reader, up_writer, count=True),
            self._pipe(up_reader, writer, count=False),
            return_exceptions=True,
        )

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, count: bool
    ) -> None:
        tail = b""
        try:
            while data := await reader.read(65536):
                if count:
                    text = tail + data
                    found = list(_REQUEST_LINE.finditer(text))
                    # Keep only bytes after the last match, so no line is counted twice.
                    tail = text[found[-1].end() if found else 0 :][-_TAIL:]
                    if found:
                        with self._lock:
                            self.counts.update(m.group(2).decode() for m in found)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    def __enter__(self) -> CountingProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the counting proxy did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        def stop() -> None:
            if self._server is not None:
                self._server.close()
            self._loop.stop()

        self._loop.call_soon_threadsafe(stop)
        self._thread.join(10)


def per_minute(proxy: CountingProxy, seconds: float) -> tuple[float, Counter[str]]:
    """Requests a minute over the next `seconds`, and the window's counts by path."""
    before = proxy.snapshot()
    time.sleep(seconds)
    after = proxy.snapshot()
    after.subtract(before)
    window = +after
    return sum(window.values()) * 60.0 / seconds, window


def _short(counts: Counter[str], seconds: float) -> str:
    """Requests a minute by endpoint, e.g. `deployment/list 30, container/list 30`."""
    api = "/api/v1/dev/"
    parts = [f"{path.removeprefix(api)} {n * 60 / seconds:.0f}" for path, n in counts.items()]
    return ", ".join(sorted(parts)) or "none"


def run(report: Callable[[str], None], *, quick: bool = False) -> Figures:
    """Measure each view's requests a minute; report the notes and the table."""
    window = 30.0 if quick else 60.0
    figures = Figures()
    # The simulator at real speed: a live account, where a few lists change every minute.
    with (
        SimServer("large", speed=1.0) as sim,
        CountingProxy(sim.base_url) as proxy,
        PtyApp(app_args(proxy.url), size=SIZE, token=BENCH_TOKEN) as app,
    ):
        app.wait_for(FLEET_DATA, timeout=60)
        time.sleep(5.0)  # the first answers (event backfill, stock) are start-up
        main, counts = per_minute(proxy, window)
        figures.add(Figure("requests a minute, main screen idle", [main], "count", MAIN_TARGET))
        figures.notes.append(f"main screen, by path: {_short(counts, window)}")
        app.press("\x1b[O")  # the terminal reports that it lost focus
        time.sleep(3.0)
        away, counts = per_minute(proxy, window)
        figures.add(Figure("requests a minute, terminal focus lost", [away], "count", AWAY_TARGET))
        app.press("\x1b[I")  # focus back: the app catches up at once
        time.sleep(1.0)
        app.press("2")
        time.sleep(1.0)  # focus moves asynchronously: a key typed at once goes elsewhere
        mark = app.chunk_count
        loaded_from = proxy.total()
        app.press("a")
        app.wait_for("all deployments", after=mark, timeout=120)
        app.quiet_for(2.0, timeout=120)
        first_load = proxy.total() - loaded_from
        time.sleep(10.0)  # past the first load's last answers
        fleet, counts = per_minute(proxy, window)
        figures.add(
            Figure("requests a minute, fleet-wide view open", [fleet], "count", FLEET_TARGET)
        )
        figures.notes.append(f"fleet-wide view, by path: {_short(counts, window)}")
        figures.notes.append(f"fleet-wide view's first load: {first_load} requests")
    figures.notes.append(f"load average {load_average()}")
    for line in [*figures.notes, "", *figures.table()]:
        report(line)
    return figures


if __name__ == "__main__":
    import sys

    run(print, quick="--quick" in sys.argv[1:])
