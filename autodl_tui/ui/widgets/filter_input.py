"""The filter line: an `Input` whose keystrokes repaint the line, not lay out the screen.

Textual's `Input` sets its virtual size (text width + 1) on every change of its value, and
that reactive asks for a layout of the whole screen: with a 10,000-row table on screen,
a third of each keystroke's cost. While the text fits in the box there is nothing to
scroll, so the size is recorded without asking for one; a longer text takes Textual's path.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Input

__all__ = ["FilterInput"]


class FilterInput(Input):
    """`Input` without a screen layout per keystroke while the text fits."""

    layouts_skipped = 0
    """Value changes that repainted the line only (the text fitted in the box)."""

    def _watch_value(self, value: str) -> None:
        size = Size(self.content_width, 1)
        room = self.scrollable_content_region.width
        if room and size.width <= room and self.virtual_size.width <= room:
            # Record the size quietly: `Input` then assigns an equal value, a no-op.
            self.set_reactive(Widget.virtual_size, size)
            self.layouts_skipped += 1
        super()._watch_value(value)
