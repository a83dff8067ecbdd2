"""The pre-flight check before a create: the exact body, and where matching GPUs are idle now.

Stock is read per chosen region with the template's own filters (GPU models, CUDA, CPU,
memory, price), so the counts say how many idle cards the scheduler could use right now.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autodl_tui.api.errors import AutoDLError
from autodl_tui.api.specs import StockFilter
from autodl_tui.catalog import REGION_NAMES

if TYPE_CHECKING:
    from autodl_tui.api.client import AutoDLClient
    from autodl_tui.api.specs import DeploymentSpec

__all__ = ["ModelStock", "Preflight", "RegionMatch", "run_preflight", "stock_filter"]


@dataclass(frozen=True, slots=True)
class ModelStock:
    """Idle and total matching cards of one GPU model in one region."""

    gpu_name: str
    idle: int
    total: int


@dataclass(frozen=True, slots=True)
class RegionMatch:
    """What one chosen region offers for the template; `error` when its stock was unreadable."""

    region: str
    models: tuple[ModelStock, ...] = ()
    error: str = ""

    @property
    def idle(self) -> int:
        """Idle matching cards over every chosen model."""
        return sum(m.idle for m in self.models)

    @property
    def label(self) -> str:
        """`westDC2 西北企业区(推荐)`."""
        name = REGION_NAMES.get(self.region, "")
        return f"{self.region} {name}".strip()


@dataclass(frozen=True, slots=True)
class Preflight:
    """The body that would be sent, matching idle cards per region, and warnings."""

    body: dict[str, Any]
    regions: tuple[RegionMatch, ...]
    warnings: tuple[str, ...] = ()

    @property
    def idle(self) -> int:
        """Idle matching cards over every chosen region."""
        return sum(r.idle for r in self.regions)

    @property
    def has_stock(self) -> bool:
        """Whether any matching card is idle anywhere chosen."""
        return self.idle > 0

    @property
    def stock_unknown(self) -> bool:
        """Whether no region's stock could be read at all."""
        return bool(self.regions) and all(r.error for r in self.regions)

    def body_json(self) -> str:
        """The body, pretty-printed (non-ASCII kept readable)."""
        return json.dumps(self.body, ensure_ascii=False, indent=2)

    def stock_lines(self) -> list[str]:
        """One line per region: idle cards per model, or why it could not be read."""
        lines = []
        for r in self.regions:
            if r.error:
                lines.append(f"{r.label}: stock unavailable ({r.error})")
                continue
            per_model = ", ".join(f"{m.gpu_name} {m.idle}/{m.total}" for m in r.models)
            lines.append(f"{r.label}: {r.idle} idle" + (f" ({per_model})" if per_model else ""))
        return lines

    def report(self) -> str:
        """Stock lines, then warnings: what a terminal or a dialog shows."""
        lines = ["Matching idle GPUs (idle/total cards):"]
        lines += [f"  {line}" for line in self.stock_lines()]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def stock_filter(spec: DeploymentSpec) -> StockFilter:
    """The gpu_stock filters that match the template's scheduling ranges.

    Stock is counted per card while CPU and memory ranges are per container; with
    `gpu_num` > 1 the lower bounds are divided by it so the counts never miss a host
    (they may include some that cannot fit the whole container).
    """
    t = spec.template
    cards = max(1, t.gpu_num)
    return StockFilter(
        gpu_name_set=t.gpu_name_set,
        cuda_v_from=t.cuda_v_from,
        cuda_v_to=t.cuda_v_to,
        memory_gb_from=t.memory_gb_from // cards,
        memory_gb_to=t.memory_gb_to,
        cpu_num_from=t.cpu_num_from // cards,
        cpu_num_to=t.cpu_num_to,
        price_from=t.price_from,
        price_to=t.price_to,
    )


async def _region(client: AutoDLClient, region: str, filter: StockFilter) -> RegionMatch:
    try:
        stock = await client.get_gpu_stock(region, filter)
    except AutoDLError as exc:
        return RegionMatch(region, error=exc.message)
    wanted = set(filter.gpu_name_set)
    models = tuple(
        ModelStock(s.gpu_name, s.idle, s.total) for s in stock if not wanted or s.gpu_name in wanted
    )
    return RegionMatch(region, models)


async def _same_name(client: AutoDLClient, name: str) -> list[str]:
    try:
        page = await client.list_deployments(name=name)
    except AutoDLError:
        return []  # only a warning depends on it; the create itself will tell
    return [d.uuid for d in page.items if d.name == name]


async def run_preflight(client: AutoDLClient, spec: DeploymentSpec) -> Preflight:
    """Body, matching idle cards in each chosen region, and warnings; sends nothing mutating.

    Raises InvalidRequestError when the spec is invalid (nothing is sent then either).
    """
    client.flavor.validate(spec)
    filter = stock_filter(spec)
    t = spec.template
    regions = client.flavor.create_stock_regions(t.dc_list)
    matches = await asyncio.gather(*(_region(client, r, filter) for r in regions))
    taken = await _same_name(client, spec.name)
    result = Preflight(client.flavor.create_body(spec), tuple(matches))  # what create sends
    warnings: list[str] = []
    if result.stock_unknown:
        warnings.append("no region's stock could be read; nothing is known about capacity")
    elif not result.has_stock:
        warnings.append(
            f"no idle {' / '.join(t.gpu_name_set)} card matches in {', '.join(regions)}: "
            "the deployment would wait until capacity frees. Widen the regions, models, "
            "CUDA, CPU, memory or price ranges."
        )
    else:
        containers = spec.replica_num if spec.deployment_type == "ReplicaSet" else None
        if spec.deployment_type == "Job":
            containers = spec.parallelism_num
        needed = (containers or 1) * t.gpu_num
        if needed > result.idle:
            warnings.append(
                f"{needed} cards are needed at once but {result.idle} matching cards are "
                "idle: some containers would wait."
            )
    if t.gpu_num > 1:
        warnings.append(
            f"stock counts single cards: a {t.gpu_num}-GPU container needs {t.gpu_num} idle "
            "cards on one host, which these counts cannot show."
        )
    failed = [r.region for r in matches if r.error]
    if failed and not result.stock_unknown:
        warnings.append(f"stock unavailable for {', '.join(failed)}")
    if taken:
        warnings.append(
            f"a deployment named {spec.name!r} already exists ({', '.join(taken)}); "
            "a unique name makes it easy to tell them apart."
        )
    return Preflight(result.body, result.regions, tuple(warnings))
