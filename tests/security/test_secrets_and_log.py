"""The token in no output, the log file private and free of terminal bytes, config errors
without tracebacks, and `deploy`'s stdout/stderr free of the server's control sequences.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import hostile as h
import pytest
from session import scale_to, session
from terminal import Terminal, isolated_env

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "replicaset.toml"
SECRET = "tok-NL-5e2d8c1f"
NEWLINE_TOKEN = SECRET + "\nX-Injected: yes"
#: Bytes that make a terminal act, not print: C0 controls but newline and tab, DEL, C1.
CONTROL_BYTES = [bytes([c]) for c in range(0x20) if c not in (0x09, 0x0A)] + [b"\x7f"]
C1_TEXT = [chr(c).encode() for c in range(0x80, 0xA0)]


def log_file(home: Path) -> Path:
    return home / "state" / "autodl-tui" / "autodl-tui.log"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def deploy(url: str, token: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    home = Path(tempfile.mkdtemp(prefix="sec-deploy-"))
    for sub in ("config", "state"):
        (home / sub).mkdir()
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "autodl_tui",
            "deploy",
            str(EXAMPLE),
            "--base-url",
            url,
            "--token",
            token,
            *args,
        ],  # fmt: skip
        cwd=home,
        env=isolated_env(home),
        capture_output=True,
        timeout=60,
    )


def assert_no_controls(data: bytes, where: str) -> None:
    found = [b for b in CONTROL_BYTES + C1_TEXT if b in data]
    assert not found, f"{where} holds control bytes {found!r}: {data[:2000]!r}"


# --- the token ---------------------------------------------------------------------------


def test_a_token_with_a_newline_reaches_no_screen_and_no_log() -> None:
    with session(h.build_fleet({"plain-ok": ""}), token=NEWLINE_TOKEN, first="") as s:
        s.term.wait(
            lambda: "autodl-tui" in s.term.text() or not s.term.alive(), "the first paint", 60
        )
        # Give it a poll's worth of tries (the request itself cannot carry such a header).
        s.term.wait(
            lambda: (
                any(w in s.term.lines()[0] for w in ("offline", "live", "token"))
                or not s.term.alive()
            ),
            "the connection's outcome",
            30,
        )
        raw = s.term.raw
        log = log_file(s.term.home).read_bytes() if log_file(s.term.home).exists() else b""
    assert SECRET.encode() not in raw, "the token reached the terminal"
    assert SECRET.encode() not in log, "the token reached the log"
    assert b"X-Injected" not in log, "the token's second line reached the log"


def test_deploy_dry_run_prints_no_token_with_a_newline() -> None:
    with h.serve(h.Hostile(fleet=h.build_fleet({"plain-ok": ""}))) as url:
        done = deploy(url, NEWLINE_TOKEN, "--dry-run")
    out = done.stdout + done.stderr
    assert SECRET.encode() not in out, f"the token was printed: {out[:2000]!r}"
    assert b"X-Injected" not in out


# --- deploy's stdout and stderr ----------------------------------------------------------

HOSTILE_UUID = "new-" + h.OSC52 + h.MARKUP + h.CLEAR + h.C1 + h.BIDI


def test_deploy_refuses_to_print_a_hostile_uuid() -> None:
    """A script takes stdout as the uuid: one that holds escapes is no uuid, so none is printed.

    Exit 3 (an API problem) and a clear line on stderr: the deployment may exist, and the
    message says to look before creating again.
    """
    state = h.Hostile(fleet=h.build_fleet({"plain-ok": ""}), created_uuid=HOSTILE_UUID)
    with h.serve(state) as url:
        done = deploy(url, "tok-deploy-1234")
    assert done.returncode == 3, done.stderr.decode(errors="replace")
    assert done.stdout == b""
    assert_no_controls(done.stderr, "deploy's stderr")
    assert "invalid deployment uuid" in done.stderr.decode()


def test_deploy_prints_a_hostile_vendor_msg_without_its_controls() -> None:
    state = h.Hostile(
        fleet=h.build_fleet({"plain-ok": ""}),
        modes={"/deployment": "error"},
        error_msg="no " + h.OSC52 + h.OSC0 + h.CLEAR + h.C1,
    )
    with h.serve(state) as url:
        done = deploy(url, "tok-deploy-1234")
    assert done.returncode == 3, done
    assert_no_controls(done.stderr, "deploy's stderr")
    assert "no ␛]52;c;" in done.stderr.decode(), done.stderr


# --- the log file ------------------------------------------------------------------------


def test_the_log_holds_no_terminal_bytes_from_the_server_and_stays_0600() -> None:
    payload = h.OSC52 + h.OSC0 + h.CLEAR + h.C1 + "\x07"
    fleet = h.build_fleet({"plain-ok": ""})
    modes = {"/deployment/replica_num": "error"}
    with session(fleet, modes=modes, error_msg="nope" + payload) as s:
        scale_to(s.term, 3, 8)
        s.term.wait(lambda: "Scale failed" in s.term.text() or not s.term.alive(), "the refusal", 8)
        path = log_file(s.term.home)
        s.term.wait(lambda: b"nope" in path.read_bytes(), "the refusal in the log", 8)
        data = path.read_bytes()
        assert mode_of(path) == 0o600, oct(mode_of(path))
    assert_no_controls(data, "the log")


def test_the_log_stays_0600_after_rotation() -> None:
    home = Path(tempfile.mkdtemp(prefix="sec-rot-"))
    folder = home / "state" / "autodl-tui"
    folder.mkdir(parents=True)
    old = folder / "autodl-tui.log"
    # Full: the app's first line rotates it.
    old.write_bytes(b"x" * 1_000_000 + b"\n")
    os.chmod(old, 0o600)
    with session(h.build_fleet({"plain-ok": ""}), home=home) as s:
        s.term.wait(lambda: (folder / "autodl-tui.log.1").exists(), "the rotation", 10)
        s.term.wait(lambda: old.exists() and old.stat().st_size > 0, "the new log", 10)
    modes = {p.name: oct(mode_of(p)) for p in folder.iterdir()}
    assert all(m == "0o600" for m in modes.values()), f"log files readable by others: {modes}"


# --- bad config values -------------------------------------------------------------------

BAD_CONFIGS = {
    "refresh-text": 'refresh = "fast"\n',
    "refresh-inf": "refresh = inf\n",
    "stock-nan": "stock_refresh = nan\n",
    "read-only-text": 'read_only = "yes"\n',
    "theme-number": "theme = 7\n",
    "theme-unknown": 'theme = "no-such-theme"\n',
    "base-url-number": "base_url = 5\n",
    "base-url-bad": 'base_url = "ftp://[::1"\n',
    "token-number": "token = 5\n",
    "keymap-number": "keymap = 5\n",
    "keymap-bad-key": '[keymap]\ndeployments-scale = "no such key+++"\n',
    "not-toml": "this is [[[ not toml\n",
    "binary": b"\xff\xfe\x00\x01",
}


@pytest.mark.parametrize("name", list(BAD_CONFIGS))
def test_a_bad_config_value_gives_a_message_not_a_traceback(name: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = home / "config" / "autodl-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    body = BAD_CONFIGS[name]
    config.write_bytes(body if isinstance(body, bytes) else body.encode())
    os.chmod(config, 0o600)
    with Terminal(["--token", "tok-config-1", "--base-url", "http://127.0.0.1:9"], home=home) as t:
        t.wait(
            lambda: not t.alive() or "autodl-tui" in t.text(),
            "the app to start or refuse the config",
            60,
        )
        if t.alive():
            # It started: it must stay up past its first paint and poll.
            t.wait(lambda: "offline" in t.lines()[0] or not t.alive(), "a first poll", 20)
        screen = t.raw.decode(errors="replace")
        refused = not t.alive()
        assert "Traceback" not in screen, f"a traceback for config {name}:\n{screen[-3000:]}"
        if refused:
            assert t.exit_code() == 2, f"exit code {t.exit_code()} for config {name}\n{t}"
