"""Hosts this account keeps off its schedule, each with a countdown to when the ban lifts.

The countdown ticks every second from the last fetch (no request per tick); the list is
refetched every `refresh` seconds and on `r`, which is when expired entries go away.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from autodl_tui.api import (
    AuthError,
    AutoDLError,
    PermissionDeniedError,
)
from autodl_tui.catalog import now_cst
from autodl_tui.ui.gauges import EXPIRED, countdown
from autodl_tui.ui.modal import Modal
from autodl_tui.ui.units import NONE, ZONE_LABEL, region_label, timestamp
from autodl_tui.ui.widgets.plain import Plain
from autodl_tui.ui.widgets.vtable import Column, Row, VirtualTable

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from textual.app import ComposeResult
    from textual.binding import BindingType
    from textual.timer import Timer

    from autodl_tui.api import (
        AutoDLClient,
        BlacklistEntry,
    )

__all__ = ["BLACKLIST_COLUMNS", "EMPTY_TEXT", "BlacklistScreen", "blacklist_row"]

BLACKLIST_COLUMNS: tuple[Column, ...] = (
    Column("machine", "Machine", width=12),
    Column("region", "Region"),
    Column("left", "Lifts in", align="right", width=12),
    Column("expires", "Until", width=19 + 1 + len(ZONE_LABEL)),  # "… 09:40:00 UTC+8"
    Column("comment", "Comment"),
)

EMPTY_TEXT = "No host is blacklisted. Press b on a container to keep your deployments off its host."
#: The countdown repaints this often; it never triggers a request.
TICK_SECONDS = 1.0


def blacklist_row(entry: BlacklistEntry, now: datetime) -> Row:
    """One table row; the countdown is computed from `now`, expired rows are dimmed."""
    left_s = (entry.expired_time - now).total_seconds() if entry.expired_time else None
    left = NONE if left_s is None else countdown(left_s)
    style = "dim" if left == EXPIRED else ""
    return Row(
        entry.machine_id,
        (
            entry.machine_id or NONE,
            region_label(entry.data_center),
            Text(left, style="yellow" if left == EXPIRED else "bold"),
            timestamp(entry.expired_time),
            entry.msg,
        ),
        (
            entry.machine_id,
            entry.data_center,
            left_s if left_s is not None else float("inf"),
            entry.expired_time.timestamp() if entry.expired_time else float("inf"),
            entry.msg,
        ),
        style,
    )


class BlacklistScreen(Modal[None]):
    """The account's blacklist with live countdowns; r refetches, q closes."""

    DEFAULT_CSS = """
    BlacklistScreen > #blacklist {
        width: 120;
        height: 80%;
    }
    BlacklistScreen #blacklist-title {
        text-style: bold;
    }
    BlacklistScreen #blacklist-table {
        height: 1fr;
    }
    BlacklistScreen #blacklist-problem {
        color: $text-error;
        display: none;
    }
    BlacklistScreen #blacklist-problem.visible {
        display: block;
    }
    BlacklistScreen #blacklist-keys {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh", id="blacklist-refresh"),
        Binding("escape,q", "close", "Close", id="blacklist-close"),
    ]

    def __init__(
        self,
        client: AutoDLClient,
        *,
        now: Callable[[], datetime] = now_cst,
        refresh: float = 30.0,
    ) -> None:
        super().__init__()
        self.client = client
        self._now = now
        self.refresh_seconds = max(1.0, refresh)
        self.entries: tuple[BlacklistEntry, ...] = ()
        self.fetched_at: datetime | None = None
        self.problem = ""
        self.fetches = 0
        self._ticker: Timer | None = None

    @property
    def table(self) -> VirtualTable:
        """The list of banned hosts."""
        return self.query_one("#blacklist-table", VirtualTable)

    def compose(self) -> ComposeResult:
        """Title, the reason when the list cannot be read, the table, key hints."""
        with Vertical(id="blacklist", classes="box"):
            yield Plain("Blacklisted hosts", id="blacklist-title")
            yield Plain("", id="blacklist-problem")
            yield VirtualTable(BLACKLIST_COLUMNS, id="blacklist-table", empty_text="Loading…")
            yield Static(
                "countdowns tick live · r refetch · o sort · q close",
                id="blacklist-keys",
                markup=False,
            )

    def on_mount(self) -> None:
        """Fetch now, then on the poll interval; tick the countdowns every second."""
        self.table.focus()
        self.fetch()
        self.set_interval(self.refresh_seconds, self.fetch)
        self._ticker = self.set_interval(TICK_SECONDS, self.tick)

    # --- data -----------------------------------------------------------------------------

    @work(group="blacklist-fetch", exclusive=True, exit_on_error=False)
    async def fetch(self) -> None:
        """Read the blacklist; a failure keeps the last list and says why."""
        try:
            entries = await self.client.list_blacklist()
        except PermissionDeniedError as exc:
            self._set_problem(
                f"This account cannot read the blacklist ({exc.msg or exc.code}). {exc.hint}"
            )
            self.table.empty_text = "Blacklist unavailable for this account"
            return
        except AuthError as exc:
            self._set_problem(f"The token was rejected: {exc.hint or exc}")
            self.table.empty_text = "Blacklist unavailable: token rejected"
            return
        except AutoDLError as exc:
            self._set_problem(f"Could not refresh the blacklist: {exc.hint or exc}")
            if not self.entries:
                self.table.empty_text = "Blacklist not loaded yet (r retries)"
            return
        self.fetches += 1
        self.fetched_at = self._now()
        self._set_problem("")
        self.entries = tuple(entries)
        self.table.empty_text = EMPTY_TEXT
        self.tick()

    def _set_problem(self, text: str) -> None:
        self.problem = text
        line = self.query_one("#blacklist-problem", Plain)
        line.update(text)
        line.set_class(bool(text), "visible")

    def tick(self) -> None:
        """Recompute every countdown from the clock; only rows whose text changed repaint."""
        now = self._now()
        self.table.set_rows(blacklist_row(e, now) for e in self.entries)
        self.query_one("#blacklist-title", Plain).update(self._title(now))

    def _title(self, now: datetime) -> str:
        count = len(self.entries)
        hosts = "1 host" if count == 1 else f"{count} hosts"
        fetched = ""
        if self.fetched_at is not None:
            age = max(0, int((now - self.fetched_at).total_seconds()))
            fetched = f" · fetched {age}s ago"
        return f"Blacklisted hosts · {hosts}{fetched}"

    def countdown_of(self, machine_id: str) -> str:
        """The countdown shown for a host, or "" when it is not listed (for tests and tools)."""
        row = self.table.get_row(machine_id)
        return str(row.cells[2]) if row is not None else ""

    @property
    def machine_ids(self) -> Sequence[str]:
        """Hosts listed, in display order."""
        return self.table.visible_keys

    # --- keys -----------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Refetch now."""
        self.fetch()

    def action_close(self) -> None:
        """Close the screen (once)."""
        self.finish(None)
