"""Turn decoded JSON request bodies into validated engine arguments, or `RequestParameterIsWrong`.

Every public function takes whatever `json.loads` produced (any JSON value) and either returns
validated arguments or raises `SimError` from `errors.parameter_wrong`; nothing else escapes.
Fields the document does not know are ignored, as the real service ignores them.

The service is a Go backend (REAL-WORLD §8.2), so binding follows Go's rules (GUESSES.md): a
missing field or null is the zero value, a zero bound means "no constraint" (REAL-WORLD §8.4),
an Int field refuses `2.0` and `"2"`, and a zero page_index/page_size takes the document's
defaults (缺省值0 / 缺省值10, document lines 408-409).
"""

from __future__ import annotations

import re
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
from autodl_tui.sim.limits import (
    MAX_CMD_CHARS,
    MAX_ENV_VALUE_CHARS,
    MAX_LIST_ITEMS,
    MAX_REPLICAS,
    MAX_TEXT_CHARS,
    simulator_limit,
)

# The backend is Go: an `Int` that does not fit an int32 fails to bind. This also catches the
# classic mistake of sending memory in bytes instead of GB (REAL-WORLD §8.1).
INT_MAX = 2**31 - 1
#: page_size when none (or 0) is sent: 缺省值10 (document line 409).
DEFAULT_PAGE_SIZE = 10

_MISSING: Any = object()
_INTEGER = re.compile(r"[+-]?[0-9]{1,10}")


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
    """A JSON integer literal; bools, numeric strings and `2.0` are refused."""
    # bool is a subclass of int in Python, but `true` is not a number in JSON. Go's decoder
    # refuses `2.0` and `"2"` for an int field (issue 13 item 5), and so does this.
    if isinstance(value, bool) or not isinstance(value, int):
        raise parameter_wrong(f"{field}: must be an integer")
    return value


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


def _replicas(obj: Mapping[str, Any], key: str, *, default: int | None = None, lo: int = 0) -> int:
    """A container count: at least `lo`, at most the simulator's MAX_REPLICAS."""
    number = _int(obj, key, default=default, lo=lo)
    if number > MAX_REPLICAS:
        raise parameter_wrong(simulator_limit(f"{key}: more than {MAX_REPLICAS}"))
    return number


def _bound(obj: Mapping[str, Any], key: str, *, field: str | None = None) -> int | None:
    """An optional non-negative range bound; None when absent or 0, which means no constraint."""
    return _int(obj, key, default=0, field=field) or None


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


def _check_len(value: str, name: str, max_len: int) -> str:
    """`value` unless it is longer than `max_len` characters (a simulator limit)."""
    if len(value) > max_len:
        raise parameter_wrong(simulator_limit(f"{name}: longer than {max_len} characters"))
    return value


def _str(
    obj: Mapping[str, Any],
    key: str,
    *,
    required: bool = False,
    field: str | None = None,
    max_len: int = MAX_TEXT_CHARS,
) -> str:
    """A string field of at most `max_len` characters; a required one must not be blank."""
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
    return _check_len(value, name, max_len)


def _count(items: list[Any] | dict[str, Any], name: str) -> None:
    """Refuse a list or object with more than MAX_LIST_ITEMS entries (a simulator limit)."""
    if len(items) > MAX_LIST_ITEMS:
        raise parameter_wrong(simulator_limit(f"{name}: more than {MAX_LIST_ITEMS} items"))


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
    _count(value, name)
    for item in value:
        if not isinstance(item, str):
            raise parameter_wrong(f"{name}: must be a list of strings")
        if not item.strip():
            raise parameter_wrong(f"{name}: must not contain empty strings")
        _check_len(item, name, MAX_TEXT_CHARS)
    return tuple(value)


def _enum(
    obj: Mapping[str, Any],
    key: str,
    allowed: tuple[str, ...],
    default: str,
    *,
    field: str | None = None,
) -> str:
    """An optional string restricted to `allowed`; "" (Go's zero value) means the default.

    Compared exactly, as Go compares strings: `replicaset` is not `ReplicaSet` (inference).
    """
    name = field or key
    value = _str(obj, key, field=name)
    if value == "":
        return default
    if value not in allowed:
        raise parameter_wrong(f"{name}: must be one of {', '.join(allowed)}")
    return value


def _range(lo: int | float | None, hi: int | float | None, field: str, prefix: str = "") -> None:
    """Refuse a from > to range; an absent bound is open."""
    if lo is not None and hi is not None and lo > hi:
        raise parameter_wrong(f"{prefix}{field}_from: must not exceed {field}_to")


