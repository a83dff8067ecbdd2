"""Typed, immutable views of the service's answers, parsed tolerantly.

Parsing rules: unknown fields are ignored, missing or wrongly typed fields take their default,
unknown status strings are kept as they are, and `null` or Go `{"Time", "Valid"}` times become
None. Units follow `units`: memory in bytes, money in milliyuan (yuan x 1000), times +08:00.
A payload whose overall shape is wrong (a list where an object belongs) raises ValueError,
which the client turns into `ResponseFormatError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Generic, TypeVar

from autodl_tui.api.coerce import (
    read_bool,
    read_int,
    read_name,
    read_obj,
    read_opt_int,
    read_str,
    read_strs,
    require_obj,
)
from autodl_tui.api.units import bytes_to_gb, milli_to_yuan, parse_time

if TYPE_CHECKING:
    from collections.abc import Callable

    from autodl_tui.api.coerce import (
        Raw,
    )

__all__ = [
    "BlacklistEntry",
    "Container",
    "ContainerEvent",
    "ContainerInfo",
    "Deployment",
    "DeploymentTemplate",
    "DurationPackage",
    "EventKey",
    "GpuStock",
    "Page",
    "PrivateImage",
    "parse_gpu_stock",
    "parse_list",
    "shared_time",
]

T = TypeVar("T")

_SSH_PORT = re.compile(r"-p\s*(\d+)")
_SSH_HOST = re.compile(r"@([\w.\-]+)")


@dataclass(frozen=True, slots=True)
class PrivateImage:
    """A custom image saved in the account (image/private/list)."""

    id: int
    image_uuid: str
    image_name: str
    status: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_api(cls, raw: Raw) -> PrivateImage:
        """Parse one list item; the real service sends only id, image_name and image_uuid."""
        return cls(
            id=read_int(raw, "id"),
            image_uuid=read_str(raw, "image_uuid"),
            image_name=read_str(raw, "image_name") or read_str(raw, "name"),
            status=read_str(raw, "status"),
            created_at=parse_time(raw.get("created_at")),
            updated_at=parse_time(raw.get("updated_at")),
        )


@dataclass(frozen=True, slots=True)
class DeploymentTemplate:
    """A deployment's container template as the list returns it.

    Memory is in **bytes** here (the request took GB); prices are milliyuan per hour.
    `cuda_v` and `region_sign` are the deprecated single-value forms, kept when sent.
    """

    dc_list: tuple[str, ...] = ()
    region_sign: str = ""
    gpu_name_set: tuple[str, ...] = ()
    gpu_num: int = 0
    cuda_v_from: int = 0
    cuda_v_to: int = 0
    cuda_v: int = 0
    memory_size_from: int = 0
    memory_size_to: int = 0
    cpu_num_from: int = 0
    cpu_num_to: int = 0
    price_from: int = 0
    price_to: int = 0
    image_uuid: str = ""
    image_name: str = ""
    cmd: str = ""
    cmd_before_shutdown: str = ""

    @classmethod
    def from_api(cls, raw: Raw) -> DeploymentTemplate:
        """Parse `template`; the bodiless GET variant puts dc_list/gpu_name_set on the item."""
        return cls(
            dc_list=read_strs(raw, "dc_list") or read_strs(raw, "region_sign_list"),
            region_sign=read_str(raw, "region_sign"),
            gpu_name_set=read_strs(raw, "gpu_name_set"),
            gpu_num=read_int(raw, "gpu_num"),
            cuda_v_from=read_int(raw, "cuda_v_from"),
            cuda_v_to=read_int(raw, "cuda_v_to"),
            cuda_v=read_int(raw, "cuda_v"),
            memory_size_from=read_int(raw, "memory_size_from"),
            memory_size_to=read_int(raw, "memory_size_to"),
            cpu_num_from=read_int(raw, "cpu_num_from"),
            cpu_num_to=read_int(raw, "cpu_num_to"),
            price_from=read_int(raw, "price_from"),
            price_to=read_int(raw, "price_to"),
            image_uuid=read_str(raw, "image_uuid"),
            image_name=read_str(raw, "image_name"),
            cmd=read_str(raw, "cmd"),
            cmd_before_shutdown=read_str(raw, "cmd_before_shutdown"),
        )

    @property
    def regions(self) -> tuple[str, ...]:
        """Schedulable regions, falling back to the deprecated single `region_sign`."""
        if self.dc_list:
            return self.dc_list
        return (self.region_sign,) if self.region_sign else ()

    @property
    def cuda_range(self) -> tuple[int, int]:
        """(from, to) CUDA codes; a lone deprecated `cuda_v` reads as (cuda_v, 0 = open)."""
        return (self.cuda_v_from or self.cuda_v, self.cuda_v_to)


@dataclass(frozen=True, slots=True)
class Deployment:
    """One elastic deployment (deployment/list item). Money in milliyuan, times +08:00."""

    uuid: str
    name: str = ""
    deployment_type: str = ""
    status: str = ""
    id: int = 0
    uid: int = 0
    replica_num: int = 0
    parallelism_num: int = 0
    reuse_container: bool = False
    service_port_protocol: str = ""
    service_6006_port_protocol: str = ""
    service_6008_port_protocol: str = ""
    starting_num: int = 0
    running_num: int = 0
    finished_num: int = 0
    image_uuid: str = ""
    template: DeploymentTemplate = field(default_factory=DeploymentTemplate)
    price_estimates: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    stopped_at: datetime | None = None

    @classmethod
    def from_api(cls, raw: Raw) -> Deployment:
        """Parse one list item (the full POST form or the slim GET form)."""
        template_raw = raw.get("template")
        template = DeploymentTemplate.from_api(
            template_raw if isinstance(template_raw, Mapping) else raw
        )
        return cls(
            uuid=read_str(raw, "uuid") or read_str(raw, "deployment_uuid"),
            name=read_str(raw, "name"),
            deployment_type=read_str(raw, "deployment_type"),
            status=read_str(raw, "status"),
            id=read_int(raw, "id"),
            uid=read_int(raw, "uid"),
            replica_num=read_int(raw, "replica_num"),
            parallelism_num=read_int(raw, "parallelism_num"),
            reuse_container=read_bool(raw, "reuse_container"),
            service_port_protocol=read_str(raw, "service_port_protocol"),
            service_6006_port_protocol=read_str(raw, "service_6006_port_protocol"),
            service_6008_port_protocol=read_str(raw, "service_6008_port_protocol"),
            starting_num=read_int(raw, "starting_num"),
            running_num=read_int(raw, "running_num"),
            finished_num=read_int(raw, "finished_num"),
            image_uuid=read_str(raw, "image_uuid") or template.image_uuid,
            template=template,
            price_estimates=read_int(raw, "price_estimates"),
            created_at=parse_time(raw.get("created_at")),
            updated_at=parse_time(raw.get("updated_at")),
            stopped_at=parse_time(raw.get("stopped_at")),
        )

    @property
    def is_running(self) -> bool:
        """True while the deployment is not stopped."""
        return self.status == "running"


#: Times parsed lately, by their wire text (see `shared_time`); emptied when full.
_TIMES: dict[str, datetime | None] = {}
_TIMES_KEPT = 8192


def shared_time(value: object) -> datetime | None:
    """`parse_time`, one object per distinct text: containers of a deployment share their
    `created_at`, and a running one's `updated_at` is its `started_at` (at 100,000
    containers, about 8 MB of equal datetimes otherwise, and their parsing).
    """
    if not isinstance(value, str):
        return parse_time(value)
    try:
        return _TIMES[value]
    except KeyError:
        pass
    if len(_TIMES) >= _TIMES_KEPT:
        _TIMES.clear()
    parsed = _TIMES[value] = parse_time(value)
    return parsed


@dataclass(frozen=True, slots=True)
class ContainerInfo:
    """Access details of a container; `root_password` is kept out of repr."""

    ssh_command: str = ""
    root_password: str = field(default="", repr=False)
    service_6006_port_url: str = ""
    service_6008_port_url: str = ""
    service_url: str = ""
    """Deprecated by the vendor: use service_6006_port_url."""
    proxy_host: str = ""
    """Deprecated by the vendor: use service_6006_port_url / service_6008_port_url."""
    custom_port: int = 0
    """Deprecated by the vendor: use service_6006_port_url / service_6008_port_url."""

    @classmethod
    def from_api(cls, raw: Raw) -> ContainerInfo:
        """Parse `info`."""
        return cls(
            ssh_command=read_str(raw, "ssh_command"),
            root_password=read_str(raw, "root_password"),
            service_6006_port_url=read_str(raw, "service_6006_port_url"),
            service_6008_port_url=read_str(raw, "service_6008_port_url"),
            service_url=read_str(raw, "service_url"),
            proxy_host=read_str(raw, "proxy_host"),
            custom_port=read_int(raw, "custom_port"),
        )

    @property
    def ssh_port(self) -> int | None:
        """The port in `ssh -p PORT root@HOST`, if present."""
        match = _SSH_PORT.search(self.ssh_command)
        return int(match.group(1)) if match else None

    @property
    def ssh_host(self) -> str:
        """The host in `ssh -p PORT root@HOST`, or ""."""
        match = _SSH_HOST.search(self.ssh_command)
        return match.group(1) if match else ""

    @property
    def service_6006_url(self) -> str:
        """The 6006 URL, falling back to the deprecated `service_url`."""
        return self.service_6006_port_url or self.service_url


@dataclass(frozen=True, slots=True)
class Container:
    """One container of a deployment (container/list item).

    `memory_size` is bytes, `price` milliyuan per hour (the wire's float rounded), times +08:00.
    """

    uuid: str
    deployment_uuid: str = ""
    status: str = ""
    id: int = 0
    version: str = ""
    data_center: str = ""
    machine_id: str = ""
    gpu_name: str = ""
    gpu_num: int = 0
    cpu_num: int = 0
    memory_size: int = 0
    image_uuid: str = ""
    price: int = 0
    info: ContainerInfo = field(default_factory=ContainerInfo)
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_api(cls, raw: Raw) -> Container:
        """Parse one list item."""
        return cls(
            uuid=read_str(raw, "uuid"),
            deployment_uuid=read_name(raw, "deployment_uuid"),
            status=read_name(raw, "status"),
            id=read_int(raw, "id"),
            version=read_name(raw, "version"),
            data_center=read_name(raw, "data_center"),
            machine_id=read_name(raw, "machine_id"),
            gpu_name=read_name(raw, "gpu_name"),
            gpu_num=read_int(raw, "gpu_num"),
            cpu_num=read_int(raw, "cpu_num"),
            memory_size=read_int(raw, "memory_size"),
            image_uuid=read_name(raw, "image_uuid"),
            price=read_int(raw, "price"),
            info=ContainerInfo.from_api(read_obj(raw, "info")),
            started_at=shared_time(raw.get("started_at")),
            stopped_at=shared_time(raw.get("stopped_at")),
            created_at=shared_time(raw.get("created_at")),
            updated_at=shared_time(raw.get("updated_at")),
        )

    @property
    def memory_gb(self) -> float:
        """Memory in GB (1024**3 bytes)."""
        return bytes_to_gb(self.memory_size)

    @property
    def price_yuan_per_hour(self) -> float:
        """Base price in yuan per hour."""
        return milli_to_yuan(self.price)


#: What identifies an event: (container uuid, status, created_at).
EventKey = tuple[str, str, datetime | None]


@dataclass(frozen=True, slots=True)
class ContainerEvent:
    """One status change of a container (container/event/list item)."""

    container_uuid: str
    status: str
    created_at: datetime | None

    @classmethod
    def from_api(cls, raw: Raw) -> ContainerEvent:
        """Parse one list item (`deployment_container_uuid` becomes `container_uuid`)."""
        return cls(
            container_uuid=read_str(raw, "deployment_container_uuid")
            or read_str(raw, "container_uuid"),
            status=read_str(raw, "status"),
            created_at=parse_time(raw.get("created_at")),
        )

    @property
    def key(self) -> EventKey:
        """Identity used to recognise an event seen before."""
        return (self.container_uuid, self.status, self.created_at)


@dataclass(frozen=True, slots=True)
class BlacklistEntry:
    """A host this account will not schedule on until `expired_time`; `msg` is the comment."""

    machine_id: str
    data_center: str = ""
    msg: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    expired_time: datetime | None = None

    @classmethod
    def from_api(cls, raw: Raw) -> BlacklistEntry:
        """Parse one entry of GET blacklist."""
        return cls(
            machine_id=read_str(raw, "machine_id"),
            data_center=read_str(raw, "data_center"),
            msg=read_str(raw, "msg") or read_str(raw, "comment"),
            created_at=parse_time(raw.get("created_at")),
            updated_at=parse_time(raw.get("updated_at")),
            expired_time=parse_time(raw.get("expired_time")),
        )


@dataclass(frozen=True, slots=True)
class GpuStock:
    """Idle and total cards of one GPU model in one region (single-card scheduling view)."""

    region: str
    gpu_name: str
    idle: int
    total: int
    chip_corp: str = ""
    cpu_arch: str = ""

    @classmethod
    def from_api(cls, region: str, gpu_name: str, raw: Raw) -> GpuStock:
        """Parse the value object of one `{"<gpu name>": {...}}` entry."""
        return cls(
            region=region,
            gpu_name=gpu_name,
            idle=read_int(raw, "idle_gpu_num"),
            total=read_int(raw, "total_gpu_num"),
            chip_corp=read_str(raw, "chip_corp"),
            cpu_arch=read_str(raw, "cpu_arch"),
        )


@dataclass(frozen=True, slots=True)
class DurationPackage:
    """Purchased GPU time (时长包) usable by a deployment; durations in seconds."""

    gpu_type: str
    total_s: int = 0
    balance_s: int = 0
    dc_list: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, raw: Raw) -> DurationPackage:
        """Parse one ddp/overview item; `dc_list` may be "a,b" or a list."""
        return cls(
            gpu_type=read_str(raw, "gpu_type"),
            total_s=read_int(raw, "total"),
            balance_s=read_int(raw, "balance"),
            dc_list=read_strs(raw, "dc_list"),
        )

    @property
    def used_s(self) -> int:
        """Seconds already consumed from the packages still counted."""
        return max(0, self.total_s - self.balance_s)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list call. `max_page` 0 means the service did not say."""

    items: tuple[T, ...]
    page_index: int
    page_size: int
    max_page: int = 0
    result_total: int | None = None
    offset: int = 0

    @classmethod
    def from_api(
        cls, data: object, parse_item: Callable[[Raw], T], *, page_index: int, page_size: int
    ) -> Page[T]:
        """Parse a paginated `data` object; `null` is an empty page."""
        if data is None:
            return cls((), page_index, page_size)
        raw = require_obj(data, "data")
        items = parse_list(raw.get("list"), parse_item)
        return cls(
            items=tuple(items),
            # What we asked for: the service's echo may be 0-based (page_index 0 is page 1).
            page_index=page_index,
            page_size=read_int(raw, "page_size", page_size) or page_size,
            max_page=read_int(raw, "max_page"),
            result_total=read_opt_int(raw, "result_total"),
            offset=read_int(raw, "offset"),
        )

    @property
    def is_last(self) -> bool:
        """Whether no later page can hold more items.

        `max_page` wins when given: a service that caps page_size below what was asked
        would otherwise make a full page look short.
        """
        if not self.items:
            return True
        if self.max_page > 0:
            return self.page_index >= self.max_page
        return len(self.items) < self.page_size


def parse_list(data: object, parse_item: Callable[[Raw], T]) -> list[T]:
    """Parse a JSON list of objects; `null` is an empty list."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise ValueError(f"expected a list, got {type(data).__name__}")
    return [parse_item(require_obj(item, "list item")) for item in data]


def parse_gpu_stock(data: object, region: str) -> list[GpuStock]:
    """Parse gpu_stock's `[{"RTX 4090": {...}}, ...]`; also the older dict-keyed form."""
    if data is None:
        return []
    if isinstance(data, Mapping):
        entries: list[object] = [{name: value} for name, value in data.items()]
    elif isinstance(data, list):
        entries = list(data)
    else:
        raise ValueError(f"gpu stock is {type(data).__name__}, expected a list")
    stock: list[GpuStock] = []
    for entry in entries:
        entry = require_obj(entry, "gpu stock entry")
        if "idle_gpu_num" in entry:
            # A flat item that names its own model.
            stock.append(GpuStock.from_api(region, read_str(entry, "gpu_name"), entry))
            continue
        for name, value in entry.items():
            stock.append(GpuStock.from_api(region, str(name), require_obj(value, str(name))))
    return stock
