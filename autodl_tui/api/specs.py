"""Request builders: what the caller wants, validated before anything is sent.

Units are the document's request units: memory in whole **GB** (responses come back in
bytes), prices in milliyuan (yuan x 1000) per hour, CUDA as integer codes (118 = 11.8).
Every `validate()` collects all problems and raises one `InvalidRequestError`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, TypeGuard

from autodl_tui.api import endpoints
from autodl_tui.api.errors import InvalidRequestError
from autodl_tui.api.units import format_time
from autodl_tui.catalog import (
    BLACKLIST_MAX_MINUTES,
    DEPLOYMENT_TYPES,
    PORT_PROTOCOLS,
)

__all__ = [
    "ContainerFilter",
    "ContainerTemplateSpec",
    "DeploymentSpec",
    "StockFilter",
    "check_blacklist",
    "check_page",
    "check_replica_num",
    "require_text",
]

Body = dict[str, Any]

#: Above this many "GB" the caller almost surely passed bytes (a documented pitfall).
MAX_PLAUSIBLE_GB = 8192

DateLike = datetime | date | str | None


def _is_int(value: object) -> TypeGuard[int]:
    # bool is an int subclass, but True is no replica count.
    return isinstance(value, int) and not isinstance(value, bool)


def _freeze_tuples(obj: object, *names: str) -> None:
    # Callers naturally pass lists; frozen specs keep tuples so they stay hashable.
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, str):
            value = (value,)
        with contextlib.suppress(TypeError):  # left as is; problems() reports it
            value = tuple(value)
        object.__setattr__(obj, name, value)


def _check_range(
    problems: list[str], label: str, low: object, high: object, *, minimum: int = 0
) -> None:
    """Both ints, both >= minimum, low <= high."""
    if not _is_int(low) or not _is_int(high):
        problems.append(f"{label}: from/to must be integers")
        return
    if low < minimum:
        problems.append(f"{label}_from must be >= {minimum}")
    if high < minimum:
        problems.append(f"{label}_to must be >= {minimum}")
    if low > high:
        problems.append(f"{label}_from ({low}) must be <= {label}_to ({high})")


def _check_optional_range(problems: list[str], label: str, low: object, high: object) -> None:
    """A filter range where 0/None means "no bound"; only ordering and sign are checked."""
    bounds: list[float] = []
    for side, value in (("from", low), ("to", high)):
        if value is None:
            bounds.append(0.0)
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            problems.append(f"{label}_{side} must be a number")
            return
        if value < 0:
            problems.append(f"{label}_{side} must be >= 0")
        bounds.append(float(value))
    if bounds[0] and bounds[1] and bounds[0] > bounds[1]:
        problems.append(f"{label}_from ({low}) must be <= {label}_to ({high})")


def require_text(value: object, name: str, endpoint: object) -> str:
    """Return `value` if it is a non-blank string, else raise InvalidRequestError."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError.client_side(str(endpoint), [f"{name} is required"])
    return value


def check_page(page_index: int, page_size: int, endpoint: object) -> None:
    """Pages are 1-based and non-empty."""
    problems = []
    if not _is_int(page_index) or page_index < 1:
        problems.append("page_index must be an integer >= 1")
    if not _is_int(page_size) or page_size < 1:
        problems.append("page_size must be an integer >= 1")
    if problems:
        raise InvalidRequestError.client_side(str(endpoint), problems)


def check_replica_num(replica_num: int) -> None:
    """A replica count is an integer >= 0."""
    if not _is_int(replica_num) or replica_num < 0:
        raise InvalidRequestError.client_side(
            str(endpoints.DEPLOYMENT_REPLICAS), ["replica_num must be an integer >= 0"]
        )


def check_blacklist(expire_in_minutes: int) -> None:
    """Blacklist expiry is 1..43200 minutes (30 days), as the document allows."""
    if not _is_int(expire_in_minutes) or not 1 <= expire_in_minutes <= BLACKLIST_MAX_MINUTES:
        raise InvalidRequestError.client_side(
            str(endpoints.BLACKLIST_SET),
            [f"expire_in_minutes must be an integer in 1..{BLACKLIST_MAX_MINUTES}"],
        )


