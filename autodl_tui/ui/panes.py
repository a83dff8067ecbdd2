"""The main screen's panes, as data: one `PaneSpec` each drives compose, titles, keys and grid.

The two tables carry the bindings of their row actions (`actions.ACTIONS`); their host (the
main screen) decides whether each applies and runs it. To add a pane: one
`PaneSpec` in `PANES` (ARCHITECTURE.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol

from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Region

from autodl_tui.display import title as display_title
from autodl_tui.ui.actions import bindings
from autodl_tui.ui.rows import CONTAINER_COLUMNS, DEPLOYMENT_COLUMNS, container_sort_value
from autodl_tui.ui.units import ZONE_LABEL
from autodl_tui.ui.widgets.event_log import EventLog
from autodl_tui.ui.widgets.heatmap import StockHeatmap
from autodl_tui.ui.widgets.vtable import VirtualTable

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from typing import Self

    from textual.binding import BindingType
    from textual.widget import Widget


class RowHost(Protocol):
    """The screen a table's row actions run on (set as `PaneTable.host` when mounted)."""

    def action_state(self, action: str) -> bool | None:
        """True: allowed; None: greyed out; False: hidden (read-only)."""

    def action_row(self, name: str) -> None:
        """Run a row action on the selection, or say why not."""

    def refresh_row_actions(self) -> None:
        """Re-grey the footer's row keys for the row now under a cursor."""


class PaneFrame(Vertical):
    """A pane's bordered box; a new border title or subtitle repaints only its border row."""

    #: While `set_border_text` runs: the border row it changes (0 top, -1 bottom), else None.
    _border_row: int | None = None

    def set_border_text(self, which: Literal["title", "subtitle"], text: str, cells: int) -> None:
        """Show outside text, cut to `cells`, as the border title (top) or subtitle (bottom)."""
        # Textual repaints the whole pane for a new border text, every line of it, and the
        # events pane's count changes with each batch: `refresh` narrows that to the row.
        self._border_row = 0 if which == "title" else -1
        try:
            if which == "title":
                self.border_title = display_title(text, cells)
            else:
                self.border_subtitle = display_title(text, cells)
        finally:
            self._border_row = None

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        """Repaint; the repaint a border text asks for covers its border row only."""
        row = self._border_row
        outer = self.outer_size
        if row is not None and not (regions or layout or recompose) and self.is_mounted and outer:
            # Regions are relative to the content area; the border rows lie outside it.
            offset = self.content_offset
            y = 0 if row == 0 else outer.height - 1
            regions = (Region(-offset.x, y - offset.y, outer.width, 1),)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


class PaneTable(VirtualTable):
    """A table whose row actions are decided and run by its host screen."""

    host: RowHost | None = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out a row action that does not apply; hide a mutating one when read-only."""
        if action == "row" and parameters and self.host is not None:
            return self.host.action_state(str(parameters[0]))
        return True

    def action_row(self, name: str) -> None:
        """Run row action `name` (`actions.ACTIONS`) on the screen."""
        if self.host is not None:
            self.host.action_row(name)

    def cursor_changed(self) -> None:
        """Grey the footer's row keys for the new row now, so they change in the same frame."""
        super().cursor_changed()
        if self.host is not None:
            self.host.refresh_row_actions()


class DeploymentsTable(PaneTable):
    """Deployments: moving the cursor selects; s scale, x stop, ctrl+d delete, C clone."""

    BINDINGS: ClassVar[list[BindingType]] = [*bindings("deployments")]


class ContainersTable(PaneTable):
    """Containers of the selected deployment (or all: a): enter detail, copy, stop, blacklist."""

    BINDINGS: ClassVar[list[BindingType]] = [*bindings("containers")]


def _deployments_table(now: Callable[[], datetime]) -> Widget:
    table = DeploymentsTable(id="deployments")
    table.set_columns(DEPLOYMENT_COLUMNS)
    table.clock = lambda: now().timestamp()  # ages are formatted when painted
    table.empty_text = "Loading deployments…"
    return table


def _containers_table(now: Callable[[], datetime]) -> Widget:
    table = ContainersTable(id="containers")
    table.set_columns(CONTAINER_COLUMNS)
    table.sort_value = container_sort_value  # rows hold their container, not a tuple
    table.clock = lambda: now().timestamp()
    table.empty_text = "Select a deployment"
    return table


def _no_scope(_name: str, _fleet_wide: bool) -> str:
    return ""


@dataclass(frozen=True)
class PaneSpec:
    """One pane: its id, title, widget, and how the screen's keys treat it."""

    key: str
    title: str
    #: Builds the pane's widget (id `key`), given the clock.
    make: Callable[[Callable[[], datetime]], Widget]
    #: Why "/" does nothing here ("" when the pane filters).
    no_filter: str = ""
    #: Title suffix, given the selected deployment's ": name" (or "") and fleet-wide mode.
    scope: Callable[[str, bool], str] = _no_scope
    #: Escape in this pane goes back to the first pane.
    escape_back: bool = False
    #: What help calls its focus key, when shorter than the title.
    short: str = ""


PANES: tuple[PaneSpec, ...] = (
    PaneSpec("deployments", "Deployments", _deployments_table),
    PaneSpec(
        "containers",
        "Containers",
        _containers_table,
        scope=lambda name, fleet: ": all deployments" if fleet else name,
        escape_back=True,
    ),
    PaneSpec(
        "events",
        "Events",
        lambda now: EventLog(id="events", now=now),
        # Event times are the service's (China Standard Time): the title says so.
        scope=lambda name, _fleet: f"{name} · {ZONE_LABEL}",
        escape_back=True,
    ),
    PaneSpec(
        "stock",
        "GPU stock",
        lambda now: StockHeatmap(id="stock", now=now),
        no_filter="The stock pane has no filter; move with the arrow keys.",
        short="Stock",
    ),
)
"""The panes, in grid order (row by row, two per row) and numbered 1, 2, … for their keys."""

PANE_KEYS = tuple(spec.key for spec in PANES)


def pane_title(number: int, spec: PaneSpec) -> str:
    """The title a pane starts with (and the tab strip shows): "2 Containers"."""
    return f"{number} {spec.title}"


def focus_bindings() -> list[Binding]:
    """One key per pane, 1 to n.

    Priority: the app runs them the moment it reads them, so focus has moved before the
    keys typed right after are handed out ("/llm", "2c" arriving in one burst over a laggy
    link would otherwise act on the old pane). check_action lets them through as text
    while the filter line has focus.
    """
    return [
        Binding(
            str(number),
            f"focus_pane('{spec.key}')",
            spec.short or spec.title,
            show=False,
            id=f"focus-{spec.key}",
            priority=True,
        )
        for number, spec in enumerate(PANES, start=1)
    ]
