"""Key help: the app's own bindings, grouped by where they apply.

The app passes its bindings (after any keymap overrides), so what is listed is what works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from autodl_tui.ui.modal import Modal
from autodl_tui.ui.widgets.plain import Plain

if TYPE_CHECKING:
    from collections.abc import Iterable

    from textual.app import ComposeResult
    from textual.binding import BindingType

__all__ = ["GROUP_ORDER", "HelpScreen", "group_bindings"]

GROUP_ORDER: tuple[str, ...] = ("Global", "Deployments", "Containers", "Events", "Stock")
"""Groups shown first, in this order; any other group follows in the order first seen."""


def group_bindings(
    bindings: Iterable[tuple[str, str, str]],
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Group (key, description, group) triples into [(group, [(key, description)])]."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for key, description, group in bindings:
        groups.setdefault(group or "Other", []).append((key, description))
    known = [g for g in GROUP_ORDER if g in groups]
    extra = [g for g in groups if g not in GROUP_ORDER]
    return [(g, groups[g]) for g in known + extra]


class HelpScreen(Modal[None]):
    """Modal list of the app's keys, grouped; Escape, ? or q closes it."""

    DEFAULT_CSS = """
    HelpScreen > #help {
        width: 80;
    }
    HelpScreen #title {
        text-style: bold;
    }
    HelpScreen #keys-list {
        height: auto;
        max-height: 70vh;  /* leaves room for the title and key hints */
    }
    HelpScreen .group {
        margin-top: 1;
        color: $text-accent;
        text-style: bold;
    }
    HelpScreen #hint {
        color: $text-muted;
        margin-top: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", show=False),
    ]

    def __init__(self, bindings: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self._groups = group_bindings(bindings)

    def compose(self) -> ComposeResult:
        """Title, one block per group, close hint."""
        with Vertical(id="help", classes="box"):
            yield Static("Keys", id="title")
            with VerticalScroll(id="keys-list"):
                if not self._groups:
                    yield Static("No key bindings.")
                for group, rows in self._groups:
                    yield Plain(group, classes="group")
                    yield Plain(_table(rows), classes="rows")
            yield Static("↑/↓ scroll · Esc/?/q close", id="hint")

    def action_close(self) -> None:
        """Close the help (once: a queued second key must not pop the screen below)."""
        self.finish(None)


def _table(rows: list[tuple[str, str]]) -> Text:
    # Keys padded to one column; cell_len, because a key label may hold wide characters.
    width = max(cell_len(key) for key, _ in rows)
    parts: list[str | tuple[str, str]] = []
    for index, (key, description) in enumerate(rows):
        if index:
            parts.append("\n")
        parts.append((key, "bold"))
        parts.append(" " * (width - cell_len(key) + 2))
        parts.append(description)
    # Keys come from the user's [keymap]: shown literally (Plain cleans the result).
    return Text.assemble(*parts)
