"""Hosts that boot containers much slower than the fleet, or fail to: evidence, and b to ban.

The list comes from a callable (the app's timeline book through `timelines.flag_hosts`), read
on open, on `r` and every `refresh` seconds; nothing here polls the API. `b` opens the usual
blacklist dialog for the selected host with its evidence pre-filled as the comment; the ban
names the newest container seen on that host, as the blacklist call requires.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from autodl_tui.api.errors import AutoDLError
from autodl_tui.catalog import now_cst
from autodl_tui.display import fit
from autodl_tui.timelines import FAILED_FLAG, MIN_CONTAINERS, SLOW_FACTOR
from autodl_tui.ui.dialogs import BlacklistDialog
from autodl_tui.ui.failures import record_error
from autodl_tui.ui.guard import Guarded, on
from autodl_tui.ui.units import NONE, duration, region_label
from autodl_tui.ui.widgets.plain import Plain
from autodl_tui.ui.widgets.vtable import Column, Row, VirtualTable

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence
    from datetime import datetime

    from textual.app import ComposeResult
    from textual.binding import BindingType
    from textual.notifications import SeverityLevel

    from autodl_tui.timelines import SlowHost

__all__ = ["EMPTY_TEXT", "SLOW_HOST_COLUMNS", "BlacklistClient", "SlowHostsScreen", "slow_host_row"]

SLOW_HOST_COLUMNS: tuple[Column, ...] = (
    Column("machine", "Machine", width=12),
    Column("region", "Region"),
    Column("why", "Why", width=13),
    Column("median", "Median", align="right", width=8),
    Column("fleet", "Fleet", align="right", width=8),
    Column("failed", "Failed", align="right", width=6),
    Column("evidence", "Evidence"),
)

EMPTY_TEXT = (
    f"No slow or failing host: a host is listed when its median time to running is over "
    f"{SLOW_FACTOR:g}x the rest of the fleet's across at least {MIN_CONTAINERS} containers, "
    f"or {FAILED_FLAG} of its containers never reached running."
)


class BlacklistClient(Protocol):
    """What the screen needs to ban a host: AutoDLClient, or a test double."""

    def set_blacklist(
        self, container_uuid: str, *, expire_in_minutes: int = ..., comment: str = ...
    ) -> Awaitable[None]:
        """Blacklist the host of `container_uuid`."""
        ...


def slow_host_row(host: SlowHost, banned: bool = False) -> Row:
    """One table row; a host banned from this screen is dimmed and says so."""
    s = host.stats
    median = s.median
    return Row(
        s.machine_id,
        (
            s.machine_id or NONE,
            region_label(s.data_center),
            "blacklisted" if banned else Text(host.reason, style="bold yellow"),
            duration(median) if median is not None else NONE,
            duration(host.fleet_median) if host.fleet_median is not None else NONE,
            str(s.failed),
            host.evidence,
        ),
        (
            s.machine_id,
            s.data_center,
            host.reason,
            median if median is not None else -1.0,
            host.fleet_median if host.fleet_median is not None else -1.0,
            s.failed,
            host.evidence,
        ),
        "dim" if banned else "",
    )


class SlowHostsScreen(Guarded, ModalScreen[None]):
    """Flagged hosts with their evidence; b blacklists the selected one, r rereads, q closes."""

    DEFAULT_CSS = """
    SlowHostsScreen {
        align: center middle;
    }
    SlowHostsScreen > #slow-hosts {
        width: 140;
        max-width: 100%;
        height: 80%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    SlowHostsScreen #slow-hosts-title {
        text-style: bold;
    }
    SlowHostsScreen #slow-hosts-table {
        height: 1fr;
    }
    SlowHostsScreen #slow-hosts-detail {
        height: auto;
        max-height: 3;
    }
    SlowHostsScreen #slow-hosts-keys {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "blacklist", "Blacklist host", id="slow-hosts-blacklist"),
        Binding("r", "refresh", "Refresh", id="slow-hosts-refresh"),
        Binding("escape,q", "close", "Close", id="slow-hosts-close"),
    ]

    def __init__(
        self,
        hosts: Callable[[], Sequence[SlowHost]],
        client: BlacklistClient | Callable[[], BlacklistClient],
        *,
        read_only: bool = False,
        now: Callable[[], datetime] = now_cst,
        refresh: float = 5.0,
        on_blacklisted: Callable[[SlowHost], object] = lambda _host: None,
    ) -> None:
        super().__init__()
        self._hosts = hosts
        self._client = client
        self.read_only = read_only
        self._now = now
        self.refresh_seconds = max(1.0, refresh)
        self._on_blacklisted = on_blacklisted
        self.hosts: tuple[SlowHost, ...] = ()
        #: Machine ids banned from this screen (the list shows them until they age out).
        self.banned: set[str] = set()
        self._dismissed = False

    @property
    def table(self) -> VirtualTable:
        """The flagged hosts."""
        return self.query_one("#slow-hosts-table", VirtualTable)

    def compose(self) -> ComposeResult:
        """Title, the table, key hints."""
        with Vertical(id="slow-hosts"):
            yield Plain("Slow hosts", id="slow-hosts-title")
            yield VirtualTable(SLOW_HOST_COLUMNS, id="slow-hosts-table", empty_text=EMPTY_TEXT)
            yield Plain("", id="slow-hosts-detail")
            yield Static(
                "b blacklist the host (evidence as the comment) · r reread · o sort · q close",
                id="slow-hosts-keys",
                markup=False,
            )

    def on_mount(self) -> None:
        """Read the list now and on the refresh interval."""
        self.table.focus()
        self.reread()
        self.set_interval(self.refresh_seconds, self.reread)

    def reread(self) -> None:
        """Take the current list of flagged hosts from the callable."""
        self.hosts = tuple(self._hosts())
        self.table.set_rows(slow_host_row(h, h.machine_id in self.banned) for h in self.hosts)
        count = len(self.hosts)
        noun = "1 host" if count == 1 else f"{count} hosts"
        self.query_one("#slow-hosts-title", Plain).update(f"Slow hosts · {noun} flagged")
        self._show_selected()

    @on(VirtualTable.CursorMoved)
    def _cursor_moved(self) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        host = self.selected()
        detail = "" if host is None else f"{host.machine_id}: {host.evidence}"
        self.query_one("#slow-hosts-detail", Plain).update(detail)

    def selected(self) -> SlowHost | None:
        """The host under the cursor."""
        key = self.table.cursor_key
        return next((h for h in self.hosts if h.machine_id == key), None)

    @property
    def machine_ids(self) -> Sequence[str]:
        """Hosts listed, in display order."""
        return self.table.visible_keys

    # --- keys -----------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Reread now."""
        self.reread()

    def action_blacklist(self) -> None:
        """Blacklist the selected host, after the usual dialog (evidence pre-filled)."""
        host = self.selected()
        if self.read_only:
            self._say("Read-only mode (--read-only): nothing can be changed.", "warning")
        elif host is None:
            self._say("No host is selected: no host is flagged.", "information")
        elif host.machine_id in self.banned:
            self._say(f"Host {fit(host.machine_id, 30)} is already blacklisted.", "information")
        else:
            self.blacklist(host)

    def _say(self, reason: str, severity: SeverityLevel) -> None:
        self.notify(reason, title="Not now", severity=severity, timeout=4, markup=False)

    @work(group="slow-hosts-blacklist", exclusive=True, exit_on_error=False)
    async def blacklist(self, host: SlowHost) -> None:
        """Dialog, then ban the host through the newest container seen on it."""
        s = host.stats
        choice = await self.app.push_screen_wait(
            BlacklistDialog(s.machine_id, s.data_center, comment=host.evidence)
        )
        if choice is None:
            return
        client = self._client() if callable(self._client) else self._client
        try:
            await client.set_blacklist(
                s.container_uuid,
                expire_in_minutes=choice.expire_in_minutes,
                comment=choice.comment,
            )
        except AutoDLError as exc:
            record = record_error(self.app, "Blacklist", exc, self._now())
            self.notify(
                f"{record.message}\nE: show and copy",
                title="Blacklist failed",
                severity="error",
                timeout=10,
                markup=False,
            )
            return
        self.banned.add(s.machine_id)
        self.reread()
        self.notify(
            f"host {s.machine_id} ({s.data_center}) banned for {choice.expire_in_minutes} min",
            title="Blacklisted",
            markup=False,
        )
        self._on_blacklisted(host)

    def action_close(self) -> None:
        """Close the screen (once)."""
        if not self._dismissed:
            self._dismissed = True
            self.dismiss(None)