@dataclass(frozen=True, slots=True)
class ContainerTemplateSpec:
    """`container_template` of a create call; defaults are the vendor example's wide ranges.

    Memory is GB (`memory_gb_*` -> wire `memory_size_*`); prices milliyuan per hour.
    """

    dc_list: tuple[str, ...]
    gpu_name_set: tuple[str, ...]
    image_uuid: str
    cmd: str
    gpu_num: int = 1
    cuda_v_from: int = 113
    cuda_v_to: int = 128
    memory_gb_from: int = 1
    memory_gb_to: int = 256
    cpu_num_from: int = 1
    cpu_num_to: int = 100
    price_from: int = 100
    price_to: int = 9000
    cmd_before_shutdown: str = ""

    def __post_init__(self) -> None:
        _freeze_tuples(self, "dc_list", "gpu_name_set")

    def problems(self, *, regions: bool = True) -> list[str]:
        """Everything wrong with this template, as readable field messages.

        `regions=False`: dc_list is not checked (the private cloud's create takes none).
        """
        out: list[str] = []
        if regions and (
            not self.dc_list or not all(isinstance(d, str) and d.strip() for d in self.dc_list)
        ):
            out.append("dc_list needs at least one region, and no blank ones")
        if not self.gpu_name_set or not all(
            isinstance(g, str) and g.strip() for g in self.gpu_name_set
        ):
            out.append("gpu_name_set needs at least one GPU model, and no blank ones")
        if not _is_int(self.gpu_num) or self.gpu_num < 1:
            out.append("gpu_num must be an integer >= 1")
        _check_range(out, "cuda_v", self.cuda_v_from, self.cuda_v_to, minimum=1)
        _check_range(out, "memory_gb", self.memory_gb_from, self.memory_gb_to)
        if _is_int(self.memory_gb_to) and self.memory_gb_to > MAX_PLAUSIBLE_GB:
            out.append("memory_gb_to is in GB, not bytes")
        _check_range(out, "cpu_num", self.cpu_num_from, self.cpu_num_to)
        _check_range(out, "price", self.price_from, self.price_to)
        if not isinstance(self.image_uuid, str) or not self.image_uuid.strip():
            out.append("image_uuid is required")
        if not isinstance(self.cmd, str) or not self.cmd.strip():
            out.append("cmd is required")
        return out

    def validate(self) -> None:
        """Raise InvalidRequestError listing every problem."""
        problems = self.problems()
        if problems:
            raise InvalidRequestError.client_side(str(endpoints.DEPLOYMENT_CREATE), problems)

    def to_body(self) -> Body:
        """The wire form (memory GB, prices milliyuan)."""
        body: Body = {
            "dc_list": list(self.dc_list),
            "gpu_name_set": list(self.gpu_name_set),
            "gpu_num": self.gpu_num,
            "cuda_v_from": self.cuda_v_from,
            "cuda_v_to": self.cuda_v_to,
            "memory_size_from": self.memory_gb_from,
            "memory_size_to": self.memory_gb_to,
            "cpu_num_from": self.cpu_num_from,
            "cpu_num_to": self.cpu_num_to,
            "price_from": self.price_from,
            "price_to": self.price_to,
            "image_uuid": self.image_uuid,
            "cmd": self.cmd,
        }
        if self.cmd_before_shutdown:
            body["cmd_before_shutdown"] = self.cmd_before_shutdown
        return body


@dataclass(frozen=True, slots=True)
class DeploymentSpec:
    """Body of `POST /api/v1/dev/deployment` (create); see the `replica_set`/`job`/`container`."""

    name: str
    deployment_type: str
    template: ContainerTemplateSpec
    replica_num: int | None = None
    parallelism_num: int | None = None
    reuse_container: bool | None = None
    service_6006_port_protocol: str | None = None
    service_6008_port_protocol: str | None = None

    @classmethod
    def replica_set(
        cls, name: str, template: ContainerTemplateSpec, replicas: int, **options: Any
    ) -> DeploymentSpec:
        """A ReplicaSet keeping `replicas` containers running."""
        return cls(name, "ReplicaSet", template, replica_num=replicas, **options)

    @classmethod
    def job(
        cls,
        name: str,
        template: ContainerTemplateSpec,
        replicas: int,
        parallelism: int,
        **options: Any,
    ) -> DeploymentSpec:
        """A Job running `replicas` completions, at most `parallelism` at once."""
        return cls(
            name, "Job", template, replica_num=replicas, parallelism_num=parallelism, **options
        )

    @classmethod
    def container(
        cls, name: str, template: ContainerTemplateSpec, **options: Any
    ) -> DeploymentSpec:
        """A single container."""
        return cls(name, "Container", template, **options)

    def problems(self, *, regions: bool = True) -> list[str]:
        """Everything wrong with this spec, template included (`regions`: see the template)."""
        out: list[str] = []
        if not isinstance(self.name, str) or not self.name.strip():
            out.append("name is required")
        if self.deployment_type not in DEPLOYMENT_TYPES:
            out.append(f"deployment_type must be one of {', '.join(DEPLOYMENT_TYPES)}")
        if self.deployment_type in ("ReplicaSet", "Job") and (
            not _is_int(self.replica_num) or self.replica_num < 1
        ):
            out.append(f"replica_num (integer >= 1) is required for {self.deployment_type}")
        if self.deployment_type == "Job" and (
            not _is_int(self.parallelism_num) or self.parallelism_num < 1
        ):
            out.append("parallelism_num (integer >= 1) is required for Job")
        for port in ("6006", "6008"):
            proto = getattr(self, f"service_{port}_port_protocol")
            if proto is not None and proto not in PORT_PROTOCOLS:
                out.append(f"service_{port}_port_protocol must be one of {PORT_PROTOCOLS}")
        if not isinstance(self.template, ContainerTemplateSpec):
            out.append("template must be a ContainerTemplateSpec")
        else:
            out.extend(f"template.{p}" for p in self.template.problems(regions=regions))
        return out

    def validate(self, *, regions: bool = True) -> None:
        """Raise InvalidRequestError listing every problem; nothing has been sent yet."""
        problems = self.problems(regions=regions)
        if problems:
            raise InvalidRequestError.client_side(str(endpoints.DEPLOYMENT_CREATE), problems)

    def to_body(self) -> Body:
        """The wire form; fields that do not apply to the type are left out."""
        body: Body = {"name": self.name, "deployment_type": self.deployment_type}
        if self.deployment_type in ("ReplicaSet", "Job"):
            body["replica_num"] = self.replica_num
        if self.deployment_type == "Job":
            body["parallelism_num"] = self.parallelism_num
        if self.reuse_container is not None:
            body["reuse_container"] = self.reuse_container
        if self.service_6006_port_protocol is not None:
            body["service_6006_port_protocol"] = self.service_6006_port_protocol
        if self.service_6008_port_protocol is not None:
            body["service_6008_port_protocol"] = self.service_6008_port_protocol
        body["container_template"] = self.template.to_body()
        return body


