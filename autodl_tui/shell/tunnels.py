"""Port forwards kept open in the background: `ssh -N -L 127.0.0.1:LOCAL:localhost:REMOTE`.

Each tunnel is one ssh process in its own session (a key typed in the app's terminal never
signals it). `open` blocks until the local port answers or ssh gave up, so call it from a
thread. `check` reports tunnels that died since the last call; `close_all` ends them all
(the app calls it when it quits).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import itertools
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from autodl_tui.shell.client import tunnel_argv
from autodl_tui.shell.diagnose import explain
from autodl_tui.shell.password import PasswordPipe, askpass_program
from autodl_tui.shell.session import child_env
from autodl_tui.shell.stderr_tail import StderrTail

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from autodl_tui.shell.client import SshClient
    from autodl_tui.shell.target import SshTarget

__all__ = ["OPEN_TIMEOUT_S", "Tunnel", "TunnelError", "TunnelManager", "free_local_port"]

OPEN_TIMEOUT_S = 30.0
"""Longest wait for login and the forward (a slow region's handshake takes a few seconds)."""

TunnelState = Literal["up", "dead", "closed"]


class TunnelError(Exception):
    """A tunnel could not be opened; the message says why."""


@dataclass(eq=False)
class Tunnel:
    """One forward: 127.0.0.1:`local_port` -> the container's `remote_port`."""

    id: int
    container_uuid: str
    label: str
    target: SshTarget
    remote_port: int
    local_port: int
    proc: subprocess.Popen[bytes] = field(repr=False)
    stderr: StderrTail = field(repr=False)
    state: TunnelState = "up"
    reason: str = ""

    @property
    def url(self) -> str:
        """The local address to open in a browser."""
        return f"http://127.0.0.1:{self.local_port}/"


def free_local_port(preferred: int) -> int:
    """`preferred` if nothing listens on 127.0.0.1 there, else a port the OS picks."""
    for port in (preferred, 0):
        with socket.socket() as sock:
            # As ssh binds its listener: a port held only by closed connections (TIME_WAIT)
            # is free, one with a listener is not.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            chosen: int = sock.getsockname()[1]
            return chosen
    raise TunnelError("no free local port on 127.0.0.1")


def _libc_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


# Looked up once here: the child must not load anything between fork and exec.
_PRCTL = _libc_prctl()
_PR_SET_PDEATHSIG = 1


def _end_with_parent() -> None:
    """In the child, before exec: SIGTERM when the app dies, even by SIGKILL (Linux)."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class TunnelManager:
    """Every tunnel the app opened, in order; thread-safe."""

    def __init__(self) -> None:
        self._tunnels: list[Tunnel] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        # Also on an exit that skips the app's unmount: no ssh outlives the process.
        atexit.register(self.close_all)

    @property
    def tunnels(self) -> list[Tunnel]:
        """The tunnels not yet closed by the user (dead ones stay, to say so)."""
        with self._lock:
            return [t for t in self._tunnels if t.state != "closed"]

    def open(
        self,
        client: SshClient,
        target: SshTarget,
        password: str,
        options: Sequence[str],
        *,
        container_uuid: str,
        label: str,
        remote_port: int,
        local_port: int | None = None,
        timeout: float = OPEN_TIMEOUT_S,
    ) -> Tunnel:
        """Start ssh and wait until the local port answers; TunnelError if it does not."""
        program = askpass_program()
        if program is None:
            raise TunnelError("autodl-tui-askpass is not installed beside autodl-tui; reinstall")
        port = local_port or free_local_port(remote_port)
        argv = tunnel_argv(client, target, options, local_port=port, remote_port=remote_port)
        with PasswordPipe(password, program=program, interactive=False) as pipe:
            try:
                proc = subprocess.Popen(
                    argv,
                    env=child_env(pipe.env()),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    start_new_session=True,
                    # The tunnel's own session keeps terminal signals away from it; this
                    # ends it with the app however the app ends. (The forking thread is
                    # a long-lived executor thread, or the caller's.)
                    preexec_fn=_end_with_parent if _PRCTL is not None else None,
                )
            except OSError as exc:
                raise TunnelError(f"ssh could not be started: {exc.strerror}") from None
            assert proc.stderr is not None
            tail = StderrTail(proc.stderr)
            tunnel = Tunnel(
                next(self._ids), container_uuid, label, target, remote_port, port, proc, tail
            )
            self._wait_up(tunnel, timeout)
        with self._lock:
            self._tunnels.append(tunnel)
        return tunnel

    def _wait_up(self, tunnel: Tunnel, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if tunnel.proc.poll() is not None:
                tunnel.stderr.join(1)
                raise TunnelError(
                    explain(tunnel.target, tunnel.stderr.text(), tunnel.proc.returncode)
                )
            if _answers(tunnel.local_port):
                return
            if time.monotonic() > deadline:
                _end(tunnel.proc)
                raise TunnelError(
                    f"the tunnel to {tunnel.target} was not up after {timeout:g} s; closed it"
                )
            time.sleep(0.1)

    def check(self) -> list[Tunnel]:
        """Tunnels found dead by this call (each reported once), with the reason set."""
        died: list[Tunnel] = []
        with self._lock:
            for tunnel in self._tunnels:
                if tunnel.state == "up" and tunnel.proc.poll() is not None:
                    tunnel.stderr.join(0.5)
                    tunnel.state = "dead"
                    tunnel.reason = explain(
                        tunnel.target, tunnel.stderr.text(), tunnel.proc.returncode
                    )
                    died.append(tunnel)
        return died

    def close(self, tunnel_id: int) -> Tunnel | None:
        """End one tunnel (its ssh process) and forget it; the tunnel, or None if unknown."""
        with self._lock:
            found = next((t for t in self._tunnels if t.id == tunnel_id), None)
            if found is None:
                return None
            self._tunnels.remove(found)
        _end(found.proc)
        found.state = "closed"
        return found

    def close_all(self) -> int:
        """End every tunnel; how many ssh processes were still running."""
        with self._lock:
            tunnels, self._tunnels = self._tunnels, []
        running = sum(1 for t in tunnels if t.proc.poll() is None)
        for tunnel in tunnels:
            _end(tunnel.proc)
            tunnel.state = "closed"
        return running


def _end(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 3 s; reaps the process."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait(3)
