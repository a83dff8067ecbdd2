"""The tunnels view (T) and the port dialog of `t`.

Every line of the view is the app's own text (a local URL, a port) plus the container's id
and ssh's reason for a dead tunnel, which come from outside: all of it goes through the
display boundary.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from autodl_tui.display import text
from autodl_tui.ui.clipboard import copy_text
from autodl_tui.ui.dialogs import Dialog
from autodl_tui.ui.guard import on
from autodl_tui.ui.modal import Modal
from autodl_tui.ui.widgets.plain import Plain

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.binding import BindingType

    from autodl_tui.shell.tunnels import Tunnel, TunnelManager

__all__ = ["COMMON_PORTS", "PortDialog", "TunnelsScreen", "parse_port", "tunnel_line"]

COMMON_PORTS = (6006, 6008)
"""The container ports the service publishes (TensorBoard/web UI and the second service)."""

_DIGITS = re.compile(r"[0-9]{1,5}", re.ASCII)


def parse_port(value: str) -> int:
    """A TCP port 1-65535 from what was typed; ValueError saying what is wrong."""
    stripped = value.strip()
    if not stripped:
        raise ValueError("enter a port: 6006, 6008 or any port 1-65535")
    if not _DIGITS.fullmatch(stripped) or not 1 <= int(stripped) <= 65535:
        raise ValueError("a port is a whole number from 1 to 65535")
    return int(stripped)


def tunnel_line(tunnel: Tunnel) -> str:
    """One row of the view: URL, where it leads, and its state."""
    state = "up" if tunnel.state == "up" else f"DEAD: {tunnel.reason}"
    return f"{tunnel.url:<28} → {tunnel.label}:{tunnel.remote_port}   {state}"


class PortDialog(Dialog[int | None]):
    """Which container port to forward: 6006 (prefilled), 6008 or any other typed in."""

    AUTO_FOCUS = "#port"

    def __init__(self, container_label: str) -> None:
        super().__init__()
        self._label = container_label

    def compose(self) -> ComposeResult:
        """Title, explanation, port input with its error line."""
        with Vertical(id="dialog", classes="box"):
            yield Plain(f"Tunnel to {self._label}").add_class("title")
            yield Static(
                "Forwards a local port on 127.0.0.1 to this port of the container over ssh "
                "(ssh -N -L). 6006: TensorBoard or the web UI; 6008: the second service.",
                classes="explain",
            )
            yield Input("6006", id="port", select_on_focus=True)
            yield Plain("", id="port-error", classes="error")
            yield Static("Enter open · Esc cancel", classes="keys")

    @on(Input.Changed, "#port")
    def _changed(self) -> None:
        self.show_error("#port-error", "")

    def submit(self) -> None:
        """The port, or why it is not one."""
        try:
            port = parse_port(self.query_one("#port", Input).value)
        except ValueError as exc:
            self.show_error("#port-error", str(exc))
            return
        self.finish(port)


class TunnelsScreen(Modal[None]):
    """Open tunnels with their local URLs; c copies a URL, x closes a tunnel."""

    DEFAULT_CSS = """
    TunnelsScreen > #tunnels-box {
        width: 100;
    }
    TunnelsScreen #title {
        text-style: bold;
    }
    TunnelsScreen #tunnels {
        border: none;
        height: auto;
        max-height: 20;
    }
    TunnelsScreen #hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy_url", "Copy URL", id="tunnels-copy"),
        Binding("x", "close_tunnel", "Close tunnel", id="tunnels-close"),
        Binding("escape,T,q", "dismiss_view", "Back", id="tunnels-back"),
    ]

    def __init__(self, manager: TunnelManager) -> None:
        super().__init__()
        self._manager = manager
        self._shown: list[tuple[int, str]] = []

    def compose(self) -> ComposeResult:
        """Title, the list, key hints."""
        with Vertical(id="tunnels-box", classes="box"):
            yield Static("Tunnels (ssh -N -L, closed when the app quits)", id="title")
            yield OptionList(id="tunnels")
            yield Plain("", id="empty")
            yield Static("c copy URL · x close tunnel · Esc back", id="hint")

    def on_mount(self) -> None:
        """Fill the list; keep it current while the view is open (a tunnel may die)."""
        self._refresh_list()
        self.set_interval(1.0, self._refresh_list)

    def _refresh_list(self) -> None:
        tunnels = self._manager.tunnels
        shown = [(t.id, tunnel_line(t)) for t in tunnels]
        if shown == self._shown:
            return
        self._shown = shown
        options = self.query_one("#tunnels", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([Option(text(line), id=str(tid)) for tid, line in shown])
        if shown:
            options.highlighted = min(highlighted or 0, len(shown) - 1)
        self.query_one("#empty", Plain).update(
            "" if shown else "No tunnels. Press t on a container to open one."
        )

    def _selected(self) -> Tunnel | None:
        options = self.query_one("#tunnels", OptionList)
        if options.highlighted is None or not self._shown:
            return None
        tunnel_id = self._shown[options.highlighted][0]
        return next((t for t in self._manager.tunnels if t.id == tunnel_id), None)

    def action_copy_url(self) -> None:
        """Copy the selected tunnel's local URL."""
        tunnel = self._selected()
        if tunnel is None:
            self.notify("No tunnel selected.", timeout=3)
            return
        via = copy_text(self.app, tunnel.url)
        self.notify(f"Copied {tunnel.url} via {via}", title="Copied")

    def action_close_tunnel(self) -> None:
        """Close the selected tunnel (ends its ssh)."""
        tunnel = self._selected()
        if tunnel is None:
            self.notify("No tunnel selected.", timeout=3)
            return
        self._manager.close(tunnel.id)
        self.notify(f"Closed {tunnel.url} → {tunnel.label}:{tunnel.remote_port}", title="Tunnel")
        self._refresh_list()

    def action_dismiss_view(self) -> None:
        """Back to the main screen."""
        self.finish(None)
