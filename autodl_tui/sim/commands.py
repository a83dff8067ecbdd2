"""Validated requests the HTTP layer hands to the engine (units as the wire has them)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TemplateSpec:
    """`container_template` of a create call; memory in GB, prices in yuan x 1000 per hour.

    `dc_list` is already merged with the deprecated `region_sign`, and `cuda_v_from` with the
    deprecated `cuda_v` (a lone `cuda_v` becomes from=cuda_v, to=None meaning "no upper bound").
    """

    dc_list: tuple[str, ...]
    gpu_name_set: tuple[str, ...]
    gpu_num: int
    cuda_v_from: int
    cuda_v_to: int | None
    memory_size_from: int
    memory_size_to: int
    cpu_num_from: int
    cpu_num_to: int
    price_from: int
    price_to: int
    image_uuid: str
    cmd: str
    cmd_before_shutdown: str = ""
    region_sign: str = ""
    cuda_v: int | None = None
    env_vars: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CreateDeployment:
    """Body of `POST /api/v1/dev/deployment` after validation."""

    name: str
    deployment_type: str
    replica_num: int
    parallelism_num: int
    reuse_container: bool
    service_6006_port_protocol: str
    service_6008_port_protocol: str
    template: TemplateSpec


@dataclass(frozen=True)
class ContainerQuery:
    """Body of `container/list` after validation; zero or empty means "no filter"."""

    deployment_uuid: str
    page_index: int
    page_size: int
    offset: int = 0
    container_uuid: str = ""
    date_from: str = ""
    date_to: str = ""
    gpu_name: str = ""
    cpu_num_from: int = 0
    cpu_num_to: int = 0
    memory_size_from: int = 0
    memory_size_to: int = 0
    price_from: float = 0.0
    price_to: float = 0.0
    released: bool = False
    status: tuple[str, ...] = ()


@dataclass(frozen=True)
class StockQuery:
    """Body of `machine/region/gpu_stock` after validation; None means "no filter"."""

    region_sign: str
    gpu_name_set: tuple[str, ...] = ()
    cuda_v_from: int | None = None
    cuda_v_to: int | None = None
    memory_size_from: int | None = None
    memory_size_to: int | None = None
    cpu_num_from: int | None = None
    cpu_num_to: int | None = None
    price_from: int | None = None
    price_to: int | None = None
