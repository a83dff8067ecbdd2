"""Why-waiting (issue 17 item 1): which filter excludes every host, and the nearest that would fit.

Most cases ask the simulator's stock through the real client (the wire the app uses); the
cases stock cannot stage on demand (busy or spread cards, filters that only clash together)
use a small stock of cards defined here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

import pytest

from autodl_tui.api import AutoDLClient
from autodl_tui.api.models import BlacklistEntry, DeploymentTemplate, GpuStock
from autodl_tui.api.specs import StockFilter
from autodl_tui.api.units import GIB
from autodl_tui.deploy.template import Template, template_from_deployment
from autodl_tui.explain import (
    SHORT_CELLS,
    Explanation,
    Fetch,
    Relaxation,
    explain_waiting,
    is_waiting,
    relaxed_template,
    waiting_reason_cell,
)
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.sim.world import Host


@pytest.fixture
async def demo() -> AsyncIterator[tuple[Simulator, AutoDLClient]]:
    sim = build_simulator("demo", seed=0, clock=VirtualClock())
    async with AutoDLClient("t", base_url="http://sim", transport=sim_transport(sim)) as client:
        yield sim, client


def template(**kw: object) -> DeploymentTemplate:
    """A wide template (the vendor example's ranges), changed by `kw`."""
    base = DeploymentTemplate(
        dc_list=("westDC3",),
        gpu_name_set=("RTX 4090",),
        gpu_num=1,
        cuda_v_from=113,
        cuda_v_to=128,
        memory_size_from=1 * GIB,
        memory_size_to=2048 * GIB,
        cpu_num_from=1,
        cpu_num_to=400,
        price_from=10,
        price_to=9000,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def hosts(sim: Simulator, region: str, model: str) -> list[Host]:
    return [h for h in sim.world.by_region[region] if h.gpu_name == model]


def check_short(e: Explanation) -> None:
    assert e.short and len(e.short) <= SHORT_CELLS and "\n" not in e.short


def apply(t: DeploymentTemplate, e: Explanation) -> DeploymentTemplate:
    """The relaxed template as the list would return it after a create (form units -> wire)."""
    assert e.relax is not None
    changed = relaxed_template(Template(), e.relax)
    wire = {
        "dc_list": ("dc_list", lambda v: v),
        "gpu_name_set": ("gpu_name_set", lambda v: v),
        "cuda_from": ("cuda_v_from", lambda v: v),
        "cuda_to": ("cuda_v_to", lambda v: v),
        "cpu_num_from": ("cpu_num_from", lambda v: v),
        "cpu_num_to": ("cpu_num_to", lambda v: v),
        "memory_gb_from": ("memory_size_from", lambda v: v * GIB),
        "memory_gb_to": ("memory_size_to", lambda v: v * GIB),
        "price_yuan_from": ("price_from", lambda v: round(v * 1000)),
        "price_yuan_to": ("price_to", lambda v: round(v * 1000)),
    }
    fields = {}
    for name, _ in e.relax.changes:
        target, convert = wire[name]
        fields[target] = convert(getattr(changed, name))
    return replace(t, **fields)  # type: ignore[arg-type]


# --- the demo's h800-pretrain ----------------------------------------------------------------


async def test_the_demo_h800_waits_for_its_price_cap(demo: tuple[Simulator, AutoDLClient]) -> None:
    sim, client = demo
    (d,) = (x for x in (await client.list_deployments()).items if x.name == "h800-pretrain")
    cheapest = min(h.price_per_gpu for h in hosts(sim, "neimengDC3", "H800"))
    assert d.template.price_to < cheapest  # the premise: the cap is below every H800 host
    e = await explain_waiting(d.template, client.get_gpu_stock)
    assert e.kind == "price"
    check_short(e)
    assert "¥9.00" in e.short and "H800" in e.short and f"¥{cheapest / 1000:.2f}" in e.short
    assert "H800 in neimengDC3" in e.full and f"from ¥{cheapest / 1000:.2f}" in e.full
    assert "your cap ¥9.00" in e.full
    # The clone key: only the cap moves, to a price some H800 host has.
    assert e.relax is not None and [f for f, _ in e.relax.changes] == ["price_yuan_to"]
    clone = template_from_deployment(d)
    relaxed = relaxed_template(clone, e.relax)
    assert relaxed.price_yuan_to * 1000 >= cheapest
    assert replace(relaxed, price_yuan_to=clone.price_yuan_to) == clone
    after = await explain_waiting(apply(d.template, e), client.get_gpu_stock)
    assert after.kind != "price"


async def test_a_waiting_container_gets_the_short_reason(
    demo: tuple[Simulator, AutoDLClient],
) -> None:
    _, client = demo
    deployments = {d.uuid: d for d in (await client.list_deployments()).items}
    h800 = next(d for d in deployments.values() if d.name == "h800-pretrain")
    e = await explain_waiting(h800.template, client.get_gpu_stock)
    (waiting,) = (await client.list_containers(h800.uuid)).items
    assert is_waiting(waiting)
    assert waiting_reason_cell(waiting, {h800.uuid: e}) == e.short
    assert waiting_reason_cell(waiting, {}) == ""
    running = replace(waiting, status="running", machine_id="abc")
    assert not is_waiting(running) and waiting_reason_cell(running, {h800.uuid: e}) == ""


# --- each filter kind, against the simulator's stock -------------------------------------------


async def test_a_model_not_in_the_regions_suggests_a_region(
    demo: tuple[Simulator, AutoDLClient],
) -> None:
    _, client = demo
    t = template(dc_list=("beijingDC1",), gpu_name_set=("RTX 5090",))
    e = await explain_waiting(t, client.get_gpu_stock)
    assert e.kind == "regions" and "RTX 5090" in e.short and "westDC3" in e.full
    check_short(e)
    assert e.relax is not None and dict(e.relax.changes)["dc_list"] == ("beijingDC1", "westDC3")
    assert (await explain_waiting(apply(t, e), client.get_gpu_stock)).kind == "none"


async def test_a_model_nowhere(demo: tuple[Simulator, AutoDLClient]) -> None:
    _, client = demo
    e = await explain_waiting(template(gpu_name_set=("RTX 9999",)), client.get_gpu_stock)
    assert e.kind == "gpu" and e.relax is None and "RTX 9999" in e.full
    check_short(e)


async def test_a_cuda_maximum_below_every_driver(demo: tuple[Simulator, AutoDLClient]) -> None:
    sim, client = demo
    t = template(gpu_name_set=("RTX 5090",), cuda_v_to=124)  # every 5090 host has 12.8
    assert {h.cuda_max for h in hosts(sim, "westDC3", "RTX 5090")} == {128}
    e = await explain_waiting(t, client.get_gpu_stock)
    assert e.kind == "cuda" and e.short == "CUDA ≤12.4: min 12.8 here"
    assert e.relax is not None and e.relax.changes == (("cuda_to", 128),)
    assert (await explain_waiting(apply(t, e), client.get_gpu_stock)).kind == "none"


async def test_a_cuda_minimum_above_every_driver(demo: tuple[Simulator, AutoDLClient]) -> None:
    sim, client = demo
    t = template(dc_list=("beijingDC1",), gpu_name_set=("RTX 3080 Ti",), cuda_v_from=126)
    best = max(h.cuda_max for h in hosts(sim, "beijingDC1", "RTX 3080 Ti"))
    e = await explain_waiting(t, client.get_gpu_stock)
    assert e.kind == "cuda" and e.relax is not None
    assert e.relax.changes == (("cuda_from", best),)
    check_short(e)


@pytest.mark.parametrize("gpu_num", [1, 2])
async def test_a_cpu_floor_above_every_host(
    demo: tuple[Simulator, AutoDLClient], gpu_num: int
) -> None:
    sim, client = demo
    t = template(dc_list=("neimengDC3",), gpu_name_set=("H800",), cpu_num_from=64, gpu_num=gpu_num)
    t = replace(t, price_to=0)  # no cap: only the CPU floor is in the way
    per_gpu = max(h.cpu_per_gpu for h in hosts(sim, "neimengDC3", "H800"))
    assert per_gpu * gpu_num < 64
    e = await explain_waiting(t, client.get_gpu_stock)
    assert e.kind == "cpu" and e.short == f"≥64 vCPU: max {per_gpu * gpu_num} here"
    # Container CPU is the host's per-GPU unit times gpu_num.
    assert e.relax is not None and e.relax.changes == (("cpu_num_from", per_gpu * gpu_num),)
    assert (await explain_waiting(apply(t, e), client.get_gpu_stock)).kind != "cpu"


@pytest.mark.parametrize(
    ("bounds", "field"),
    [
        ({"memory_size_from": 100 * GIB}, "memory_gb_from"),
        ({"memory_size_to": 16 * GIB}, "memory_gb_to"),
    ],
)
async def test_a_memory_range_no_host_has(
    demo: tuple[Simulator, AutoDLClient], bounds: dict[str, int], field: str
) -> None:
    sim, client = demo
    t = template(dc_list=("neimengDC1",), gpu_name_set=("RTX A4000",), **bounds)
    (unit,) = {h.mem_per_gpu_gb for h in hosts(sim, "neimengDC1", "RTX A4000")}
    e = await explain_waiting(t, client.get_gpu_stock)
    assert e.kind == "memory" and e.relax is not None
    assert e.relax.changes == ((field, unit),)
    check_short(e)
    assert (await explain_waiting(apply(t, e), client.get_gpu_stock)).kind == "none"


async def test_a_price_floor_above_every_host(demo: tuple[Simulator, AutoDLClient]) -> None:
    sim, client = demo
    t = template(dc_list=("neimengDC1",), gpu_name_set=("RTX A4000",), price_from=5000)
    dearest = max(h.price_per_gpu for h in hosts(sim, "neimengDC1", "RTX A4000"))
    e = await explain_waiting(t, client.get_gpu_stock)
    assert e.kind == "price" and "floor ¥5.00" in e.short
    assert e.relax is not None and e.relax.changes == (("price_yuan_from", dearest / 1000),)


async def test_no_region_or_model_chosen(demo: tuple[Simulator, AutoDLClient]) -> None:
    _, client = demo
    assert (await explain_waiting(template(dc_list=()), client.get_gpu_stock)).kind == "regions"
    assert (await explain_waiting(template(gpu_name_set=()), client.get_gpu_stock)).kind == "gpu"


async def test_a_range_empty_per_gpu(demo: tuple[Simulator, AutoDLClient]) -> None:
    # 8 GPUs need at least 8 vCPUs: a CPU cap of 4 fits no host whatever its unit.
    _, client = demo
    e = await explain_waiting(template(gpu_num=8, cpu_num_to=4), client.get_gpu_stock)
    assert e.kind == "cpu" and e.relax is None


# --- busy, spread and clashing cards (a stock defined here) ------------------------------------


Card = dict[str, object]


def stock_of(cards: Sequence[Card]) -> Fetch:
    """gpu_stock over `cards` (one per host), filtering per card as the document describes."""

    def inside(value: object, low: int | None, high: int | None) -> bool:
        v = int(value)  # type: ignore[call-overload]
        return (low is None or v >= low) and (high is None or v <= high)

    async def fetch(region: str, f: StockFilter) -> Sequence[GpuStock]:
        counts: dict[str, list[int]] = {}
        for c in cards:
            if c["region"] != region or (f.gpu_name_set and c["model"] not in f.gpu_name_set):
                continue
            if not (
                inside(c["cuda"], f.cuda_v_from, f.cuda_v_to)
                and inside(c["cpu"], f.cpu_num_from, f.cpu_num_to)
                and inside(c["mem"], f.memory_gb_from, f.memory_gb_to)
                and inside(c["price"], f.price_from, f.price_to)
            ):
                continue
            n = counts.setdefault(str(c["model"]), [0, 0])
            n[0] += int(c["idle"])  # type: ignore[call-overload]
            n[1] += 8
        return [GpuStock(region, model, idle, total) for model, (idle, total) in counts.items()]

    return fetch


def card(**kw: object) -> Card:
    base: Card = {
        "region": "westDC3",
        "model": "RTX 4090",
        "cuda": 124,
        "cpu": 16,
        "mem": 90,
        "price": 2000,
        "idle": 0,
    }
    return {**base, **kw}


async def test_matching_hosts_that_are_full() -> None:
    e = await explain_waiting(template(), stock_of([card(), card(idle=0)]))
    assert e.kind == "full" and e.short == "full: 0/16 RTX 4090 idle" and e.relax is None


async def test_enough_idle_cards_but_maybe_not_on_one_host() -> None:
    e = await explain_waiting(template(gpu_num=4), stock_of([card(idle=2), card(idle=3)]))
    assert e.kind == "spread" and "4 idle on one host" in e.short


async def test_blacklisted_hosts_are_named() -> None:
    banned = [BlacklistEntry("m1", data_center="westDC3"), BlacklistEntry("m2", "beijingDC1")]
    e = await explain_waiting(template(), stock_of([card(idle=3)]), blacklist=banned)
    assert e.kind == "spread" and "1 host(s) in westDC3 are blacklisted" in e.full


async def test_free_capacity_says_it_should_start() -> None:
    e = await explain_waiting(template(), stock_of([card(idle=3)]))
    assert e.kind == "none"


async def test_filters_that_only_clash_together() -> None:
    # Old drivers only on cheap hosts: CUDA <= 12.0 and price >= ¥1.50 each leave a card.
    cards = [card(cuda=128, price=2000, idle=4), card(cuda=118, price=900, idle=4)]
    t = template(cuda_v_to=120, price_from=1500)
    e = await explain_waiting(t, stock_of(cards))
    assert e.kind in ("cuda", "price") and "with your other filters" in e.full


async def test_each_filter_alone_fine_but_not_all_three() -> None:
    cards = [
        # Each card meets exactly one of the three filters.
        card(cuda=118, price=900, cpu=8, idle=4),
        card(cuda=128, price=2000, cpu=8, idle=4),
        card(cuda=128, price=900, cpu=16, idle=4),
    ]
    t = template(cuda_v_to=120, price_from=1500, cpu_num_from=12)
    e = await explain_waiting(t, stock_of(cards))
    assert e.kind == "combination" and e.relax is None
    check_short(e)


def test_relaxed_template_changes_only_the_named_field() -> None:
    base = Template(name="x", price_yuan_to=9.0, dc_list=("westDC2",))
    out = relaxed_template(base, Relaxation("price", (("price_yuan_to", 11.5),), "cap"))
    assert out == replace(base, price_yuan_to=11.5)
