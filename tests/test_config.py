"""Config file: comments survive an atomic 0600 save; every bad value is a clear message."""

from __future__ import annotations

import argparse
import io
import os
import stat
from pathlib import Path

import pytest

from autodl_tui.config import (
    ConfigError,
    Settings,
    check_base_url,
    load_settings,
    others_can_read,
    resolve_token,
    save_settings,
)
from autodl_tui.token import TokenError


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
    ("body", "said"),
    [
        ("refresh = 'fast'", "refresh must be a number of seconds, got str"),
        ("refresh = 0", "refresh must be between 0.5 and 3600"),
        ("read_only = 1", "read_only must be true or false, got int"),
        ("[keymap]\nx = 3", "[keymap] must map binding ids to key strings"),
        ("token = [1]", "token must be a string, got list"),
        ('token = "ab cd"', "token: the token from the config file holds a space"),
        ('token = "abc\\u001b[2J"', "holds a control character (U+001B)"),
        ("theme = 3", "theme must be a string"),
        ("= broken", "is not valid TOML"),
        ("read_onIy = true", "unknown key 'read_onIy'; did you mean 'read_only'?"),
        ("refesh = 3", "unknown key 'refesh'; did you mean 'refresh'?"),
        ("zzz = 1", "unknown key 'zzz'; known keys: token, base_url, refresh"),
        ('base_url = ""', "base_url: the URL is empty"),
        ('base_url = "http://[::1"', "base_url: the URL is not a valid URL"),
        ('base_url = "api.autodl.com"', "base_url: the URL must start with http://"),
        ('base_url = "http://me:pw@h"', "base_url: the URL must not hold a user name"),
    ],
)
def test_bad_config_gives_a_clear_error_naming_the_key(
    tmp_path: Path, body: str, said: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(f"{path}: ") or "TOML" in said
    assert said in str(caught.value)
    assert "pw@" not in str(caught.value) and "ab cd" not in str(caught.value)


def test_invalid_utf8_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'theme = "\xff\xfe"\n')
    with pytest.raises(ConfigError, match="is not UTF-8 text .bad byte at offset 9"):
        load_settings(path)


def test_only_a_regular_file_is_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    for path, kind in (
        (fifo, "a FIFO"),
        (tmp_path, "a directory"),
        (Path("/dev/zero"), "a device"),
    ):
        with pytest.raises(ConfigError, match=f"is not a regular file \\({kind}\\)"):
            load_settings(path)
    link = tmp_path / "link.toml"
    link.symlink_to(fifo)
    with pytest.raises(ConfigError, match="a FIFO"):
        load_settings(link)
    assert load_settings(tmp_path / "missing.toml") == Settings()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("refresh = 3\n")
    path.chmod(0)
    with pytest.raises(ConfigError, match="cannot read .*: Permission denied"):
        load_settings(path)


