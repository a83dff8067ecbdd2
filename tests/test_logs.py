"""The log file: 0600 across rotation, controls escaped, secrets masked in every printed form."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from autodl_tui.logs import LOG_NAME, MASK, add_secret, redact, setup_logging, stop_logging

log = logging.getLogger("autodl_tui.test_logs")


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)  # the usual umask: a plain open() would make 0644 files
    yield
    os.umask(old)


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    stop_logging()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_file_stays_0600_across_rotations(log_dir: Path, umask_022: None) -> None:
    path = setup_logging(log_dir, max_bytes=300)
    for i in range(60):
        log.info("line %d %s", i, "x" * 40)
    files = sorted(log_dir.iterdir())
    assert [f.name for f in files] == [LOG_NAME, *(f"{LOG_NAME}.{n}" for n in (1, 2, 3))]
    assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    assert "line 59" in path.read_text(encoding="utf-8")


def test_an_old_readable_log_is_made_private(log_dir: Path) -> None:
    old = log_dir / LOG_NAME
    old.write_text("from an older version\n")
    old.chmod(0o644)
    setup_logging(log_dir)
    assert mode(old) == 0o600


def test_control_characters_are_escaped_and_tracebacks_stay_readable(log_dir: Path) -> None:
    path = setup_logging(log_dir)
    hostile = "msg\x1b]52;c;aGVsbG8=\x07 \x1b[2J\rover\u202eevil\x9b"
    log.warning("vendor said %s", hostile)
    try:
        raise ValueError(f"bad\x1b[31m{hostile}")
    except ValueError:
        log.exception("it failed")
    text = path.read_text(encoding="utf-8")
    assert not any(c in text for c in "\x1b\x07\r\u202e\x9b")
    assert "vendor said msg␛]52;c;aGVsbG8=␇ ␛[2J␍over<U+202E>evil<U+009B>" in text
    lines = text.splitlines()
    at = lines.index(next(line for line in lines if line.endswith("it failed")))
    assert lines[at + 1] == "Traceback (most recent call last):"
    assert lines[-1].startswith("ValueError: bad␛[31mmsg␛]52")


SECRET = "eyJhbGciOi\nJIUzI1NiJ9.s3cr3t+/="


def printed(secret: str) -> dict[str, str]:
    """How programs print `secret`: in an exception, a JSON body, a URL."""
    return {
        "repr": repr(secret),
        "bytes repr": f"Illegal header value {secret.encode()!r}",
        "json": json.dumps({"Authorization": secret}),
        "url": "https://h/?t=" + quote(secret, safe=""),
        "url path": "https://h/" + quote(secret),
        "stripped": f"<{secret.strip()}>",
    }


def test_secret_is_masked_in_the_forms_programs_print_it(log_dir: Path) -> None:
    path = setup_logging(log_dir)
    add_secret(SECRET)
    forms = {
        **printed(SECRET),
        "first piece": "eyJhbGciOi alone",
        "second piece": "and JIUzI1NiJ9.s3cr3t+/= alone",
    }
    for name, text in forms.items():
        log.error("%s: %s", name, text)
        assert MASK in redact(text), name
    written = path.read_text(encoding="utf-8")
    for fragment in ("eyJhbGciOi", "JIUzI1NiJ9", "s3cr3t"):
        assert fragment not in written
    assert written.count(MASK) >= len(forms)


def test_a_plain_secret_takes_the_fast_path_and_is_still_masked_in_every_form() -> None:
    plain = "ABCXYZabcxyz0189_.~-plain"  # every character the fast path lets through
    add_secret(plain)
    for name, text in printed(plain).items():
        assert plain not in redact(text) and MASK in redact(text), name


def test_short_pieces_are_not_masked_everywhere() -> None:
    add_secret("ab\ncdefgh-long-part")
    assert redact("ab cd about") == "ab cd about"
