"""A hostile AutoDL server: the vendor's paths and envelope, every text field an attack.

`Hostile` holds what the server does and can be changed while it runs (tests switch body
modes between steps). Each deployment of the fleet is named `BASE + payload`, and every text
field of it (its template, its containers' machine ids, ssh commands, passwords and URLs, its
packages, blacklist entries, images) carries the same payload, so one app run sees each
attack on every path a string takes to the screen.

Body modes, per path or for every path: `huge` (a valid envelope padded to `huge_bytes`),
`drip` (one byte every `drip_s`), `endless` (a body that never ends), `malformed` (cut JSON),
`wrong_types` (numbers where text belongs and the reverse), `error` (code != Success and the
payload as `msg`), `429` (Too Many Requests with Retry-After).

`serve(hostile)` runs it on 127.0.0.1 with uvicorn in a thread; `transport(hostile)` is the
in-process httpx transport for fast client checks.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

PREFIX = "/api/v1/dev"
JSON_TYPE = "application/json; charset=utf-8"

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"


def b64(text: str) -> str:
    """Base64 of UTF-8 `text`, as an OSC 52 write carries it."""
    return base64.b64encode(text.encode()).decode()


# --- the attacks -----------------------------------------------------------------------------
# Each has a marker word that appears nowhere else, so a test can tell the server's sequence
# from the app's own escape sequences (cursor moves, colours, the app's own OSC 52).

# Short, so that a pane title cut at its width still holds the whole sequence.
CLIP_MARKER = "PWNED!"
TITLE_MARKER = "PWNED-TITLE"
LINK_URL = "https://evil.example/pwned-link"
WIPE_MARKER = "WIPED"

MARKUP = "[/]"
CLICK = "[@click=app.screenshot('pwned')]click[/]"
OSC52 = f"{ESC}]52;c;{b64(CLIP_MARKER)}{BEL}"
CLEAR = f"{ESC}[2J{ESC}[H{WIPE_MARKER}"
OSC0 = f"{ESC}]0;{TITLE_MARKER}{BEL}"
OSC8 = f"{ESC}]8;;{LINK_URL}{ST}link{ESC}]8;;{ST}"
# C1 CSI / OSC / ST as characters (UTF-8 c2 9b ...): some terminals act on them.
C1 = "\x9b2J\x9d0;C1-TITLE\x9c\x85"
NEWLINE = "a\nb"
BIDI = "\u202eevil\u202c"
ZERO_WIDTH = "z\u200bw\u200d\ufeff"
WIDE = "宽字符ｗｉｄｅ"
LONG = "L" * 10_000

ATTACKS: dict[str, str] = {
    "osc52": OSC52,
    "clear": CLEAR,
    "osc0": OSC0,
    "osc8": OSC8,
    "c1": C1,
    "newline": NEWLINE,
    "bidi": BIDI,
    "zero_width": ZERO_WIDTH,
    "wide": WIDE,
    "long": LONG,
}
"""Every terminal attack by name (the markup ones crash an app, so they get their own runs)."""

#: Every byte sequence that must never reach the terminal from the server, per attack.
FORBIDDEN: dict[str, list[bytes]] = {
    "osc52": [f"{ESC}]52;c;{b64(CLIP_MARKER)}".encode()],
    "clear": [f"{ESC}[2J{ESC}[H{WIPE_MARKER}".encode(), f"{ESC}[H{WIPE_MARKER}".encode()],
    "osc0": [f"{ESC}]0;{TITLE_MARKER}".encode()],
    "osc8": [f"{ESC}]8;;{LINK_URL}".encode()],
    "c1": ["\x9b".encode(), "\x9d".encode(), "\x9c".encode(), "\x85".encode(), b"\x9b2J"],
    "newline": [],
    "bidi": ["\u202e".encode(), "\u202c".encode()],
    "zero_width": ["\u200b".encode(), "\u200d".encode(), "\ufeff".encode()],
    "wide": [],
    "long": [],
}

#: What the screen must show for a name holding the attack (controls as visible stand-ins).
SHOWN: dict[str, str] = {
    "osc52": "␛]52;c;",
    "clear": "␛[2J␛[H" + WIPE_MARKER,
    "osc0": "␛]0;" + TITLE_MARKER,
    "osc8": "␛]8;;https://evil",
    "c1": "<U+009B>2J",
    "newline": "a␊b",
    "bidi": "<U+202E>evil",
    "zero_width": "z<U+200B>w",
    "wide": WIDE,
    "long": "LLLLLLLLLL",
}


# --- the fleet -------------------------------------------------------------------------------

STAMP = "2026-12-02T06:00:00+08:00"


def _template(p: str, image_uuid: str) -> dict[str, Any]:
    return {
        "region_sign": "",
        "dc_list": ["westDC2", "westDC3" + p],
        "gpu_name_set": ["RTX 4090" + p],
        "gpu_num": 1,
        "image_uuid": image_uuid,
        "image_name": "img" + p,
        "cmd": "python serve.py" + p,
        "cmd_before_shutdown": "sync" + p,
        "memory_size_from": 1073741824,
        "memory_size_to": 2199023255552,
        "cpu_num_from": 1,
        "cpu_num_to": 400,
        "price_from": 10,
        "price_to": 9000,
        "cuda_v": 0,
        "cuda_v_from": 113,
        "cuda_v_to": 128,
    }


@dataclass
class Fleet:
    """Deployments, containers, events, images, blacklist, stock and packages (JSON dicts)."""

    deployments: list[dict[str, Any]] = field(default_factory=list)
    containers: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    blacklist: list[dict[str, Any]] = field(default_factory=list)
    stock: list[dict[str, Any]] = field(default_factory=list)
    packages: list[dict[str, Any]] = field(default_factory=list)


def container(i: int, dep_uuid: str, p: str, *, password: str, ids: bool = False) -> dict[str, Any]:
    """A running container of `dep_uuid`: every text field ends with payload `p`."""
    q = p if ids else ""
    return {
        "id": 9100000 + i,
        "uuid": f"{dep_uuid}-c{i:02d}{q}",
        "version": "1" + q,
        "data_center": "westDC3" + p,
        "deployment_uuid": dep_uuid,
        "machine_id": f"m{i:02d}" + p,
        "status": "running",
        "gpu_name": "RTX 4090" + p,
        "gpu_num": 1,
        "cpu_num": 18,
        "memory_size": 85899345920,
        "image_uuid": "image-hostile" + q,
        "price": 2390,
        "info": {
            "ssh_command": f"ssh -p {38000 + i} root@connect.example.com" + p,
            "root_password": password,
            "service_6006_port_url": f"https://u{i}-6006.example.com:8443/" + p,
            "service_6008_port_url": f"https://u{i}-6008.example.com:8443/" + p,
        },
        "started_at": STAMP,
        "stopped_at": None,
        "created_at": STAMP,
        "updated_at": STAMP,
    }


def build_fleet(names: dict[str, str], *, ids: bool = False, containers: int = 2) -> Fleet:
    """One deployment per (base name, payload): `base + payload`, its fields all hostile.

    With `ids`, uuids, image uuids and versions carry the payload too (a server's uuid is
    echoed by `deploy` and shown in details); otherwise they stay plain so lookups are easy.
    """
    fleet = Fleet()
    n = 0
    for d, (base, p) in enumerate(names.items()):
        q = p if ids else ""
        dep_uuid = f"dep{d:02d}{q}"
        image_uuid = "image-hostile" + q
        fleet.deployments.append(
            {
                "id": 2460000 + d,
                "uid": 673024,
                "uuid": dep_uuid,
                "name": base + p,
                "deployment_type": "ReplicaSet",
                "status": "running",
                "replica_num": containers,
                "parallelism_num": 1,
                "reuse_container": False,
                "service_port_protocol": "http",
                "service_6006_port_protocol": "http",
                "service_6008_port_protocol": "http",
                "starting_num": 0,
                "running_num": containers,
                "finished_num": 0,
                "image_uuid": image_uuid,
                "template": _template(p, image_uuid),
                "price_estimates": 2390 * containers,
                "created_at": STAMP,
                "updated_at": STAMP,
                "stopped_at": None,
            }
        )
        for _ in range(containers):
            c = container(n, dep_uuid, p, password=f"pw{n:02d}-{base}" + p, ids=ids)
            fleet.containers.append(c)
            fleet.events.append(
                {"deployment_container_uuid": c["uuid"], "status": "running", "created_at": STAMP}
            )
            n += 1
        fleet.packages.append(
            {
                "deployment_uuid": dep_uuid,
                "gpu_type": "RTX 4090" + p,
                "total": 86400,
                "balance": 43200,
                "dc_list": "westDC2,westDC3" + p,
            }
        )
        fleet.images.append({"id": 549000 + d, "image_name": base + p, "image_uuid": image_uuid})
        fleet.blacklist.append(
            {
                "created_at": STAMP,
                "updated_at": STAMP,
                "data_center": "westDC3" + p,
                "expired_time": "2026-12-03T06:00:00+08:00",
                "machine_id": f"bl{d:02d}" + p,
                "msg": "slow host" + p,
            }
        )
    first = next(iter(names.values()), "")
    fleet.stock = [
        {"RTX 4090" + first: {"idle_gpu_num": 58, "total_gpu_num": 296, "chip_corp": "nvidia"}},
        {"RTX 3090": {"idle_gpu_num": 14, "total_gpu_num": 168, "chip_corp": "nvidia" + first}},
    ]
    return fleet


# --- the server ------------------------------------------------------------------------------

#: Where an "endless" body stops after all, so a client without a size cap fails in seconds.
ENDLESS_CAP = 60_000_000
BODY_MODES = ("normal", "huge", "drip", "endless", "malformed", "wrong_types", "error", "429")


@dataclass
class Hostile:
    """What the hostile server serves and how; mutate it while the server runs."""

    fleet: Fleet = field(default_factory=Fleet)
    #: Body mode for every path ("normal" ... "429"), unless `modes` names the path.
    mode: str = "normal"
    #: Body mode by path suffix, e.g. {"/deployment/list": "drip"}.
    modes: dict[str, str] = field(default_factory=dict)
    #: `msg` of an `error` answer (and the `code`).
    error_msg: str = ""
    error_code: str = "Hostile"
    huge_bytes: int = 50_000_000
    drip_s: float = 1.0
    retry_after: str = "1"
    #: Claimed page count on every list answer (None: the truth).
    max_page: int | None = None
    #: Container list ignores `deployment_container_uuid` (answers every container of the
    #: deployment, first one first), as a buggy or hostile server may.
    ignore_container_filter: bool = False
    #: The uuid a create answers with.
    created_uuid: str = "new-deployment"
    #: Requests seen, by (method, path suffix).
    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: Bodies of mutating requests, in order (method, path suffix, decoded JSON or query).
    mutations: list[tuple[str, str, Any]] = field(default_factory=list)
    #: Tokens (Authorization headers) seen.
    tokens: set[str] = field(default_factory=set)
    #: Body bytes handed to the server by the huge, drip and endless modes.
    streamed: int = 0

    def count(self, suffix: str) -> int:
        """Requests seen on paths ending with `suffix` (any method)."""
        return sum(n for (_, path), n in self.requests.items() if path.endswith(suffix))


def _page(items: list[Any], body: dict[str, Any], hostile: Hostile) -> dict[str, Any]:
    index = int(body.get("page_index") or 1)
    size = int(body.get("page_size") or 10)
    start = (index - 1) * size
    chunk = items[start : start + size]
    last = max(1, -(-len(items) // size))
    return {
        "list": chunk,
        "page_index": index,
        "page_size": size,
        "offset": start,
        "max_page": hostile.max_page if hostile.max_page is not None else last,
        "result_total": len(items),
    }


def _json(request_body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(request_body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def answer_data(hostile: Hostile, method: str, path: str, body: dict[str, Any], query: Any) -> Any:
    """The `data` of a Success answer to (method, path) in the vendor's shapes."""
    f = hostile.fleet
    if path == "/deployment/list":
        deps = f.deployments
        if method == "GET":
            return {"list": deps, "page_index": 1, "page_size": len(deps), "max_page": 1}
        for key in ("name", "status"):
            if body.get(key):
                deps = [d for d in deps if d[key] == body[key]]
        if body.get("deployment_uuid"):
            deps = [d for d in deps if d["uuid"] == body["deployment_uuid"]]
        return _page(deps, body, hostile)
    if path == "/deployment/container/list":
        cs = [c for c in f.containers if c["deployment_uuid"] == body.get("deployment_uuid")]
        wanted = body.get("deployment_container_uuid")
        if wanted and not hostile.ignore_container_filter:
            cs = [c for c in cs if c["uuid"] == wanted]
        return _page(cs, body, hostile)
    if path == "/deployment/container/event/list":
        own = {
            c["uuid"] for c in f.containers if c["deployment_uuid"] == body.get("deployment_uuid")
        }
        return _page([e for e in f.events if e["deployment_container_uuid"] in own], body, hostile)
    if path == "/image/private/list":
        return _page(f.images, body, hostile)
    if path == "/deployment/blacklist" and method == "GET":
        return f.blacklist
    if path == "/machine/region/gpu_stock":
        return f.stock
    if path == "/deployment/ddp/overview":
        uuid = query.get("deployment_uuid", "")
        return [
            {k: v for k, v in pkg.items() if k != "deployment_uuid"}
            for pkg in f.packages
            if pkg["deployment_uuid"] == uuid
        ]
    if path == "/deployment" and method == "POST":
        return {"deployment_uuid": hostile.created_uuid}
    return None