def test_a_refused_open_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text("refresh = 3\n")

    def denied(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("autodl_tui.config.os.open", denied)
    with pytest.raises(ConfigError, match=f"cannot read {path}: Permission denied"):
        load_settings(path)


def test_save_is_atomic_and_private_even_over_a_readable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# keep me\nrefresh = 3\n")
    path.chmod(0o644)
    before = path.stat().st_ino
    save_settings({"token": "tok-456"}, path)
    assert path.stat().st_ino != before, "a new file replaced the old one"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "# keep me" in path.read_text() and load_settings(path).token == "tok-456"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    text = path.read_text()
    with pytest.raises(OSError):
        save_settings({"token": "tok-789"}, path)
    assert path.read_text() == text, "the old file is intact"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"], "no temp file left"


def test_save_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "autodl.toml"
    real.parent.mkdir()
    real.write_text("refresh = 4\n")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    save_settings({"read_only": True}, link)
    assert link.is_symlink() and load_settings(real).read_only


def test_a_new_config_directory_is_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    save_settings({"refresh": 7}, path)
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0


@pytest.mark.parametrize(
    "url",
    ["https://api.autodl.com", "http://127.0.0.1:8765", "http://[::1]:8765/", "https://h/p/"],
)
def test_good_base_urls(url: str) -> None:
    assert check_base_url(url) == url


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("", "is empty"),
        ("http://[::1", "not a valid URL"),
        ("http://h:99999", "not a valid URL"),
        ("http://h:port", "not a valid URL"),
        ("ftp://h", "must start with http"),
        ("//h", "must start with http"),
        ("https://", "has no host"),
        ("http:///path", "has no host"),
        ("http://u:secret@h", "user name or password"),
        ("http://u@h", "user name or password"),
        ("http://h/\x1b[2J", "control character"),
        ("http://a b", "space"),
        ("http://h/?x=1", "?query"),
    ],
)
def test_bad_base_urls_say_why_without_repeating_the_url(url: str, said: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_base_url(url)
    assert said in str(caught.value) and (not url or url not in str(caught.value))
    assert "secret" not in str(caught.value)


def test_saving_an_invalid_value_never_writes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("refresh = 3\n")
    with pytest.raises(ConfigError):
        save_settings({"refresh": -1}, path)
    assert path.read_text() == "refresh = 3\n"


def test_token_precedence_flag_then_env_then_file(tmp_path: Path) -> None:
    settings = Settings(token="from-file")
    none = argparse.Namespace(token=None, token_file=None)
    assert resolve_token(none, settings, {}).token == "from-file"
    env = {"AUTODL_TOKEN": "from-env"}
    assert resolve_token(none, settings, env).token == "from-env"
    flag = argparse.Namespace(token="from-flag", token_file=None)
    assert resolve_token(flag, settings, env).token == "from-flag"
    stdin = argparse.Namespace(token="-", token_file=None)
    assert resolve_token(stdin, settings, env, io.StringIO("from-stdin\n")).token == "from-stdin"
    file = tmp_path / "token"
    file.write_text("from-token-file\n")
    from_file = argparse.Namespace(token=None, token_file=file)
    assert resolve_token(from_file, settings, env).token == "from-token-file"
    with pytest.raises(TokenError, match="AUTODL_TOKEN"):
        resolve_token(none, settings, {"AUTODL_TOKEN": "bad token"})
    assert "from-file" not in repr(settings)


# --- profiles (issue 18) ---------------------------------------------------------------------

PROFILES = """\
token = "top.level.token"
base_url = "https://api.autodl.com"
refresh = 3

[profiles.prod]
token_command = "printf 'prod.cmd.token\\\\n'"
read_only = true

[profiles.sim]
base_url = "http://127.0.0.1:8765"
token = "sim.inline.token"
refresh = 0.5

[profiles.bare]
base_url = "http://127.0.0.1:9999"
"""


def flags(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(token=kw.get("token"), token_file=kw.get("token_file"))


def test_a_profile_lays_its_keys_over_the_top_level(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(PROFILES)
    plain = load_settings(path)
    assert plain.profile == "" and set(plain.profiles) == {"prod", "sim", "bare"}
    sim = load_settings(path, profile="sim")
    assert (sim.profile, sim.base_url, sim.refresh, sim.read_only) == (
        "sim",
        "http://127.0.0.1:8765",
        0.5,
        False,
    )
    prod = load_settings(path, profile="prod")
    assert prod.read_only and prod.base_url == "https://api.autodl.com" and prod.refresh == 3


def test_profile_token_sources_and_precedence(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    token_file = tmp_path / "tok"
    token_file.write_text("file.profile.token\n")
    token_file.chmod(0o600)
    path.write_text(PROFILES + f'\n[profiles.filed]\ntoken_file = "{token_file}"\n')
    env = {"AUTODL_TOKEN": "env.token"}

    def get(name: str, **kw: object) -> str:
        settings = load_settings(path, profile=name)
        return resolve_token(flags(**kw), settings, environ=env).token

    assert get("prod") == "prod.cmd.token"
    assert get("sim") == "sim.inline.token"  # the profile's own token beats AUTODL_TOKEN
    assert get("filed") == "file.profile.token"
    assert get("bare") == "env.token"  # no token source of its own: the usual order
    assert get("sim", token="flag.token") == "flag.token"
    assert resolve_token(flags(), load_settings(path), environ={}).token == "top.level.token"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            "[profiles.x]\nbase_ur = 'http://h'\n",
            "[profiles.x]: unknown key 'base_ur'; did you mean 'base_url'?",
        ),
        (
            "[profiles.x]\ntoken = 'a b'\n",
            "[profiles.x]: token: the token from profile x holds a space",
        ),
        (
            "[profiles.x]\ntoken = 't'\ntoken_file = '/f'\n",
            "give one of token, token_file and token_command",
        ),
        (
            "[profiles.x]\ntoken_command = 'pass \"unclosed'\n",
            "token_command: No closing quotation",
        ),
        ("[profiles.x]\nrefresh = 0\n", "refresh must be between 0.5 and 3600"),
        ("[profiles.x]\nread_only = 'yes'\n", "read_only must be true or false"),
        ("[profiles.x]\nbase_url = 'ftp://h'\n", "base_url: the URL must start with http"),
        ('[profiles."a b"]\n', "a profile name is letters, digits"),
        ("profiles = 3\n", "profiles must be tables"),
        ("profile = 'x'\n", "unknown key 'profile'; did you mean 'profiles'?"),
    ],
)
def test_bad_profiles_name_the_key(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(table)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert message in str(caught.value)


def test_an_unknown_profile_names_the_nearest(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(PROFILES)
    with pytest.raises(ConfigError, match="no profile 'prd'; did you mean 'prod'"):
        load_settings(path, profile="prd")
    (tmp_path / "empty.toml").write_text("")
    with pytest.raises(ConfigError, match="the file has no \\[profiles\\]"):
        load_settings(tmp_path / "empty.toml", profile="prod")


def test_a_failing_token_command_never_echoes_its_output(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[profiles.x]\ntoken_command = \"sh -c 'echo secret.value; exit 3'\"\n")
    with pytest.raises(TokenError) as caught:
        resolve_token(flags(), load_settings(path, profile="x"), environ={})
    assert "exited with status 3" in str(caught.value)
    assert "secret.value" not in str(caught.value)
    path.write_text("[profiles.x]\ntoken_command = \"printf 'bad\\\\x1btoken'\"\n")
    with pytest.raises(TokenError, match="control character") as bad:
        resolve_token(flags(), load_settings(path, profile="x"), environ={})
    assert "\x1b" not in str(bad.value)


def test_the_default_config_is_valid_and_lists_every_key() -> None:
    from autodl_tui.config import KNOWN_KEYS, default_config_text, parse_settings

    text = default_config_text()
    import tomlkit

    assert parse_settings(tomlkit.parse(text).unwrap()) == Settings()
    for key in KNOWN_KEYS:
        assert key in text, key


def test_saving_into_a_profile_keeps_its_other_keys_and_writes_dotted_headers(tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[profiles.lab]\nrefresh = 7 # keep\n", encoding="utf-8")
    save_settings({"profiles": {"lab": {"token": "tok-lab"}, "new": {"read_only": True}}}, path)
    text = path.read_text(encoding="utf-8")
    assert "refresh = 7 # keep" in text
    assert "[profiles.new]" in text and "[profiles]\n" not in text
    saved = load_settings(path)
    assert saved.profiles["lab"].token == "tok-lab" and saved.profiles["lab"].refresh == 7
    assert saved.profiles["new"].read_only is True
