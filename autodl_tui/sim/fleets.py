"""Ready-made accounts for the simulator: `empty`, `demo`, and for benchmarks `large` with
its sizes `small`, `xlarge` and `huge` (52, 520, 1,560 and 5,200 deployments: about 0.9k,
10.6k, 32k and 107k containers).

Fleets are built through the engine's own calls while the clock is stepped through a few
hours of history, so every counter, event and package balance is one the engine produced.
"""

from __future__ import annotations

import gc
import random
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.commands import CreateDeployment, TemplateSpec
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.incidents import NO_INCIDENTS, Incidents

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

#: Benchmark fleets: name -> deployments (`large`'s shape, scaled).
SIZES: dict[str, int] = {"small": 52, "large": 520, "xlarge": 1560, "huge": 5200}
FLEETS: tuple[str, ...] = ("empty", "demo", *SIZES)
BLACKLIST_COMMENT = "开机缓慢,禁止在该主机上调度容器"


def spec(
    name: str,
    kind: str,
    *,
    regions: tuple[str, ...],
    gpus: tuple[str, ...],
    image: str,
    cmd: str,
    replicas: int = 1,
    parallelism: int = 1,
    gpu_num: int = 1,
    reuse: bool = False,
    price_to: int = 9000,
    cuda: tuple[int, int] = (113, 128),
) -> CreateDeployment:
    """A create request with the vendor example's wide CPU/memory ranges."""
    return CreateDeployment(
        name=name,
        deployment_type=kind,
        replica_num=replicas,
        parallelism_num=parallelism,
        reuse_container=reuse,
        service_6006_port_protocol="http",
        service_6008_port_protocol="http",
        template=TemplateSpec(
            dc_list=regions,
            gpu_name_set=gpus,
            gpu_num=gpu_num,
            cuda_v_from=cuda[0],
            cuda_v_to=cuda[1],
            memory_size_from=1,
            memory_size_to=2048,
            cpu_num_from=1,
            cpu_num_to=400,
            price_from=10,
            price_to=price_to,
            image_uuid=image,
            cmd=cmd,
        ),
    )


def _history_hours(count: int) -> float:
    """Hours of history a benchmark fleet is built over: 3 up to `large`, then less.

    The build replays every container's life, so its cost is deployments x hours: past
    520 deployments the history shrinks to keep the replay near `large`'s (a few seconds),
    while the number of deployments and containers listed still grows with the fleet.
    """
    return 3.0 * min(1.0, SIZES["large"] / count)


def _world_scale(count: int) -> float:
    """Hosts for a benchmark fleet: `large` has twice the stock; bigger fleets more room."""
    if count <= SIZES["large"]:
        return 2.0
    # Hosts with room: the scheduler scans for a free one, and full hosts make it scan far.
    return 3.0 * count / SIZES["large"]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block; after it, on again only if it was.

    A build allocates hundreds of thousands of objects that all stay alive (containers,
    events, scheduled steps); every few thousand allocations set off a collection, and those
    of the older generations walk the growing fleet to free nothing: a quarter of the huge
    fleet's build. Whatever cyclic garbage a build leaves is collected after it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_simulator(
    fleet: str,
    *,
    seed: int = 0,
    clock: VirtualClock | None = None,
    token: str | None = None,
    enterprise_verified: bool = True,
    incidents: Iterable[str] = NO_INCIDENTS,
) -> Simulator:
    """A simulator holding `fleet`, its history ending at the clock's current instant.

    A running clock is paused while the history is built, then resumed. `incidents` (see
    sim/incidents.py) start with the history, so it already shows some.
    """
    if fleet not in FLEETS:
        raise ValueError(f"unknown fleet {fleet!r}; choose one of {', '.join(FLEETS)}")
    with _collector_paused():
        return _build(fleet, seed, clock, token, enterprise_verified, incidents)


def _build(
    fleet: str,
    seed: int,
    clock: VirtualClock | None,
    token: str | None,
    enterprise_verified: bool,
    incidents: Iterable[str],
) -> Simulator:
    clock = clock or VirtualClock()
    was_running = clock.running
    clock.pause()
    end = clock.now()
    count = SIZES.get(fleet, 0)
    large = count > 0
    hours = _history_hours(count) if large else (3.0 if fleet != "empty" else 0.0)
    clock.rebase(end - timedelta(hours=hours))
    sim = Simulator(
        seed=seed,
        clock=clock,
        token=token,
        enterprise_verified=enterprise_verified,
        # The world grows with the fleet, so every size has room for its containers.
        world_scale=_world_scale(count) if large else 1.0,
        busy_factor=0.3 if large else 1.0,
        incidents=Incidents(incidents, seed=seed),
    )
    # A benchmark fleet may hold more than an account the simulator serves would create.
    sim.max_deployments = count
    if fleet == "demo":
        _demo(
            sim, lambda seconds_before_end: clock.set(end - timedelta(seconds=seconds_before_end))
        )
    elif large:
        _large(sim, clock, random.Random(seed), count)
    if clock.timestamp() < end.timestamp():
        clock.set(end)
    sim.sync()
    if was_running:
        clock.resume()
    return sim