def _wrong_types(value: Any) -> Any:
    """Every string becomes a number and every number a string, recursively."""
    if isinstance(value, dict):
        return {k: _wrong_types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wrong_types(v) for v in value]
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, str):
        return 12345
    if isinstance(value, int | float):
        return str(value) + "x"
    return value


def encode(value: Any) -> bytes:
    """Compact UTF-8 JSON (the payload's controls are \\u-escaped by JSON itself)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


async def _drip(hostile: Hostile, body: bytes) -> AsyncIterator[bytes]:
    for i in range(len(body)):
        hostile.streamed += 1
        yield body[i : i + 1]
        await asyncio.sleep(hostile.drip_s)


async def _endless(hostile: Hostile) -> AsyncIterator[bytes]:
    yield b'{"code":"Success","msg":"","data":{"list":['
    # Ends when the client hangs up or the server stops; ENDLESS_CAP bytes at most anyway.
    chunk = b'{"name":"endless"},' * 2048
    while hostile.streamed < ENDLESS_CAP:
        hostile.streamed += len(chunk)
        yield chunk
        await asyncio.sleep(0)


async def _huge(hostile: Hostile, envelope: dict[str, Any]) -> AsyncIterator[bytes]:
    head = encode({**envelope, "pad": ""})[:-2]  # ...,"pad":"
    tail = b'"}'
    yield head
    left = max(0, hostile.huge_bytes - len(head) - len(tail))
    block = b"A" * 65536
    while left > 0:
        piece = block[: min(left, len(block))]
        hostile.streamed += len(piece)
        yield piece
        left -= len(piece)
        await asyncio.sleep(0)
    yield tail


def create_app(hostile: Hostile) -> Starlette:
    """The hostile server as a Starlette app over `hostile` (read at every request)."""

    async def endpoint(request: Request) -> Response:
        path = request.url.path.removeprefix(PREFIX)
        method = request.method
        raw = await request.body()
        body = _json(raw)
        hostile.requests[(method, path)] += 1
        hostile.tokens.add(request.headers.get("authorization", ""))
        if method in ("PUT", "DELETE") or (
            method == "POST" and path in ("/deployment", "/deployment/blacklist")
        ):
            hostile.mutations.append((method, path, body))
        mode = hostile.modes.get(path, hostile.mode)
        envelope: dict[str, Any] = {
            "code": "Success",
            "msg": "",
            "data": answer_data(hostile, method, path, body, request.query_params),
            "request_id": f"req-{sum(hostile.requests.values())}",
        }
        if mode == "error":
            envelope.update(code=hostile.error_code, msg=hostile.error_msg, data=None)
        elif mode == "wrong_types":
            envelope["data"] = _wrong_types(envelope["data"])
        elif mode == "429":
            return Response(
                "Too Many Requests",
                status_code=429,
                headers={"Retry-After": hostile.retry_after},
                media_type="text/plain",
            )
        elif mode == "malformed":
            whole = encode(envelope)
            return Response(whole[: max(1, len(whole) // 2)], media_type=JSON_TYPE)
        elif mode == "huge":
            return StreamingResponse(_huge(hostile, envelope), media_type=JSON_TYPE)
        elif mode == "drip":
            return StreamingResponse(_drip(hostile, encode(envelope)), media_type=JSON_TYPE)
        elif mode == "endless":
            return StreamingResponse(_endless(hostile), media_type=JSON_TYPE)
        return Response(encode(envelope), media_type=JSON_TYPE)

    paths = [
        "/image/private/list",
        "/deployment",
        "/deployment/list",
        "/deployment/container/event/list",
        "/deployment/container/list",
        "/deployment/container/stop",
        "/deployment/replica_num",
        "/deployment/operate",
        "/deployment/blacklist",
        "/machine/region/gpu_stock",
        "/deployment/ddp/overview",
    ]
    methods = ["GET", "POST", "PUT", "DELETE"]
    return Starlette(routes=[Route(PREFIX + p, endpoint, methods=methods) for p in paths])


def transport(hostile: Hostile) -> httpx.ASGITransport:
    """The hostile server in-process, for an `AutoDLClient(transport=...)`."""
    return httpx.ASGITransport(app=create_app(hostile))


@contextmanager
def serve(hostile: Hostile) -> Iterator[str]:
    """Run the hostile server on 127.0.0.1 (uvicorn in a thread); yield its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(hostile),
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=1,
        # A slow or endless body must not hold the server's shutdown.
        timeout_keep_alive=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "the hostile server did not start"
        assert time.monotonic() < deadline, "the hostile server never started"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
