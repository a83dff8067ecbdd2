"""The private-cloud flavor of the simulator (`autodl-tui sim --flavor private`).

The same engine and world answer at the same paths; what differs is shaped here, after
/work/shared/api/REAL-WORLD.md (§ numbers below) and, where it is silent, sim/GUESSES.md:

- `GET /machine/gpu_stock`: the whole cluster's stock as a dict keyed by GPU name, with
  `gpu_name` repeated inside (§5.3 "Older variants", §9).
- `POST /machine/region/gpu_stock`: also takes `dc_list`; `region_sign` is optional (both
  absent: the whole cluster); the answer has the same dict shape (guesses).
- `POST /deployment/blacklist/list` with `{}` lists the blacklist; the public
  `GET /deployment/blacklist` is not served (guess).
- Create takes one `cuda_v` (§9) and no `dc_list`, `region_sign` or CUDA range; the cluster
  is every host of the world. Deployment templates come back with `cuda_v` and no regions,
  as in the private document's example (§7.3).
- GPU models carry driver names ("NVIDIA GeForce RTX 4090", §5.2); requests naming them
  are translated back to the world's names.
- No `request_id` in the envelope (GEMCP's live notes; §1.1 has it for the public cloud).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from autodl_tui.catalog import REGION_CODES
from autodl_tui.sim import validation as v
from autodl_tui.sim.app import Call, Spec
from autodl_tui.sim.errors import parameter_wrong

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from autodl_tui.sim.app import Handler
    from autodl_tui.sim.engine import Simulator

__all__ = ["driver_name", "private_routes", "world_name"]

Json = dict[str, Any]

# Template fields of the public create that the private one does not take.
_PUBLIC_ONLY = ("dc_list", "region_sign", "cuda_v_from", "cuda_v_to")
# Keys whose values name GPU models, in requests and answers alike.
_NAME_KEYS = ("gpu_name", "gpu_type")


def driver_name(name: str) -> str:
    """The private cloud's name of a world GPU model: the driver's, e.g. NVIDIA GeForce RTX 4090.

    Consumer RTX cards are "NVIDIA GeForce <name>", everything else "NVIDIA <name>" (only
    the 4090 and A40 forms are seen; the rule is a guess).
    """
    if name.startswith("NVIDIA "):
        return name
    model = name.removeprefix("RTX ")
    if model != name and model[:1].isdigit():
        return f"NVIDIA GeForce {name}"
    return f"NVIDIA {name}"


def world_name(name: str) -> str:
    """The world's name for a driver name; any other name is kept (it matches what it does)."""
    for prefix in ("NVIDIA GeForce ", "NVIDIA "):
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name


def _rename(data: Any, rename: Callable[[str], str]) -> Any:
    """`data` with every GPU model name (gpu_name, gpu_type, gpu_name_set items) renamed."""
    if isinstance(data, list):
        return [_rename(item, rename) for item in data]
    if not isinstance(data, dict):
        return data
    out: Json = {}
    for key, value in data.items():
        if key in _NAME_KEYS and isinstance(value, str):
            out[key] = rename(value)
        elif key == "gpu_name_set" and isinstance(value, list):
            out[key] = [rename(x) if isinstance(x, str) else x for x in value]
        else:
            out[key] = _rename(value, rename)
    return out


def _translated(call: Call) -> Call:
    """The call with driver names in its JSON body turned into world names."""
    if not call.body.strip():
        return call
    decoded = call.json()
    try:
        body = _rename(decoded, world_name)
    except RecursionError:
        # Nothing nested this deep names a GPU: the validators judge the body as it came.
        return call
    return Call(json.dumps(body, ensure_ascii=False).encode(), call.query)


def _private_template(template: Any) -> Any:
    """A deployment's template as the private document shows it: `cuda_v`, no regions."""
    if not isinstance(template, dict):
        return template
    out = {k: val for k, val in template.items() if k not in _PUBLIC_ONLY}
    out["cuda_v"] = template.get("cuda_v_from") or template.get("cuda_v") or 0
    return out


def _private_items(data: Any) -> Any:
    """Deployment-list `data` with private templates (slim items lose their regions)."""
    if not isinstance(data, dict) or not isinstance(data.get("list"), list):
        return data
    items = []
    for item in data["list"]:
        if isinstance(item, dict):
            item = {k: val for k, val in item.items() if k not in ("dc_list", "region_sign")}
            if "template" in item:
                item["template"] = _private_template(item["template"])
        items.append(item)
    return {**data, "list": items}


