"""The simulated data centers: hosts per region with GPU model, CUDA, per-GPU unit and price.

Totals and idle ratios follow what public clients saw on the real service (REAL-WORLD.md §5-6):
e.g. westDC2 RTX 4090 55/298, westDC3 RTX 4090 ~90/1775, neimengDC3 RTX 4090 ~250/1576.
Prices are yuan x 1000 per GPU-hour; only the quoted rows of §6 are sourced, the rest plausible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import random


@dataclass(frozen=True)
class ModelSpec:
    """How one GPU model is provisioned in one region."""

    gpu_name: str
    total: int
    idle: int
    gpus_per_host: int
    cuda_max: tuple[int, ...]
    cpu_per_gpu: tuple[int, ...]
    mem_per_gpu_gb: tuple[int, ...]
    price: tuple[int, int]


def _m(
    name: str,
    total: int,
    idle: int,
    *,
    per_host: int = 8,
    cuda: tuple[int, ...] = (122, 124, 126, 128),
    cpu: tuple[int, ...] = (12, 16),
    mem: tuple[int, ...] = (60, 90),
    price: tuple[int, int] = (1800, 2500),
) -> ModelSpec:
    return ModelSpec(name, total, idle, per_host, cuda, cpu, mem, price)


_ada = partial(_m, cuda=(122, 124, 126, 128), cpu=(16, 18, 22, 25), mem=(80, 90, 120))
_ampere = partial(_m, cuda=(118, 120, 122, 124, 128), cpu=(12, 14, 16), mem=(60, 80, 90))

#: Region code -> the models its hosts carry (order is the order stock lists them in).
REGION_MODELS: dict[str, tuple[ModelSpec, ...]] = {
    "westDC2": (
        _m("vGPU-32GB", 306, 130, cpu=(16,), mem=(62,), price=(1680, 1770)),
        _m("vGPU-48GB", 56, 6, cpu=(16, 20), mem=(90,), price=(2200, 2900)),
        _ada("RTX 4090D", 208, 65, price=(1880, 2080)),
        _ada("RTX 4090", 298, 55, price=(1880, 2500)),
        _ampere("RTX 3090", 168, 3, price=(1300, 1780)),
        _m("RTX 3080x2", 40, 6, per_host=4, cuda=(118, 120, 122), price=(1200, 1600)),
    ),
    "westDC3": (
        _ada("RTX 4090", 1776, 90, price=(1880, 2510)),
        _ada("RTX 4090D", 800, 140, price=(1880, 2080)),
        _m("vGPU-48GB", 200, 22, cpu=(16, 20), mem=(90,), price=(2200, 2900)),
        _m("vGPU-48GB-350W", 120, 15, cpu=(12, 16), mem=(80,), price=(1800, 2300)),
        _m("RTX 5090", 160, 25, cuda=(128,), cpu=(25,), mem=(90,), price=(2780, 2930)),
        _m("RTX PRO 6000", 64, 8, cuda=(128,), cpu=(22,), mem=(110,), price=(5980, 7970)),
    ),
    "beijingDC1": (
        _ampere("RTX 3090", 240, 18, price=(1300, 1780)),
        _m("RTX 3080 Ti", 96, 9, cuda=(118, 120, 122), cpu=(12,), mem=(40, 60), price=(900, 1200)),
        _m("RTX A5000", 64, 6, cuda=(118, 120, 122), cpu=(14,), mem=(60,), price=(1200, 1500)),
    ),
    "beijingDC2": (
        _ada("RTX 4090", 1352, 117, price=(1880, 2500)),
        _ada("RTX 4090D", 400, 35, price=(1880, 2080)),
        _m("vGPU-32GB", 160, 40, cpu=(16,), mem=(62,), price=(1680, 1770)),
    ),
    "beijingDC4": (
        _m("L20", 480, 60, cuda=(122, 124, 126), cpu=(16, 20), mem=(100, 120), price=(2300, 3000)),
    ),
    "beijingDC3": (
        _m(
            "Tesla V100-SXM2-32GB",
            320,
            44,
            cuda=(118, 120, 122, 124),
            cpu=(10, 12),
            mem=(50, 60),
            price=(1800, 2500),
        ),
    ),
    "neimengDC1": (
        _ampere("RTX 3090", 320, 26, price=(1300, 1700)),
        _m("RTX A4000", 48, 7, cuda=(118, 120, 122), cpu=(8,), mem=(32,), price=(700, 900)),
    ),
    "foshanDC1": (
        _ampere("RTX 3090", 160, 12, price=(1300, 1700)),
        _m("RTX A5000", 48, 5, cuda=(118, 120, 122), cpu=(14,), mem=(60,), price=(1200, 1500)),
    ),
    "chongqingDC1": (
        _ada("RTX 4090", 332, 69, price=(1880, 2400)),
        _ada("RTX 4090D", 240, 38, price=(1880, 1980)),
    ),
    "yangzhouDC1": (_ampere("RTX 3090", 640, 80, price=(1300, 1600)),),
    "neimengDC3": (
        _ada("RTX 4090", 1576, 250, price=(1880, 2400)),
        # Above the demo h800-pretrain's cap of ¥9 (issue 17); the same range width keeps the
        # random draws, so every other host is unchanged.
        _m("H800", 64, 4, cuda=(124, 126, 128), cpu=(20,), mem=(200,), price=(9100, 13100)),
    ),
}

#: Public hostnames per region, as real ssh commands and service URLs show them.
REGION_ZONES: dict[str, str] = {
    "westDC2": "westc",
    "westDC3": "westd",
    "beijingDC1": "bja1",
    "beijingDC2": "bjb1",
    "beijingDC4": "bjc1",
    "beijingDC3": "bjv1",
    "neimengDC1": "nma1",
    "foshanDC1": "fsa1",
    "chongqingDC1": "cqa1",
    "yangzhouDC1": "yza1",
    "neimengDC3": "nmb1",
}


@dataclass(eq=False)
class Host:
    """One machine: its GPUs are shared between other tenants (`external_busy`) and us (`ours`)."""

    index: int
    machine_id: str
    region: str
    gpu_name: str
    gpus: int
    cuda_max: int
    cpu_per_gpu: int
    mem_per_gpu_gb: int
    price_per_gpu: int
    external_busy: int = 0
    ours: int = 0

    @property
    def free(self) -> int:
        """GPUs nobody holds."""
        return max(0, self.gpus - self.external_busy - self.ours)


@dataclass
class World:
    """Every host of every region, with indexes the scheduler and stock queries use."""

    hosts: list[Host] = field(default_factory=list)
    by_region: dict[str, list[Host]] = field(default_factory=dict)
    by_machine: dict[str, Host] = field(default_factory=dict)
    #: Models per region in stock-listing order.
    models: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, host: Host) -> None:
        """Register a host in every index."""
        self.hosts.append(host)
        self.by_region.setdefault(host.region, []).append(host)
        self.by_machine[host.machine_id] = host


def hex_id(rng: random.Random, length: int) -> str:
    """`length` lowercase hex digits from `rng`."""
    return f"{rng.getrandbits(4 * length):0{length}x}"


def build_world(rng: random.Random, *, scale: float = 1.0, busy_factor: float = 1.0) -> World:
    """Provision every region's hosts; `busy_factor` scales how much other tenants occupy."""
    world = World()
    for region, specs in REGION_MODELS.items():
        world.models[region] = tuple(s.gpu_name for s in specs)
        for spec in specs:
            host_count = max(1, round(spec.total * scale / spec.gpus_per_host))
            busy_ratio = (1 - spec.idle / spec.total) * busy_factor
            for _ in range(host_count):
                machine_id = hex_id(rng, 10)
                while machine_id in world.by_machine:
                    machine_id = hex_id(rng, 10)
                host = Host(
                    index=len(world.hosts),
                    machine_id=machine_id,
                    region=region,
                    gpu_name=spec.gpu_name,
                    gpus=spec.gpus_per_host,
                    cuda_max=rng.choice(spec.cuda_max),
                    cpu_per_gpu=rng.choice(spec.cpu_per_gpu),
                    mem_per_gpu_gb=rng.choice(spec.mem_per_gpu_gb),
                    price_per_gpu=rng.randint(*spec.price) // 10 * 10,
                )
                host.external_busy = sum(
                    1 for _ in range(spec.gpus_per_host) if rng.random() < busy_ratio
                )
                world.add(host)
    return world
