"""Turn decoded JSON request bodies into validated engine arguments, or `RequestParameterIsWrong`.

Every public function takes whatever `json.loads` produced (any JSON value) and either returns
validated arguments or raises `SimError` from `errors.parameter_wrong`; nothing else escapes.
Fields the document does not know are ignored, as the real service ignores them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from autodl_tui.catalog import (
    BLACKLIST_DEFAULT_MINUTES,
    BLACKLIST_MAX_MINUTES,
    CST,
    DEPLOYMENT_STATUSES,
    DEPLOYMENT_TYPES,
    PORT_PROTOCOLS,
    REGION_CODES,
)
from autodl_tui.sim.commands import ContainerQuery, CreateDeployment, StockQuery, TemplateSpec
from autodl_tui.sim.errors import parameter_wrong

# The backend is Go: an `Int` that does not fit an int32 fails to bind. This also catches the
# classic mistake of sending memory in bytes instead of GB (REAL-WORLD §8.1).
INT_MAX = 2**31 - 1
MAX_PAGE_SIZE = 1000
MAX_NAME_LEN = 64
MAX_GPU_NUM = 8
MAX_REPLICAS = 1000

_MISSING: Any = object()


@dataclass(frozen=True)
class PageArgs:
    """Pagination shared by every list call; `page_index` is already 1-based."""

    page_index: int
    page_size: int
    offset: int = 0


@dataclass(frozen=True)
class DeploymentListArgs:
    """Body of `deployment/list` after validation."""

    page: PageArgs
    name: str = ""
    status: str = ""
    deployment_uuid: str = ""


@dataclass(frozen=True)
class EventListArgs:
    """Body of `container/event/list` after validation."""

    deployment_uuid: str
    page: PageArgs
    deployment_container_uuid: str = ""


@dataclass(frozen=True)
class StopContainerArgs:
    """Body of `container/stop` after validation."""

    deployment_container_uuid: str
    decrease_one_replica_num: bool = False
    no_cache: bool = False
    cmd_before_shutdown: str = ""


@dataclass(frozen=True)
class ReplicaArgs:
    """Body of `deployment/replica_num` after validation."""

    deployment_uuid: str
    replica_num: int


@dataclass(frozen=True)
class BlacklistArgs:
    """Body of `POST deployment/blacklist` after validation."""

    deployment_container_uuid: str
    expire_in_minutes: int = BLACKLIST_DEFAULT_MINUTES
    comment: str = ""


# --- field readers -------------------------------------------------------------------------


def _object(value: Any, where: str = "body") -> dict[str, Any]:
    """`value` as a JSON object, else a parameter error naming `where`."""
    if not isinstance(value, dict):
        raise parameter_wrong(f"{where}: must be a JSON object")
    return value


def _get(obj: Mapping[str, Any], key: str) -> Any:
    """The field's value; JSON null counts as absent (Go binds it to the zero value)."""
    value = obj.get(key, _MISSING)
    return _MISSING if value is None else value


def _as_int(value: Any, field: str) -> int:
    """A JSON number that is a whole number; bools and numeric strings are refused."""
    # bool is a subclass of int in Python, but `true` is not a number in JSON.
    if isinstance(value, bool):
        raise parameter_wrong(f"{field}: must be an integer")
    if isinstance(value, int):
        return value
    # Clients that route numbers through floats send 2.0; Go's decoder accepts it for an int.
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    raise parameter_wrong(f"{field}: must be an integer")


def _int(
    obj: Mapping[str, Any],
    key: str,
    *,
    default: int | None = None,
    lo: int = 0,
    hi: int = INT_MAX,
    field: str | None = None,
) -> int:
    """An integer field within [lo, hi]; required when `default` is None."""
    name = field or key
    value = _get(obj, key)
    if value is _MISSING:
        if default is None:
            raise parameter_wrong(f"{name}: required")
        return default
    number = _as_int(value, name)
    if not lo <= number <= hi:
        raise parameter_wrong(f"{name}: must be between {lo} and {hi}")
    return number


