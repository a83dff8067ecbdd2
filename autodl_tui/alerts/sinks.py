"""Where a fired alert goes: a notification, the terminal (bell, desktop notice), a command.

Every sink is a callable taking an `Alert`; none raises for a failure of its own (the
command sink reports through `report`). Terminal bytes are built here and handed to a
`write` callable the app gives (its driver): the one place the app emits control bytes on
purpose. The text inside an OSC sequence passes `display.clean` first, so no name from the
server can end the sequence early or inject one of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING

from autodl_tui.alerts.model import DESKTOP_MODES
from autodl_tui.display import clean

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from autodl_tui.alerts.model import Alert, AlertSettings, Severity

__all__ = [
    "COMMAND_IN_FLIGHT",
    "COMMAND_QUEUE",
    "OSC_TEXT_MAX",
    "CommandSink",
    "NotifySink",
    "TerminalSink",
    "osc_notification",
    "sinks_for",
]

#: Characters of title and of body an OSC notification carries: desktop notices show a line
#: or two, and some terminals drop an over-long sequence whole.
OSC_TEXT_MAX = 200
#: Commands running at once: a burst of alerts (a host dying takes ten containers with it)
#: must not fork ten processes at a time.
COMMAND_IN_FLIGHT = 2
#: Alerts waiting for a command slot beyond this are dropped (and reported).
COMMAND_QUEUE = 32
_BEL = "\x07"
_OSC = "\x1b]"


def _osc_field(value: str) -> str:
    # clean() shows every control (ESC, BEL, C1 ST) as a visible stand-in; ";" separates
    # OSC 777's fields, so it cannot appear inside one.
    return clean(value, max_chars=OSC_TEXT_MAX).replace(";", ",")


def osc_notification(mode: str, title: str, body: str) -> str:
    """The escape sequence asking the terminal for a desktop notification ("" when off)."""
    if mode == "osc9":
        # OSC 9 has one field; "9;4;…" is a progress report to some terminals, so the text
        # never starts with a digit.
        message = _osc_field(f"{title}: {body}")
        if message[:1].isdigit():
            message = "AutoDL " + message
        return f"{_OSC}9;{message}{_BEL}"
    if mode == "osc777":
        return f"{_OSC}777;notify;{_osc_field(title)};{_osc_field(body)}{_BEL}"
    return ""


class NotifySink:
    """Hands each alert to a notify callback (the app's toast): title, message, severity."""

    def __init__(self, notify: Callable[[str, str, Severity], object]) -> None:
        self._notify = notify

    def __call__(self, alert: Alert) -> None:
        """Notify: what happened, then what to do."""
        self._notify(
            clean(alert.title), clean(f"{alert.what}\n{alert.todo}", newlines=True), alert.severity
        )


class TerminalSink:
    """The terminal bell and/or a desktop notification (OSC 9 / OSC 777), through `write`."""

    def __init__(self, write: Callable[[str], object], *, bell: bool, desktop: str) -> None:
        if desktop not in DESKTOP_MODES:
            raise ValueError(f"desktop must be one of {', '.join(DESKTOP_MODES)}")
        self._write = write
        self.bell = bell
        self.desktop = desktop

    def bytes_for(self, alert: Alert) -> str:
        """What one alert writes to the terminal ("" when bell and desktop are off)."""
        out = _BEL if self.bell else ""
        return out + osc_notification(self.desktop, alert.title, alert.what)

    def __call__(self, alert: Alert) -> None:
        """Write the bell and the notification, if any."""
        data = self.bytes_for(alert)
        if data:
            self._write(data)


class CommandSink:
    """Runs a configured command per alert with the alert as JSON on stdin.

    The command is an argv list (never a shell string), runs with the app's environment
    minus the token, its output discarded, killed after `timeout` seconds. Whatever goes
    wrong (not found, non-zero exit, timeout, too many queued) is passed to `report` as one
    line; nothing is raised into the app.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        timeout: float = 10.0,
        report: Callable[[str], object] = lambda _text: None,
    ) -> None:
        if not argv or not argv[0]:
            raise ValueError("the command needs a program")
        self.argv = tuple(argv)
        self.timeout = timeout
        self._report = report
        self._slots: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Task[str]] = set()

    def __call__(self, alert: Alert) -> None:
        """Start the command for `alert` in the background (needs a running event loop)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._report("alert command not run: no event loop")
            return
        if len(self._tasks) >= COMMAND_QUEUE:
            self._report(f"alert command skipped: {COMMAND_QUEUE} alerts already waiting")
            return
        task = loop.create_task(self._run_reporting(alert))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_reporting(self, alert: Alert) -> str:
        problem = await self.send(alert)
        if problem:
            self._report(problem)
        return problem

    async def send(self, alert: Alert) -> str:
        """Run the command once for `alert`; "" on success, else what went wrong."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(COMMAND_IN_FLIGHT)
        # Here, not at the top: the shell package (askpass, ssh) is not needed to paint.
        from autodl_tui.shell.session import child_env

        payload = json.dumps(alert.as_json(), ensure_ascii=False).encode("utf-8") + b"\n"
        program = clean(self.argv[0], max_chars=80)
        async with self._slots:
            try:
                proc = await asyncio.create_subprocess_exec(
                    *self.argv,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                    env=child_env({}),
                    start_new_session=True,  # a terminal's ctrl+c reaches the app, not it
                )
            except OSError as exc:
                return f"alert command {program} could not start: {exc.strerror or exc}"
            try:
                await asyncio.wait_for(proc.communicate(payload), self.timeout)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
                return f"alert command {program} killed after {self.timeout:g} s"
            except (BrokenPipeError, ConnectionResetError):
                await proc.wait()  # it exited without reading: its status says how
            if proc.returncode:
                return f"alert command {program} exited with status {proc.returncode}"
            return ""

    async def drain(self) -> None:
        """Wait for every command started so far (tests; shutting down)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def sinks_for(
    settings: AlertSettings,
    *,
    notify: Callable[[str, str, Severity], object],
    write: Callable[[str], object] | None,
    report: Callable[[str], object],
) -> list[Callable[[Alert], object]]:
    """The sinks `settings` asks for: notification, terminal (given a `write`), command."""
    sinks: list[Callable[[Alert], object]] = []
    if settings.notify:
        sinks.append(NotifySink(notify))
    if write is not None and (settings.bell or settings.desktop != "off"):
        sinks.append(TerminalSink(write, bell=settings.bell, desktop=settings.desktop))
    if settings.command:
        sinks.append(CommandSink(settings.command, timeout=settings.command_timeout, report=report))
    return sinks
