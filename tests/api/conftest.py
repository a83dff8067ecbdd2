"""Fixtures for the API client: a recording MockTransport and instant, deterministic backoff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from api_helpers import TOKEN, Handler, Recorder, Sleeps

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
