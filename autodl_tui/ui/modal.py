"""The base of every screen over the fleet: centred, in a framed box, dismissed once."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

from autodl_tui.ui.guard import Guarded

__all__ = ["Modal"]

ResultT = TypeVar("ResultT")


class Modal(Guarded, ModalScreen[ResultT]):
    """A modal screen centred over the one below; `finish` dismisses it once.

    Its box is the child with the class `box`: framed, on the surface colour, never wider
    than the terminal. A screen sets the box's width (and its height or padding when
    they differ).
    """

    DEFAULT_CSS = """
    Modal {
        align: center middle;
    }
    Modal > .box {
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    """

    def __init__(self, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._finished = False

    @property
    def finished(self) -> bool:
        """Whether `finish` has dismissed the screen already."""
        return self._finished

    def finish(self, result: ResultT | None = None) -> None:
        """Dismiss once; a second key queued before the pop must not dismiss the screen below."""
        if self._finished:
            return
        self._finished = True
        self.dismiss(result)
