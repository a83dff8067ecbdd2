"""Reading an answer's body with a size cap that holds after decompression too.

httpx inflates each gzip/deflate chunk in one go, so a 64 KiB chunk of a compression bomb
becomes ~64 MB before anyone can count it. Here the raw stream is inflated with an output
limit: never more than the cap (plus one byte, to know it was passed) is ever produced.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import httpx

__all__ = ["BodyGarbledError", "BodyTooLargeError", "read_capped"]


class BodyTooLargeError(Exception):
    """The body passed the cap (declared up front, or while reading)."""


class BodyGarbledError(Exception):
    """The body claims a compression it does not decode as."""


class _Decoder(Protocol):
    def decompress(self, data: bytes, max_length: int = ...) -> bytes: ...


def _decoders(response: httpx.Response) -> list[_Decoder]:
    """Inflaters for the Content-Encoding chain, last applied first (identity: none)."""
    chain: list[_Decoder] = []
    for name in response.headers.get("Content-Encoding", "").lower().split(","):
        name = name.strip()
        if name in ("gzip", "x-gzip"):
            chain.append(zlib.decompressobj(zlib.MAX_WBITS | 16))
        elif name == "deflate":
            # Auto-detects the zlib wrapper (what RFC 9110 says deflate is); raw deflate
            # bodies, which some servers send, fail to decode as that.
            chain.append(zlib.decompressobj(zlib.MAX_WBITS | 32))
        # Anything else (identity, or an encoding we never asked for) passes as it is,
        # as httpx does; the envelope check then rejects what is not JSON.
    return chain[::-1]


async def read_capped(response: httpx.Response, limit: int) -> bytes:
    """The whole body of a streamed `response`, decoded, or BodyTooLargeError past `limit`."""
    if response.is_stream_consumed:
        # Already in memory: an in-process transport built it from bytes (httpx reads and
        # decodes such a response when it is made). Nothing left to bound; just check it.
        if len(response.content) > limit:
            raise BodyTooLargeError
        return response.content
    declared = response.headers.get("Content-Length", "")
    if (
        declared.isdigit()
        and int(declared) > limit
        and not response.headers.get("Content-Encoding")
    ):
        raise BodyTooLargeError  # said so up front: not one byte of it is read
    chain = _decoders(response)
    received = bytearray()
    try:
        async for raw in response.aiter_raw():
            data = raw
            for decoder in chain:
                # One byte past what fits is enough to know the cap was passed.
                data = decoder.decompress(data, limit - len(received) + 1)
            received += data
            if len(received) > limit:
                raise BodyTooLargeError
    except zlib.error:
        raise BodyGarbledError from None
    return bytes(received)
