"""Frame timing shared by the widget and app benchmarks.

`FrameRecorder` timestamps every frame the compositor hands to the terminal, after paying
the ANSI encoding that the headless driver skips. Frames Textual drops (those inside a
batch update, e.g. during start-up) are not counted: a user never sees them.

`measure` runs one operation and reports: "apply", the blocking call; "first", call start
to the first frame after it; "settled", call start to the last frame before the app is
idle again; CPU (`time.process_time`) over the call and its frames. Frame times include
Textual's 60 fps pacing (0-16 ms of waiting for the frame slot). An operation that changed
nothing on screen paints no frame: it is done when the call returns, so first = settled =
apply. We wait for idle with the helpers `Pilot.pause()` uses, without its trailing forced
repaint, and never use the wall time of a pause, which sleeps in 20 ms slices.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from time import perf_counter, process_time
from typing import Any

from rich.console import RenderableType
from textual._compositor import CompositorUpdate
from textual._wait import wait_for_idle
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget


class FrameRecorder:
    """Mixin for an `App`: `frames` holds the perf_counter time of every frame written.

    `watch(pattern)` also records when a frame first contains text matching `pattern`.
    """

    frames: list[float]
    _batch_count: int
    console: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.frames = []
        self.seen: dict[str, float] = {}
        self._watched: dict[str, re.Pattern[str]] = {}

    def watch(self, name: str, pattern: str) -> None:
        """Record in `seen[name]` the time of the first frame whose text matches `pattern`."""
        self._watched[name] = re.compile(pattern)

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        if isinstance(renderable, CompositorUpdate) and not self._batch_count:
            text = renderable.render_segments(self.console)
            stamp = perf_counter()
            self.frames.append(stamp)
            for name, pattern in list(self._watched.items()):
                if pattern.search(text):
                    self.seen[name] = stamp
                    del self._watched[name]
        super()._display(screen, renderable)  # type: ignore[misc]


class ProbeApp(FrameRecorder, App[None]):
    """A bare app holding the widgets under test."""

    def __init__(self, *widgets: Widget, css: str = "") -> None:
        self.CSS = css
        super().__init__()
        self.widgets = widgets

    def compose(self) -> ComposeResult:
        yield from self.widgets


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until the app has processed every message and painted what they changed."""
    await pilot._wait_for_screen()
    await wait_for_idle(0)


@dataclass
class Sample:
    """One timed operation, in seconds."""

    apply: float
    first: float
    settled: float
    cpu: float
    frames: int

    @property
    def painted(self) -> bool:
        """Whether the operation produced a frame at all."""
        return self.frames > 0


async def measure(app: FrameRecorder, pilot: Pilot[Any], op: Callable[[], object]) -> Sample:
    """Run `op` (sync or async) on a settled app; time it to its first and last frame."""
    await settle(pilot)
    start_frame = len(app.frames)
    cpu = process_time()
    start = perf_counter()
    result = op()
    if isinstance(result, Awaitable):
        await result
    applied = perf_counter() - start
    await settle(pilot)
    cpu = process_time() - cpu
    frames = [t for t in app.frames[start_frame:] if t >= start]
    if not frames:
        return Sample(applied, applied, applied, cpu, 0)
    return Sample(applied, frames[0] - start, frames[-1] - start, cpu, len(frames))


def p95(values: Iterable[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def median_p95(values: Iterable[float]) -> tuple[float, float]:
    """Median and p95 of the values (NaN ignored); (nan, nan) when there are none."""
    kept = [v for v in values if v == v]
    if not kept:
        return float("nan"), float("nan")
    return statistics.median(kept), p95(kept)


def ms(samples: Iterable[Sample], field: str = "settled") -> list[float]:
    """One field of each sample, in milliseconds."""
    return [getattr(sample, field) * 1000 for sample in samples]