def _demo(sim: Simulator, at: Callable[[float], None]) -> None:
    """A handful of deployments of every type, mid-flight, as a user sees a real account."""
    private = sim.images[0]["image_uuid"]
    torch = "base-image-l2t43iu6uk"

    def create(request: CreateDeployment) -> str:
        return str(sim.create_deployment(request)["deployment_uuid"])

    llm = create(
        spec(
            "llm-serve",
            "ReplicaSet",
            regions=("westDC2", "westDC3"),
            gpus=("RTX 4090",),
            image=private,
            cmd="python -m vllm.entrypoints.openai.api_server --port 6006",
            replicas=4,
            reuse=True,
        )
    )
    sim.add_package(llm, "RTX 4090", 24, ("westDC2", "westDC3"))
    at(10740)
    webui = create(
        spec(
            "sd-webui",
            "ReplicaSet",
            regions=("chongqingDC1", "westDC2"),
            gpus=("RTX 4090D", "RTX 4090"),
            image=torch,
            cmd="bash /root/start-webui.sh",
            replicas=2,
        )
    )
    at(10500)
    create(
        spec(
            "v100-train",
            "ReplicaSet",
            regions=("beijingDC3",),
            gpus=("Tesla V100-SXM2-32GB",),
            image=torch,
            cmd="python train.py --resume",
            replicas=2,
            gpu_num=2,
            cuda=(113, 124),
        )
    )
    at(10200)
    create(
        spec(
            "nightly-batch",
            "Job",
            regions=("yangzhouDC1", "neimengDC1"),
            gpus=("RTX 3090",),
            image=private,
            cmd="sleep 1200",
            replicas=3,
            parallelism=3,
        )
    )
    at(9600)
    old = create(
        spec(
            "old-api",
            "ReplicaSet",
            regions=("yangzhouDC1",),
            gpus=("RTX 3090",),
            image=private,
            cmd="python api.py",
        )
    )
    at(9000)
    l20 = create(
        spec(
            "l20-infer",
            "ReplicaSet",
            regions=("beijingDC4",),
            gpus=("L20",),
            image=private,
            cmd="python serve.py --model qwen2.5-72b",
            replicas=3,
            reuse=True,
        )
    )
    sim.add_package(l20, "L20", 100, ("beijingDC4",))
    at(6000)
    sim.stop_deployment(old)
    create(
        spec(
            "finetune-sweep",
            "Job",
            regions=("westDC3", "beijingDC2", "neimengDC3"),
            gpus=("RTX 4090",),
            image=torch,
            cmd="sleep 1500",
            replicas=10,
            parallelism=2,
        )
    )
    at(2400)
    create(
        spec(
            "eval-once",
            "Container",
            regions=("westDC3",),
            gpus=("RTX 4090", "RTX 4090D"),
            image=torch,
            cmd="python eval.py --suite full",
        )
    )
    at(1200)
    # The second container still held (a staged crash may have released the first ones).
    flaky = [u for u in sim.container_uuids(llm) if _placed(sim, u)][1]
    sim.set_blacklist(flaky, 1440, BLACKLIST_COMMENT)
    sim.stop_container(flaky)
    at(120)
    create(
        spec(
            "h800-pretrain",
            "ReplicaSet",
            regions=("neimengDC3",),
            gpus=("H800",),
            image=private,
            cmd="torchrun --nproc_per_node 8 pretrain.py",
            gpu_num=8,
            price_to=9000,
        )
    )
    at(8)
    sim.set_replica_num(webui, 3)
    at(3)
    sim.set_replica_num(llm, 5)


def _placed(sim: Simulator, container_uuid: str) -> bool:
    record = sim.container_record(container_uuid)
    return record is not None and record.host is not None


_LARGE_SHAPES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("westDC3", "beijingDC2", "neimengDC3"), ("RTX 4090",)),
    (("westDC2", "westDC3", "chongqingDC1"), ("RTX 4090", "RTX 4090D")),
    (("westDC3", "neimengDC3"), ("RTX 4090",)),
    (("beijingDC2", "chongqingDC1", "westDC3"), ("RTX 4090D", "RTX 4090")),
    (("westDC3", "beijingDC2", "neimengDC3"), ("RTX 4090",)),
    (("yangzhouDC1", "neimengDC1", "beijingDC1"), ("RTX 3090",)),
    (("beijingDC4",), ("L20",)),
    (("beijingDC3",), ("Tesla V100-SXM2-32GB",)),
    (("westDC2", "beijingDC2"), ("vGPU-32GB",)),
)


def _large(sim: Simulator, clock: VirtualClock, rng: random.Random, count: int = 520) -> None:
    """`count` deployments (520: >= 10,000 containers, >= 100,000 events) for benchmarks."""
    image = sim.images[0]["image_uuid"]
    step = _history_hours(count) * 3600 / (count + 10)
    for i in range(count):
        regions, gpus = _LARGE_SHAPES[i % len(_LARGE_SHAPES)]
        roll = rng.random()
        if roll < 0.76:
            churn = rng.random() < 0.6
            request = spec(
                f"svc-{i:03d}",
                "ReplicaSet",
                regions=regions,
                gpus=gpus,
                image=image,
                cmd=f"sleep {rng.randint(1200, 4000)}" if churn else "python serve.py",
                replicas=rng.randint(12, 30),
                reuse=rng.random() < 0.5,
            )
        elif roll < 0.92:
            request = spec(
                f"job-{i:03d}",
                "Job",
                regions=regions,
                gpus=gpus,
                image=image,
                cmd=f"sleep {rng.randint(600, 1800)}",
                replicas=rng.randint(20, 40),
                parallelism=rng.randint(5, 12),
            )
        else:
            request = spec(
                f"box-{i:03d}",
                "Container",
                regions=regions,
                gpus=gpus,
                image=image,
                cmd="sleep infinity",
            )
        sim.create_deployment(request)
        clock.advance(step)
        sim.sync()
