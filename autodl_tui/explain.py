"""Why a container waits for a host: its deployment's template against current GPU stock.

The scheduling rules, as the vendor document describes them (and sim/GUESSES.md records the
simulator's reading of it; this module shares that description, none of the simulator's code):

- A host is a *candidate* when its region is in `dc_list`, its GPU model in `gpu_name_set`, the
  CUDA version its driver supports within [`cuda_v_from`, `cuda_v_to`], its price per GPU-hour
  within [`price_from`, `price_to`], and its CPU and memory *unit* times `gpu_num` within the
  CPU and memory ranges: each host's CPU and RAM are split evenly per GPU and a container gets
  `gpu_num` units (document, PAGE-ED). An upper bound of 0 is no bound (REAL-WORLD §8.4).
- A candidate takes the container when `gpu_num` of its cards are idle on that one host and the
  account has not blacklisted the host; otherwise the container waits (status `creating`, no
  machine) until capacity frees.
- `gpu_stock` counts single cards per region and model with the same filters applied per card
  (document line 769: two idle cards may be on two hosts). So stock can say that no card
  matches a filter, and how many matching cards are idle, but not how they sit on hosts.

`explain_waiting` asks stock (through the `fetch` it is given, e.g. the client's
`get_gpu_stock`) which filter excludes every card, and searches that filter's range for the
nearest value that would match; `relaxed_template` applies that one change to a template.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from autodl_tui.api.models import GpuStock
from autodl_tui.api.specs import MAX_PLAUSIBLE_GB, StockFilter
from autodl_tui.api.units import bytes_to_gb
from autodl_tui.catalog import CUDA_CODES, REGION_CODES, cuda_label

if TYPE_CHECKING:
    # Loading deploy/ pulls in the HTTP client: not before the app's first paint.
    from collections.abc import Mapping

    from autodl_tui.api.models import BlacklistEntry, Container, DeploymentTemplate
    from autodl_tui.deploy.template import Template

__all__ = [
    "Explanation",
    "Fetch",
    "Relaxation",
    "explain_waiting",
    "is_waiting",
    "relaxed_template",
    "waiting_reason_cell",
]

#: One stock query: (region, filters) -> that region's stock, as `AutoDLClient.get_gpu_stock`.
Fetch = Callable[[str, StockFilter], Awaitable[Sequence[GpuStock]]]

#: The highest price the search for a nearer price looks at: ¥100 per GPU-hour, in milliyuan.
MAX_PRICE_MILLI = 100_000
#: Short reasons are cut to this many characters (a table cell).
SHORT_CELLS = 30


@dataclass(frozen=True, slots=True)
class Relaxation:
    """One filter loosened: `changes` are (field of deploy.template.Template, new value)."""

    kind: str
    changes: tuple[tuple[str, object], ...]
    label: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a deployment's containers wait: a short reason, the full one, and what would help.

    `kind` names the filter that excludes every host (`regions`, `gpu`, `cuda`, `cpu`, `memory`,
    `price`), or `combination`, `full` (matching cards are busy), `spread` (enough idle cards,
    maybe not on one host, or blacklisted) or `none` (nothing blocks: it should start soon).
    """

    kind: str
    short: str
    full: str
    relax: Relaxation | None = None


def is_waiting(container: Container) -> bool:
    """Whether `container` waits for a host (starting, no machine assigned yet)."""
    return container.status in ("creating", "created") and not container.machine_id


def waiting_reason_cell(container: Container, reasons: Mapping[str, Explanation]) -> str:
    """The containers pane's cell: the short reason for a waiting container, else ""."""
    if not is_waiting(container):
        return ""
    found = reasons.get(container.deployment_uuid)
    return found.short if found is not None else ""


def relaxed_template(template: Template, relax: Relaxation) -> Template:
    """`template` with the one filter `relax` loosens (for "clone with this relaxed")."""
    changes: dict[str, object] = dict(relax.changes)
    return replace(template, **changes)  # type: ignore[arg-type]


# --- counting stock ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Count:
    idle: int
    total: int
    #: (region, model, idle, total) of every entry with cards.
    where: tuple[tuple[str, str, int, int], ...]

    def best(self) -> tuple[str, str, int, int]:
        """The entry with most idle cards, then most cards."""
        return max(self.where, key=lambda w: (w[2], w[3]))


