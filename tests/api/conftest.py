"""Fixtures for the API client: a recording MockTransport and instant, deterministic backoff."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

# The suite runs with --import-mode=importlib, which leaves sys.path alone; the test modules
# here share helpers through `api_helpers`, so make this directory importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_helpers import TOKEN, Handler, Recorder, Sleeps  # noqa: E402

from autodl_tui.api import AutoDLClient, RetryPolicy


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_client(sleeps: Sleeps) -> Callable[..., tuple[AutoDLClient, Recorder]]:
    """Build a client over a Recorder; `respond` is the handler, kwargs go to the client."""

    def make(respond: Handler | None = None, **kw: Any) -> tuple[AutoDLClient, Recorder]:
        recorder = Recorder(respond) if respond is not None else Recorder()
        kw.setdefault("sleep", sleeps)
        kw.setdefault("random", lambda: 1.0)
        kw.setdefault("retry", RetryPolicy(max_retries=3, base_delay=0.25, max_delay=4.0))
        client = AutoDLClient(
            TOKEN, base_url="https://api.test", transport=httpx.MockTransport(recorder), **kw
        )
        return client, recorder

    return make
