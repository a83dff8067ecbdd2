"""The wire under `AutoDLClient`: one shared httpx client, the in-flight bound, retries,
the envelope, and the counters a status line reads.

Reads can opt into reuse (`call(..., reuse=True)`): the wire keeps, per request, a digest
of the last successful body (its `request_id`, new on every answer, left out) and what it
parsed to; an answer with the same digest returns that parsed result without decoding or
parsing again, so an unchanged poll of a large fleet costs the HTTP exchange only.

The developer token lives only in the `Authorization` header of the shared httpx client;
everywhere else it is a `_Secret` whose repr is "<redacted>", and anything the service echoes
back is scrubbed of it before it reaches an error or a log line.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

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

__all__ = ["MEMO_ENTRIES", "ClientStats", "Wire", "body_digest"]

logger = logging.getLogger("autodl_tui.api")

T = TypeVar("T")

_SUCCESS = "Success"
# Shorter tokens are not scrubbed from messages: replacing them would garble ordinary text.
_MIN_SCRUB_LEN = 6
# Parsing must never leak a non-AutoDLError out of the client, whatever the server sends.
_PARSE_FAILURES = (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError)
#: Requests whose last answer is remembered for reuse (least recently used dropped first):
#: enough for every list call of a fleet-wide poll of a 520-deployment account.
MEMO_ENTRIES = 2048
# The envelope's request_id value: different in every answer, so left out of the digest.
_REQUEST_ID = re.compile(rb'"request_id"\s*:\s*(?:"[^"\\]*"|null)')


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
    reused: int = 0
    """Answers identical to the last one for the same request: not parsed again."""


@dataclass(frozen=True, slots=True)
class _Memo:
    """The last successful answer to one request: digest of its body, what it parsed to."""

    digest: bytes
    result: object


@dataclass(frozen=True, slots=True)
class _Reused:
    """`_send`'s answer when the body matched the memo: the earlier parsed result."""

    result: object


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
        self._memo: OrderedDict[Hashable, _Memo] = OrderedDict()
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
        reuse: bool = False,
    ) -> T:
        """Send (with retries if allowed), unwrap the envelope, parse `data`; count outcomes.

        `reuse` (reads only; `T` must be immutable): an answer whose body is the same as the
        last successful one for this request returns that answer's parsed result as is.
        """
        key = _memo_key(endpoint, body, params) if reuse else None
        try:
            answer = await with_retries(
                lambda: self._send(endpoint, body, params, key),
                policy=self._retry if retry else NO_RETRY,
                sleep=self._sleep,
                rand=self._random,
                on_retry=self._on_retry,
            )
            if isinstance(answer, _Reused):
                return cast(T, answer.result)
            data, digest = answer
            problem = ""
            try:
                result = parse(data)
            except _PARSE_FAILURES as exc:
                problem = f"{type(exc).__name__}: {self._scrub(str(exc))[:200]}"
            else:
                if key is not None:
                    self._remember(key, _Memo(digest, result))
                return result
            raise ResponseFormatError(f"unexpected data shape ({problem})", endpoint=str(endpoint))
        except AutoDLError as exc:
            self.stats.failures += 1
            self.stats.last_error = exc.message[:200]
            raise

    def _remember(self, key: Hashable, memo: _Memo) -> None:
        self._memo[key] = memo
        self._memo.move_to_end(key)
        while len(self._memo) > MEMO_ENTRIES:
            self._memo.popitem(last=False)

    def _on_retry(self, attempt: int, exc: TransportError, delay: float) -> None:
        self.stats.retries += 1
        logger.info("retry %d of %s in %.2fs after: %s", attempt, exc.endpoint, delay, exc.message)

    async def _send(
        self,
        endpoint: Endpoint,
        body: Mapping[str, Any] | None,
        params: Mapping[str, str] | None,
        key: Hashable | None,
    ) -> tuple[Any, bytes] | _Reused:
        """One HTTP exchange: (the envelope's `data`, the body's digest), or raise an AutoDLError.

        When the body is the same as the last successful one for `key`, the remembered result.
        """
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
        digest = b""
        if key is not None and response.status_code == 200:
            digest = body_digest(response.content)
            memo = self._memo.get(key)
            if memo is not None and memo.digest == digest:
                # Same bytes as an answer that unwrapped to Success and parsed: it still does.
                self._memo.move_to_end(key)
                self.stats.reused += 1
                self.stats.last_success_at = self._now()
                return _Reused(memo.result)
        return self._unwrap(label, response, elapsed_ms), digest

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


def _memo_key(
    endpoint: Endpoint, body: Mapping[str, Any] | None, params: Mapping[str, str] | None
) -> Hashable:
    """What identifies a request for reuse: endpoint, body and query, in a canonical form."""
    return (
        endpoint.method,
        endpoint.path,
        json.dumps(body, sort_keys=True, default=str) if body is not None else None,
        tuple(sorted(params.items())) if params else None,
    )


def body_digest(content: bytes) -> bytes:
    """A digest of a response body that ignores the envelope's per-answer `request_id`."""
    digest = hashlib.blake2b(digest_size=16)
    # The envelope's key comes after `data` in every answer seen: search from the end.
    start = content.rfind(b'"request_id"')
    found = _REQUEST_ID.match(content, start) if start >= 0 else None
    if found is None:
        digest.update(content)
    else:
        digest.update(content[: found.start()])
        digest.update(content[found.end() :])
    return digest.digest()


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
