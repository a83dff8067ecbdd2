"""The filter line: an `Input` whose keystrokes repaint the line, not lay out the screen.

Textual's `Input` sets its virtual size (text width + 1) on every change of its value, and
that reactive asks for a layout of the whole screen: with a 10,000-row table on screen,
a third of each keystroke's cost. While the text fits in the box there is nothing to
scroll, so the size is recorded without asking for one (in `validate_value`, Textual's
public hook that runs before the value's watchers); a longer text takes Textual's path.

Escape clears the line, hides it and posts `FilterInput.Closed`: the screen then gives
focus back to the pane the filter was for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from autodl_tui.ui.guard import Guarded

if TYPE_CHECKING:
    from textual.binding import BindingType

__all__ = ["FilterInput"]

#: The class that shows the filter line (the screen's CSS hides it otherwise).
VISIBLE = "visible"


class FilterInput(Guarded, Input):
    """`Input` without a screen layout per keystroke while the text fits; Escape closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Clear the filter", show=False),
    ]

    class Closed(Message):
        """The user left the filter line with Escape: it is empty and hidden."""

    layouts_skipped = 0
    """Value changes that repainted the line only (the text fitted in the box)."""

    def validate_value(self, value: str) -> str:
        """`value` as it is; record its width quietly when it fits the box."""
        # `Input.content_width` of the new value: the placeholder when empty, else the
        # text and one cell for the cursor.
        width = (
            cell_len(self.placeholder) if self.placeholder and not value else cell_len(value) + 1
        )
        room = self.scrollable_content_region.width
        if value != self.value and room and width <= room and self.virtual_size.width <= room:
            # `Input` then assigns an equal size, a no-op.
            self.set_reactive(Widget.virtual_size, Size(width, 1))
            self.layouts_skipped += 1
        return value

    def action_close(self) -> None:
        """Clear and hide the line; the screen hands focus back to its pane."""
        self.clear()
        self.remove_class(VISIBLE)
        self.post_message(self.Closed())
