"""The config file: read and written with tomlkit so a user's comments and order survive.

Token precedence is `--token`, then `AUTODL_TOKEN`, then the file. The file is written with
mode 0600 because it may hold the token.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table

from autodl_tui.paths import config_file

DEFAULT_BASE_URL = "https://api.autodl.com"

_HEADER = """\
autodl-tui configuration. Comments you add here are kept when the app saves the file.
token: developer token from 控制台 -> 设置 -> 开发者Token (AUTODL_TOKEN overrides it).
"""


class ConfigError(Exception):
    """The config file exists but cannot be used; the message says which key and why."""


@dataclass
class Settings:
    """Everything the app reads from the config file, with defaults."""

    token: str = field(default="", repr=False)
    base_url: str = DEFAULT_BASE_URL
    #: Seconds between polls of deployments, containers and events.
    refresh: float = 2.0
    #: Seconds between polls of GPU stock (it costs 11 requests).
    stock_refresh: float = 30.0
    read_only: bool = False
    theme: str = "textual-dark"
    #: Binding id -> keys, e.g. {"deployments-scale": "S"}.
    keymap: dict[str, str] = field(default_factory=dict)


def _number(doc: dict[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key} must be a number of seconds, got {value!r}")
    if not low <= float(value) <= high:
        raise ConfigError(f"{key} must be between {low:g} and {high:g}, got {value}")
    return float(value)


def _text(doc: dict[str, Any], key: str, default: str) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string, got {type(value).__name__}")
    return value


def parse_settings(doc: dict[str, Any]) -> Settings:
    """Validate a decoded config document into Settings; raise ConfigError naming the key."""
    read_only = doc.get("read_only", False)
    if not isinstance(read_only, bool):
        raise ConfigError(f"read_only must be true or false, got {read_only!r}")
    keymap = doc.get("keymap", {})
    if not isinstance(keymap, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()
    ):
        raise ConfigError("[keymap] must map binding ids to key strings")
    return Settings(
        token=_text(doc, "token", ""),
        base_url=_text(doc, "base_url", DEFAULT_BASE_URL),
        refresh=_number(doc, "refresh", 2.0, 0.5, 3600),
        stock_refresh=_number(doc, "stock_refresh", 30.0, 5, 86400),
        read_only=read_only,
        theme=_text(doc, "theme", "textual-dark"),
        keymap={str(k): str(v) for k, v in keymap.items()},
    )


def load_document(path: Path | None = None) -> tomlkit.TOMLDocument:
    """The config file as an editable document (empty if there is no file)."""
    path = path or config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return tomlkit.document()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def load_settings(path: Path | None = None) -> Settings:
    """Read and validate the config file (defaults when it does not exist)."""
    return parse_settings(load_document(path).unwrap())


def others_can_read(path: Path | None = None) -> bool:
    """Whether group or others may read the file: it can hold the token."""
    path = path or config_file()
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRGRP | stat.S_IROTH))


def permission_warning(path: Path | None = None) -> str:
    """What to tell the user when `others_can_read(path)`."""
    path = path or config_file()
    return f"{path} is readable by other users and may hold your token; run: chmod 600 {path}"


def save_settings(updates: dict[str, Any], path: Path | None = None) -> Path:
    """Merge `updates` into the file (keeping comments and order) and write it with mode 0600."""
    path = path or config_file()
    doc = load_document(path)
    if not doc.body:
        for line in _HEADER.splitlines():
            doc.add(tomlkit.comment(line))
    for key, value in updates.items():
        if isinstance(value, dict):
            table = doc.get(key)
            if not isinstance(table, Table):
                table = tomlkit.table()
                doc[key] = table
            for sub_key, sub_value in value.items():
                table[sub_key] = sub_value
        else:
            doc[key] = value
    parse_settings(doc.unwrap())  # never write a file the app could not read back
    path.parent.mkdir(parents=True, exist_ok=True)
    # Create with 0600 from the start so the token is never briefly world-readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(tomlkit.dumps(doc))
    os.chmod(path, 0o600)
    return path


def resolve_token(flag: str | None, settings: Settings) -> str:
    """`--token` wins, then `AUTODL_TOKEN`, then the file; empty when none is set."""
    return flag or os.environ.get("AUTODL_TOKEN", "") or settings.token