def _stock(sim: Simulator, bodies: list[Json]) -> Json:
    """Summed stock over the regions of `bodies` (one validated stock body per region)."""
    totals: dict[str, list[int]] = {}
    for body in bodies:
        for entry in sim.gpu_stock(v.gpu_stock(body)):
            for model, counts in entry.items():
                sums = totals.setdefault(model, [0, 0])
                sums[0] += counts["idle_gpu_num"]
                sums[1] += counts["total_gpu_num"]
    return {
        driver_name(model): {
            "gpu_name": driver_name(model),
            "idle_gpu_num": idle,
            "total_gpu_num": total,
        }
        for model, (idle, total) in totals.items()
    }


def _cluster_stock(sim: Simulator, call: Call) -> Any:
    """GET machine/gpu_stock: every region of the world, no filters (a GET binds no body)."""
    return _stock(sim, [{"region_sign": r} for r in REGION_CODES])


def _region_stock(sim: Simulator, call: Call) -> Any:
    """POST machine/region/gpu_stock: `dc_list` and/or `region_sign`, or the whole cluster."""
    obj = call.json()
    if not isinstance(obj, dict):
        raise parameter_wrong("body: must be a JSON object")
    dc_list = obj.get("dc_list") or []
    if not isinstance(dc_list, list) or not all(isinstance(r, str) and r for r in dc_list):
        raise parameter_wrong("dc_list: must be a list of region codes")
    region_sign = obj.get("region_sign") or ""
    if not isinstance(region_sign, str):
        raise parameter_wrong("region_sign: must be a string")
    regions = list(dict.fromkeys([*dc_list, *([region_sign] if region_sign else [])]))
    filters = {k: val for k, val in obj.items() if k not in ("dc_list", "region_sign")}
    # Validate the filters once even when no region is named.
    v.gpu_stock({**filters, "region_sign": "-"})
    return _stock(sim, [{**filters, "region_sign": r} for r in regions or REGION_CODES])


def _blacklist_list(sim: Simulator, call: Call) -> Any:
    """POST deployment/blacklist/list: the entries in force, as the public GET lists them."""
    if not isinstance(call.json(), dict):
        raise parameter_wrong("body: must be a JSON object")
    return sim.list_blacklist()


def _create(sim: Simulator, call: Call) -> Any:
    """POST deployment: one `cuda_v`, no regions; scheduled on the whole cluster."""
    obj = call.json()
    template = obj.get("container_template") if isinstance(obj, dict) else None
    if not isinstance(template, dict):
        return sim.create_deployment(v.create(obj))  # the public checks word the error
    for key in _PUBLIC_ONLY:
        if template.get(key) is not None:
            raise parameter_wrong(
                f"container_template.{key}: not taken by the private cloud (send cuda_v)"
            )
    if "cuda_v" not in template:
        raise parameter_wrong("container_template.cuda_v: required (a CUDA code such as 118)")
    public = {**obj, "container_template": {**template, "dc_list": list(REGION_CODES)}}
    return sim.create_deployment(v.create(public))


_IDENTITY: Callable[[Any], Any] = lambda data: data  # noqa: E731


def _shaped(handler: Handler, shape: Callable[[Any], Any] = _IDENTITY) -> Handler:
    """`handler` reading world names from the request and answering private names, shaped."""

    def run(sim: Simulator, call: Call) -> Any:
        return _rename(shape(handler(sim, _translated(call))), driver_name)

    return run


def private_routes(public: Mapping[str, Mapping[str, Spec]]) -> dict[str, dict[str, Spec]]:
    """The private cloud's route table, built from the public one (see the module docstring)."""
    routes: dict[str, dict[str, Spec]] = {}
    for path, methods in public.items():
        shape = _private_items if path == "/deployment/list" else _IDENTITY
        routes[path] = {
            method: replace(spec, handler=_shaped(spec.handler, shape), request_id=False)
            for method, spec in methods.items()
        }
    bare = Spec(_blacklist_list, request_id=False)
    routes["/deployment"]["POST"] = replace(routes["/deployment"]["POST"], handler=_shaped(_create))
    del routes["/deployment/blacklist"]["GET"]
    routes["/deployment/blacklist/list"] = {"POST": replace(bare, handler=_shaped(_blacklist_list))}
    stock = Spec(_region_stock, enterprise=False, request_id=False)
    routes["/machine/region/gpu_stock"] = {"POST": replace(stock, handler=_shaped(_region_stock))}
    routes["/machine/gpu_stock"] = {"GET": replace(stock, handler=_cluster_stock)}
    return routes
