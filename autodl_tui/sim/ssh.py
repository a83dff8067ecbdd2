"""The simulator's SSH endpoint: a real SSH server on loopback for every simulated container.

One server stands for all containers: a login as root with a running container's root
password enters that container. Its shell is small: the hostname is the container, the
environment holds AutoDLContainerUUID, AutoDLDeploymentUUID and AutoDLDataCenter (the vendor
document's appendix 4), and `nvidia-smi` lists the container's GPUs. A port forward to the
container's 6006 or 6008 reaches a small HTTP page the simulator serves for it; anything else
is refused (the server is no proxy). The host key is made for each run, in memory only.
"""

from __future__ import annotations

import asyncio
import shlex
import socket
import threading
import weakref
from typing import TYPE_CHECKING, Any

import asyncssh

from autodl_tui.sim.shell import SimShell

if TYPE_CHECKING:
    from collections.abc import Callable

    from autodl_tui.sim.lifecycle import Lifecycle
    from autodl_tui.sim.records import ContainerRec

__all__ = ["SERVICE_PORTS", "SimSSHServer", "start_ssh_server"]

#: Container ports a forward may reach: the two the service publishes.
SERVICE_PORTS = (6006, 6008)
_LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
#: The longest HTTP request head the 6006 page reads before answering.
_MAX_HEAD = 16384


class SimSSHServer(asyncssh.SSHServer):
    """One connection: root logs in with a running container's password."""

    def __init__(
        self, sim: Lifecycle, logins: weakref.WeakKeyDictionary[Any, str], *, sync: bool
    ) -> None:
        self._sim = sim
        self._logins = logins
        self._sync = sync
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        """Remember the connection, to tie the login to it."""
        self._conn = conn

    def begin_auth(self, username: str) -> bool:
        """Authentication is always required."""
        return True

    def password_auth_supported(self) -> bool:
        """Passwords are the only way in (as on the service's containers by default)."""
        return True

    def validate_password(self, username: str, password: str) -> bool:
        """Accept user root with the password of a running container."""
        if username != "root":
            return False
        container = self._sim.ssh_login(password, sync=self._sync)
        if container is None or self._conn is None:
            return False
        self._logins[self._conn] = container.uuid
        return True

    def connection_requested(
        self, dest_host: str, dest_port: int, orig_host: str, orig_port: int
    ) -> asyncssh.SSHTCPSession[bytes]:
        """`ssh -L`: only the container's own 6006/6008, answered by the sim's page."""
        container = self._container()
        if dest_host.lower() not in _LOCAL_NAMES or dest_port not in SERVICE_PORTS:
            raise asyncssh.ChannelOpenError(
                asyncssh.OPEN_CONNECT_FAILED, f"connect to {dest_host} port {dest_port}: refused"
            )
        if container is None:
            raise asyncssh.ChannelOpenError(asyncssh.OPEN_CONNECT_FAILED, "no container")
        return ServicePage(container, dest_port)

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        """`ssh -R` is refused."""
        return False

    def _container(self) -> ContainerRec | None:
        uuid = self._logins.get(self._conn) if self._conn is not None else None
        return self._sim.container_record(uuid) if uuid else None


