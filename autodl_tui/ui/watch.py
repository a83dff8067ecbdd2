"""The fleet watch (no Textual): alert rules and host timelines fed by what the poller read.

The poller posts an `Observed` fact after every completed poll (only what it read in full);
`Fleet.apply` hands it here, and the engine fires each incident once through the sinks the
config asks for. Container timelines (creating -> running per host) come from the store's
containers and the selected deployment's events, and give the slow hosts (`H`) and the
containers pane's host marks. Stops, scales and deletes made in the app are told to the
engine (`expect`) so they are not reported as surprises.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

from autodl_tui.alerts.model import Severity
from autodl_tui.ui.messages import ContainersLoaded, EventsReceived, FleetContainersLoaded

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from autodl_tui.alerts.engine import AlertEngine
    from autodl_tui.alerts.model import Alert, AlertSettings, Snapshot
    from autodl_tui.timelines import SlowHost, TimelineBook
    from autodl_tui.ui.store import Change

Notify = Callable[[str, str, Severity], object]


def terminal_writer() -> Callable[[str], object] | None:
    """Write the bell and OSC 9/777 to the terminal the app draws on, or None without one.

    Textual has no public call for raw output but `bell()`, so the few bytes go to the
    same file descriptor in one `os.write` (a tty write is not split by the frames the
    app's writer thread sends). Every text inside them passed `display.clean` first.
    """
    stream = sys.__stdout__
    if stream is None or not stream.isatty():
        return None
    fd = stream.fileno()
    return lambda data: os.write(fd, data.encode("utf-8", "replace"))


#: Alert toasts shown in full per TOAST_WINDOW_S; past that, one summary says how many more.
TOAST_BURST = 3
TOAST_WINDOW_S = 60.0


class ToastThrottle:
    """A flood of alerts (a fleet-wide outage, a mass scale-down) shows a few toasts, then
    one summary per window, not hundreds: the alerts view (A) has every one.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._shown: list[float] = []
        self._held = 0
        self._summary_at = -TOAST_WINDOW_S

    def admit(self) -> bool:
        """Whether this alert gets its own toast (else it is counted for the summary)."""
        now = self._clock()
        self._shown = [t for t in self._shown if now - t < TOAST_WINDOW_S]
        if len(self._shown) < TOAST_BURST:
            self._shown.append(now)
            return True
        self._held += 1
        return False

    def summary(self) -> str:
        """The summary toast's text when one is due ("" otherwise): once per window."""
        now = self._clock()
        if not self._held or now - self._summary_at < TOAST_WINDOW_S / 6:
            return ""
        held, self._held, self._summary_at = self._held, 0, now
        return f"{held} more alert{'s' if held != 1 else ''}: A lists every one."


class FleetWatch:
    """One alert engine and one timeline book for the session."""

    def __init__(
        self,
        settings: AlertSettings,
        *,
        notify: Notify,
        report: Callable[[str], object],
        write: Callable[[str], object] | None = None,
    ) -> None:
        self._notify = notify
        #: The config's `[alerts]`: which rules run and where they are sent.
        self.settings = settings
        self._report = report
        self._write = write
        #: A flood of alerts shows a few toasts and a summary (the alerts view has them all).
        self.toasts = ToastThrottle(time.monotonic)
        #: Containers the user stopped here: their end is not a host's failure.
        self._excused: set[str] = set()
        #: The hosts flagged, None while the timelines changed since they were judged.
        self._flagged: list[SlowHost] | None = None
        #: The marks of `_flagged`, and those the panes were last told (see `judge`).
        self._marks: dict[str, str] = {}
        self._told: dict[str, str] = {}
        #: Whether the next containers list is fed whole (see `changed`).
        self._feed_all = True
        #: Containers read by a fleet-wide poll, waiting for the next deployments list.
        self._held: Snapshot | None = None

    # The engine, its rules and sinks, and the timelines load when the first poll's data
    # reaches them, which is after the first frame.
    @cached_property
    def engine(self) -> AlertEngine:
        """The alert rules and the sinks the config asks for; built on first use."""
        from autodl_tui.alerts.engine import AlertEngine
        from autodl_tui.alerts.sinks import sinks_for

        sinks = sinks_for(self.settings, notify=self._toast, write=self._write, report=self._report)
        return AlertEngine(self.settings, sinks, on_sink_error=self._report)

    @cached_property
    def book(self) -> TimelineBook:
        """Every container's timeline (creating -> running, per host); built on first use."""
        from autodl_tui.timelines import TimelineBook

        return TimelineBook()

    def _toast(self, title: str, text: str, severity: Severity) -> None:
        if self.toasts.admit():
            self._notify(title, text, severity)
        elif more := self.toasts.summary():
            self._notify("Alerts", more, "warning")

    def observe(self, snapshot: Snapshot) -> list[Alert]:
        """One poll's complete reads: the alerts that fired (already sent to the sinks).

        Containers read without the deployments list (the fleet-wide poll) wait for the
        next list, and are judged with it: a container seen stopping before the list says
        its deployment was stopped or scaled down would otherwise read as a surprise.
        """
        if snapshot.deployments is None:
            if not snapshot.containers:
                return self.engine.observe(snapshot)  # stock or packages: nothing to wait for
            held = self._held
            self._held = replace(
                snapshot,
                containers={**(held.containers if held else {}), **snapshot.containers},
            )
            return []
        held, self._held = self._held, None
        if held is not None:
            snapshot = replace(snapshot, containers={**held.containers, **snapshot.containers})
        return self.engine.observe(snapshot)

    def changed(self, change: Change) -> None:
        """A store change: containers and events feed the timelines."""
        fact = change.fact
        if isinstance(fact, EventsReceived):
            grew = self.book.add_events(fact.events)
            if grew:
                # A timeline an event began takes its host from the next containers list.
                self._feed_all = True
        elif isinstance(fact, ContainersLoaded | FleetContainersLoaded):
            # Only the containers the store's delta names: a fleet-wide poll with 5%
            # changed feeds 5%.
            delta = change.delta
            fed = fact.containers if self._feed_all or delta is None else delta.changed
            grew = self.book.add_containers(fed)
            self._feed_all = False
        else:
            return
        if grew:
            self._flagged = None  # recomputed when next asked (it walks the whole book)

    def expect(self, deployment_uuid: str, container_uuid: str = "", *, at: datetime) -> None:
        """The user stopped, scaled or deleted this: what follows is not an incident."""
        self.engine.expect(deployment_uuid, container_uuid, at=at)
        if container_uuid:
            self._excused.add(container_uuid)
            self._flagged = None

    @property
    def history(self) -> Sequence[Alert]:
        """Alerts fired this session, oldest first."""
        return tuple(self.engine.history)

    def slow_hosts(self) -> list[SlowHost]:
        """Hosts much slower than the fleet to reach running, or failing to (computed once
        per change of the timelines).
        """
        if self._flagged is None:
            from autodl_tui.timelines import flag_hosts, host_marks, host_stats

            self._flagged = flag_hosts(host_stats(self.book, excused=self._excused))
            self._marks = host_marks(self._flagged)
        return self._flagged

    def judge(self) -> bool:
        """Judge the hosts again if the timelines changed; whether the panes' marks changed.

        The screen calls this after the frame that shows a poll: judging walks every host
        with a changed container, which a cursor key pressed as the poll arrives should
        not wait for; when the marks changed the containers pane is drawn again.
        """
        self.slow_hosts()
        if self._marks == self._told:
            return False
        self._told = self._marks
        return True

    def host_marks(self) -> dict[str, str]:
        """machine_id -> "slow" / "failing" / "slow, failing", as last judged (`judge`)."""
        return self._told