class _Stock:
    """Stock queries over a set of regions and models, each asked once."""

    def __init__(self, fetch: Fetch, models: tuple[str, ...]) -> None:
        self._fetch = fetch
        self._models = models
        self._seen: dict[tuple[str, StockFilter], tuple[GpuStock, ...]] = {}

    async def count(self, regions: Sequence[str], flt: StockFilter) -> _Count:
        idle = total = 0
        where = []
        flt = replace(flt, gpu_name_set=self._models)
        for region in regions:
            key = (region, flt)
            if key not in self._seen:
                self._seen[key] = tuple(await self._fetch(region, flt))
            for s in self._seen[key]:
                if self._models and s.gpu_name not in self._models:
                    continue
                idle, total = idle + max(0, s.idle), total + max(0, s.total)
                if s.total > 0:
                    where.append((region, s.gpu_name, max(0, s.idle), s.total))
        return _Count(idle, total, tuple(where))


# --- the range filters ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Dim:
    """One range filter in stock's per-card units, with the template fields it comes from."""

    kind: str
    lo: int
    hi: int | None
    #: Every value the search may try, ascending.
    domain: tuple[int, ...] | range
    #: StockFilter field names (from, to).
    fields: tuple[str, str]
    #: The deploy Template fields (from, to) and the per-card -> template conversion.
    template_fields: tuple[str, str]
    scale: Callable[[int], object]
    show: Callable[[int], str]

    def stock(self, lo: int | None, hi: int | None) -> dict[str, int | None]:
        return {self.fields[0]: lo, self.fields[1]: hi}

    @property
    def empty(self) -> bool:
        return self.hi is not None and self.lo > self.hi


