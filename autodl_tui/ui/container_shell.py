"""`s` (a shell in the container) and `t` (a tunnel to one of its ports), and the tunnels view.

The work is in autodl_tui/shell (no Textual); this module picks the container, re-reads its
credentials, asks for what it needs and reports the outcome. Neither key changes anything
through the API, so both work in read-only mode. The password goes from the API answer to
the FIFO ssh's askpass program reads, and nowhere else (not the screen, the log, argv or the
clipboard).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.app import SuspendNotSupported

from autodl_tui.api import AutoDLError
from autodl_tui.display import clean
from autodl_tui.shell.client import SshProblem, find_ssh
from autodl_tui.shell.session import run_shell
from autodl_tui.shell.target import TargetError, parse_ssh_command
from autodl_tui.shell.tunnels import TunnelError, TunnelManager
from autodl_tui.ui.units import short_container_id

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

    from autodl_tui.api import Container
    from autodl_tui.shell.client import SshClient
    from autodl_tui.shell.target import SshTarget
    from autodl_tui.ui.host import Host

__all__ = ["Login", "open_shell", "open_tunnel", "open_tunnels_view", "tunnel_manager"]

log = logging.getLogger(__name__)

#: Seconds between checks that the open tunnels' ssh processes still run.
WATCH_S = 2.0
#: The watch timer of each app that opened a tunnel.
_WATCHES: weakref.WeakKeyDictionary[App[Any], Timer] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Login:
    """Everything ssh needs for one container (the password is never shown)."""

    container: Container
    client: SshClient
    target: SshTarget
    password: str
    options: tuple[str, ...]

    @property
    def label(self) -> str:
        """The container's short id, as the tables show it."""
        return short_container_id(self.container.uuid)


def tunnel_manager(app: App[Any]) -> TunnelManager:
    """The app's tunnels (AutoDLApp.tunnels; closed when the app ends)."""
    manager = getattr(app, "tunnels", None)
    if not isinstance(manager, TunnelManager):
        raise LookupError("this app keeps no tunnels")
    return manager


def _ssh_options(app: App[Any]) -> tuple[str, ...]:
    settings = getattr(app, "settings", None)
    return tuple(getattr(settings, "ssh_options", ()) or ())


async def _login(main: Host, what: str) -> Login | None:
    """The selected container's login, re-read from the API; None after telling why not."""
    app = main.app
    c = main.selected_container()
    if c is None:
        app.notify("Select a container first (containers pane, 2).", timeout=4)
        return None
    try:
        c = await main.fresh_container(c)
    except AutoDLError as exc:
        app.notify(f"Using the last known SSH details ({exc.hint or exc})", severity="warning")
    label = short_container_id(c.uuid)
    if not c.info.ssh_command:
        app.notify(
            f"Container {label} has no host yet (status {c.status}): nothing to connect to "
            "until it is scheduled and running.",
            title=f"No {what}",
            severity="warning",
        )
        return None
    if c.status != "running":
        app.notify(
            f"Container {label} is {c.status}, not running: its SSH server answers once it runs.",
            title=f"No {what}",
            severity="warning",
        )
        return None
    try:
        target = parse_ssh_command(c.info.ssh_command)
    except TargetError as exc:
        app.notify(
            f"Not connecting to {label}: {exc}. It was: {clean(c.info.ssh_command)}",
            title=f"No {what}",
            severity="error",
            timeout=12,
        )
        return None
    if not c.info.root_password:
        app.notify(f"Container {label} has no root password yet.", severity="warning")
        return None
    try:
        client = await asyncio.to_thread(find_ssh)
    except SshProblem as exc:
        app.notify(str(exc), title=f"No {what}", severity="error", timeout=12)
        return None
    return Login(c, client, target, c.info.root_password, _ssh_options(app))


async def open_shell(main: Host) -> None:
    """Suspend the app, run ssh on the terminal until the remote shell ends, come back."""
    login = await _login(main, "shell")
    if login is None:
        return
    app = main.app
    try:
        with app.suspend():
            print(
                clean(
                    f"autodl-tui: ssh {login.target} (container {login.label}); "
                    "exit the shell to return to autodl-tui."
                ),
                flush=True,
            )
            # Blocks this event loop until ssh ends, on purpose: the app is suspended.
            result = run_shell(login.client, login.target, login.password, login.options)
    except SuspendNotSupported:
        app.notify(
            "This terminal cannot be handed over to ssh; copy the SSH command with c instead.",
            severity="warning",
        )
        return
    if result.problem:
        log.info("shell on %s failed: exit %s", login.label, result.returncode)
        app.notify(result.problem, title="Shell failed", severity="error", timeout=15)
    else:
        app.notify(f"Shell on {login.label} closed (exit {result.returncode}).", timeout=4)


async def open_tunnel(main: Host) -> None:
    """Ask which port, then forward a local port to it in the background."""
    from autodl_tui.ui.tunnels_screen import PortDialog

    app = main.app
    c = main.selected_container()
    if c is None:
        app.notify("Select a container first (containers pane, 2).", timeout=4)
        return
    port = await app.push_screen_wait(PortDialog(short_container_id(c.uuid)))
    if port is None:
        return
    login = await _login(main, "tunnel")
    if login is None:
        return
    app.notify(f"Opening a tunnel to {login.label}:{port}…", timeout=3)
    manager = tunnel_manager(app)
    try:
        tunnel = await asyncio.to_thread(
            manager.open,
            login.client,
            login.target,
            login.password,
            login.options,
            container_uuid=login.container.uuid,
            label=login.label,
            remote_port=port,
        )
    except TunnelError as exc:
        app.notify(str(exc), title="Tunnel failed", severity="error", timeout=15)
        return
    _watch(app, manager)
    app.notify(
        f"{tunnel.url} → {login.label}:{port}\nT lists tunnels (c copies the URL there)",
        title="Tunnel open",
        timeout=8,
    )


def open_tunnels_view(app: App[Any]) -> None:
    """Show the tunnels view (T)."""
    from autodl_tui.ui.tunnels_screen import TunnelsScreen

    if isinstance(app.screen, TunnelsScreen):
        app.pop_screen()
        return
    app.push_screen(TunnelsScreen(tunnel_manager(app)))


def _watch(app: App[Any], manager: TunnelManager) -> None:
    """Start (once per app) the timer that reports tunnels whose ssh ended."""
    if app in _WATCHES:
        return

    def check() -> None:
        try:
            died = manager.check()
        except Exception as error:  # a timer callback must never end the app
            from autodl_tui.catalog import now_cst
            from autodl_tui.ui.failures import report_unexpected

            report_unexpected(app, "tunnel watch", error, now_cst())
            return
        for tunnel in died:
            app.notify(
                f"{tunnel.url} → {tunnel.label}:{tunnel.remote_port}: {tunnel.reason}",
                title="Tunnel died",
                severity="error",
                timeout=15,
            )

    _WATCHES[app] = app.set_interval(WATCH_S, check)