def _wire_date(value: DateLike) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return format_time(value)


@dataclass(frozen=True, slots=True)
class ContainerFilter:
    """Optional filters of container/list; zero, empty or None means "no filter".

    Memory in GB, prices milliyuan; `status` lists the wanted container statuses;
    `released=True` also returns released containers.
    """

    container_uuid: str = ""
    date_from: DateLike = None
    date_to: DateLike = None
    gpu_name: str = ""
    cpu_num_from: int = 0
    cpu_num_to: int = 0
    memory_gb_from: int = 0
    memory_gb_to: int = 0
    price_from: float = 0.0
    price_to: float = 0.0
    released: bool = False
    status: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _freeze_tuples(self, "status")

    def problems(self) -> list[str]:
        """Everything wrong with these filters."""
        out: list[str] = []
        _check_optional_range(out, "cpu_num", self.cpu_num_from, self.cpu_num_to)
        _check_optional_range(out, "memory_gb", self.memory_gb_from, self.memory_gb_to)
        _check_optional_range(out, "price", self.price_from, self.price_to)
        if isinstance(self.memory_gb_to, int | float) and self.memory_gb_to > MAX_PLAUSIBLE_GB:
            out.append("memory_gb_to is in GB, not bytes")
        if (
            isinstance(self.date_from, date)
            and isinstance(self.date_to, date)
            and type(self.date_from) is type(self.date_to)
            and self.date_from > self.date_to
        ):
            out.append("date_from must be <= date_to")
        if not all(isinstance(s, str) and s for s in self.status):
            out.append("status entries must be non-empty strings")
        return out

    def validate(self) -> None:
        """Raise InvalidRequestError listing every problem."""
        problems = self.problems()
        if problems:
            raise InvalidRequestError.client_side(str(endpoints.CONTAINER_LIST), problems)

    def to_body(self) -> Body:
        """Only the filters actually set (the service treats absent as "no filter")."""
        body: Body = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("date_from", "date_to"):
                value = _wire_date(value)
            elif f.name == "status":
                value = list(value)
            if not value:
                continue
            wire = f.name.replace("memory_gb_", "memory_size_")
            body[wire] = value
        return body


@dataclass(frozen=True, slots=True)
class StockFilter:
    """Optional filters of gpu_stock; None means "no filter". Memory GB, prices milliyuan."""

    gpu_name_set: tuple[str, ...] = ()
    cuda_v_from: int | None = None
    cuda_v_to: int | None = None
    memory_gb_from: int | None = None
    memory_gb_to: int | None = None
    cpu_num_from: int | None = None
    cpu_num_to: int | None = None
    price_from: int | None = None
    price_to: int | None = None

    def __post_init__(self) -> None:
        _freeze_tuples(self, "gpu_name_set")

    def problems(self) -> list[str]:
        """Everything wrong with these filters."""
        out: list[str] = []
        for label in ("cuda_v", "memory_gb", "cpu_num", "price"):
            _check_optional_range(
                out, label, getattr(self, f"{label}_from"), getattr(self, f"{label}_to")
            )
        return out

    def validate(self) -> None:
        """Raise InvalidRequestError listing every problem."""
        problems = self.problems()
        if problems:
            raise InvalidRequestError.client_side(str(endpoints.GPU_STOCK), problems)

    def to_body(self, region_sign: str) -> Body:
        """The wire body for one region."""
        body: Body = {"region_sign": region_sign}
        if self.gpu_name_set:
            body["gpu_name_set"] = list(self.gpu_name_set)
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "gpu_name_set" and value is not None:
                body[f.name.replace("memory_gb_", "memory_size_")] = value
        return body