def _page(obj: Mapping[str, Any]) -> PageArgs:
    """page_index (absent, 0 and 1 mean the first page), page_size (absent or 0: 10), offset.

    The document gives 缺省值0 / 缺省值10 (lines 408-409) and a Go backend cannot tell a missing
    field from 0; `page_index: 0` worked live (REAL-WORLD §3). Negative values get the same
    defaults, as a lenient pager does (inference); no page_size cap is documented.
    """
    page_index = _int(obj, "page_index", default=0, lo=-INT_MAX)
    page_size = _int(obj, "page_size", default=0, lo=-INT_MAX)
    offset = _int(obj, "offset", default=0, lo=-INT_MAX)
    return PageArgs(
        max(page_index, 1), page_size if page_size > 0 else DEFAULT_PAGE_SIZE, max(offset, 0)
    )


def query_page(query: Mapping[str, str]) -> PageArgs | None:
    """Paging from a GET's query string (Go binds query text to ints); None when it has none."""
    if not any(key in query for key in ("page_index", "page_size", "offset")):
        return None
    values: dict[str, int] = {}
    for key in ("page_index", "page_size", "offset"):
        text = _str(query, key).strip()
        if not text:
            continue
        # What Go's strconv.Atoi takes: ASCII digits only (Python's int() also takes "1_0").
        if not _INTEGER.fullmatch(text):
            raise parameter_wrong(f"{key}: must be an integer")
        values[key] = int(text)
    return _page(values)


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
        cmd_before_shutdown=_str(obj, "cmd_before_shutdown", max_len=MAX_CMD_CHARS),
    )