def _per_card(low: int, high: int, gpu_num: int) -> tuple[int, int | None]:
    return math.ceil(low / gpu_num), (high // gpu_num if high else None)


def _dims(t: DeploymentTemplate, gpu_num: int) -> list[_Dim]:
    cuda_from, cuda_to = t.cuda_range
    cpu = _per_card(t.cpu_num_from, t.cpu_num_to, gpu_num)
    mem_from = round(bytes_to_gb(t.memory_size_from))
    mem_to = round(bytes_to_gb(t.memory_size_to))
    mem = _per_card(mem_from, mem_to, gpu_num)
    return [
        _Dim(
            "cuda",
            cuda_from,
            cuda_to or None,
            CUDA_CODES,
            ("cuda_v_from", "cuda_v_to"),
            ("cuda_from", "cuda_to"),
            lambda v: v,
            lambda v: f"CUDA {cuda_label(v)}",
        ),
        _Dim(
            "cpu",
            cpu[0],
            cpu[1],
            range(1, 1001),
            ("cpu_num_from", "cpu_num_to"),
            ("cpu_num_from", "cpu_num_to"),
            lambda v: v * gpu_num,
            lambda v: f"{v * gpu_num} vCPU",
        ),
        _Dim(
            "memory",
            mem[0],
            mem[1],
            range(1, MAX_PLAUSIBLE_GB + 1),
            ("memory_gb_from", "memory_gb_to"),
            ("memory_gb_from", "memory_gb_to"),
            lambda v: v * gpu_num,
            lambda v: f"{v * gpu_num} GB",
        ),
        _Dim(
            "price",
            t.price_from,
            t.price_to or None,
            range(0, MAX_PRICE_MILLI + 1, 10),
            ("price_from", "price_to"),
            ("price_yuan_from", "price_yuan_to"),
            lambda v: v / 1000,
            _yuan,
        ),
    ]


def _yuan(milli: int) -> str:
    return f"¥{milli / 1000:.2f}"


def _filter(dims: Sequence[_Dim], *, override: _Dim | None = None, lo: int | None = None,
            hi: int | None = None) -> StockFilter:  # fmt: skip
    """Stock filters for `dims`; `override` (one of them) gets (lo, hi) instead of its own."""
    values: dict[str, int | None] = {}
    for d in dims:
        if d is override:
            values.update(d.stock(lo, hi))
        else:
            values.update(d.stock(d.lo or None, d.hi))
    return StockFilter(**values)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class _Nearest:
    #: The nearest value any card has, and the nearest with enough idle cards (or None).
    value: int
    above: bool
    usable: int | None
    #: Stock within the range up to `usable` (else up to `value`), and up to `value`.
    count: _Count
    nearest: _Count

    @property
    def target(self) -> int:
        """The value to relax to: where a container could start, else the nearest card."""
        return self.usable if self.usable is not None else self.value


async def _nearest(
    stock: _Stock, regions: Sequence[str], dims: Sequence[_Dim], d: _Dim, gpu_num: int
) -> _Nearest | None:
    """The value of `d` nearest its range that some card matches (the others as they are)."""
    values = list(d.domain)
    found = []
    if d.hi is not None:
        above = [v for v in values if v > d.hi]
        found.append(await _search(stock, regions, dims, d, above, True, gpu_num))
    # Nearest first; never a bound of 0, which the service reads as "no bound".
    below = [v for v in values if 0 < v < d.lo][::-1]
    found.append(await _search(stock, regions, dims, d, below, False, gpu_num))
    hits = [n for n in found if n is not None]

    def distance(n: _Nearest) -> tuple[bool, float]:
        bound = (d.hi or 0) if n.above else d.lo
        return (n.usable is None, abs(n.target - bound) / max(1, abs(bound)))

    return min(hits, key=distance) if hits else None


async def _search(
    stock: _Stock,
    regions: Sequence[str],
    dims: Sequence[_Dim],
    d: _Dim,
    side: list[int],
    above: bool,
    gpu_num: int,
) -> _Nearest | None:
    """Bisect `side` (values beyond one bound of `d`, nearest first) for the nearest card.

    A value v stands for the range from the bound's neighbour to v, so matching grows with v.
    The nearest value with any card, then (from there) the nearest with `gpu_num` idle cards.
    """
    if not side:
        return None

    async def probe(v: int) -> _Count:
        lo, hi = (side[0], v) if above else (v, side[0])
        return await stock.count(regions, _filter(dims, override=d, lo=lo, hi=hi))

    widest = await probe(side[-1])
    if widest.total == 0:
        return None
    first = await _bisect(probe, side, 0, lambda c: c.total > 0)
    nearest = await probe(side[first])
    if widest.idle < gpu_num:
        return _Nearest(side[first], above, None, nearest, nearest)
    usable = await _bisect(probe, side, first, lambda c: c.idle >= gpu_num)
    return _Nearest(side[first], above, side[usable], await probe(side[usable]), nearest)


async def _bisect(
    probe: Callable[[int], Awaitable[_Count]],
    side: list[int],
    low: int,
    ok: Callable[[_Count], bool],
) -> int:
    """The first index from `low` whose probe is `ok` (the last one is known to be)."""
    high = len(side) - 1
    while low < high:
        mid = (low + high) // 2
        if ok(await probe(side[mid])):
            high = mid
        else:
            low = mid + 1
    return low


# --- the explanation -----------------------------------------------------------------------

_NAMES = {
    "cuda": "CUDA range",
    "cpu": "CPU range",
    "memory": "memory range",
    "price": "price range",
}


def _bound_text(d: _Dim, above: bool) -> str:
    if d.kind == "price":
        return f"your cap {_yuan(d.hi or 0)}" if above else f"your floor {_yuan(d.lo)}"
    if d.kind == "cuda":
        return f"your maximum {d.show(d.hi or 0)}" if above else f"your minimum {d.show(d.lo)}"
    bound = d.hi if above else d.lo
    return f"your {'maximum' if above else 'minimum'} {d.show(bound or 0)}"


def _short_blocked(d: _Dim, n: _Nearest, model: str) -> str:
    if d.kind == "price":
        cap = _yuan(d.hi or 0) if n.above else _yuan(d.lo)
        word = "cap" if n.above else "floor"
        return f"price {word} {cap} {'<' if n.above else '>'} {model} {_yuan(n.value)}"
    if d.kind == "cuda":
        bound = cuda_label(d.hi or 0) if n.above else cuda_label(d.lo)
        near = cuda_label(n.value)
        return f"CUDA {'≤' if n.above else '≥'}{bound}: {'min' if n.above else 'max'} {near} here"
    bound = d.show(d.hi or 0) if n.above else d.show(d.lo)
    nearest = d.show(n.value).split()[0]
    return f"{'≤' if n.above else '≥'}{bound}: {'min' if n.above else 'max'} {nearest} here"


def _word(d: _Dim, above: bool) -> str:
    return ("cap" if above else "floor") if d.kind == "price" else ("max" if above else "min")


def _relax_dim(d: _Dim, n: _Nearest) -> Relaxation:
    field = d.template_fields[1] if n.above else d.template_fields[0]
    old = d.hi if n.above else d.lo
    word = _word(d, n.above)
    label = f"{d.kind} {word} {d.show(old or 0)} → {d.show(n.target)}"
    return Relaxation(d.kind, ((field, d.scale(n.target)),), label)


def _cards(c: _Count) -> str:
    return f"{c.idle} of {c.total} cards idle"


async def explain_waiting(
    template: DeploymentTemplate,
    fetch: Fetch,
    *,
    blacklist: Sequence[BlacklistEntry] = (),
) -> Explanation:
    """Why containers of a deployment with `template` find no host, from stock asked now."""
    regions = tuple(template.regions)
    models = tuple(template.gpu_name_set)
    gpu_num = max(1, template.gpu_num)
    if not regions:
        return Explanation("regions", "no region chosen", "The template names no region.")
    if not models:
        return Explanation("gpu", "no GPU model chosen", "The template names no GPU model.")
    stock = _Stock(fetch, models)
    here = await stock.count(regions, StockFilter())
    if here.total == 0:
        return await _elsewhere(stock, regions, models)
    dims = _dims(template, gpu_num)
    for d in dims:
        if d.empty:
            return Explanation(
                d.kind,
                f"{_NAMES[d.kind]} is empty",
                f"Per GPU the {_NAMES[d.kind]} is empty for {gpu_num} GPUs: no host can match.",
            )
    matching = await stock.count(regions, _filter(dims))
    banned = [b for b in blacklist if b.data_center in regions]
    if matching.total == 0:
        return await _blocked(stock, regions, dims, gpu_num)
    region, model, idle, total = matching.best()
    if matching.idle < gpu_num:
        return Explanation(
            "full",
            f"full: {matching.idle}/{matching.total} {model} idle"[:SHORT_CELLS],
            f"Hosts match every filter but are busy: {_cards(matching)} "
            f"({model} in {region}: {idle} of {total}), and a container needs {gpu_num} on one "
            "host. It starts when capacity frees." + _banned_text(banned),
        )
    if gpu_num > 1 or banned:
        return Explanation(
            "spread",
            f"needs {gpu_num} idle on one host"[:SHORT_CELLS],
            f"{_cards(matching)} match every filter, but stock counts single cards: a container "
            f"needs {gpu_num} idle on one host, and the idle ones may sit on different hosts."
            + _banned_text(banned),
        )
    return Explanation(
        "none",
        "capacity free: starting soon",
        f"{_cards(matching)} match every filter; the container should get a host shortly.",
    )


def _banned_text(banned: Sequence[BlacklistEntry]) -> str:
    if not banned:
        return ""
    regions = sorted({b.data_center for b in banned})
    return f" {len(banned)} host(s) in {', '.join(regions)} are blacklisted by this account."


async def _elsewhere(
    stock: _Stock, regions: tuple[str, ...], models: tuple[str, ...]
) -> Explanation:
    names = ", ".join(models)
    where = ", ".join(regions)
    others = [r for r in REGION_CODES if r not in regions]
    there = await stock.count(others, StockFilter())
    if there.total == 0:
        return Explanation(
            "gpu",
            f"no {names} in any region"[:SHORT_CELLS],
            f"No region has {names} at all (is the model name exact?).",
        )
    region, model, idle, total = there.best()
    return Explanation(
        "regions",
        f"no {names} in {where}"[:SHORT_CELLS],
        f"{where} has no {names}. Nearest: {model} in {region} ({idle} of {total} cards idle).",
        Relaxation("regions", (("dc_list", (*regions, region)),), f"regions + {region}"),
    )


async def _blocked(
    stock: _Stock, regions: tuple[str, ...], dims: list[_Dim], gpu_num: int
) -> Explanation:
    alone = []
    for d in dims:
        only = await stock.count(regions, StockFilter(**d.stock(d.lo or None, d.hi)))  # type: ignore[arg-type]
        if only.total == 0:
            alone.append(d)
    blocker = alone[0] if alone else None
    if blocker is None:
        for d in dims:
            rest = [x for x in dims if x is not d]
            if (await stock.count(regions, _filter(rest))).total > 0:
                blocker = d
                break
    if blocker is None:
        return Explanation(
            "combination",
            "filters together exclude all",
            "Each filter alone leaves some card, but no card meets all of them together.",
        )
    nearest = await _nearest(stock, regions, dims, blocker, gpu_num)
    name = _NAMES[blocker.kind]
    if nearest is None:
        return Explanation(
            blocker.kind,
            f"{name} excludes all"[:SHORT_CELLS],
            f"No card in {', '.join(regions)} is within your {name}.",
        )
    region, model, idle, total = nearest.count.best()
    near_region, near_model, _, _ = nearest.nearest.best()
    side = "above" if nearest.above else "below"
    together = "" if alone else " (with your other filters)"
    unit = " per GPU-hour" if blocker.kind == "price" else ""
    full = (
        f"No host matches every filter: your {name}{together} excludes every card. "
        f"Nearest: {near_model} in {near_region} {'from' if nearest.above else 'up to'} "
        f"{blocker.show(nearest.value)}{unit}, {side} {_bound_text(blocker, nearest.above)}. "
    )
    if nearest.usable is not None:
        word = _word(blocker, nearest.above)
        full += (
            f"With a {word} of {blocker.show(nearest.target)}: {model} in {region}, "
            f"{idle} of {total} cards idle "
            f"(a container needs {gpu_num} on one host)."
        )
    else:
        full += f"None of those cards is idle now ({model} in {region}: {idle} of {total})."
    return Explanation(
        blocker.kind,
        _short_blocked(blocker, nearest, near_model)[:SHORT_CELLS],
        full,
        _relax_dim(blocker, nearest),
    )
