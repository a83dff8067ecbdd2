"""Config file: comments survive a save, mode 0600, validation, token precedence."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from autodl_tui.config import (
    ConfigError,
    Settings,
    load_settings,
    others_can_read,
    resolve_token,
    save_settings,
)


def test_save_keeps_user_comments_and_order_and_writes_0600(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "# my notes about this account\n"
        "refresh = 5 # poll slower\n\n"
        '[keymap]\n"deployments-scale" = "S"\n'
    )
    save_settings({"token": "tok-123", "keymap": {"app-zoom": "Z"}}, path)
    text = path.read_text()
    assert "# my notes about this account" in text and "# poll slower" in text
    assert text.index("refresh") < text.index("token")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    settings = load_settings(path)
    assert settings.token == "tok-123" and settings.refresh == 5
    assert settings.keymap == {"deployments-scale": "S", "app-zoom": "Z"}
    assert not others_can_read(path)
    path.chmod(0o644)
    assert others_can_read(path)


@pytest.mark.parametrize(
    "body",
    [
        "refresh = 'fast'",
        "refresh = 0",
        "read_only = 1",
        "[keymap]\nx = 3",
        "token = [1]",
        "= broken",
    ],
)
def test_bad_config_gives_a_clear_error(tmp_path: Path, body: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(body)
    with pytest.raises(ConfigError):
        load_settings(path)


def test_saving_an_invalid_value_never_writes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("refresh = 3\n")
    with pytest.raises(ConfigError):
        save_settings({"refresh": -1}, path)
    assert path.read_text() == "refresh = 3\n"


def test_token_precedence_flag_then_env_then_file(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(token="from-file")
    monkeypatch.delenv("AUTODL_TOKEN", raising=False)
    assert resolve_token(None, settings) == "from-file"
    monkeypatch.setenv("AUTODL_TOKEN", "from-env")
    assert resolve_token(None, settings) == "from-env"
    assert resolve_token("from-flag", settings) == "from-flag"
    assert "from-file" not in repr(settings)