def _opt_int(obj: Mapping[str, Any], key: str, *, field: str | None = None) -> int | None:
    """An optional non-negative integer; None when absent."""
    if _get(obj, key) is _MISSING:
        return None
    return _int(obj, key, default=0, field=field)


def _float(obj: Mapping[str, Any], key: str) -> float:
    """An optional non-negative finite number (ints accepted), 0.0 when absent."""
    value = _get(obj, key)
    if value is _MISSING:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise parameter_wrong(f"{key}: must be a number")
    if not 0 <= value <= INT_MAX:
        # Also refuses NaN, which compares false with everything.
        raise parameter_wrong(f"{key}: must be between 0 and {INT_MAX}")
    return float(value)


def _str(
    obj: Mapping[str, Any], key: str, *, required: bool = False, field: str | None = None
) -> str:
    """A string field; a required one must be present and not blank."""
    name = field or key
    value = _get(obj, key)
    if value is _MISSING:
        if required:
            raise parameter_wrong(f"{name}: required")
        return ""
    if not isinstance(value, str):
        raise parameter_wrong(f"{name}: must be a string")
    if required and not value.strip():
        raise parameter_wrong(f"{name}: must not be empty")
    return value


def _bool(obj: Mapping[str, Any], key: str) -> bool:
    """An optional boolean, False when absent; 0/1 and "true" are refused."""
    value = _get(obj, key)
    if value is _MISSING:
        return False
    if not isinstance(value, bool):
        raise parameter_wrong(f"{key}: must be a boolean")
    return value


def _str_list(obj: Mapping[str, Any], key: str, *, field: str | None = None) -> tuple[str, ...]:
    """An optional list of non-empty strings, () when absent."""
    name = field or key
    value = _get(obj, key)
    if value is _MISSING:
        return ()
    if not isinstance(value, list):
        raise parameter_wrong(f"{name}: must be a list of strings")
    for item in value:
        if not isinstance(item, str):
            raise parameter_wrong(f"{name}: must be a list of strings")
        if not item.strip():
            raise parameter_wrong(f"{name}: must not contain empty strings")
    return tuple(value)


def _enum(obj: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: str) -> str:
    """An optional string restricted to `allowed`; "" (Go's zero value) means the default."""
    value = _str(obj, key)
    if value == "":
        return default
    if value not in allowed:
        raise parameter_wrong(f"{key}: must be one of {', '.join(allowed)}")
    return value


def _range(lo: int | float | None, hi: int | float | None, field: str) -> None:
    """Refuse a from > to range; an absent bound is open."""
    if lo is not None and hi is not None and lo > hi:
        raise parameter_wrong(f"{field}_from: must not exceed {field}_to")


def _page(obj: Mapping[str, Any]) -> PageArgs:
    """page_index (0 and 1 both mean the first page), page_size 1..1000, offset >= 0."""
    page_index = _int(obj, "page_index")
    page_size = _int(obj, "page_size", lo=1, hi=MAX_PAGE_SIZE)
    offset = _int(obj, "offset", default=0)
    # The vendor's own examples send page_index 0, and the real service answers it as page 1.
    return PageArgs(max(page_index, 1), page_size, offset)


# --- one validator per call ----------------------------------------------------------------


def image_list(body: Any) -> PageArgs:
    """Body of `image/private/list`."""
    return _page(_object(body))


def deployment_list(body: Any) -> DeploymentListArgs:
    """Body of `POST deployment/list`."""
    obj = _object(body)
    page = _page(obj)
    status = _str(obj, "status")
    if status not in ("", *DEPLOYMENT_STATUSES):
        raise parameter_wrong("status: must be empty, running or stopped")
    return DeploymentListArgs(
        page=page,
        name=_str(obj, "name"),
        status=status,
        deployment_uuid=_str(obj, "deployment_uuid"),
    )


def event_list(body: Any) -> EventListArgs:
    """Body of `container/event/list`."""
    obj = _object(body)
    return EventListArgs(
        deployment_uuid=_str(obj, "deployment_uuid", required=True),
        page=_page(obj),
        deployment_container_uuid=_str(obj, "deployment_container_uuid"),
    )


