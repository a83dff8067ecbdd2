"""`[alerts]` in the config file: defaults, every key validated with a message naming it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import tomlkit

from autodl_tui.alerts.model import AlertSettings
from autodl_tui.config import (
    ConfigError,
    default_config_text,
    load_settings,
    parse_alerts,
    parse_settings,
)


def test_no_alerts_table_means_the_defaults() -> None:
    settings = parse_settings({})
    assert settings.alerts == AlertSettings()
    assert settings.alerts.enabled("container_stopped")
    assert not settings.alerts.enabled("stock")  # nothing watched
    assert settings.alerts.desktop == "off" and not settings.alerts.bell
    assert settings.alerts.command == ()


def test_a_full_table_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        """
[alerts]
job_finished = false
below_replicas_minutes = 15
package_low_hours = 6.5
watch_gpus = ["H800", " RTX 4090 "]
watch_regions = ["westDC2", "beijingDC1"]
bell = true
desktop = "osc777"
command = ["notify-send", "AutoDL alert"]
command_timeout = 20
""",
        encoding="utf-8",
    )
    a = load_settings(path).alerts
    assert not a.enabled("job_finished") and a.enabled("stock")
    assert a.below_replicas_minutes == 15 and a.package_low_hours == 6.5
    assert a.watch_gpus == ("H800", "RTX 4090")
    assert a.watch_regions == ("westDC2", "beijingDC1")
    assert a.bell and a.desktop == "osc777"
    assert a.command == ("notify-send", "AutoDL alert") and a.command_timeout == 20


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"bel": True}, "[alerts]: unknown key 'bel'; did you mean 'bell'?"),
        ({"bell": "yes"}, "[alerts]: bell must be true or false, got str"),
        ({"below_replicas_minutes": 0}, "[alerts]: below_replicas_minutes must be between 0.5"),
        ({"package_low_hours": "12"}, "[alerts]: package_low_hours must be a number of hours"),
        ({"command_timeout": 1000}, "[alerts]: command_timeout must be between 1 and 300 seconds"),
        ({"watch_gpus": "H800"}, "[alerts]: watch_gpus must be a list of strings"),
        ({"watch_gpus": ["H800\x1b[2J"]}, "[alerts]: watch_gpus: an item is blank or holds"),
        ({"watch_gpus": ["x"] * 21}, "[alerts]: watch_gpus: at most 20 models"),
        ({"watch_regions": ["westdc2"]}, "unknown region code 'westdc2'; did you mean 'westDC2'?"),
        ({"desktop": "osc52"}, "[alerts]: desktop must be one of 'off', 'osc9', 'osc777'"),
        ({"command": "notify-send hi"}, "[alerts]: command must be a list of arguments"),
        ({"command": ["notify-send", 3]}, "[alerts]: command must be a list of strings"),
        ({"command": [""]}, "[alerts]: command: an item is blank"),
    ],
)
def test_bad_values_name_the_key(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_alerts(table)
    assert message in str(info.value)


def test_alerts_must_be_a_table_and_the_error_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"alerts must be a table"):
        parse_settings({"alerts": 3})
    path = tmp_path / "config.toml"
    path.write_text('[alerts]\ndesktop = "loud"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"^{path}: \[alerts\]: desktop must be one of"):
        load_settings(path)


def test_the_default_config_text_documents_alerts_and_stays_readable() -> None:
    lines = default_config_text().splitlines()
    start = lines.index("# [alerts]")
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    # The commented example, uncommented, is a valid [alerts] table.
    doc = tomlkit.parse("\n".join(line.removeprefix("# ") for line in lines[start:end]))
    alerts = parse_alerts(doc.unwrap()["alerts"])
    assert alerts.desktop == "osc9" and alerts.watch_gpus == ("H800",)
