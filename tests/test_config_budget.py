"""The `requests_per_minute` key: validated like the others, default the budget's."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomlkit

from autodl_tui.budget import DEFAULT_REQUESTS_PER_MINUTE
from autodl_tui.config import ConfigError, Settings, default_config_text, load_settings


def test_the_default_is_the_budgets_default(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "none.toml").requests_per_minute == DEFAULT_REQUESTS_PER_MINUTE
    assert Settings().requests_per_minute == DEFAULT_REQUESTS_PER_MINUTE


def test_a_valid_value_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("requests_per_minute = 120\n")
    assert load_settings(path).requests_per_minute == 120


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "between 30 and 6000, got 0"),
        ("100000", "between 30 and 6000, got 100000"),
        ("60.5", "must be a whole number, got float"),
        ('"300"', "must be a whole number, got str"),
        ("true", "must be a whole number, got bool"),
    ],
)
def test_a_bad_value_names_the_key(tmp_path: Path, value: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"requests_per_minute = {value}\n")
    with pytest.raises(ConfigError, match="requests_per_minute") as info:
        load_settings(path)
    assert message in str(info.value)


def test_a_typo_suggests_the_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("request_per_minute = 100\n")
    with pytest.raises(ConfigError, match="did you mean 'requests_per_minute'"):
        load_settings(path)


def test_the_default_file_holds_the_key_and_reads_back() -> None:
    text = default_config_text()
    assert f"requests_per_minute = {DEFAULT_REQUESTS_PER_MINUTE}" in text
    assert tomlkit.parse(text).unwrap()["requests_per_minute"] == DEFAULT_REQUESTS_PER_MINUTE
