"""Fixtures of the command-line tests: a clean secret registry and environment for each test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from autodl_tui import logs


@pytest.fixture(autouse=True)
def fresh_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no registered secrets (another test's short "token" would mask
    the word in these tests' messages) and leaves the registry as it found it."""
    for name, empty in logs.registry_tables().items():
        monkeypatch.setattr(logs, name, empty)


@pytest.fixture(autouse=True)
def environment_restored() -> Iterator[None]:
    """`--config PATH` run in-process sets AUTODL_TUI_CONFIG (as the command does for its
    own process): put the environment back, or later tests' subprocesses inherit it."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
