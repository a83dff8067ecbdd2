"""The views a key opens over the main screen, declared once: binding, help and palette entry."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class ScreenView:
    """A view the main screen opens over itself: its key, and how help and the palette name it."""

    key: str
    action: str
    label: str
    binding_id: str
    palette_help: str

    def binding(self) -> Binding:
        """The key binding (shown in help, not in the footer)."""
        return Binding(self.key, self.action, self.label, id=self.binding_id, show=False)


#: Every such view, declared once: bindings, help and the command palette derive from it.
SCREEN_VIEWS = (
    ScreenView("i", "open_images", "Images", "open-images", "Private and public images"),
    ScreenView("B", "open_blacklist", "Blacklist", "open-blacklist", "Blacklisted hosts"),
    ScreenView("T", "open_tunnels", "Tunnels", "open-tunnels", "Port forwards opened with t"),
    ScreenView("A", "open_alerts", "Alerts", "open-alerts", "Alerts fired this session"),
    ScreenView(
        "H", "open_slow_hosts", "Slow hosts", "open-slow-hosts",
        "Hosts slow to start containers; b blacklists one",
    ),
)  # fmt: skip
