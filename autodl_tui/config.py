"""The config file: read and written with tomlkit so a user's comments and order survive.

Profiles, like k9s contexts: `[profiles.NAME]` tables hold `base_url`, `token` or
`token_file` / `token_command`, `read_only` and `refresh`; `--profile NAME` lays one over the
top-level settings. Token precedence is `--token`/`--token-file`, then the selected profile's
token source (so `AUTODL_TOKEN` is never sent to another profile's server when the profile
names its own), then `AUTODL_TOKEN`, then the file's top-level `token`. The file
may hold the token, so it is written 0600, atomically (a private temporary file beside it,
then `os.replace`), and only a regular file is ever opened: a FIFO or a device named by
`AUTODL_TUI_CONFIG` is refused before it could block start-up. Every problem is a
ConfigError naming the key, with the nearest known key for a typo.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from autodl_tui.alerts.model import DESKTOP_MODES, AlertSettings
from autodl_tui.budget import (
    DEFAULT_REQUESTS_PER_MINUTE,
    MAX_REQUESTS_PER_MINUTE,
    MIN_REQUESTS_PER_MINUTE,
)
from autodl_tui.catalog import DEFAULT_BASE_URL, FLAVOR_BASE_URLS, REGION_CODES, check_flavor
from autodl_tui.display import has_controls
from autodl_tui.paths import config_file

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tomlkit import TOMLDocument
from autodl_tui.shell.options import check_ssh_options
from autodl_tui.token import (
    TokenError,
    TokenSource,
    check_token,
    read_token_command,
    read_token_file,
    token_from_args,
)

#: A config file is a few lines; a bigger one is a mistake (or /dev/zero behind a link).
MAX_CONFIG_BYTES = 1_000_000

_HEADER = """\
autodl-tui configuration. Comments you add here are kept when the app saves the file.
token: developer token from 控制台 -> 设置 -> 开发者Token (AUTODL_TOKEN overrides it).
"""


class ConfigError(Exception):
    """The config file exists but cannot be used; the message says which key and why."""


@dataclass
class Profile:
    """One `[profiles.NAME]` table: what it sets over the top-level settings."""

    name: str
    base_url: str | None = None
    token: str = field(default="", repr=False)
    token_file: Path | None = None
    #: argv of a command printing the token (`token_command = "pass show autodl"`).
    token_command: tuple[str, ...] = ()
    read_only: bool | None = None
    refresh: float | None = None
    #: "public" or "private" (AutoDL's private cloud; see api/flavor.py).
    flavor: str | None = None

    @property
    def has_token_source(self) -> bool:
        """Whether the profile names its own token (then `AUTODL_TOKEN` is not used)."""
        return bool(self.token or self.token_file or self.token_command)


#: The keys a profile table may hold.
PROFILE_KEYS = (
    "base_url",
    "token",
    "token_file",
    "token_command",
    "read_only",
    "refresh",
    "flavor",
)
#: What a profile name may be (it is shown on the status line and typed after --profile).
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass
class Settings:
    """Everything the app reads from the config file, with defaults."""

    token: str = field(default="", repr=False)
    base_url: str = DEFAULT_BASE_URL
    #: Seconds between polls of deployments, containers and events.
    refresh: float = 2.0
    #: Seconds between polls of GPU stock (it costs 11 requests).
    stock_refresh: float = 30.0
    #: The most API requests the app sends a minute, every view and action together.
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE
    read_only: bool = False
    #: Root passwords are never revealed or copied (screen sharing, a browser session).
    hide_secrets: bool = False
    theme: str = "textual-dark"
    #: Binding id -> keys, e.g. {"deployments-scale": "S"}.
    keymap: dict[str, str] = field(default_factory=dict)
    #: Extra ssh arguments for the shell (s) and tunnels (t), e.g. ["-o", "ServerAliveInterval=30"].
    ssh_options: list[str] = field(default_factory=list)
    #: `[profiles.NAME]` tables by name (the app's profile switcher lists these).
    profiles: dict[str, Profile] = field(default_factory=dict)
    #: `[alerts]`: which alert rules run, their thresholds and sinks.
    alerts: AlertSettings = field(default_factory=AlertSettings)
    #: The selected profile's name ("" when none is): the app's status-line label.
    profile: str = ""
    #: Which service the API speaks: "public" (api.autodl.com) or "private" (private.autodl.com).
    flavor: str = "public"

    @property
    def active_profile(self) -> Profile | None:
        """The selected profile, if any."""
        return self.profiles.get(self.profile) if self.profile else None


#: Every top-level key the file may hold (the fields of Settings but `profile`).
KNOWN_KEYS = tuple(k for k in Settings.__dataclass_fields__ if k != "profile")


def check_base_url(value: str) -> str:
    """`value` if it is an http(s) URL with a host and no credentials, else ValueError.

    The message never repeats the URL: it might hold a password. Credentials are refused
    rather than stripped: the API authenticates with the token alone, and httpx would turn
    `user:pass@` into a Basic `Authorization` header that replaces the token's.
    """
    if not value:
        raise ValueError("is empty; give an http:// or https:// URL such as " + DEFAULT_BASE_URL)
    if any(not c.isprintable() or c.isspace() for c in value):
        raise ValueError("holds a space or a control character")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - parsing the port is what validates it
    except ValueError:
        raise ValueError("is not a valid URL (check the host, brackets and port)") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("must start with http:// or https://")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "must not hold a user name or password (user:pass@): the API takes only the token"
        )
    if not parts.hostname:
        raise ValueError("has no host")
    if parts.query or parts.fragment:
        raise ValueError("must not hold a ?query or #fragment")
    return value


def base_url_arg(value: str) -> str:
    """The `type=` of `--base-url`: the URL, or a usage error saying what is wrong."""
    try:
        return check_base_url(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"the URL {exc}") from None


def _number(doc: dict[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key} must be a number of seconds, got {type(value).__name__}")
    if not low <= float(value) <= high:
        raise ConfigError(f"{key} must be between {low:g} and {high:g}, got {value}")
    return float(value)


def _count(doc: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{key} must be a whole number, got {type(value).__name__}")
    if not low <= value <= high:
        raise ConfigError(f"{key} must be between {low} and {high}, got {value}")
    return value


def _text(doc: dict[str, Any], key: str, default: str) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string, got {type(value).__name__}")
    return value


def _close_match(word: str, known: tuple[str, ...]) -> list[str]:
    """The known word nearest `word` (difflib loads only for a mistake)."""
    import difflib

    return difflib.get_close_matches(word, known, n=1)


def _unknown_key(key: str, known: tuple[str, ...] = KNOWN_KEYS, where: str = "") -> ConfigError:
    near = _close_match(key, known)
    hint = f"; did you mean {near[0]!r}?" if near else f"; known keys: {', '.join(known)}"
    return ConfigError(f"{where}unknown key {key!r}{hint}")


def _flavor(doc: dict[str, Any], key: str = "flavor") -> str:
    try:
        return check_flavor(doc.get(key, "public"), key)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _bool(doc: dict[str, Any], key: str, default: bool) -> bool:
    value = doc.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, got {type(value).__name__}")
    return value


def _checked_token(value: str, source: str, key: str = "token") -> str:
    try:
        return check_token(value, source)
    except TokenError as exc:
        raise ConfigError(f"{key}: {exc}") from None


def _checked_url(value: str, key: str = "base_url") -> str:
    try:
        return check_base_url(value)
    except ValueError as exc:
        raise ConfigError(f"{key}: the URL {exc}") from None


def parse_profile(name: str, table: object) -> Profile:
    """Validate one `[profiles.NAME]` table; ConfigError naming `profiles.NAME.key`."""
    where = f"profiles.{name}"
    if not _PROFILE_NAME.fullmatch(name):
        raise ConfigError(
            f"[{where}]: a profile name is letters, digits, '.', '_' and '-' (at most 64)"
        )
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table ([{where}])")
    for key in table:
        if key not in PROFILE_KEYS:
            raise _unknown_key(key, PROFILE_KEYS, f"[{where}]: ")
    try:
        token = _text(table, "token", "")
        token_file = _text(table, "token_file", "")
        command = _text(table, "token_command", "")
        if sum(bool(v) for v in (token, token_file, command)) > 1:
            raise ConfigError("give one of token, token_file and token_command")
        try:
            argv = tuple(shlex.split(command))
        except ValueError as exc:
            raise ConfigError(f"token_command: {exc}") from None
        if command and not argv:
            raise ConfigError("token_command is blank")
        return Profile(
            name=name,
            base_url=_checked_url(table["base_url"]) if "base_url" in table else None,
            token=_checked_token(token, f"profile {name}") if token else "",
            token_file=Path(token_file).expanduser() if token_file else None,
            token_command=argv,
            read_only=_bool(table, "read_only", False) if "read_only" in table else None,
            refresh=_number(table, "refresh", 2.0, 0.5, 3600) if "refresh" in table else None,
            flavor=_flavor(table) if "flavor" in table else None,
        )
    except ConfigError as exc:
        raise ConfigError(f"[{where}]: {exc}") from None


def select_profile(settings: Settings, name: str) -> Settings:
    """`settings` with profile `name` laid over it; ConfigError naming the nearest profile."""
    profile = settings.profiles.get(name)
    if profile is None:
        known = tuple(settings.profiles)
        near = _close_match(name, known)
        hint = (
            f"; did you mean {near[0]!r}?"
            if near
            else (f"; profiles: {', '.join(known)}" if known else "; the file has no [profiles]")
        )
        raise ConfigError(f"no profile {name!r}{hint}")
    settings.profile = name
    if profile.flavor is not None:
        # A base_url left at the old flavor's default follows the profile's flavor.
        if settings.base_url == FLAVOR_BASE_URLS[settings.flavor]:
            settings.base_url = FLAVOR_BASE_URLS[profile.flavor]
        settings.flavor = profile.flavor
    if profile.base_url is not None:
        settings.base_url = profile.base_url
    if profile.token:
        settings.token = profile.token
    if profile.read_only is not None:
        settings.read_only = profile.read_only
    if profile.refresh is not None:
        settings.refresh = profile.refresh
    return settings


def parse_settings(doc: dict[str, Any], source: str = "the config file") -> Settings:
    """Validate a decoded config document into Settings; raise ConfigError naming the key."""
    for key in doc:
        if key not in KNOWN_KEYS:
            raise _unknown_key(key)
    read_only = _bool(doc, "read_only", False)
    keymap = doc.get("keymap", {})
    if not isinstance(keymap, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()
    ):
        raise ConfigError("[keymap] must map binding ids to key strings")
    token = _text(doc, "token", "")
    if token:
        _checked_token(token, source)
    flavor = _flavor(doc)
    base_url = _checked_url(_text(doc, "base_url", FLAVOR_BASE_URLS[flavor]))
    tables = doc.get("profiles", {})
    if not isinstance(tables, dict):
        raise ConfigError("profiles must be tables: [profiles.NAME]")
    profiles = {str(name): parse_profile(str(name), table) for name, table in tables.items()}
    try:
        ssh_options = check_ssh_options(doc.get("ssh_options", []))
    except ValueError as exc:
        raise ConfigError(f"ssh_options: {exc}") from None
    return Settings(
        token=token,
        base_url=base_url,
        refresh=_number(doc, "refresh", 2.0, 0.5, 3600),
        stock_refresh=_number(doc, "stock_refresh", 30.0, 5, 86400),
        requests_per_minute=_count(
            doc,
            "requests_per_minute",
            DEFAULT_REQUESTS_PER_MINUTE,
            MIN_REQUESTS_PER_MINUTE,
            MAX_REQUESTS_PER_MINUTE,
        ),
        read_only=read_only,
        hide_secrets=_bool(doc, "hide_secrets", False),
        theme=_text(doc, "theme", "textual-dark"),
        keymap={str(k): str(v) for k, v in keymap.items()},
        ssh_options=ssh_options,
        profiles=profiles,
        flavor=flavor,
        alerts=parse_alerts(doc.get("alerts", {})),
    )


# --- [alerts] ---------------------------------------------------------------------------

#: The keys `[alerts]` may hold (the fields of AlertSettings).
ALERT_KEYS = tuple(AlertSettings.__dataclass_fields__)
#: (low, high, unit) of each numeric `[alerts]` key.
_ALERT_RANGES: dict[str, tuple[float, float, str]] = {
    "below_replicas_minutes": (0.5, 1440, "minutes"),
    "package_low_hours": (0.1, 720, "hours"),
    "command_timeout": (1, 300, "seconds"),
}
#: Most GPU models `watch_gpus` may list (each is matched against every stock answer).
MAX_WATCHED_GPUS = 20


def _alert_strings(table: dict[str, Any], key: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{key} must be a list of strings, e.g. {key} = ["H800"]')
    for v in value:
        if not v.strip() or has_controls(v):
            raise ConfigError(f"{key}: an item is blank or holds a control character")
    return list(value)


def parse_alerts(table: object) -> AlertSettings:
    """Validate `[alerts]`; ConfigError naming `[alerts]: key` and, for a typo, the nearest."""
    if not isinstance(table, dict):
        raise ConfigError("alerts must be a table ([alerts])")
    try:
        for key in table:
            if key not in ALERT_KEYS:
                raise _unknown_key(key, ALERT_KEYS)
        defaults = AlertSettings()
        values: dict[str, Any] = {}
        for key in ALERT_KEYS:
            if key not in table:
                continue
            default = getattr(defaults, key)
            if isinstance(default, bool):
                values[key] = _bool(table, key, default)
            elif key in _ALERT_RANGES:
                low, high, unit = _ALERT_RANGES[key]
                number = table[key]
                if isinstance(number, bool) or not isinstance(number, int | float):
                    raise ConfigError(f"{key} must be a number of {unit}")
                if not low <= float(number) <= high:
                    raise ConfigError(f"{key} must be between {low:g} and {high:g} {unit}")
                values[key] = float(number)
        gpus = _alert_strings(table, "watch_gpus")
        if len(gpus) > MAX_WATCHED_GPUS:
            raise ConfigError(f"watch_gpus: at most {MAX_WATCHED_GPUS} models")
        regions = _alert_strings(table, "watch_regions")
        for region in regions:
            if region not in REGION_CODES:
                near = _close_match(region, tuple(REGION_CODES))
                hint = f"did you mean {near[0]!r}?" if near else f"known: {', '.join(REGION_CODES)}"
                raise ConfigError(f"watch_regions: unknown region code {region!r}; {hint}")
        desktop = _text(table, "desktop", defaults.desktop)
        if desktop not in DESKTOP_MODES:
            raise ConfigError(f"desktop must be one of {', '.join(map(repr, DESKTOP_MODES))}")
        command = table.get("command", [])
        if isinstance(command, str):
            raise ConfigError(
                'command must be a list of arguments, e.g. ["notify-send", "AutoDL"]: '
                "it never runs through a shell"
            )
        command = _alert_strings(table, "command")
        return AlertSettings(
            **values,
            watch_gpus=tuple(g.strip() for g in gpus),
            watch_regions=tuple(regions),
            desktop=desktop,
            command=tuple(command),
        )
    except ConfigError as exc:
        raise ConfigError(f"[alerts]: {exc}") from None


def _read_regular_file(path: Path) -> bytes | None:
    """The bytes of `path`, None if it does not exist; ConfigError if it is no regular file.

    Checked with stat before opening, and again on the open descriptor (O_NONBLOCK, so a FIFO
    swapped in between cannot block): opening a FIFO waits for a writer, a device may never end.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{path} is not a regular file ({_kind(info.st_mode)})")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(f"{path} is not a regular file")
        data = handle.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path} is larger than {MAX_CONFIG_BYTES:,} bytes")
    return data


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def load_document(path: Path | None = None) -> TOMLDocument:
    """The config file as an editable document (empty if there is no file)."""
    import tomlkit  # not before the first paint when there is no config file

    path = path or config_file()
    data = _read_regular_file(path)
    if data is None:
        return tomlkit.document()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (bad byte at offset {exc.start})") from None
    try:
        return tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def load_settings(path: Path | None = None, profile: str | None = None) -> Settings:
    """Read and validate the config file (defaults when it does not exist), then `profile`."""
    path = path or config_file()
    # No file, no TOML library to load (tomlkit is a good part of a launch's imports).
    doc = load_document(path).unwrap() if os.path.lexists(path) else {}
    try:
        settings = parse_settings(doc)
        return select_profile(settings, profile) if profile else settings
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


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


