"""Small hostile AutoDL servers for the API and poller tests: Starlette apps, in-process or on
a loopback socket (streamed bodies and slow drips need the socket: ASGITransport buffers).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Endpoint = Callable[[Request], Awaitable[Response]]


def envelope_bytes(data: Any) -> bytes:
    """A Success envelope around `data`."""
    body = {"code": "Success", "msg": "", "data": data, "request_id": "ab" * 16}
    return json.dumps(body).encode()


def answer(data: Any) -> Response:
    """An HTTP 200 Success answer."""
    return Response(envelope_bytes(data), media_type="application/json")


def page_data(items: list[Any], index: int, max_page: int, total: int | None = None) -> Any:
    """A paginated `data` object claiming `max_page` pages."""
    data: dict[str, Any] = {
        "list": items,
        "page_index": index,
        "page_size": len(items),
        "max_page": max_page,
        "offset": 0,
    }
    if total is not None:
        data["result_total"] = total
    return data


def app_for(endpoint: Endpoint) -> Starlette:
    """An app answering every path and method with `endpoint`."""
    methods = ["GET", "POST", "PUT", "DELETE"]
    return Starlette(routes=[Route("/{path:path}", endpoint, methods=methods)])


@asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 (a free port) in this loop; yield its base URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="off",
        timeout_graceful_shutdown=1,
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):  # at most ~5 s to start
            if server.started or task.done():
                break
            await asyncio.sleep(0.01)
        assert server.started, "uvicorn did not start"
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
