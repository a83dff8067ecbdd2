"""The app's log file: `$XDG_STATE_HOME/autodl-tui/autodl-tui.log`, rotated, secrets redacted.

Secrets (the developer token, every root password the app has seen) are registered with
`add_secret` as they arrive; a filter on the file handler replaces them in every message and
traceback before anything is written. Patterns that look like credentials are masked too, so
a secret that was never registered (a password echoed in some error) is still caught.
"""

from __future__ import annotations

import logging
import os
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

from autodl_tui.paths import state_dir

__all__ = [
    "LOG_NAME",
    "LOGGER",
    "RedactionFilter",
    "add_secret",
    "log_path",
    "redact",
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

_secrets: set[str] = set()
#: Secrets by their first _MIN_SECRET characters.
_by_prefix: dict[str, list[str]] = {}
_handler: RotatingFileHandler | None = None

# Credential-looking fields: `"root_password": "x"`, `password=x`, `Authorization: x`, `token=x`.
_FIELDS = re.compile(
    r"""(?ix)
    (root_password|password|authorization|token)
    (["']?\s*[:=]\s*["']?)
    ([^\s"',}]+)
    """
)


def add_secret(value: str | None) -> None:
    """Never write `value` to the log from now on."""
    if not value or len(value) < _MIN_SECRET or value in _secrets:
        return
    _secrets.add(value)
    # Indexed by their first characters rather than compiled into one regex: the fleet
    # view registers 10,000 passwords in a poll, and a 10,000-way alternation took 180 ms
    # to compile (and memory in re's cache) each time one more arrived.
    _by_prefix.setdefault(value[:_MIN_SECRET], []).append(value)


def _mask_secrets(text: str) -> str:
    """`text` with every registered secret replaced by MASK (one dict lookup per position)."""
    if not _by_prefix:
        return text
    parts: list[str] = []
    start = i = 0
    end = len(text) - _MIN_SECRET
    while i <= end:
        candidates = _by_prefix.get(text[i : i + _MIN_SECRET], ())
        # The longest match, so a secret containing another is masked whole.
        found = max((len(s) for s in candidates if text.startswith(s, i)), default=0)
        if found:
            parts += (text[start:i], MASK)
            i = start = i + found
        else:
            i += 1
    parts.append(text[start:])
    return "".join(parts)


def redact(text: str) -> str:
    """`text` with every registered secret and credential-looking field masked."""
    text = _mask_secrets(text)
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


def log_path() -> Path | None:
    """The file the log is written to, once `setup_logging` ran."""
    return Path(_handler.baseFilename) if _handler is not None else None


def setup_logging(directory: Path | None = None, *, level: int = logging.INFO) -> Path:
    """Send the package's log records to a rotating file (0600) in `directory` (state dir).

    Calling it again moves the log to the new directory. Returns the log file's path.
    """
    global _handler
    directory = directory or state_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOG_NAME
    # Create it private before the handler opens it: tracebacks may name hosts and paths.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
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