def _date(obj: Mapping[str, Any], key: str) -> tuple[str, float | None]:
    """An optional date filter as (ISO 8601 with an offset, POSIX seconds); naive means +08:00."""
    text = _str(obj, key).strip()
    if not text:
        return "", None
    try:
        instant = datetime.fromisoformat(text)
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=CST)
        # Year-1 or year-9999 instants overflow when shifted to UTC.
        return instant.isoformat(), instant.timestamp()
    except (ValueError, OverflowError):
        raise parameter_wrong(f"{key}: not a date (use 2006-01-02T15:04:05+08:00)") from None


def container_list(body: Any) -> ContainerQuery:
    """Body of `container/list`; zero values mean "no filter"."""
    obj = _object(body)
    deployment_uuid = _str(obj, "deployment_uuid", required=True)
    page = _page(obj)
    date_from, ts_from = _date(obj, "date_from")
    date_to, ts_to = _date(obj, "date_to")
    _range(ts_from, ts_to, "date")
    cpu_from, cpu_to = _int(obj, "cpu_num_from", default=0), _int(obj, "cpu_num_to", default=0)
    mem_from = _int(obj, "memory_size_from", default=0)
    mem_to = _int(obj, "memory_size_to", default=0)
    price_from, price_to = _float(obj, "price_from"), _float(obj, "price_to")
    # An upper bound of 0 is "no filter", so only a real upper bound can be exceeded.
    _range(cpu_from, cpu_to or None, "cpu_num")
    _range(mem_from, mem_to or None, "memory_size")
    _range(price_from, price_to or None, "price")
    return ContainerQuery(
        deployment_uuid=deployment_uuid,
        page_index=page.page_index,
        page_size=page.page_size,
        offset=page.offset,
        container_uuid=_str(obj, "container_uuid"),
        date_from=date_from,
        date_to=date_to,
        gpu_name=_str(obj, "gpu_name"),
        cpu_num_from=cpu_from,
        cpu_num_to=cpu_to,
        memory_size_from=mem_from,
        memory_size_to=mem_to,
        price_from=price_from,
        price_to=price_to,
        released=_bool(obj, "released"),
        # Container statuses are open-ended data (the real service added `removed`), so an
        # unknown one is a filter that matches nothing rather than an error.
        status=_str_list(obj, "status"),
    )


def stop_container(body: Any) -> StopContainerArgs:
    """Body of `container/stop`."""
    obj = _object(body)
    return StopContainerArgs(
        deployment_container_uuid=_str(obj, "deployment_container_uuid", required=True),
        decrease_one_replica_num=_bool(obj, "decrease_one_replica_num"),
        no_cache=_bool(obj, "no_cache"),
        cmd_before_shutdown=_str(obj, "cmd_before_shutdown"),
    )


def set_replicas(body: Any) -> ReplicaArgs:
    """Body of `deployment/replica_num`; 0 is allowed (scale a ReplicaSet to nothing)."""
    obj = _object(body)
    return ReplicaArgs(
        deployment_uuid=_str(obj, "deployment_uuid", required=True),
        replica_num=_int(obj, "replica_num", hi=MAX_REPLICAS),
    )


def operate(body: Any) -> str:
    """Body of `deployment/operate`: the deployment uuid (the only operation is "stop")."""
    obj = _object(body)
    deployment_uuid = _str(obj, "deployment_uuid", required=True)
    if _str(obj, "operate", required=True) != "stop":
        raise parameter_wrong("operate: must be stop")
    return deployment_uuid


def delete_deployment(body: Any) -> str:
    """Body of `DELETE deployment`: the deployment uuid."""
    return _str(_object(body), "deployment_uuid", required=True)


def blacklist(body: Any) -> BlacklistArgs:
    """Body of `POST deployment/blacklist`."""
    obj = _object(body)
    return BlacklistArgs(
        deployment_container_uuid=_str(obj, "deployment_container_uuid", required=True),
        expire_in_minutes=_int(
            obj,
            "expire_in_minutes",
            default=BLACKLIST_DEFAULT_MINUTES,
            lo=1,
            hi=BLACKLIST_MAX_MINUTES,
        ),
        comment=_str(obj, "comment"),
    )


