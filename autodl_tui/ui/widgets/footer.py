"""A footer that greys keys out in place instead of rebuilding itself, and frees old keys.

Textual's `Footer` recomposes (removes and mounts every key widget, then lays the screen
out again: 10-80 ms with a large table on screen) on every change of the screen's
bindings, even when the only change is which row actions apply to the row under the
cursor. `KeyFooter` recognises that case, the same keys in the same order with other
enabled flags, and toggles those keys' dimmed style: a repaint of one line, in the same
frame as the change that caused it (Textual 8.2's `Widget._check_refresh`).

It also fixes a leak of Textual 8.2's footer: every key is data-bound to the footer's
`compact` reactive, which registers a watcher on the footer. A recompose (a dialog closes,
focus moves to another pane) removes the old keys but leaves their watchers, and so the
keys, alive until `compact` changes, which here is never; the soak found 24 dead keys per
dialog opened. The watchers of detached keys are dropped before each compose.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

__all__ = ["KeyFooter"]


class KeyFooter(Footer):
    """`Footer`, with a cheap path for keys that only became enabled or disabled."""

    recomposes = 0
    """How many binding changes rebuilt this footer (the others were done in place)."""

    def compose(self) -> ComposeResult:
        """Prune the watchers of removed keys, then compose the keys as Textual does."""
        # Textual keeps watchers in this attribute (textual.reactive._watch).
        watchers: dict[str, list[tuple[object, object]]] = getattr(self, "__watchers", {})
        for entries in watchers.values():
            entries[:] = [
                (node, callback) for node, callback in entries if getattr(node, "is_attached", True)
            ]
        yield from super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Toggle greyed-out keys in place when only that changed; otherwise recompose."""
        if (
            self._bindings_ready
            and screen.app.app_focus
            and self.is_attached
            and screen is self.screen
            and self._regrey(screen)
        ):
            return
        self.recomposes += 1
        super().bindings_changed(screen)

    def _wanted(self, screen: Screen[object]) -> list[tuple[Binding, bool]]:
        """The keys `compose` shows, in order: each shown action's first binding, palette."""
        first: dict[str, tuple[Binding, bool]] = {}
        active = screen.active_bindings
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show:
                first.setdefault(binding.action, (binding, enabled))
        wanted = list(first.values())
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = active.get(self.app.COMMAND_PALETTE_BINDING)
            if palette is not None:
                wanted.append((palette.binding, palette.enabled))
        return wanted

    def _regrey(self, screen: Screen[object]) -> bool:
        """Apply new enabled flags to the shown keys; False if the keys themselves changed."""
        keys = list(self.query(FooterKey))
        wanted = self._wanted(screen)
        if not keys or len(keys) != len(wanted):
            return False
        for widget, (binding, _enabled) in zip(keys, wanted, strict=True):
            if widget.key != binding.key or widget.action != binding.action:
                return False
        for widget, (_binding, enabled) in zip(keys, wanted, strict=True):
            if widget._disabled == enabled:  # i.e. the flag differs from what is shown
                widget._disabled = not enabled
                widget.set_class(not enabled, "-disabled")
                # Hand the repaint to the screen now, not on the key's next idle turn: the
                # dimmed key then shows in the same frame as the cursor move that caused it.
                widget._check_refresh()
        return True