def _merge(table: Any, updates: dict[str, Any]) -> None:
    """Merge nested `updates` into a tomlkit table, keeping the keys it does not name."""
    import tomlkit
    from tomlkit.items import Table

    for key, value in updates.items():
        if isinstance(value, dict):
            sub = table.get(key)
            if not isinstance(sub, Table):
                # A dotted parent (`profiles`) holds only sub-tables: make it implicit so
                # the file reads `[profiles.prod]`, not an empty `[profiles]` header.
                sub = tomlkit.table(is_super_table=key == "profiles")
                table[key] = sub
            _merge(sub, value)
        else:
            table[key] = value


def save_settings(updates: dict[str, Any], path: Path | None = None) -> Path:
    """Merge `updates` into the file (keeping comments and order) and write it with mode 0600.

    Atomic: a reader (or a crash mid-write) sees the old file or the new one, never half.
    A symlinked config (dotfile managers) is written through to its target.
    """
    import tempfile

    import tomlkit

    path = path or config_file()
    doc = load_document(path)
    if not doc.body:
        for line in _HEADER.splitlines():
            doc.add(tomlkit.comment(line))
    _merge(doc, updates)
    parse_settings(doc.unwrap())  # never write a file the app could not read back
    target = Path(os.path.realpath(path))
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkstemp creates the file 0600 in the same directory, so os.replace is a rename.
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(tomlkit.dumps(doc))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def token_destination(settings: Settings, token: str) -> tuple[dict[str, Any] | None, str]:
    """Where a token typed into the app is saved: (`save_settings` updates, the key's
    name), or (None, why it is not saved).

    With a profile selected the token belongs to that profile's server, never to the
    top-level `token` another server would receive; a profile that reads its token from a
    file or a command is not overwritten behind the user's back.
    """
    profile = settings.active_profile
    if profile is None:
        return {"token": token}, "token"
    if profile.token_command or profile.token_file is not None:
        kind = "token_command" if profile.token_command else "token_file"
        return None, f"profile {profile.name} reads its token from {kind}: update it there"
    return {"profiles": {profile.name: {"token": token}}}, f"profiles.{profile.name}.token"


