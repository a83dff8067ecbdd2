"""Textual's footer, without the leak of its recompose.

Every key in Textual 8.2's Footer is data-bound to the footer's `compact` reactive, which
registers a watcher on the footer. A recompose (each time the active bindings change: a
dialog closes, focus moves to another pane, an action greys out) removes the old keys but
leaves their watchers, and so the keys themselves, alive until `compact` changes, which in
this app is never. Over a day of use that is thousands of dead widgets; here the watchers
of detached keys are dropped before each compose.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """The key footer; drops watchers left by keys a recompose removed."""

    def compose(self) -> ComposeResult:
        """Prune dead watchers, then compose the keys as Textual does."""
        # Textual keeps watchers in this attribute (textual.reactive._watch).
        watchers: dict[str, list[tuple[object, object]]] = getattr(self, "__watchers", {})
        for entries in watchers.values():
            entries[:] = [
                (node, callback) for node, callback in entries if getattr(node, "is_attached", True)
            ]
        yield from super().compose()
