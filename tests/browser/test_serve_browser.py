"""`autodl-tui serve` in a real headless Chromium: the app, its keys, copy, and the guard.

Every server binds 127.0.0.1 on a free port; every wait is bounded (the failure shows the
screen the page received).
"""

from __future__ import annotations

import os
import re
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sim_process import running_sim
from terminal import FIRST_PAINT_S

SSH = re.compile(r"ssh -p \d+ root@\S+")
TEST_TOKEN = "browser-test-token.eyJzdWIiOiJ0ZXN0In0.c2VjcmV0LW5vdC1yZWFs"


def _descendants(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    if not path.exists():
        return []
    kids = [int(p) for p in path.read_text().split()]
    return kids + [g for k in kids for g in _descendants(k)]


def _focus_terminal(shown) -> None:
    # The terminal is the page's only input; a click at its top-left corner lands on the
    # header, which has no click action.
    shown.page.locator("#terminal").click(position={"x": 5, "y": 5})


def _first_paint(shown) -> None:
    shown.wait_for("llm-serve", FIRST_PAINT_S)
    _focus_terminal(shown)


def test_the_demo_runs_in_the_browser_read_only_keys_dialogs_and_copy(
    serve, open_page, tmp_path
) -> None:
    server = serve("--demo")
    shown = open_page(server.url)
    _first_paint(shown)
    # The secret left the address bar (kept in a cookie) and the app is read-only.
    assert "key=" not in shown.page.url
    assert "READ-ONLY" in shown.text()
    assert "2 Containers: h800-pretrain" in shown.text()

    png = tmp_path / "browser.png"
    shown.page.screenshot(path=str(png))
    assert png.read_bytes().startswith(b"\x89PNG")
    if target := os.environ.get("AUTODL_BROWSER_PNG"):
        shutil.copyfile(png, target)

    # Keys move: the selection goes down the deployments, the containers pane follows.
    shown.press("ArrowDown")
    shown.wait_for("Containers: eval-once")
    shown.press("ArrowDown", "ArrowDown")
    shown.wait_for("Containers: l20-infer")

    # A dialog: help opens with `?` and closes with Escape.
    # The help screen's own last line tells it apart from the main screen behind it
    # (whose footer says "? Help" too); Escape is followed by the next key only once
    # help has gone, or the terminal would read Escape + "2" as alt+2.
    help_hint = "Esc/?/q close"
    shown.press("?")
    shown.wait_for(help_hint)
    shown.press("Escape")
    shown.wait_gone(help_hint)
    shown.wait_for("Containers: l20-infer")

    # `c` on a running container copies its SSH command into the browser's clipboard.
    shown.press("2")
    shown.wait(lambda: "Copy SSH" in shown.text().splitlines()[-1], "the containers pane")
    shown.page.evaluate("navigator.clipboard.writeText('')")
    shown.press("c")
    shown.wait(lambda: bool(SSH.fullmatch(shown.clipboard())), "an SSH command in the clipboard")

    # Read-only: `n` (new deployment) is refused; the create form never opens.
    shown.press("1")
    shown.wait(lambda: "Filter" in shown.text().splitlines()[-1], "the deployments pane")
    assert " n New" not in shown.text().splitlines()[-1]
    shown.press("n")
    shown.page.wait_for_timeout(1500)
    assert "New deployment" not in shown.text()


def test_allow_write_lets_the_browser_open_the_create_form(serve, open_page) -> None:
    server = serve("--demo", "--allow-write")
    shown = open_page(server.url)
    _first_paint(shown)
    assert "READ-ONLY" not in shown.text()
    shown.press("n")
    shown.wait_for("New deployment")


@pytest.mark.parametrize("query", ["", "?key=wrong-secret"])
def test_no_app_starts_without_the_access_secret(serve, open_page, query) -> None:
    server = serve("--demo")
    bare = server.url.split("?", 1)[0]
    shown = open_page(bare + query)
    shown.page.wait_for_timeout(1500)
    assert "access secret is missing or wrong" in shown.page.content()
    assert shown.sockets == []
    # The WebSocket that starts an app is refused too, asked for directly.
    assert _upgrade(server.origin + "/ws") == 403
    assert server.children() == []
    # The printed URL does start one (the check above can fail).
    _first_paint(open_page(server.url))
    assert server.children() != []


def test_the_token_reaches_the_app_but_not_the_page_or_argv(serve, open_page, tmp_path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TEST_TOKEN + "\n")
    token_file.chmod(0o600)
    with running_sim("--fleet", "demo", "--token", TEST_TOKEN) as (_, url):
        server = serve("--base-url", url, "--token-file", str(token_file))
        shown = open_page(server.url)
        _first_paint(shown)  # the simulator accepts only TEST_TOKEN: the app has it
        assert TEST_TOKEN not in shown.page.content()
        assert not any(TEST_TOKEN.encode() in frame for frame in shown.frames)
        apps = _descendants(server.proc.pid)
        assert apps
        for pid in apps:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes()
            assert TEST_TOKEN.encode() not in argv
    assert TEST_TOKEN not in server.rest_of_output()


def test_a_public_address_needs_public(serve) -> None:
    with pytest.raises(AssertionError, match="not a loopback address"):
        serve("--demo", "--host", "0.0.0.0")


def _upgrade(url: str, **headers: str) -> int:
    """The status of a WebSocket upgrade request to `url` (101 when it was accepted)."""
    request = urllib.request.Request(
        url,
        headers={
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            **headers,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_websocket_from_another_sites_page_is_refused_even_with_the_cookie(serve) -> None:
    server = serve("--demo")
    secret = server.url.split("key=", 1)[1]
    cookie = f"autodl_tui_access={secret}"
    assert _upgrade(server.origin + "/ws", Cookie=cookie, Origin="http://evil.example") == 403
    assert _upgrade(server.origin + "/ws", Cookie=cookie + "x", Origin=server.origin) == 403
    assert server.children() == []


def test_a_password_file_asks_for_the_password_before_any_app(serve, open_page, tmp_path) -> None:
    password = tmp_path / "password"
    password.write_text("correct horse battery\n")
    password.chmod(0o600)
    server = serve("--demo", "--password-file", str(password))
    assert "key=" not in server.url
    shown = open_page(server.url)
    page = shown.page
    page.fill("input[name=password]", "correct horse batterY")
    page.click("button")
    page.wait_for_selector("text=Wrong password", timeout=FIRST_PAINT_S * 1000)
    assert shown.sockets == [] and server.children() == []
    assert "correct horse" not in page.content()
    page.fill("input[name=password]", "correct horse battery")
    page.click("button")
    _first_paint(shown)
    assert server.children() != []
    assert "correct horse battery" not in server.rest_of_output()


def test_sessions_beyond_max_sessions_start_no_app(serve, open_page) -> None:
    server = serve("--demo", "--max-sessions", "1")
    _first_paint(open_page(server.url))
    assert len(server.children()) == 1
    second = open_page(server.url)
    second.wait(lambda: bool(second.sockets), "the second page's WebSocket")
    second.page.wait_for_timeout(2000)
    assert "llm-serve" not in second.text()
    assert len(server.children()) == 1
