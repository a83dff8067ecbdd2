"""The footer frees the keys of its old layouts (Textual's own keeps them alive)."""

from __future__ import annotations

import gc
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static

from autodl_tui.ui.widgets.footer import FooterKey, KeyFooter


class Popup(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        yield Static("popup")


class FooterApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "open", "Open"),
        Binding("a", "bell", "A"),
        Binding("b", "ring", "B"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("main")
        yield KeyFooter()

    def action_ring(self) -> None:
        self.bell()

    def action_open(self) -> None:
        self.push_screen(Popup())


def footer_keys_alive() -> int:
    gc.collect()
    return sum(isinstance(o, FooterKey) for o in gc.get_objects())


async def test_opening_and_closing_screens_does_not_pile_up_footer_keys() -> None:
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause(0.1)
        for _ in range(10):
            await pilot.press("m")
            await pilot.pause(0.02)
            await pilot.press("escape")
            await pilot.pause(0.02)
        await pilot.pause(0.2)
        shown: Any = app.screen.query(FooterKey)
        # Each round trip recomposes the footer; only the keys on screen may survive.
        assert footer_keys_alive() == len(shown)
        assert {key.description for key in shown} >= {"Open", "A", "B"}