def ddp_overview(query: Any) -> str:
    """Query string of `ddp/overview` (a str -> str mapping): the deployment uuid."""
    if not isinstance(query, Mapping):
        raise parameter_wrong("query: must be a mapping")
    return _str(query, "deployment_uuid", required=True)


def gpu_stock(body: Any) -> StockQuery:
    """Body of `machine/region/gpu_stock`; an unknown region is valid and simply has no stock."""
    obj = _object(body)
    region_sign = _str(obj, "region_sign", required=True)
    cuda_from = _opt_int(obj, "cuda_v_from")
    if cuda_from is None:
        # The deprecated single `cuda_v` is a lower bound with no upper bound.
        cuda_from = _opt_int(obj, "cuda_v")
    cuda_to = _opt_int(obj, "cuda_v_to")
    query = StockQuery(
        region_sign=region_sign,
        gpu_name_set=_str_list(obj, "gpu_name_set"),
        cuda_v_from=cuda_from,
        cuda_v_to=cuda_to,
        memory_size_from=_opt_int(obj, "memory_size_from"),
        memory_size_to=_opt_int(obj, "memory_size_to"),
        cpu_num_from=_opt_int(obj, "cpu_num_from"),
        cpu_num_to=_opt_int(obj, "cpu_num_to"),
        price_from=_opt_int(obj, "price_from"),
        price_to=_opt_int(obj, "price_to"),
    )
    _range(query.cuda_v_from, query.cuda_v_to, "cuda_v")
    _range(query.memory_size_from, query.memory_size_to, "memory_size")
    _range(query.cpu_num_from, query.cpu_num_to, "cpu_num")
    _range(query.price_from, query.price_to, "price")
    return query


# --- create --------------------------------------------------------------------------------


