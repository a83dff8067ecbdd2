"""The app's log file: `$XDG_STATE_HOME/autodl-tui/autodl-tui.log`, rotated, secrets redacted.

Secrets (the developer token, every root password the app has seen) are registered with
`add_secret` as they arrive; a filter on the file handler replaces them in every message and
traceback before anything is written. A secret is masked in the forms a program prints it
in too (its repr, JSON-escaped, URL-encoded, stripped, and each piece between control
characters), and patterns that look like credentials are masked, so a secret that was never
registered (a password echoed in some error) is still caught.

Container passwords are registered per scope (`set_secrets("fleet", passwords)`): each call
replaces the scope's set, and a password no scope holds any more (its container is gone) is
dropped after a grace period (`RETIRE_AFTER`, for a late log line about it), so the list
follows the fleet instead of growing with every container ever seen. `add_secret` values
(the token) are kept for good.

Every line is written through the display boundary: a vendor message holding ESC or BEL
reaches the file as `␛`/`␇`, so `tail -f` on the log cannot be made to run terminal escapes.
Each file the handler creates (the first and every one after a rotation) is mode 0600.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus

from autodl_tui.display import clean
from autodl_tui.paths import state_dir

if TYPE_CHECKING:
    from collections.abc import Iterable
    from io import TextIOWrapper

__all__ = [
    "LOG_NAME",
    "LOGGER",
    "EscapingFormatter",
    "PrivateRotatingFileHandler",
    "RedactionFilter",
    "add_secret",
    "log_path",
    "mask_secrets",
    "masked_count",
    "redact",
    "secret_forms",
    "set_secrets",
    "setup_logging",
    "stop_logging",
]

LOG_NAME = "autodl-tui.log"
#: The package's logger: every module logs under "autodl_tui.*".
LOGGER = "autodl_tui"
MAX_BYTES = 1_000_000
BACKUPS = 3
MASK = "«redacted»"
#: Shorter strings are too likely to appear by chance ("ok", "1") to be masked everywhere.
_MIN_SECRET = 4
#: Longest line-group one record may write (a traceback is long; megabytes are not).
_MAX_RECORD_CHARS = 200_000
#: Where a secret breaks into pieces a log line may show apart: controls and whitespace.
_BREAKS = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")

#: Characters no escaping changes: a value made only of them has one form (fast path).
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]+")

#: Seconds a password stays masked after the last scope holding it let it go: a log line
#: about a container that just left comes from a request made before (15 s deadlines,
#: api/wire.py DEFAULT_DEADLINE, retries included), well within a minute. Longer kept the
#: passwords of every container the fleet churned through (ten minutes of them at 30x).
RETIRE_AFTER = 60.0

#: Values registered for good (`add_secret`: the token).
_added: set[str] = set()
#: Registered values made only of `_PLAIN` characters (nearly every password and token),
#: by length: such a value is its only form, so it needs no forms, prefix or count entry
#: of its own. (At 107,000 containers those entries were about 23 MiB of the app's memory.)
_plain: dict[int, set[str]] = {}
#: The lengths `_plain` holds, longest first (the masking scan tries each).
_plain_lengths: tuple[int, ...] = ()
#: Every masked form of the other values (kept, scoped and retiring alike).
_secrets: set[str] = set()
#: Secrets by their first _MIN_SECRET characters.
#: (Tuples: most buckets hold one form, and a one-item tuple is about half an appended list.)
_by_prefix: dict[str, tuple[str, ...]] = {}
#: Scope name -> the values it holds now (`set_secrets`).
_scopes: dict[str, set[str]] = {}
#: Values no scope holds any more -> when they left (`time.monotonic()`).
_retiring: dict[str, float] = {}
#: How many registered values produce each form (two passwords may share a piece), for
#: the forms two or more produce: a form in `_secrets` with no entry here has one.
_form_refs: dict[str, int] = {}
#: Value -> its forms, for every registered value (kept, scoped or retiring).
#: (A tuple, not a frozenset: most values have one form, and the fleet view registers
#: 100,000 of them; a one-item tuple is a quarter of a one-item frozenset's size.)
_value_forms: dict[str, tuple[str, ...]] = {}
_handler: PrivateRotatingFileHandler | None = None

# Credential-looking fields: `"root_password": "x"`, `password=x`, `Authorization: x`, `token=x`.
_FIELDS = re.compile(
    r"""(?ix)
    (root_password|password|authorization|token)
    (["']?\s*[:=]\s*["']?)
    ([^\s"',}]+)
    """
)


def secret_forms(value: str) -> set[str]:
    """`value` as the app or a library may print it: raw, stripped, repr'd, escaped, in pieces.

    httpx's "Illegal header value b'…'" shows a bytes repr; JSON bodies and URLs escape;
    a value holding a newline shows up as two lines. Forms shorter than _MIN_SECRET are left
    out: masking "ab" everywhere would garble the log.
    """
    if _PLAIN.fullmatch(value):
        # Most passwords and every JWT: each form below is the value itself, and the fleet
        # view registers 10,000 passwords a poll (computing them all took 15 times longer).
        return {value} if len(value) >= _MIN_SECRET else set()
    forms = {
        value,
        value.strip(),
        repr(value)[1:-1],
        repr(value.encode("utf-8", "backslashreplace"))[2:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        *_BREAKS.split(value),
    }
    return {form for form in forms if len(form) >= _MIN_SECRET}


def _is_plain(value: str) -> bool:
    return len(value) >= _MIN_SECRET and _PLAIN.fullmatch(value) is not None


def _register(value: str) -> None:
    """Mask `value`'s forms from now on (once per value, however many hold it)."""
    global _plain_lengths
    if _is_plain(value):
        # Kept apart from the forms of other values, even when equal to one of them: each
        # table then forgets exactly what it was told, and a value stays masked while held.
        same_length = _plain.get(len(value))
        if same_length is None:
            same_length = _plain[len(value)] = set()
            _plain_lengths = tuple(sorted(_plain, reverse=True))
        same_length.add(value)
        return
    if value in _value_forms:
        return
    forms = tuple(secret_forms(value))
    _value_forms[value] = forms
    for form in forms:
        # A form in _secrets without a count has one holder (most do: no entry for them).
        refs = _form_refs.get(form) or (1 if form in _secrets else 0)
        if refs:
            _form_refs[form] = refs + 1
        else:
            _secrets.add(form)
            # Indexed by their first characters rather than compiled into one regex: the
            # fleet view registers 10,000 passwords in a poll, and a 10,000-way alternation
            # took 180 ms to compile (and memory in re's cache) each time one more arrived.
            prefix = form[:_MIN_SECRET]
            _by_prefix[prefix] = (*_by_prefix.get(prefix, ()), form)


def _unregister(value: str) -> None:
    """Stop masking `value` (forms another registered value shares stay)."""
    global _plain_lengths
    if _is_plain(value):
        held = _plain.get(len(value))
        if held is not None:
            held.discard(value)
            if not held:
                del _plain[len(value)]
                _plain_lengths = tuple(sorted(_plain, reverse=True))
        return
    for form in _value_forms.pop(value, ()):
        refs = _form_refs.pop(form, 1) - 1
        if refs > 1:
            _form_refs[form] = refs
        if refs > 0:
            continue
        _secrets.discard(form)
        prefix = form[:_MIN_SECRET]
        bucket = _by_prefix.get(prefix)
        if bucket is not None and form in bucket:
            at = bucket.index(form)
            rest = bucket[:at] + bucket[at + 1 :]
            if rest:
                _by_prefix[prefix] = rest
            else:
                del _by_prefix[prefix]


def _held(value: str) -> bool:
    return value in _added or any(value in values for values in _scopes.values())


def _prune(now: float) -> None:
    """Drop the values that left every scope more than RETIRE_AFTER ago."""
    if not _retiring:
        return
    cutoff = now - RETIRE_AFTER
    for value in [v for v, since in _retiring.items() if since <= cutoff]:
        del _retiring[value]
        if not _held(value):
            _unregister(value)


def add_secret(value: str | None) -> None:
    """Never write `value` (in any of its `secret_forms`) to the log from now on."""
    if not value or len(value) < _MIN_SECRET or value in _added:
        return
    _added.add(value)
    _retiring.pop(value, None)
    _register(value)


def registry_tables() -> dict[str, object]:
    """The secret registry's module tables by name, each as a new empty one (for tests)."""
    return {
        "_added": set(),
        "_plain": {},
        "_plain_lengths": (),
        "_secrets": set(),
        "_by_prefix": {},
        "_scopes": {},
        "_retiring": {},
        "_form_refs": {},
        "_value_forms": {},
    }


def set_secrets(scope: str, values: Iterable[str | None]) -> None:
    """Mask exactly `values` for `scope` (e.g. the fleet's root passwords) from now on.

    Values the scope held before and no longer holds (their containers are gone) stay
    masked for RETIRE_AFTER seconds more, then are forgotten unless another scope or
    `add_secret` holds them. The cost is the difference between the old and new sets.
    """
    now = time.monotonic()
    new = {v for v in values if v and len(v) >= _MIN_SECRET}
    old = _scopes.get(scope, set())
    _scopes[scope] = new
    for value in new - old:
        _retiring.pop(value, None)
        _register(value)
    for value in old - new:
        if not _held(value):
            _retiring[value] = now
    _prune(now)


def masked_count() -> int:
    """How many distinct strings the log masks now (plain values and other values' forms)."""
    return len(_secrets) + sum(map(len, _plain.values()))


def mask_secrets(text: str) -> str:
    """`text` with every registered secret replaced by MASK.

    At each position: one dict lookup for the forms by prefix, and one set lookup per
    length of the plain values (passwords and tokens come in a few lengths).
    """
    if not _by_prefix and not _plain:
        return text
    parts: list[str] = []
    start = i = 0
    end = len(text) - _MIN_SECRET
    lengths, plain = _plain_lengths, _plain
    while i <= end:
        candidates = _by_prefix.get(text[i : i + _MIN_SECRET], ())
        # The longest match, so a secret containing another is masked whole.
        found = max((len(s) for s in candidates if text.startswith(s, i)), default=0)
        for length in lengths:  # longest first: the first match is the longest plain one
            if length <= found:
                break
            if text[i : i + length] in plain[length]:
                found = length
                break
        if found:
            parts += (text[start:i], MASK)
            i = start = i + found
        else:
            i += 1
    parts.append(text[start:])
    return "".join(parts)


def redact(text: str) -> str:
    """`text` with every registered secret and credential-looking field masked."""
    text = mask_secrets(text)
    return _FIELDS.sub(lambda m: m.group(1) + m.group(2) + MASK, text)


class RedactionFilter(logging.Filter):
    """Formats each record's message and traceback now, with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class EscapingFormatter(logging.Formatter):
    """Formats a record, then shows every control character visibly (line feeds kept).

    Tracebacks stay readable line by line; ESC, BEL, CR and bidi overrides from a vendor
    message or an exception text become `␛`, `␇`, `␍`, `<U+202E>`.
    """

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record with controls escaped."""
        return clean(super().format(record), newlines=True, max_chars=_MAX_RECORD_CHARS)


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A RotatingFileHandler whose every file is created 0600, the first and each rotation's.

    The stock handler opens with the umask's mode (usually 0644), so after the first
    rotation the log, which holds tracebacks naming hosts and paths, became world-readable.
    """

    def _open(self) -> TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.fchmod(fd, 0o600)  # an older file, made before this handler, is fixed too
            return open(fd, "a", encoding=self.encoding, errors=self.errors)  # noqa: SIM115
        except BaseException:
            os.close(fd)
            raise


def log_path() -> Path | None:
    """The file the log is written to, once `setup_logging` ran."""
    return Path(_handler.baseFilename) if _handler is not None else None


def setup_logging(
    directory: Path | None = None, *, level: int = logging.INFO, max_bytes: int = MAX_BYTES
) -> Path:
    """Send the package's log records to a rotating file (0600) in `directory` (state dir).

    Calling it again moves the log to the new directory. Returns the log file's path.
    """
    global _handler
    directory = directory or state_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOG_NAME
    handler = PrivateRotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(
        EscapingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    handler.addFilter(RedactionFilter())
    logger = logging.getLogger(LOGGER)
    if _handler is not None:
        logger.removeHandler(_handler)
        _handler.close()
    logger.addHandler(handler)
    logger.setLevel(level)
    _handler = handler
    return path


def stop_logging() -> None:
    """Close the log file and detach its handler (tests, and a clean exit)."""
    global _handler
    if _handler is not None:
        logging.getLogger(LOGGER).removeHandler(_handler)
        _handler.close()
        _handler = None
