"""The simulator as an ASGI app: the vendor's 13 calls at their exact paths and methods.

Every answer the service itself gives is HTTP 200 with `{code, msg, data, request_id}`; only
routing (404/405), injected faults and real bugs (500) use other statuses.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from autodl_tui.catalog import check_flavor
from autodl_tui.sim import validation as v
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.errors import SimError, parameter_wrong
from autodl_tui.sim.faults import STATUS_BODIES, FaultConfig
from autodl_tui.sim.limits import MAX_BODY_BYTES, simulator_limit

if TYPE_CHECKING:
    from collections.abc import Mapping

    from starlette.requests import Request

    from autodl_tui.sim.faults import Fault

log = logging.getLogger(__name__)

PREFIX = "/api/v1/dev"
JSON_TYPE = "application/json; charset=utf-8"
#: Set on a timeout fault when the app runs in-process, where nothing can be held open; the
#: in-process transport turns it into `httpx.ReadTimeout` (see transport.py).
TIMEOUT_HEADER = "x-autodl-sim-timeout"


@dataclass(frozen=True)
class Call:
    """What a handler may read from a request: its raw body and its query string."""

    body: bytes
    query: Mapping[str, str]

    def json(self) -> Any:
        """The body decoded as JSON, or RequestParameterIsWrong."""
        try:
            return json.loads(self.body, parse_constant=_refuse_constant)
        # RecursionError: a body nested thousands deep must be a 200 error, not a 500.
        except (ValueError, RecursionError):
            raise parameter_wrong("body: not valid JSON") from None


def _refuse_constant(name: str) -> Any:
    """NaN and Infinity are not JSON, although Python's decoder accepts them by default."""
    raise ValueError(name)


Handler = Callable[[Simulator, Call], Any]


@dataclass(frozen=True)
class Spec:
    """One (path, method): its handler and what it needs before running."""

    handler: Handler
    #: Deployment resources need an enterprise-verified account; stock and images do not.
    enterprise: bool = True
    #: Mutating calls can suffer "after" faults (applied, but the answer is lost).
    mutating: bool = False
    #: Whether the envelope carries a `request_id` (the private cloud's does not).
    request_id: bool = True


# --- handlers: validate, then call the engine synchronously --------------------------------


def _image_list(sim: Simulator, call: Call) -> Any:
    page = v.image_list(call.json())
    return sim.list_private_images(page.page_index, page.page_size, page.offset)


def _create(sim: Simulator, call: Call) -> Any:
    return sim.create_deployment(v.create(call.json()))


def _delete(sim: Simulator, call: Call) -> Any:
    sim.delete_deployment(v.delete_deployment(call.json()))


def _list_post(sim: Simulator, call: Call) -> Any:
    a = v.deployment_list(call.json())
    return sim.list_deployments(
        a.page.page_index,
        a.page.page_size,
        name=a.name,
        status=a.status,
        deployment_uuid=a.deployment_uuid,
    )


# A GET binds only its query string: any body is ignored, and parameters sent only there are
# missing (REAL-WORLD §8.5, §1.3; issue 13 item 4).


def _list_get(sim: Simulator, call: Call) -> Any:
    # The bare GET returns every deployment, in the slim shape (REAL-WORLD §7.3); paging in
    # the query string is honoured as Go's query binding would (issue 13 item 7).
    page = v.query_page(call.query)
    if page is None:
        return sim.list_deployments(1, 0, slim=True)
    return sim.list_deployments(page.page_index, page.page_size, slim=True, offset=page.offset)


def _events(sim: Simulator, call: Call) -> Any:
    a = v.event_list(call.json())
    return sim.list_container_events(
        a.deployment_uuid,
        a.page.page_index,
        a.page.page_size,
        deployment_container_uuid=a.deployment_container_uuid,
        offset=a.page.offset,
    )


def _containers(sim: Simulator, call: Call) -> Any:
    return sim.list_containers(v.container_list(call.json()))


def _stop_container(sim: Simulator, call: Call) -> Any:
    a = v.stop_container(call.json())
    sim.stop_container(
        a.deployment_container_uuid,
        decrease_one_replica_num=a.decrease_one_replica_num,
        no_cache=a.no_cache,
        cmd_before_shutdown=a.cmd_before_shutdown,
    )


def _replicas(sim: Simulator, call: Call) -> Any:
    a = v.set_replicas(call.json())
    sim.set_replica_num(a.deployment_uuid, a.replica_num)


def _operate(sim: Simulator, call: Call) -> Any:
    sim.stop_deployment(v.operate(call.json()))


def _blacklist_post(sim: Simulator, call: Call) -> Any:
    a = v.blacklist(call.json())
    sim.set_blacklist(a.deployment_container_uuid, a.expire_in_minutes, a.comment)


def _blacklist_get(sim: Simulator, call: Call) -> Any:
    return sim.list_blacklist()


def _gpu_stock(sim: Simulator, call: Call) -> Any:
    return sim.gpu_stock(v.gpu_stock(call.json()))


def _ddp(sim: Simulator, call: Call) -> Any:
    return sim.ddp_overview(v.ddp_overview(call.query))


