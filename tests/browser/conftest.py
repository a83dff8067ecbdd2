"""A real `autodl-tui serve` on loopback and a headless Chromium (playwright) that opens it.

The page draws the terminal on a canvas (xterm.js), so the test reads the screen the way the
page does: every WebSocket frame the page receives is fed to a terminal emulator (pyte) of the
size the page announced. Keys go in through the real browser keyboard.

Chromium is Debian's (`/usr/lib/chromium/chromium`; `playwright install` cannot download on
CI). Without playwright or chromium the tests skip, except under CI, where `make browser-test`
installed both and a missing one is a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyte
import pytest
from sim_process import free_port
from terminal import FIRST_PAINT_S, STEP_S, isolated_env

CHROMIUM = Path(os.environ.get("AUTODL_TEST_CHROMIUM", "/usr/lib/chromium/chromium"))
#: The server prints its URL once it is listening (a cold Python + aiohttp start).
SERVER_START_S = 60.0
_URL = re.compile(r"open (http://\S+)")


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} (make browser-test installs it)")
    pytest.skip(what)


try:
    from playwright.sync_api import Browser, Page, WebSocket, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None


class Served:
    """A running `autodl-tui serve` child: its printed URL and everything it wrote."""

    def __init__(self, home: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        cmd = [sys.executable, "-m", "autodl_tui", "serve", "--port", str(self.port), *args]
        self.proc = subprocess.Popen(
            cmd,
            env=isolated_env(home, env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output: list[str] = []
        self.url = self._read_url()
        self.origin = f"http://127.0.0.1:{self.port}"

    def _read_url(self) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + SERVER_START_S
        os.set_blocking(self.proc.stdout.fileno(), False)
        while time.monotonic() < deadline and self.proc.poll() is None:
            line = self.proc.stdout.readline()
            if not line:
                time.sleep(0.05)
                continue
            self.output.append(line)
            found = _URL.search(line)
            if found:
                self._wait_listening(deadline)
                return found.group(1)
        # It may have exited before the loop read what it wrote (a refused flag is quick).
        raise AssertionError(f"serve printed no URL: {self.rest_of_output()!r}")

    def _wait_listening(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.05)
        raise AssertionError("serve printed its URL but does not listen")

    def rest_of_output(self) -> str:
        """Everything the server wrote so far (read without blocking)."""
        assert self.proc.stdout is not None
        with contextlib.suppress(TypeError, OSError):
            self.output.append(self.proc.stdout.read() or "")
        return "".join(self.output)

    def children(self) -> list[int]:
        """The app processes the server started (one per browser session)."""
        pid = self.proc.pid
        path = Path(f"/proc/{pid}/task/{pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def close(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after a bounded wait)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


class BrowserScreen:
    """The app's screen as the page received it, plus the page itself to drive."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)
        self.frames: list[bytes] = []
        self.sockets: list[str] = []
        page.on("websocket", self._on_socket)

    def _on_socket(self, ws: WebSocket) -> None:
        self.sockets.append(ws.url)
        query = parse_qs(urlsplit(ws.url).query)
        with contextlib.suppress(KeyError, ValueError, IndexError):
            self.screen.resize(int(query["height"][0]), int(query["width"][0]))
        ws.on("framereceived", self._received)
        ws.on("framesent", self._sent)

    def _received(self, payload: str | bytes) -> None:
        data = payload if isinstance(payload, bytes) else payload.encode()
        self.frames.append(data)
        if isinstance(payload, bytes):
            self.stream.feed(payload)

    def _sent(self, payload: str | bytes) -> None:
        with contextlib.suppress(ValueError, TypeError, KeyError, IndexError):
            kind, data = json.loads(payload)
            if kind == "resize":
                self.screen.resize(int(data["height"]), int(data["width"]))

    def text(self) -> str:
        """The screen as lines of text."""
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = STEP_S) -> None:
        """Let the page run until `condition` holds, else fail showing the screen."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not seen in {timeout:.0f}s; screen:\n{self.text()}")
            self.page.wait_for_timeout(100)

    def wait_for(self, text: str, timeout: float = STEP_S) -> None:
        """Wait until `text` is on the screen."""
        self.wait(lambda: text in self.text(), repr(text), timeout)

    def wait_gone(self, text: str, timeout: float = STEP_S) -> None:
        """Wait until `text` is no longer on the screen."""
        self.wait(lambda: text not in self.text(), f"{text!r} gone", timeout)

    def press(self, *keys: str) -> None:
        """Press keys on the real browser keyboard (playwright key names)."""
        for key in keys:
            self.page.keyboard.press(key)
            self.page.wait_for_timeout(50)

    def clipboard(self) -> str:
        """What the browser's clipboard holds (navigator.clipboard)."""
        return str(self.page.evaluate("navigator.clipboard.readText()"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Debian Chromium for the session."""
    if sync_playwright is None:
        _missing("playwright is not installed")
    if not CHROMIUM.exists():
        _missing(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """`serve(*args)` starts `autodl-tui serve --port FREE *args`; all stop at teardown."""
    started: list[Served] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Served:
        home = tmp_path / f"home{len(started)}"
        home.mkdir()
        server = Served(home, *args, env=env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[[str], BrowserScreen]]:
    """`open_page(url)`: a fresh browser context (own cookies, clipboard allowed) on `url`."""
    contexts: list[Any] = []

    def open_url(url: str) -> BrowserScreen:
        origin = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
        # The page asks Google for a web font: no network on CI, and none needed.
        context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/]).*"), lambda r: r.abort())
        contexts.append(context)
        page = context.new_page()
        shown = BrowserScreen(page)
        page.goto(url, timeout=FIRST_PAINT_S * 1000)
        return shown

    yield open_url
    for context in contexts:
        context.close()
