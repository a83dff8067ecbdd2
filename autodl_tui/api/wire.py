"""The wire under `AutoDLClient`: one shared httpx client, the in-flight bound, retries,
the envelope, and the counters a status line reads.

The developer token lives only in the `Authorization` header of the shared httpx client;
everywhere else it is a `_Secret` whose repr is "<redacted>", and anything the service echoes
back is scrubbed of it before it reaches an error or a log line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import httpx

from autodl_tui import __version__
from autodl_tui.api.endpoints import Endpoint
from autodl_tui.api.errors import (
    HINT_BAD_BODY,
    HINT_CONNECT,
    HINT_NO_ENDPOINT,
    HINT_RATE_LIMIT,
    HINT_SERVER,
    HINT_TIMEOUT,
    AuthError,
    AutoDLError,
    ResponseFormatError,
    TransportError,
    classify_api_error,
)
from autodl_tui.api.retry import NO_RETRY, RetryPolicy, with_retries

__all__ = ["ClientStats", "Wire"]

logger = logging.getLogger("autodl_tui.api")

T = TypeVar("T")

_SUCCESS = "Success"
# Shorter tokens are not scrubbed from messages: replacing them would garble ordinary text.
_MIN_SCRUB_LEN = 6
# Parsing must never leak a non-AutoDLError out of the client, whatever the server sends.
_PARSE_FAILURES = (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError)


class _Secret:
    """Holds the token so that no repr, str or pickle of the client can show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The token itself, for the Authorization header only."""
        return self._value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("the developer token cannot be pickled")


@dataclass(slots=True)
class ClientStats:
    """Counters for a status line; the client updates them, readers only read."""

    requests_sent: int = 0
    """HTTP requests put on the wire, retries included."""
    retries: int = 0
    """Automatic re-sends after a transport failure."""
    failures: int = 0
    """Calls that ended in an error (after any retries)."""
    in_flight: int = 0
    """Requests currently waiting for an answer."""
    last_success_at: datetime | None = None
    """When the last Success envelope arrived (+08:00)."""
    last_error: str = ""
    """Short text of the last failed call, "" if none yet."""
    last_latency_ms: float | None = None
    """Round trip of the last answered request, in milliseconds."""


class Wire:
    """Sends calls for AutoDLClient: bounded, retried as allowed, unwrapped, counted."""

    def __init__(
        self,
        token: str,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None,
        timeout: float | httpx.Timeout,
        max_in_flight: int,
        retry: RetryPolicy,
        sleep: Callable[[float], Awaitable[object]],
        random: Callable[[], float],
        now: Callable[[], datetime],
    ) -> None:
        self._token = _Secret(token)
        self.base_url = base_url
        self.transport = transport
        self._timeout = timeout
        self.max_in_flight = max_in_flight
        self._retry = retry
        self._sleep = sleep
        self._random = random
        self._now = now
        self._semaphore = asyncio.Semaphore(max_in_flight)
        self._http: httpx.AsyncClient | None = None
        self.stats = ClientStats()

    def __repr__(self) -> str:
        return f"Wire(base_url={self.base_url!r}, max_in_flight={self.max_in_flight})"

    async def aclose(self) -> None:
        """Close the shared HTTP client (a later call opens a new one)."""
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    def _ensure_http(self) -> httpx.AsyncClient:
        # Built on first use: building it loads the CA bundle, 30-100 ms we keep off startup.
        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self.base_url,
                transport=self.transport,
                timeout=self._timeout,
                headers={
                    "Authorization": self._token.reveal(),
                    "User-Agent": f"autodl-tui/{__version__}",
                },
                limits=httpx.Limits(
                    max_connections=self.max_in_flight,
                    max_keepalive_connections=self.max_in_flight,
                ),
            )
        return self._http

    # --- the wire ---

    def _scrub(self, text: str) -> str:
        token = self._token.reveal()
        if len(token) >= _MIN_SCRUB_LEN and token in text:
            return text.replace(token, "<redacted>")
        return text

    async def call(
        self,
        endpoint: Endpoint,
        parse: Callable[[Any], T],
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        retry: bool = True,
    ) -> T:
        """Send (with retries if allowed), unwrap the envelope, parse `data`; count outcomes."""
        try:
            data = await with_retries(
                lambda: self._send(endpoint, body, params),
                policy=self._retry if retry else NO_RETRY,
                sleep=self._sleep,
                rand=self._random,
                on_retry=self._on_retry,
            )
            problem = ""
            try:
                return parse(data)
            except _PARSE_FAILURES as exc:
                problem = f"{type(exc).__name__}: {self._scrub(str(exc))[:200]}"
            raise ResponseFormatError(f"unexpected data shape ({problem})", endpoint=str(endpoint))
        except AutoDLError as exc:
            self.stats.failures += 1
            self.stats.last_error = exc.message[:200]
            raise

    def _on_retry(self, attempt: int, exc: TransportError, delay: float) -> None:
        self.stats.retries += 1
        logger.info("retry %d of %s in %.2fs after: %s", attempt, exc.endpoint, delay, exc.message)

    async def _send(
        self, endpoint: Endpoint, body: Mapping[str, Any] | None, params: Mapping[str, str] | None
    ) -> Any:
        """One HTTP exchange; returns the envelope's `data` or raises an AutoDLError."""
        http = self._ensure_http()
        label = str(endpoint)
        async with self._semaphore:
            self.stats.requests_sent += 1
            self.stats.in_flight += 1
            started = time.perf_counter()
            failure: TransportError | None = None
            try:
                response = await http.request(
                    endpoint.method, endpoint.path, json=body, params=params
                )
            except httpx.TimeoutException as exc:
                failure = TransportError(
                    f"timed out ({type(exc).__name__})", endpoint=label, hint=HINT_TIMEOUT
                )
            except httpx.RequestError as exc:
                failure = TransportError(
                    f"{type(exc).__name__}: {self._scrub(str(exc))[:200]}",
                    endpoint=label,
                    hint=HINT_CONNECT,
                )
            finally:
                self.stats.in_flight -= 1
        if failure is not None:
            # Raised outside the handler so it has no __context__: httpx exceptions carry the
            # request, and with it the Authorization header.
            raise failure
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.stats.last_latency_ms = elapsed_ms
        return self._unwrap(label, response, elapsed_ms)

    def _unwrap(self, label: str, response: httpx.Response, elapsed_ms: float) -> Any:
        status = response.status_code
        envelope = _decode_envelope(response.content)
        code = _text(envelope.get("code")) if envelope else ""
        msg = self._scrub(_text(envelope.get("msg"))) if envelope else ""
        request_id = _text(envelope.get("request_id")) if envelope else ""
        logger.debug(
            "%s -> HTTP %d %s in %.0f ms%s",
            label,
            status,
            code or "-",
            elapsed_ms,
            f" (request_id {request_id})" if request_id else "",
        )
        if status in (401, 403):
            raise AuthError(code or f"HTTP {status}", msg, request_id, label)
        if status in (408, 429) or status >= 500:
            raise TransportError(
                f"HTTP {status}" + (f" {code}: {msg}" if code else ""),
                endpoint=label,
                status_code=status,
                retry_after=_retry_after(response),
                hint={408: HINT_TIMEOUT, 429: HINT_RATE_LIMIT}.get(status, HINT_SERVER),
            )
        if envelope is None:
            if status == 404:
                raise TransportError(
                    "HTTP 404", endpoint=label, status_code=404, retryable=False,
                    hint=HINT_NO_ENDPOINT,
                )  # fmt: skip
            raise TransportError(
                f"HTTP {status}: the body is not an AutoDL envelope",
                endpoint=label,
                status_code=status,
                # A garbled 2xx may be a passing glitch; an odd 3xx/4xx will not change.
                retryable=status < 300,
                hint=HINT_BAD_BODY,
            )
        if code != _SUCCESS:
            raise classify_api_error(code, msg, request_id, label)
        self.stats.last_success_at = self._now()
        return envelope.get("data")


def _decode_envelope(content: bytes) -> dict[str, Any] | None:
    """The body as an envelope dict (has a string `code`), or None."""
    if not content:
        return None
    try:
        value = json.loads(content)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, dict) and isinstance(value.get("code"), str):
        return value
    return None


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