ROUTES: dict[str, dict[str, Spec]] = {
    "/image/private/list": {"POST": Spec(_image_list, enterprise=False)},
    "/deployment": {
        "POST": Spec(_create, mutating=True),
        "DELETE": Spec(_delete, mutating=True),
    },
    "/deployment/list": {"POST": Spec(_list_post), "GET": Spec(_list_get)},
    "/deployment/container/event/list": {"POST": Spec(_events)},
    "/deployment/container/list": {"POST": Spec(_containers)},
    "/deployment/container/stop": {"PUT": Spec(_stop_container, mutating=True)},
    "/deployment/replica_num": {"PUT": Spec(_replicas, mutating=True)},
    "/deployment/operate": {"PUT": Spec(_operate, mutating=True)},
    "/deployment/blacklist": {
        "POST": Spec(_blacklist_post, mutating=True),
        "GET": Spec(_blacklist_get),
    },
    "/machine/region/gpu_stock": {"POST": Spec(_gpu_stock, enterprise=False)},
    "/deployment/ddp/overview": {"GET": Spec(_ddp)},
}


# --- responses -----------------------------------------------------------------------------


def encode(payload: Any) -> bytes:
    """Compact UTF-8 JSON that keeps Chinese messages readable."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def envelope(
    sim: Simulator, code: str, msg: str, data: Any, *, request_id: bool = True
) -> Response:
    """The service's HTTP 200 answer, with a fresh request id (unless `request_id` is off)."""
    body = {"code": code, "msg": msg, "data": data}
    if request_id:
        body["request_id"] = sim.next_request_id()
    return Response(encode(body), media_type=JSON_TYPE)


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The request body, or None as soon as it is known to exceed `limit` bytes.

    A declared Content-Length over the limit is refused before a byte is read; a chunked body
    is read only up to the limit, so an oversized body is never held in memory.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(sim: Simulator) -> Response:
    """HTTP 413 (what nginx in front of the service answers), with the service's envelope."""
    error = parameter_wrong(simulator_limit(f"body: larger than {MAX_BODY_BYTES} bytes"))
    response = envelope(sim, error.code, error.msg, None)
    response.status_code = 413
    return response


def answer(sim: Simulator, spec: Spec, request: Request, body: bytes) -> Response:
    """Run one call through auth, permission, validation and the engine."""
    try:
        # A client sending "Bearer x" is wrong; the whole header is then the (bad) token.
        sim.check_token(request.headers.get("authorization"))
        if spec.enterprise:
            sim.require_enterprise()
        data = spec.handler(sim, Call(body, request.query_params))
    except SimError as err:
        return envelope(sim, err.code, err.msg, None, request_id=spec.request_id)
    return envelope(sim, "Success", "", data, request_id=spec.request_id)


async def fault_response(app: Starlette, fault: Fault, real: Response | None) -> Response:
    """What the client gets instead of `real` (None: the engine never saw the request)."""
    config: FaultConfig = app.state.faults
    if fault.kind in STATUS_BODIES:
        status, text = STATUS_BODIES[fault.kind]
        headers = {"Retry-After": "1"} if status == 429 else None
        return Response(text, status_code=status, media_type="text/plain", headers=headers)
    if fault.kind == "malformed":
        whole = bytes(real.body) if real is not None else b'{"code":"Success","msg":"","data":{}}'
        return Response(whole[: max(1, len(whole) // 2)], media_type=JSON_TYPE)
    # "timeout": in-process there is no socket to hold, so the transport raises instead.
    if not app.state.hold_timeouts:
        return Response(b"", status_code=504, headers={TIMEOUT_HEADER: "1"})
    await asyncio.sleep(config.timeout_hold_s)
    return real if real is not None else Response("504 Gateway Time-out", status_code=504)


def _endpoint(sim: Simulator, specs: dict[str, Spec]) -> Callable[[Request], Any]:
    """One Starlette endpoint serving every method of a path."""

    async def endpoint(request: Request) -> Response:
        # Starlette lets HEAD through wherever GET is allowed.
        spec = specs["GET" if request.method == "HEAD" else request.method]
        faults: FaultConfig = request.app.state.faults
        if faults.latency_ms > 0:
            await asyncio.sleep(faults.latency_ms / 1000)
        fault = faults.decide(mutating=spec.mutating)
        if fault is not None and not fault.after:
            return await fault_response(request.app, fault, None)
        body = await read_body(request)
        if body is None:
            return too_large(sim)
        try:
            response = answer(sim, spec, request, body)
        except Exception:
            # A bug, not bad input: log it where pytest shows it, then let Starlette send 500.
            log.exception("simulator bug on %s %s", request.method, request.url.path)
            raise
        if fault is not None:
            return await fault_response(request.app, fault, response)
        return response

    return endpoint


def create_app(
    sim: Simulator, faults: FaultConfig | None = None, *, flavor: str = "public"
) -> Starlette:
    """The ASGI app over `sim`; `app.state.faults` may be replaced or mutated at any time.

    `flavor="private"` serves the private cloud's variant of the calls (sim/private.py).
    """
    table = ROUTES
    if check_flavor(flavor) == "private":
        from autodl_tui.sim.private import private_routes

        table = private_routes(ROUTES)
    routes = [
        Route(PREFIX + path, _endpoint(sim, specs), methods=list(specs))
        for path, specs in table.items()
    ]
    app = Starlette(routes=routes)
    app.state.sim = sim
    app.state.flavor = flavor
    app.state.faults = faults if faults is not None else FaultConfig()
    # Over a socket a timeout fault holds the connection open; transport.py turns this off.
    app.state.hold_timeouts = True
    return app
