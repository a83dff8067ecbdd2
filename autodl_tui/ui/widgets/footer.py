"""The key footer: Textual's look, built on public API, greying keys out in place.

Textual's `Footer` recomposes (removes and mounts every key widget, then lays the screen
out again: 10-80 ms with a large table on screen) on every change of the screen's
bindings, even when the only change is which row actions apply to the row under the
cursor. `KeyFooter` recognises that case, the same keys in the same order with other
enabled flags, and toggles those keys' dimmed style: a repaint of one line.

It is our own widget, not a subclass, because Textual 8.2's footer leaks (upstream issue
6666, still open in 8.2.8): every key is data-bound to the footer's `compact` reactive,
which registers a watcher on the footer, and a recompose leaves the old keys' watchers,
and so the keys, alive (24 dead keys per dialog opened). Here the footer sets its keys'
compact style itself, so nothing holds a removed key. It reads only public API: the
screen's `bindings_updated_signal` and `active_bindings`, and `App.get_key_display`.
Binding groups are not drawn as groups: no binding of ours has one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import ScrollableContainer
from textual.reactive import reactive
from textual.widget import Widget

from autodl_tui.ui.guard import Guarded

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.binding import ActiveBinding, Binding
    from textual.events import MouseDown, MouseScrollDown, MouseScrollUp, Resize
    from textual.screen import Screen

__all__ = ["FooterKey", "KeyFooter"]


#: Below this width the footer is compact (less space around each key).
COMPACT_BELOW = 120
#: The help key lists every key, so it comes first and stays on screen when others are cut.
_PINNED_ACTIONS = frozenset({"help", "app.help"})
#: The class of the command palette's key, docked at the right end.
PALETTE_CLASS = "-command-palette"


class FooterKey(Guarded, Widget):
    """One key of the footer: the key, its description, dimmed while it does not apply."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"footer-key--key", "footer-key--description"}

    # Textual 8.2's FooterKey style, so the footer looks as Textual's does.
    DEFAULT_CSS = """
    FooterKey {
        width: auto;
        height: 1;
        text-wrap: nowrap;
        background: $footer-item-background;
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
            padding: 0 1;
        }
        .footer-key--description {
            padding: 0 1 0 0;
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        &:hover {
            pointer: pointer;
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        &.-disabled {
            text-style: dim;
        }
        &.-compact {
            .footer-key--key {
                padding: 0;
            }
            .footer-key--description {
                padding: 0 0 0 1;
            }
        }
    }
    """

    def __init__(
        self,
        binding: Binding,
        key_display: str,
        *,
        enabled: bool,
        tooltip: str = "",
        classes: str = "",
    ) -> None:
        super().__init__(classes=classes)
        self.key = binding.key
        self.key_display = key_display
        self.description = binding.description
        self.action = binding.action
        self.enabled = enabled
        self.set_class(not enabled, "-disabled")
        self.set_reactive(Widget.shrink, False)
        if tooltip:
            self.with_tooltip(tooltip)

    def show_enabled(self, enabled: bool) -> None:
        """Dim the key (or not) and repaint it; its size does not change."""
        if enabled != self.enabled:
            self.enabled = enabled
            self.set_class(not enabled, "-disabled")
            self.refresh()

    def render(self) -> Text:
        """The key in bold, then its description, padded as the compact style says."""
        key_style = self.get_component_rich_style("footer-key--key")
        key_padding = self.get_component_styles("footer-key--key").padding
        key = (" " * key_padding.left + self.key_display + " " * key_padding.right, key_style)
        if self.description:
            padding = self.get_component_styles("footer-key--description").padding
            words = " " * padding.left + self.description + " " * padding.right
            text = Text.assemble(
                key, (words, self.get_component_rich_style("footer-key--description"))
            )
        else:
            text = Text.assemble(key)
        text.stylize_before(self.rich_style)
        return text

    def on_mouse_down(self, event: MouseDown) -> None:
        """A click presses the key, or rings the bell when it does not apply."""
        event.stop()
        if self.enabled:
            self.app.simulate_key(self.key)
        else:
            self.app.bell()


