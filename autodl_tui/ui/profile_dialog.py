"""Pick a profile to switch to: the config file's `[profiles.NAME]` tables, the current marked."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static

from autodl_tui.display import text
from autodl_tui.ui.dialogs import Dialog

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.binding import BindingType
    from textual.events import Key


def number(index: int) -> str:
    """The digit that picks the profile at `index` ("" past the ninth)."""
    return f"{index + 1}  " if index < 9 else "   "


class ProfilePickDialog(Dialog[str | None]):
    """The profiles by name; Enter switches to the highlighted one."""

    AUTO_FOCUS = "#profiles"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=False),
    ]

    def __init__(self, names: list[str], current: str) -> None:
        super().__init__()
        self._names = names
        self._current = current

    def compose(self) -> ComposeResult:
        """Title, the list, keys."""
        with Vertical(id="dialog", classes="box"):
            yield Static("Switch profile", classes="title")
            yield OptionList(
                *(
                    text(
                        f"{number(i)}{name}  (current)"
                        if name == self._current
                        else f"{number(i)}{name}"
                    )
                    for i, name in enumerate(self._names)
                ),
                id="profiles",
            )
            yield Static(
                "The config file is read again; polling starts over with the profile's "
                "server, token and settings.",
                classes="explain",
            )
            yield Static("Enter switch · 1-9 switch to that one · Esc cancel", classes="keys")

    def on_mount(self) -> None:
        """Start on the current profile."""
        if self._current in self._names:
            self.query_one(OptionList).highlighted = self._names.index(self._current)

    def on_key(self, event: Key) -> None:
        """A digit picks that profile at once (the list shows each one's number)."""
        if event.character and event.character in "123456789":
            index = int(event.character) - 1
            if index < min(len(self._names), 9):
                event.stop()
                self.finish(self._names[index])

    def submit(self) -> None:
        """Return the highlighted profile's name."""
        index = self.query_one(OptionList).highlighted
        if index is not None:
            self.finish(self._names[index])