def _regions(tpl: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    """dc_list merged with the deprecated region_sign, every code known; and region_sign."""
    f = "container_template.dc_list"
    dc_list = list(_str_list(tpl, "dc_list", field=f))
    region_sign = _str(tpl, "region_sign", field="container_template.region_sign")
    if region_sign and region_sign not in dc_list:
        dc_list.append(region_sign)
    if not dc_list:
        raise parameter_wrong(f"{f}: required (at least one region)")
    for code in dc_list:
        if code not in REGION_CODES:
            raise parameter_wrong(f"{f}: unknown region {code}")
    # dict.fromkeys drops repeats while keeping the caller's order of preference.
    return tuple(dict.fromkeys(dc_list)), region_sign


def _cuda(tpl: Mapping[str, Any]) -> tuple[int, int | None, int | None]:
    """(cuda_v_from, cuda_v_to, cuda_v): a lone deprecated cuda_v has no upper bound."""
    p = "container_template."
    cuda_v = _opt_int(tpl, "cuda_v", field=p + "cuda_v")
    cuda_from = _opt_int(tpl, "cuda_v_from", field=p + "cuda_v_from")
    cuda_to = _opt_int(tpl, "cuda_v_to", field=p + "cuda_v_to")
    if cuda_from is None:
        if cuda_v is None:
            raise parameter_wrong(p + "cuda_v_from: required")
        cuda_from = cuda_v
    elif cuda_to is None and cuda_v is None:
        raise parameter_wrong(p + "cuda_v_to: required")
    if cuda_to is not None and cuda_from > cuda_to:
        raise parameter_wrong(p + "cuda_v_from: must not exceed cuda_v_to")
    return cuda_from, cuda_to, cuda_v


def _bounds(tpl: Mapping[str, Any], field: str) -> tuple[int, int]:
    """A required non-negative from/to pair of the template, from <= to."""
    p = "container_template."
    lo = _int(tpl, field + "_from", field=p + field + "_from")
    hi = _int(tpl, field + "_to", field=p + field + "_to")
    if lo > hi:
        raise parameter_wrong(f"{p}{field}_from: must not exceed {field}_to")
    return lo, hi


def _env_vars(tpl: Mapping[str, Any]) -> dict[str, str]:
    """The undocumented `env_vars` object the real service accepted; string values only."""
    f = "container_template.env_vars"
    value = _get(tpl, "env_vars")
    if value is _MISSING:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise parameter_wrong(f"{f}: must be an object of strings")
    return dict(value)


def _template(body: Mapping[str, Any]) -> TemplateSpec:
    """`container_template` of a create call (memory stays in GB; the engine converts)."""
    p = "container_template."
    tpl = _get(body, "container_template")
    if tpl is _MISSING:
        raise parameter_wrong("container_template: required")
    tpl = _object(tpl, "container_template")
    dc_list, region_sign = _regions(tpl)
    gpu_name_set = _str_list(tpl, "gpu_name_set", field=p + "gpu_name_set")
    if not gpu_name_set:
        raise parameter_wrong(p + "gpu_name_set: required (at least one GPU model)")
    cuda_from, cuda_to, cuda_v = _cuda(tpl)
    mem_from, mem_to = _bounds(tpl, "memory_size")
    cpu_from, cpu_to = _bounds(tpl, "cpu_num")
    price_from, price_to = _bounds(tpl, "price")
    return TemplateSpec(
        dc_list=dc_list,
        gpu_name_set=tuple(dict.fromkeys(gpu_name_set)),
        gpu_num=_int(tpl, "gpu_num", lo=1, hi=MAX_GPU_NUM, field=p + "gpu_num"),
        cuda_v_from=cuda_from,
        cuda_v_to=cuda_to,
        memory_size_from=mem_from,
        memory_size_to=mem_to,
        cpu_num_from=cpu_from,
        cpu_num_to=cpu_to,
        price_from=price_from,
        price_to=price_to,
        image_uuid=_str(tpl, "image_uuid", required=True, field=p + "image_uuid"),
        cmd=_str(tpl, "cmd", required=True, field=p + "cmd"),
        cmd_before_shutdown=_str(tpl, "cmd_before_shutdown", field=p + "cmd_before_shutdown"),
        region_sign=region_sign,
        cuda_v=cuda_v,
        env_vars=_env_vars(tpl),
    )


def _counts(obj: Mapping[str, Any], deployment_type: str) -> tuple[int, int]:
    """(replica_num, parallelism_num) by deployment type."""
    if deployment_type == "Container":
        # One container by definition; numbers sent anyway must still be well-formed ints.
        _int(obj, "replica_num", default=1, hi=MAX_REPLICAS)
        _int(obj, "parallelism_num", default=1, hi=MAX_REPLICAS)
        return 1, 1
    replica_num = _int(obj, "replica_num", lo=1, hi=MAX_REPLICAS)
    if deployment_type == "Job":
        return replica_num, _int(obj, "parallelism_num", lo=1, hi=replica_num)
    # A ReplicaSet runs every replica at once and the engine ignores parallelism_num; it is
    # kept as sent (default 1, like the fleets) so a list shows what the caller asked for.
    return replica_num, _int(obj, "parallelism_num", default=1, lo=1, hi=MAX_REPLICAS)


def create(body: Any) -> CreateDeployment:
    """Body of `POST deployment` (create)."""
    obj = _object(body)
    name = _str(obj, "name", required=True)
    if len(name) > MAX_NAME_LEN:
        raise parameter_wrong(f"name: at most {MAX_NAME_LEN} characters")
    deployment_type = _str(obj, "deployment_type", required=True)
    if deployment_type not in DEPLOYMENT_TYPES:
        raise parameter_wrong(f"deployment_type: must be one of {', '.join(DEPLOYMENT_TYPES)}")
    replica_num, parallelism_num = _counts(obj, deployment_type)
    # The deprecated single protocol fills whichever of the two new fields is absent.
    legacy = _enum(obj, "service_port_protocol", PORT_PROTOCOLS, "http")
    return CreateDeployment(
        name=name,
        deployment_type=deployment_type,
        replica_num=replica_num,
        parallelism_num=parallelism_num,
        reuse_container=_bool(obj, "reuse_container"),
        service_6006_port_protocol=_enum(obj, "service_6006_port_protocol", PORT_PROTOCOLS, legacy),
        service_6008_port_protocol=_enum(obj, "service_6008_port_protocol", PORT_PROTOCOLS, legacy),
        template=_template(obj),
    )