class ServicePage(asyncssh.SSHTCPSession[bytes]):
    """A tiny HTTP/1.0 server on the container's 6006 (or 6008): one page naming it."""

    def __init__(self, container: ContainerRec, port: int) -> None:
        self._container = container
        self._port = port
        self._head = b""
        self._chan: asyncssh.SSHTCPChannel[bytes] | None = None

    def connection_made(self, chan: asyncssh.SSHTCPChannel[bytes]) -> None:
        """Wait for the request."""
        self._chan = chan

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        """Answer once the request head is complete (or too long to be one)."""
        if self._chan is None:
            return
        self._head += data
        if b"\r\n\r\n" in self._head or b"\n\n" in self._head or len(self._head) > _MAX_HEAD:
            self._answer()

    def eof_received(self) -> bool:
        """A client that sent nothing (a port probe) just goes."""
        if self._chan is not None:
            self._chan.close()
        return False

    def _answer(self) -> None:
        assert self._chan is not None
        line = self._head.split(b"\n", 1)[0].decode("latin-1").split()
        if len(line) < 2 or line[0] not in ("GET", "HEAD"):
            status, body = "405 Method Not Allowed", b"only GET\n"
        else:
            status, body = "200 OK", _page(self._container, self._port).encode()
        head = (
            f"HTTP/1.0 {status}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        self._chan.write(head + (b"" if line[:1] == ["HEAD"] else body))
        self._chan.close()
        self._chan = None


def _page(c: ContainerRec, port: int) -> str:
    title = "TensorBoard (simulated)" if port == 6006 else f"Service on {port} (simulated)"
    return (
        f"<!doctype html><title>{title}</title><h1>{title}</h1>"
        f"<p>AutoDLContainerUUID={c.uuid}</p><p>AutoDLDeploymentUUID={c.deployment.uuid}</p>\n"
    )


async def start_ssh_server(
    sim: Lifecycle,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    sock: socket.socket | None = None,
    own_thread: bool = False,
) -> asyncssh.SSHAcceptor:
    """Listen on `host:port` (or on `sock`) and point the containers' ssh_command at it.

    Call from the event loop that runs the simulator, where a login brings the world up to
    now; with `own_thread` (a loop of its own) logins only read the state as it is.
    """
    logins: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
    key = asyncssh.generate_private_key("ssh-ed25519")

    def server() -> SimSSHServer:
        return SimSSHServer(sim, logins, sync=not own_thread)

    def process(proc: asyncssh.SSHServerProcess[str]) -> Any:
        uuid = logins.get(proc.get_extra_info("connection"))
        return _run_process(sim, uuid, proc)

    where: dict[str, Any] = {"sock": sock} if sock is not None else {"host": host, "port": port}
    acceptor = await asyncssh.listen(
        **where,
        server_factory=server,
        server_host_keys=[key],
        process_factory=process,
        # Forwards are decided per request in connection_requested.
        allow_pty=True,
        agent_forwarding=False,
        x11_forwarding=False,
        login_timeout=30,
        # Nothing from ~/.ssh or /etc/ssh: this server is the simulator's alone.
        config=None,
    )
    if not own_thread:  # a server on its own thread leaves the state to the engine's
        bound = acceptor.sockets[0].getsockname()
        sim.use_ssh_endpoint(bound[0], bound[1])
    return acceptor


async def _run_process(sim: Lifecycle, uuid: str | None, proc: Any) -> None:
    container = sim.container_record(uuid) if uuid else None
    if container is None:
        proc.exit(1)
        return
    shell = SimShell(container, gpu_lines=_gpus(container))
    write: Callable[[str], None] = proc.stdout.write
    if proc.command is not None:
        status = shell.run(proc.command, write)
        proc.exit(0 if status is None else status)
        return
    write(shell.motd())
    while True:
        write(shell.prompt())
        try:
            line = await proc.stdin.readline()
        except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged):
            continue
        except (asyncssh.Error, asyncio.IncompleteReadError, ConnectionError):
            break
        if not line:  # EOF: ctrl+d
            write("logout\n")
            break
        status = shell.run(line, write)
        if status is not None:
            proc.exit(status)
            return
    proc.exit(0)


def _gpus(c: ContainerRec) -> list[tuple[str, int]]:
    host = c.host
    name = host.gpu_name if host else ""
    return [(name, _memory_mib(name)) for _ in range(c.gpu_num if host else 0)]


def _memory_mib(gpu_name: str) -> int:
    for model, gib in (
        ("A800", 80),
        ("A100", 80),
        ("H800", 80),
        ("H20", 96),
        ("L40", 48),
        ("L20", 48),
        ("V100", 32),
        ("5090", 32),
        ("4090", 24),
        ("3090", 24),
        ("3080", 10),
    ):
        if model in gpu_name:
            return gib * 1024
    return 24 * 1024


def describe(acceptor: asyncssh.SSHAcceptor) -> str:
    """`host port` the server listens on, for the sim's start-up line."""
    host, port = acceptor.sockets[0].getsockname()[:2]
    return f"ssh -p {port} root@{shlex.quote(host)}"


def start_in_background(sim: Lifecycle, host: str = "127.0.0.1") -> str:
    """Serve from a thread of its own (the demo); the ssh_command every container now has.

    The demo's simulator runs on the app's event loop, which is blocked while `s` hands the
    terminal to ssh: a server on that loop could never answer. The socket is bound before
    this returns, so ssh_command points at the server from the first API answer on; the
    thread is a daemon and ends with the process.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    bound_host, bound_port = sock.getsockname()[:2]
    sim.use_ssh_endpoint(bound_host, bound_port)

    async def serve() -> None:
        acceptor = await start_ssh_server(sim, sock=sock, own_thread=True)
        await acceptor.wait_closed()

    threading.Thread(target=asyncio.run, args=(serve(),), name="sim-ssh", daemon=True).start()
    return sim.ssh_endpoint or ""
