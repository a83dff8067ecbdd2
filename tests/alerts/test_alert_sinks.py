"""The sinks: a real command gets the alert as JSON on stdin; OSC text cannot escape."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from alert_data import at

from autodl_tui.alerts.model import Alert
from autodl_tui.alerts.sinks import (
    COMMAND_QUEUE,
    OSC_TEXT_MAX,
    CommandSink,
    NotifySink,
    TerminalSink,
    osc_notification,
)

HOSTILE = "web\x1b]52;c;cHduZWQ=\x07\x9c[red]x[/];\x1b[2J"


def alert(what: str = "Container abc of llm left running: now shutdown.") -> Alert:
    return Alert(
        key=("container_stopped", "dep1", "c1"),
        at=at(0),
        title="Container stopped running",
        what=what,
        todo="Look at its events.",
        severity="error",
        deployment_uuid="dep1",
        container_uuid="c1",
    )


def writer(out: Path) -> list[str]:
    """argv of a Python child copying its stdin into `out`."""
    code = "import sys, pathlib; pathlib.Path(sys.argv[1]).write_bytes(sys.stdin.buffer.read())"
    return [sys.executable, "-c", code, str(out)]


async def test_the_command_gets_the_alert_as_json_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "alert.json"
    problems: list[str] = []
    sink = CommandSink(writer(out), timeout=30, report=problems.append)
    sink(alert())
    await sink.drain()
    assert problems == []
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data == alert().as_json()
    assert data["title"] == "Container stopped running"


async def test_the_command_never_sees_the_token(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AUTODL_TOKEN", "secret-token-123")
    out = tmp_path / "env.txt"
    code = "import os, pathlib, sys; pathlib.Path(sys.argv[1]).write_text(repr(dict(os.environ)))"
    sink = CommandSink([sys.executable, "-c", code, str(out)], timeout=30)
    assert await sink.send(alert()) == ""
    assert "secret-token-123" not in out.read_text()


async def test_failures_are_reported_not_raised(tmp_path: Path) -> None:
    missing = CommandSink([str(tmp_path / "no-such-program")], timeout=5)
    assert "could not start" in await missing.send(alert())
    failing = CommandSink([sys.executable, "-c", "import sys; sys.exit(3)"], timeout=30)
    assert await failing.send(alert()) == f"alert command {sys.executable} exited with status 3"
    slow = CommandSink([sys.executable, "-c", "import time; time.sleep(60)"], timeout=1)
    assert "killed after 1 s" in await slow.send(alert())


async def test_a_burst_beyond_the_queue_is_dropped_and_reported() -> None:
    problems: list[str] = []
    sink = CommandSink(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], timeout=30, report=problems.append
    )
    for _ in range(COMMAND_QUEUE + 3):
        sink(alert())
    await sink.drain()
    assert problems == [f"alert command skipped: {COMMAND_QUEUE} alerts already waiting"] * 3


def test_without_an_event_loop_the_command_sink_reports() -> None:
    problems: list[str] = []
    CommandSink(["true"], report=problems.append)(alert())
    assert problems == ["alert command not run: no event loop"]


async def test_an_argv_item_is_never_a_shell_command_line(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        CommandSink([])
    pwned = tmp_path / "pwned"
    # One argv item with a space and a ";" is a program's name, never a command line.
    sink = CommandSink([f"echo hi; touch {pwned}"], timeout=5)
    assert "could not start" in await sink.send(alert())
    assert not pwned.exists()


@pytest.mark.parametrize("mode", ["osc9", "osc777"])
def test_osc_text_is_sanitised(mode: str) -> None:
    seq = osc_notification(mode, "Alert " + HOSTILE, HOSTILE)
    prefix = "\x1b]9;" if mode == "osc9" else "\x1b]777;notify;"
    assert seq.startswith(prefix) and seq.endswith("\x07")
    inner = seq[len(prefix) : -1]
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in inner)
    fields = inner.split(";")
    assert len(fields) == (1 if mode == "osc9" else 2)  # no field smuggled in
    assert "␛" in inner  # the escape is shown, not sent


def test_osc_text_is_bounded_and_never_starts_with_a_digit() -> None:
    seq = osc_notification("osc9", "4", "x" * 10_000)
    assert seq.startswith("\x1b]9;AutoDL 4: ")
    assert len(seq) < OSC_TEXT_MAX + 20
    assert osc_notification("off", "a", "b") == ""


def test_terminal_sink_writes_bell_and_notification_through_the_writer() -> None:
    written: list[str] = []
    TerminalSink(written.append, bell=True, desktop="osc777")(alert(HOSTILE))
    assert len(written) == 1 and written[0].startswith("\x07\x1b]777;notify;")
    assert "\x1b[2J" not in written[0] and "\x1b]52" not in written[0]
    quiet: list[str] = []
    TerminalSink(quiet.append, bell=False, desktop="off")(alert())
    assert quiet == []
    with pytest.raises(ValueError):
        TerminalSink(quiet.append, bell=False, desktop="osc52")


def test_notify_sink_passes_clean_text() -> None:
    seen: list[tuple[str, str, str]] = []
    NotifySink(lambda t, m, s: seen.append((t, m, s)))(alert(HOSTILE))
    title, message, severity = seen[0]
    assert severity == "error" and title == "Container stopped running"
    assert "\x1b" not in message and "\x07" not in message
    assert message.endswith("\nLook at its events.")
