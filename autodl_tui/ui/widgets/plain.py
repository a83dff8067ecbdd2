"""`Plain`: the widget for text that comes from outside (names, msgs, paths, credentials).

A `Static` parses strings as markup unless told otherwise, and even with `markup=False` it
passes control characters through to the terminal. `Plain` takes any value and shows it
through the display boundary (`autodl_tui.display`): never markup, every control visible.
Outside text is shown with `Plain`; `Static` is kept for the app's own constant strings
(a test checks that no `Static` gets anything else).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import Static

from autodl_tui.display import fit, safe_text, text
from autodl_tui.ui.guard import Guarded

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = ["ONE_LINE_CELLS", "Plain", "shown"]

#: Widest a one-line value is kept (wider than any terminal a person uses).
ONE_LINE_CELLS = 240


def shown(value: object, one_line: bool = False) -> RenderableType:
    """What a `Plain` renders for `value`: a `Text` with its controls shown.

    `one_line` (a name, an id, a field's value) shows a line break as ␊ too, so a value
    cannot pass itself off as two lines of the screen.
    """
    if isinstance(value, Text):
        return safe_text(value)
    if one_line:
        # A field's value, cut to what any screen can show of one line.
        return Text(fit(value, ONE_LINE_CELLS))
    return text(value, newlines=True)


class Plain(Guarded, Static):
    """A `Static` for untrusted text: `Plain(value)`, `.update(value)`, shown literally."""

    def __init__(self, value: object = "", *, one_line: bool = False, **kwargs: Any) -> None:
        kwargs.pop("markup", None)  # never markup, whatever a caller asks for
        self.one_line = one_line
        super().__init__(shown(value, one_line), markup=False, **kwargs)
        if one_line:
            # One line on screen too: a 10 kB value is cut with an ellipsis, not wrapped
            # over the whole screen.
            self.styles.text_wrap = "nowrap"
            self.styles.text_overflow = "ellipsis"

    def update(self, value: object = "", *, layout: bool = True) -> None:
        """Show `value` (any object) instead, literally."""
        super().update(shown(value, self.one_line), layout=layout)
