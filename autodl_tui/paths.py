"""Where autodl-tui keeps its files: config and templates, and the state dir for logs."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "autodl-tui"


def config_dir() -> Path:
    """`$XDG_CONFIG_HOME/autodl-tui` (platformdirs' answer on each OS)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    """The config file; `AUTODL_TUI_CONFIG` overrides its location."""
    override = os.environ.get("AUTODL_TUI_CONFIG")
    return Path(override) if override else config_dir() / "config.toml"


def templates_dir() -> Path:
    """Saved deployment templates: `templates/NAME.toml` beside the config file.

    Follows `AUTODL_TUI_CONFIG`, so a relocated config keeps its templates next to it.
    """
    return config_file().parent / "templates"


def state_dir() -> Path:
    """`$XDG_STATE_HOME/autodl-tui`: the log file lives here."""
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))
