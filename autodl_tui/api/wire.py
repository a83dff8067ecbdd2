"""The wire under `AutoDLClient`: one shared httpx client, the in-flight bound, retries,
the envelope, and the counters diagnostics and benchmarks read.

Reads can opt into reuse (`call(..., reuse=True)`): the wire keeps, per request, a digest
of the last successful body (its `request_id`, new on every answer, left out) and what it
parsed to; an answer with the same digest returns that parsed result without decoding or
parsing again, so an unchanged poll of a large fleet costs the HTTP exchange only. A changed
answer can keep the unchanged parts of the last one (`share`), so the memo and the screen
hold one object per unchanged item.

Every request first takes a token of the client's `RequestBudget` (requests per minute),
so no view or loop can send more than the budget allows.

Every exchange is bounded twice: the body is read as a stream and dropped past `max_body`
bytes (a 50 MB answer never sits in memory), and the whole exchange (connect, send, every
byte of the answer) must finish within `deadline` seconds. httpx's own read timeout restarts
with every byte, so a server dripping one byte a second would otherwise never time out.

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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx

from autodl_tui import __version__
from autodl_tui.api.body import BodyGarbledError, BodyTooLargeError, read_capped
from autodl_tui.api.errors import (
    HINT_BAD_BODY,
    HINT_CONNECT,
    HINT_DEADLINE,
    HINT_NO_ENDPOINT,
    HINT_RATE_LIMIT,
    HINT_SERVER,
    HINT_TIMEOUT,
    HINT_TOO_LARGE,
    AuthError,
    AutoDLError,
    ResponseFormatError,
    TransportError,
    classify_api_error,
)
from autodl_tui.api.retry import NO_RETRY, parse_retry_after, with_retries
from autodl_tui.budget import RequestBudget

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Hashable, Mapping
    from datetime import datetime

    from autodl_tui.api.endpoints import Endpoint
    from autodl_tui.api.retry import RetryPolicy

__all__ = [
    "DEFAULT_DEADLINE",
    "MAX_BODY_BYTES",
    "MEMO_ENTRIES",
    "ClientStats",
    "Wire",
    "body_digest",
]

logger = logging.getLogger("autodl_tui.api")

T = TypeVar("T")

_SUCCESS = "Success"
# Shorter tokens are not scrubbed from messages: replacing them would garble ordinary text.
_MIN_SCRUB_LEN = 6
# Parsing must never leak a non-AutoDLError out of the client, whatever the server sends.
_PARSE_FAILURES = (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError)
#: Requests whose last answer is remembered for reuse (least recently used dropped first).
#: A fleet-wide sweep asks for every deployment's list in the same order each time, so a
#: memo smaller than the fleet drops each entry just before it is needed again and reuses
#: nothing (2,048 entries reused 0 of 5,264 unchanged lists at 5,200 deployments). This is
#: 12 times the simulator's largest account and 65 times the 1,000 deployments it allows.
#: An entry costs its key and digest (about 300 bytes); what it parsed to is shared with
#: the screen (see `share`), so the memo does not hold a second copy of the fleet.
MEMO_ENTRIES = 65_536
# The envelope's request_id value: different in every answer, so left out of the digest.
_REQUEST_ID = re.compile(rb'"request_id"\s*:\s*(?:"[^"\\]*"|null)')
#: The largest answer body read (after decompression). The biggest real answers are list
#: pages: at our page size of 1,000 the simulator's `large` fleet gives about 500 KB (all
#: 520 deployments; 100 of them were 87 KB, 100 containers 63 KB), a full page of 1,000
#: deployments would be under 1 MB, and a server that ignored page_size and sent all 10,634
#: containers of that fleet in one page would send about 7 MB. 16 MiB leaves room for that
#: with margin, and is 0.1% of what a hostile server could send.
MAX_BODY_BYTES = 16 * 1024 * 1024
#: Seconds one HTTP exchange may take from connecting to the last byte of the answer. A
#: real page arrives in well under a second; 15 s matches httpx's per-read timeout.
DEFAULT_DEADLINE = 15.0


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
    """Counters of the traffic; the client updates them, readers (tests, benches) only read."""

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
        deadline: float = DEFAULT_DEADLINE,
        max_body: int = MAX_BODY_BYTES,
        budget: RequestBudget | None = None,
    ) -> None:
        if not deadline > 0 or not max_body > 0:
            raise ValueError("deadline and max_body must be > 0")
        self._token = _Secret(token)
        self.deadline = deadline
        self.max_body = max_body
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
        #: Every request takes one of its tokens first (retries too).
        self.budget = budget if budget is not None else RequestBudget()

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
        share: Callable[[T, object], T] | None = None,
    ) -> T:
        """Send (with retries if allowed), unwrap the envelope, parse `data`; count outcomes.

        `reuse` (reads only; `T` must be immutable): an answer whose body is the same as the
        last successful one for this request returns that answer's parsed result as is.
        `share(new, last)`: with `reuse`, a changed answer's result made to keep the parts
        of the last result that did not change (their objects, not equal copies).
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
                return cast("T", answer.result)
            data, digest = answer
            problem = ""
            try:
                result = parse(data)
            except _PARSE_FAILURES as exc:
                problem = f"{type(exc).__name__}: {self._scrub(str(exc))[:200]}"
            else:
                if key is not None:
                    last = self._memo.get(key)
                    if share is not None and last is not None:
                        result = share(result, last.result)
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
        # Before the in-flight slot: a request waiting for the budget holds no connection.
        await self.budget.acquire()
        async with self._semaphore:
            self.stats.requests_sent += 1
            self.stats.in_flight += 1
            started = time.perf_counter()
            failure: TransportError | None = None
            try:
                async with asyncio.timeout(self.deadline):
                    response, content = await self._exchange(http, endpoint, body, params)
            except TimeoutError:
                failure = TransportError(
                    f"no complete answer within {self.deadline:g} s",
                    endpoint=label,
                    hint=HINT_DEADLINE,
                )
            except BodyTooLargeError:
                failure = TransportError(
                    f"answer larger than {_mib(self.max_body)}, not read",
                    endpoint=label,
                    # The same request gets the same answer: asking again only costs more.
                    retryable=False,
                    hint=HINT_TOO_LARGE,
                )
            except BodyGarbledError:
                failure = TransportError(
                    "the compressed body does not decode", endpoint=label, hint=HINT_BAD_BODY
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
            digest = body_digest(content)
            memo = self._memo.get(key)
            if memo is not None and memo.digest == digest:
                # Same bytes as an answer that unwrapped to Success and parsed: it still does.
                self._memo.move_to_end(key)
                self.stats.reused += 1
                self.stats.last_success_at = self._now()
                return _Reused(memo.result)
        return self._unwrap(label, response, content, elapsed_ms), digest

    async def _exchange(
        self,
        http: httpx.AsyncClient,
        endpoint: Endpoint,
        body: Mapping[str, Any] | None,
        params: Mapping[str, str] | None,
    ) -> tuple[httpx.Response, bytes]:
        """Send one request and read its body as a stream, at most `max_body` bytes of it."""
        request = http.build_request(endpoint.method, endpoint.path, json=body, params=params)
        response = await http.send(request, stream=True)
        try:
            content = await read_capped(response, self.max_body)
        finally:
            await response.aclose()  # past the cap, this drops the connection mid-body
        return response, content

    def _unwrap(
        self, label: str, response: httpx.Response, content: bytes, elapsed_ms: float
    ) -> Any:
        status = response.status_code
        envelope = _decode_envelope(content)
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
                retry_after=parse_retry_after(response.headers.get("Retry-After", ""), self._now),
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
    # SHA-256 runs on the CPU's SHA extensions: 6 MB (5,200 deployments, every 2 s) in
    # 5 ms here against blake2b's 11 ms; the memo keeps its first 16 bytes.
    digest = hashlib.sha256()
    # The envelope's key comes after `data` in every answer seen: search from the end.
    start = content.rfind(b'"request_id"')
    found = _REQUEST_ID.match(content, start) if start >= 0 else None
    if found is None:
        digest.update(content)
    else:
        view = memoryview(content)  # no copies of a 6 MB body to hash its two halves
        digest.update(view[: found.start()])
        digest.update(view[found.end() :])
    return digest.digest()[:16]


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


def _mib(size: int) -> str:
    """A byte count as the user reads it: 16 MiB, or 1.5 MiB."""
    return f"{size / (1024 * 1024):g} MiB"
