"""A one-paragraph banner under the status line for problems polling cannot fix by itself."""

from __future__ import annotations

from textual.widgets import Static

from autodl_tui.ui.guard import Guarded

__all__ = ["AUTH_TEXT", "PERMISSION_TEXT", "Banner"]

AUTH_TEXT = (
    "The API rejected the developer token (AuthorizeFailed): it expired or was revoked. "
    "Polling is paused and the data below is stale. Paste a new token "
    "(控制台 → 设置 → 开发者Token); r retries with the old one."
)
PERMISSION_TEXT = (
    "This account is not enterprise-verified, so AutoDL answers 无当前资源访问权限 to every "
    "elastic-deployment call: deployments, containers and events stay empty. GPU stock and "
    "images still work. Verify the account (控制台 → 账号 → 企业认证), then press r."
)


class Banner(Guarded, Static):
    """Hidden until `show`; `kind` says which problem it explains (auth, permission)."""

    DEFAULT_CSS = """
    Banner {
        display: none;
        height: auto;
        padding: 0 1;
        background: $error-muted;
        color: $text;
    }
    Banner.-permission { background: $warning-muted; }
    Banner.visible { display: block; }
    """

    def __init__(self) -> None:
        super().__init__(id="banner", markup=False)
        self.kind = ""

    def show(self, kind: str, text: str) -> None:
        """Explain a problem of `kind`."""
        self.kind = kind
        self.set_class(kind == "permission", "-permission")
        self.update(text)
        self.add_class("visible")

    def clear(self, kind: str | None = None) -> None:
        """Hide the banner (only if it explains `kind`, when given)."""
        if kind is not None and kind != self.kind:
            return
        self.kind = ""
        self.update("")
        self.remove_class("visible")