def set_replicas(body: Any) -> ReplicaArgs:
    """Body of `deployment/replica_num`; 0 is allowed (scale a ReplicaSet to nothing)."""
    obj = _object(body)
    return ReplicaArgs(
        deployment_uuid=_str(obj, "deployment_uuid", required=True),
        replica_num=_replicas(obj, "replica_num"),
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
        # Absent or 0 (the same thing to Go) is the default 24 h, at most 30 days (document
        # line 680: 默认为24小时,最长可设置30天); a negative expiry is refused (inference).
        expire_in_minutes=_int(obj, "expire_in_minutes", default=0, hi=BLACKLIST_MAX_MINUTES)
        or BLACKLIST_DEFAULT_MINUTES,
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
    cuda_from = _bound(obj, "cuda_v_from")
    cuda_v = _bound(obj, "cuda_v")
    if cuda_from is None:
        # The deprecated single `cuda_v` is a lower bound with no upper bound.
        cuda_from = cuda_v
    # 0 for any bound is "no constraint" (REAL-WORLD §8.4; issue 13 item 2).
    query = StockQuery(
        region_sign=region_sign,
        gpu_name_set=_str_list(obj, "gpu_name_set"),
        cuda_v_from=cuda_from,
        cuda_v_to=_bound(obj, "cuda_v_to"),
        memory_size_from=_bound(obj, "memory_size_from"),
        memory_size_to=_bound(obj, "memory_size_to"),
        cpu_num_from=_bound(obj, "cpu_num_from"),
        cpu_num_to=_bound(obj, "cpu_num_to"),
        price_from=_bound(obj, "price_from"),
        price_to=_bound(obj, "price_to"),
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
    """(cuda_v_from, cuda_v_to, cuda_v); 0 or absent is no constraint (REAL-WORLD §8.4).

    A lone deprecated cuda_v is the lower bound (the document's Container example, line 208,
    sends only `cuda_v`); its answer's `cuda_v_to: 0` can be sent back as it is.
    """
    p = "container_template."
    cuda_v = _bound(tpl, "cuda_v", field=p + "cuda_v")
    cuda_from = _bound(tpl, "cuda_v_from", field=p + "cuda_v_from") or cuda_v
    cuda_to = _bound(tpl, "cuda_v_to", field=p + "cuda_v_to")
    _range(cuda_from, cuda_to, "cuda_v", p)
    return cuda_from or 0, cuda_to, cuda_v


def _bounds(tpl: Mapping[str, Any], field: str) -> tuple[int, int]:
    """A from/to pair of the template; absent is 0, and a 0 upper bound is no constraint."""
    p = "container_template."
    lo = _int(tpl, field + "_from", default=0, field=p + field + "_from")
    hi = _int(tpl, field + "_to", default=0, field=p + field + "_to")
    _range(lo, hi or None, field, p)
    return lo, hi


def _env_vars(tpl: Mapping[str, Any]) -> dict[str, str]:
    """The undocumented `env_vars` object the real service accepted; string values only."""
    f = "container_template.env_vars"
    value = _get(tpl, "env_vars")
    if value is _MISSING:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise parameter_wrong(f"{f}: must be an object of strings")
    _count(value, f)
    for key, text in value.items():
        _check_len(key, f + " key", MAX_TEXT_CHARS)
        _check_len(text, f"{f}.{key}", MAX_ENV_VALUE_CHARS)
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
        # Required (document line 92) and a container needs a GPU; no upper limit is documented
        # (a count no host has simply never schedules).
        gpu_num=_int(tpl, "gpu_num", lo=1, field=p + "gpu_num"),
        cuda_v_from=cuda_from,
        cuda_v_to=cuda_to,
        memory_size_from=mem_from,
        memory_size_to=mem_to,
        cpu_num_from=cpu_from,
        cpu_num_to=cpu_to,
        price_from=price_from,
        price_to=price_to,
        image_uuid=_str(tpl, "image_uuid", required=True, field=p + "image_uuid"),
        cmd=_str(tpl, "cmd", required=True, field=p + "cmd", max_len=MAX_CMD_CHARS),
        cmd_before_shutdown=_str(
            tpl, "cmd_before_shutdown", field=p + "cmd_before_shutdown", max_len=MAX_CMD_CHARS
        ),
        region_sign=region_sign,
        cuda_v=cuda_v,
        env_vars=_env_vars(tpl),
    )


def _counts(obj: Mapping[str, Any], deployment_type: str) -> tuple[int, int]:
    """(replica_num, parallelism_num) by deployment type.

    The document marks replica_num required for ReplicaSet and Job and parallelism_num for Job
    (ReplicaSet、Job必填 / Job必填, lines 76-77); a Go `required` refuses 0, hence >= 1. A Job
    whose parallelism exceeds its replicas just runs them all at once (no rule is documented).
    """
    if deployment_type == "Container":
        # One container by definition; numbers sent anyway must still be well-formed ints.
        _replicas(obj, "replica_num", default=1)
        _replicas(obj, "parallelism_num", default=1)
        return 1, 1
    replica_num = _replicas(obj, "replica_num", lo=1)
    if deployment_type == "Job":
        return replica_num, _replicas(obj, "parallelism_num", lo=1)
    # A ReplicaSet runs every replica at once and the engine ignores parallelism_num; it is
    # kept as sent (default 1, like the fleets) so a list shows what the caller asked for.
    return replica_num, _replicas(obj, "parallelism_num", default=1, lo=1)


def create(body: Any) -> CreateDeployment:
    """Body of `POST deployment` (create)."""
    obj = _object(body)
    # No length rule is documented; only the simulator's own MAX_TEXT_CHARS applies.
    name = _str(obj, "name", required=True)
    deployment_type = _str(obj, "deployment_type", required=True)
    if deployment_type not in DEPLOYMENT_TYPES:
        raise parameter_wrong(f"deployment_type: must be one of {', '.join(DEPLOYMENT_TYPES)}")
    replica_num, parallelism_num = _counts(obj, deployment_type)
    template = _template(obj)
    port_6006, port_6008 = _protocols(obj, _object(_get(obj, "container_template")))
    return CreateDeployment(
        name=name,
        deployment_type=deployment_type,
        replica_num=replica_num,
        parallelism_num=parallelism_num,
        reuse_container=_bool(obj, "reuse_container"),
        service_6006_port_protocol=port_6006,
        service_6008_port_protocol=port_6008,
        template=template,
    )


def _protocols(obj: Mapping[str, Any], tpl: Mapping[str, Any]) -> tuple[str, str]:
    """The 6006 and 6008 protocols: top level first (document lines 79-81), then the template.

    One public client and one transcription put them inside container_template (issue 13
    item 3); dropping them there would silently give `http`. The deprecated single
    service_port_protocol fills whichever of the two is still unset.
    """
    p = "container_template."

    def pick(key: str, default: str) -> str:
        top = _enum(obj, key, PORT_PROTOCOLS, "")
        return top or _enum(tpl, key, PORT_PROTOCOLS, default, field=p + key)

    legacy = pick("service_port_protocol", "http")
    return pick("service_6006_port_protocol", legacy), pick("service_6008_port_protocol", legacy)