class KeyFooter(Guarded, ScrollableContainer, can_focus=False, can_focus_children=False):
    """The screen's keys, with a cheap path for keys that only became enabled or disabled.

    On a small terminal (80x24) it is compact and shows `? Help` first, so the way to every
    key that did not fit is always on screen.
    """

    ALLOW_SELECT = False
    # Textual 8.2's Footer style (without groups), so the footer looks as Textual's does.
    DEFAULT_CSS = """
    KeyFooter {
        layout: horizontal;
        color: $footer-foreground;
        background: $footer-background;
        dock: bottom;
        height: 1;
        scrollbar-size: 0 0;
        &.-compact {
            FooterKey {
                margin-right: 1;
            }
            /* The palette, docked at the right edge, would leave a right margin's cell to
               whatever key was cut under it. */
            FooterKey.-command-palette {
                margin-right: 0;
                padding-right: 1;
            }
        }
        FooterKey.-command-palette {
            dock: right;
            padding-right: 1;
            border-left: vkey $foreground 20%;
        }
    }
    """

    compact = reactive(False, toggle_class="-compact")
    """Less space around each key."""
    show_command_palette = reactive(True)
    """Show the command palette's key at the right end."""

    recomposes = 0
    """How many binding changes rebuilt this footer (the others were done in place)."""

    def __init__(self, *, compact: bool = False, show_command_palette: bool = True) -> None:
        super().__init__()
        self.bindings_ready = False
        self.set_reactive(KeyFooter.compact, compact)
        self.set_reactive(KeyFooter.show_command_palette, show_command_palette)
        self.set_class(compact, "-compact")

    def compose(self) -> ComposeResult:
        """One key per shown action (its first binding), help first, the palette's last."""
        if not self.bindings_ready:
            return
        shown = self._wanted(self.screen)
        palette = self._palette(self.screen)
        for active in shown:
            key = FooterKey(
                active.binding,
                self.app.get_key_display(active.binding),
                enabled=active.enabled,
                tooltip=active.tooltip,
            )
            key.set_class(self.compact, "-compact")
            yield key
        if palette is not None:
            # Textual's palette key is always compact-styled (it is not bound to `compact`).
            yield FooterKey(
                palette.binding,
                self.app.get_key_display(palette.binding),
                enabled=palette.enabled,
                tooltip=palette.binding.tooltip or palette.binding.description,
                classes=f"{PALETTE_CLASS} -compact",
            )

    def watch_compact(self, compact: bool) -> None:
        """The keys (but the palette's) take the footer's compact style."""
        for key in self.query(FooterKey):
            if not key.has_class(PALETTE_CLASS):
                key.set_class(compact, "-compact")

    def on_mount(self) -> None:
        """Follow the screen's bindings."""
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        """Stop following them."""
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self, event: Resize) -> None:
        """Compact below `COMPACT_BELOW` columns."""
        self.compact = event.size.width < COMPACT_BELOW

    def on_mouse_scroll_down(self, event: MouseScrollDown) -> None:
        """The wheel scrolls the keys sideways (the footer is one line)."""
        if self.allow_horizontal_scroll:
            event.stop()
            self.scroll_right()

    def on_mouse_scroll_up(self, event: MouseScrollUp) -> None:
        """The wheel scrolls the keys sideways (the footer is one line)."""
        if self.allow_horizontal_scroll:
            event.stop()
            self.scroll_left()

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Toggle greyed-out keys in place when only that changed; otherwise recompose."""
        was_ready, self.bindings_ready = self.bindings_ready, True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if was_ready and self._regrey(screen):
            return
        self.recomposes += 1
        self.call_after_refresh(self.recompose)

    def _wanted(self, screen: Screen[object]) -> list[ActiveBinding]:
        """The keys `compose` shows, in order, but the palette's: each action's first binding."""
        first: dict[str, ActiveBinding] = {}
        for active in screen.active_bindings.values():
            if active.binding.show:
                first.setdefault(active.binding.action, active)
        shown = list(first.values())
        # The help key first: what does not fit at the right end is cut, and help lists it.
        pinned = [a for a in shown if a.binding.action in _PINNED_ACTIONS]
        return pinned + [a for a in shown if a.binding.action not in _PINNED_ACTIONS]

    def _palette(self, screen: Screen[object]) -> ActiveBinding | None:
        """The command palette's binding, when its key is shown."""
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return None
        return screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)

    def _regrey(self, screen: Screen[object]) -> bool:
        """Apply new enabled flags to the shown keys; False if the keys themselves changed."""
        keys = list(self.query(FooterKey))
        wanted = self._wanted(screen)
        palette = self._palette(screen)
        if palette is not None:
            wanted.append(palette)
        if not keys or len(keys) != len(wanted):
            return False
        for widget, active in zip(keys, wanted, strict=True):
            if widget.key != active.binding.key or widget.action != active.binding.action:
                return False
        for widget, active in zip(keys, wanted, strict=True):
            widget.show_enabled(active.enabled)
        return True