def resolve_token(
    args: argparse.Namespace,
    settings: Settings,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
) -> TokenSource:
    """The token by precedence (see the module docstring); TokenError if one is bad.

    `--token`/`--token-file`, the selected profile's `token_command`/`token_file`/`token`,
    `AUTODL_TOKEN`, the file's `token`. Empty when none is set (the app then asks for one).
    """
    flags = argparse.Namespace(
        token=getattr(args, "token", None), token_file=getattr(args, "token_file", None)
    )
    found = token_from_args(flags, {}, stdin)  # the flags alone
    if found.token:
        return found
    profile = settings.active_profile
    if profile is not None and profile.has_token_source:
        source = f"profile {profile.name}"
        if profile.token_command:
            return TokenSource(read_token_command(profile.token_command, f"{source} token_command"))
        if profile.token_file is not None:
            return TokenSource(*read_token_file(profile.token_file, f"{source} token_file"))
        return TokenSource(profile.token)
    found = token_from_args(argparse.Namespace(), environ, stdin)
    if not found.token:
        found.token = settings.token
    return found


def default_config_text() -> str:
    """A commented config file holding every key at its default (`config --print-default`)."""
    d = Settings()
    lines = [f"# {line}" for line in _HEADER.splitlines()]
    lines += [
        "",
        '# token = ""',
        "# public (api.autodl.com) or private (AutoDL's private cloud, private.autodl.com);",
        "# base_url defaults to the flavor's host.",
        f'flavor = "{d.flavor}"',
        f'base_url = "{d.base_url}"',
        "# Seconds between polls of deployments, containers and events (0.5..3600).",
        f"refresh = {d.refresh:g}",
        "# Seconds between polls of GPU stock (5..86400; each poll costs 11 requests).",
        f"stock_refresh = {d.stock_refresh:g}",
        f"# The most API requests a minute, all views and actions together "
        f"({MIN_REQUESTS_PER_MINUTE}..{MAX_REQUESTS_PER_MINUTE}).",
        f"requests_per_minute = {d.requests_per_minute}",
        "# Hide every mutating action (the headless commands refuse them, exit 5).",
        f"read_only = {str(d.read_only).lower()}",
        "# Never reveal or copy root passwords (screen sharing; `serve` sets it).",
        f"hide_secrets = {str(d.hide_secrets).lower()}",
        f'theme = "{d.theme}"',
        "# Extra ssh arguments for the shell and tunnels.",
        "ssh_options = []",
        "",
        '# Binding id -> keys, e.g. deployments-scale = "S".',
        "[keymap]",
        "",
        "# Profiles (--profile NAME or AUTODL_TUI_PROFILE): each may set base_url, flavor,",
        "# read_only, refresh and one of token, token_file, token_command (argv, no shell).",
        "# [profiles.prod]",
        '# token_command = "pass show autodl/prod"',
        "# read_only = true",
        "# [profiles.lab]",
        '# flavor = "private"',
        '# token_file = "~/.autodl-private-token"',
        "# [profiles.sim]",
        '# base_url = "http://127.0.0.1:8765"',
        '# token = "any-token-works-on-the-simulator"',
        "",
        "# Alerts (README: Alerts): rules on by default, and where a firing goes.",
        "# [alerts]",
        "# below_replicas_minutes = 10",
        "# package_low_hours = 24",
        '# watch_gpus = ["H800"]',
        '# watch_regions = ["westDC2"]',
        "# bell = true",
        '# desktop = "osc9"',
        '# command = ["notify-send", "AutoDL alert"]',
        "",
    ]
    return "\n".join(lines)
