"""`--config`, `--profile` (and AUTODL_TUI_PROFILE), `config --print-default|--path`, `--help`."""

from __future__ import annotations

import tomlkit
from cli_helpers import cli

from autodl_tui.config import Settings, parse_settings


def test_print_default_is_a_valid_config(capsys, monkeypatch) -> None:
    done = cli(capsys, monkeypatch, "config", "--print-default")
    assert done.code == 0
    assert parse_settings(tomlkit.parse(done.out).unwrap()) == Settings()
    assert "[profiles.prod]" in done.out


def test_config_path_follows_the_flag(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("AUTODL_TUI_CONFIG", raising=False)
    target = tmp_path / "elsewhere.toml"
    done = cli(capsys, monkeypatch, "--config", str(target), "config", "--path")
    assert done.out.strip() == str(target)


def test_the_app_gets_the_profile_and_its_settings(tmp_path, capsys, monkeypatch) -> None:
    import autodl_tui.ui.launch as launch

    config = tmp_path / "c.toml"
    config.write_text('[profiles.lab]\nbase_url = "http://127.0.0.1:1"\ntoken = "lab.token"\n')
    config.chmod(0o600)
    seen: dict[str, object] = {}

    def fake_run_app(
        settings: Settings, *, token: str, demo: bool, warnings: object, **flags: bool
    ) -> int:
        seen.update(profile=settings.profile, base_url=settings.base_url, token=token)
        return 0

    monkeypatch.setattr(launch, "run_app", fake_run_app)
    monkeypatch.delenv("AUTODL_TOKEN", raising=False)
    monkeypatch.setenv("AUTODL_TUI_PROFILE", "lab")
    assert cli(capsys, monkeypatch, "--config", str(config)).code == 0
    assert seen == {"profile": "lab", "base_url": "http://127.0.0.1:1", "token": "lab.token"}
    bad = cli(capsys, monkeypatch, "--config", str(config), "--profile", "lbа")
    assert bad.code == 2 and "no profile" in bad.err and "did you mean 'lab'" in bad.err


def test_help_shows_environment_files_and_exit_codes(capsys, monkeypatch) -> None:
    done = cli(capsys, monkeypatch, "--help")
    for text in (
        "AUTODL_TOKEN",
        "AUTODL_TUI_CONFIG",
        "AUTODL_TUI_PROFILE",
        "config  ",
        "log  ",
        "5 refused",
        "(default:",
    ):
        assert text in done.out, text
