"""Lifecycle and scheduling rules of the simulator engine, driven by a hand-stepped clock."""

from __future__ import annotations

import dataclasses
import json

import pytest

from autodl_tui.catalog import GIB
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.commands import ContainerQuery, CreateDeployment, StockQuery
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.errors import SimError
from autodl_tui.sim.fleets import build_simulator, spec

LIFECYCLE = ["creating", "created", "starting", "oss_merged", "running"]


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def sim(clock: VirtualClock) -> Simulator:
    return build_simulator("empty", seed=7, clock=clock)


def rs(name: str = "svc", replicas: int = 2, **kw: object) -> CreateDeployment:
    base = {
        "regions": ("westDC3",),
        "gpus": ("RTX 4090",),
        "image": "base-image-l2t43iu6uk",
        "cmd": "python serve.py",
        "replicas": replicas,
    }
    base.update(kw)
    return spec(name, str(base.pop("kind", "ReplicaSet")), **base)  # type: ignore[arg-type]


def containers(sim: Simulator, dep: str, **kw: object) -> list[dict]:
    return sim.list_containers(ContainerQuery(dep, 1, 1000, **kw))["list"]  # type: ignore[arg-type]


def deployment(sim: Simulator, dep: str) -> dict:
    return sim.list_deployments(1, 10, deployment_uuid=dep)["list"][0]


def statuses_of(sim: Simulator, dep: str, container: str) -> list[str]:
    """Statuses of one container oldest first, from the newest-first event list."""
    events = sim.list_container_events(dep, 1, 1000, deployment_container_uuid=container)["list"]
    return [e["status"] for e in reversed(events)]


def test_replicaset_starts_every_replica_through_the_documented_lifecycle(sim, clock):
    dep = sim.create_deployment(rs(replicas=2))["deployment_uuid"]
    items = containers(sim, dep)
    assert len(items) == 2
    assert {c["status"] for c in items} == {"creating"}
    assert deployment(sim, dep)["starting_num"] == 2
    clock.advance(60)
    items = containers(sim, dep)
    assert {c["status"] for c in items} == {"running"}
    for c in items:
        assert statuses_of(sim, dep, c["uuid"]) == LIFECYCLE
        assert c["uuid"].startswith(f"{dep}-{c['machine_id']}-")
        assert c["data_center"] == "westDC3" and c["gpu_name"] == "RTX 4090"
        assert c["started_at"] is not None and c["created_at"].endswith("+08:00")
    d = deployment(sim, dep)
    assert (d["starting_num"], d["running_num"], d["status"]) == (0, 2, "running")
    assert d["price_estimates"] == sum(c["price"] for c in items)


def test_container_resources_follow_the_host_unit_times_gpu_num(sim, clock):
    dep = sim.create_deployment(rs(replicas=1, gpu_num=2))["deployment_uuid"]
    c = containers(sim, dep)[0]
    host = sim.world.by_machine[c["machine_id"]]
    assert c["gpu_num"] == 2
    assert c["cpu_num"] == host.cpu_per_gpu * 2
    assert c["memory_size"] == host.mem_per_gpu_gb * 2 * GIB
    assert c["price"] == host.price_per_gpu * 2
    template = deployment(sim, dep)["template"]
    assert template["memory_size_from"] == 1 * GIB  # GB in the request, bytes in the response


def test_stopped_replica_is_replaced_unless_replicas_are_decreased(sim, clock):
    dep = sim.create_deployment(rs(replicas=2))["deployment_uuid"]
    clock.advance(60)
    first, second = (c["uuid"] for c in containers(sim, dep))
    sim.stop_container(first)
    clock.advance(60)
    running = [c for c in containers(sim, dep) if c["status"] == "running"]
    assert len(running) == 2 and first not in {c["uuid"] for c in running}
    assert statuses_of(sim, dep, first)[-2:] == ["shutting_down", "shutdown"]
    sim.stop_container(second, decrease_one_replica_num=True)
    clock.advance(60)
    assert deployment(sim, dep)["replica_num"] == 1
    assert len([c for c in containers(sim, dep) if c["status"] == "running"]) == 1


def test_reuse_skips_the_create_phase_and_no_cache_keeps_a_container_out(sim, clock):
    dep = sim.create_deployment(rs(replicas=1, reuse=True))["deployment_uuid"]
    clock.advance(60)
    first = containers(sim, dep)[0]["uuid"]
    sim.set_replica_num(dep, 0)
    clock.advance(60)
    sim.set_replica_num(dep, 1)
    clock.advance(60)
    reused = next(c for c in containers(sim, dep) if c["status"] == "running")
    assert statuses_of(sim, dep, reused["uuid"]) == ["starting", "oss_merged", "running"]
    assert reused["machine_id"] == first.split("-")[1]
    # The cached container was consumed by the reuse: it is released.
    assert statuses_of(sim, dep, first)[-1] == "removed"
    sim.stop_container(reused["uuid"], decrease_one_replica_num=True, no_cache=True)
    clock.advance(60)
    sim.set_replica_num(dep, 1)
    clock.advance(60)
    fresh = next(c for c in containers(sim, dep) if c["status"] == "running")
    assert statuses_of(sim, dep, fresh["uuid"])[0] == "creating"


def test_job_runs_completions_with_bounded_parallelism_then_stops(sim, clock):
    job = rs("job", replicas=5, kind="Job", parallelism=2, cmd="sleep 100")
    dep = sim.create_deployment(job)["deployment_uuid"]
    peak = 0
    for _ in range(100):
        clock.advance(10)
        active = [
            c for c in containers(sim, dep) if c["status"] not in ("shutdown", "shutting_down")
        ]
        peak = max(peak, len(active))
    d = deployment(sim, dep)
    assert peak == 2
    assert (d["finished_num"], d["status"], d["running_num"]) == (5, "stopped", 0)
    assert d["stopped_at"] is not None


def test_container_type_runs_one_container_until_its_command_ends(sim, clock):
    box = rs("box", kind="Container", cmd="sleep 30", replicas=1)
    dep = sim.create_deployment(box)["deployment_uuid"]
    clock.advance(20)
    assert len(containers(sim, dep)) == 1
    clock.advance(60)
    d = deployment(sim, dep)
    assert (d["status"], d["finished_num"]) == ("stopped", 1)
    assert len(containers(sim, dep)) == 1


def test_commands_other_than_sleep_run_until_stopped(sim, clock):
    dep = sim.create_deployment(rs("job", kind="Job", replicas=1, cmd="python train.py"))
    clock.advance(86400)
    assert deployment(sim, dep["deployment_uuid"])["running_num"] == 1


def test_stop_deployment_is_idempotent_and_delete_makes_it_disappear(sim, clock):
    dep = sim.create_deployment(rs(replicas=2))["deployment_uuid"]
    clock.advance(60)
    sim.stop_deployment(dep)
    sim.stop_deployment(dep)
    clock.advance(30)
    d = deployment(sim, dep)
    assert (d["status"], d["running_num"]) == ("stopped", 0)
    assert {c["status"] for c in containers(sim, dep)} == {"shutdown"}
    assert sim.list_deployments(1, 10, status="stopped")["result_total"] == 1
    running = sim.create_deployment(rs("other"))["deployment_uuid"]
    sim.delete_deployment(running)  # a running deployment is stopped, then deleted
    assert sim.list_deployments(1, 10, deployment_uuid=running)["list"] == []
    with pytest.raises(SimError) as err:
        sim.stop_deployment(running)
    assert err.value.code == "RecordNotFoundError"


def test_set_replica_num_applies_to_replicasets_only_and_scales_down_newest_first(sim, clock):
    dep = sim.create_deployment(rs(replicas=3))["deployment_uuid"]
    clock.advance(60)
    oldest = containers(sim, dep)[-1]["uuid"]
    sim.set_replica_num(dep, 1)
    clock.advance(60)
    running = [c["uuid"] for c in containers(sim, dep) if c["status"] == "running"]
    assert running == [oldest]
    job = sim.create_deployment(rs("job", kind="Job", parallelism=1))["deployment_uuid"]
    with pytest.raises(SimError) as err:
        sim.set_replica_num(job, 4)
    assert err.value.code == "BadRequest"
    assert deployment(sim, job)["replica_num"] == 2


def test_stopped_replicaset_keeps_a_new_target_without_starting(sim, clock):
    dep = sim.create_deployment(rs(replicas=1))["deployment_uuid"]
    sim.stop_deployment(dep)
    sim.set_replica_num(dep, 3)
    clock.advance(60)
    d = deployment(sim, dep)
    assert (d["replica_num"], d["running_num"], d["starting_num"]) == (3, 0, 0)


def test_blacklisted_host_gets_no_new_containers_until_the_entry_expires(sim, clock):
    dep = sim.create_deployment(rs(replicas=1))["deployment_uuid"]
    clock.advance(60)
    c = containers(sim, dep)[0]
    sim.set_blacklist(c["uuid"], 10, "slow boot")
    entries = sim.list_blacklist()
    assert [(e["machine_id"], e["msg"], e["data_center"]) for e in entries] == [
        (c["machine_id"], "slow boot", "westDC3")
    ]
    created_at = entries[0]["created_at"]
    clock.advance(60)
    sim.set_blacklist(c["uuid"], 10, "still slow")
    again = sim.list_blacklist()[0]
    assert again["created_at"] == created_at and again["updated_at"] != created_at
    sim.set_replica_num(dep, 40)
    clock.advance(60)
    hosts = {x["machine_id"] for x in containers(sim, dep) if x["uuid"] != c["uuid"]}
    assert c["machine_id"] not in hosts
    clock.advance(11 * 60)
    assert sim.list_blacklist() == []


def test_unplaceable_container_waits_visibly_until_capacity_frees(sim, clock):
    hog = sim.create_deployment(
        rs("hog", replicas=500, regions=("beijingDC1",), gpus=("RTX A5000",))
    )["deployment_uuid"]
    clock.advance(60)
    waiting = [c for c in containers(sim, hog) if not c["machine_id"]]
    assert waiting and all(c["status"] == "creating" for c in waiting)
    late = sim.create_deployment(
        rs("late", replicas=1, regions=("beijingDC1",), gpus=("RTX A5000",))
    )["deployment_uuid"]
    clock.advance(60)
    assert containers(sim, late)[0]["machine_id"] == ""
    assert deployment(sim, late)["starting_num"] == 1
    sim.delete_deployment(hog)
    clock.advance(60)
    placed = containers(sim, late)[0]
    assert placed["machine_id"] and placed["status"] == "running"


def test_stock_counts_single_cards_and_reflects_what_runs(sim, clock):
    before = sim.gpu_stock(StockQuery("westDC3", gpu_name_set=("RTX 4090",)))[0]["RTX 4090"]
    assert set(before) == {"idle_gpu_num", "total_gpu_num", "chip_corp", "cpu_arch"}
    sim.create_deployment(rs(replicas=3, gpu_num=2))
    after = sim.gpu_stock(StockQuery("westDC3", gpu_name_set=("RTX 4090",)))[0]["RTX 4090"]
    assert after["total_gpu_num"] == before["total_gpu_num"]
    assert after["idle_gpu_num"] == before["idle_gpu_num"] - 6
    assert sim.gpu_stock(StockQuery("nowhereDC9")) == []
    narrow = sim.gpu_stock(StockQuery("westDC3", cuda_v_from=128, cuda_v_to=128))
    wide = sim.gpu_stock(StockQuery("westDC3"))
    assert sum(next(iter(x.values()))["total_gpu_num"] for x in narrow) < sum(
        next(iter(x.values()))["total_gpu_num"] for x in wide
    )


def test_cuda_range_and_price_range_restrict_scheduling(sim, clock):
    dep = sim.create_deployment(rs(replicas=5, cuda=(128, 128), price_to=2200))["deployment_uuid"]
    for c in containers(sim, dep):
        host = sim.world.by_machine[c["machine_id"]]
        assert host.cuda_max == 128 and host.price_per_gpu <= 2200


def test_duration_package_drains_while_its_gpus_run(sim, clock):
    dep = sim.create_deployment(rs(replicas=2))["deployment_uuid"]
    sim.add_package(dep, "RTX 4090", 1, ("westDC3",))
    sim.add_package(dep, "L20", 5, ("beijingDC4",))
    clock.advance(600)
    packages = {p["gpu_type"]: p for p in sim.ddp_overview(dep)}
    assert packages["L20"]["balance"] == packages["L20"]["total"] == 5 * 3600
    # Two GPUs for ~590 s of the 600 (startup takes a few seconds).
    used = 3600 - packages["RTX 4090"]["balance"]
    assert 2 * 570 <= used <= 2 * 600
    assert packages["RTX 4090"]["dc_list"] == "westDC3"
    clock.advance(3600)
    assert [p["gpu_type"] for p in sim.ddp_overview(dep)] == ["L20"]  # used-up packages vanish


def test_shutdown_container_is_removed_later_and_then_listed_only_as_released(sim, clock):
    dep = sim.create_deployment(rs(replicas=1))["deployment_uuid"]
    clock.advance(60)
    first = containers(sim, dep)[0]["uuid"]
    sim.stop_container(first, decrease_one_replica_num=True)
    clock.advance(30)
    assert containers(sim, dep)[0]["status"] == "shutdown"
    clock.advance(200)
    assert containers(sim, dep) == []
    assert [c["uuid"] for c in containers(sim, dep, released=True)] == [first]
    assert statuses_of(sim, dep, first)[-1] == "removed"


def test_images_private_and_public_base_images_and_unknown_image(sim):
    sim.create_deployment(rs(image=sim.images[0]["image_uuid"]))
    before = sim.list_deployments(1, 100)["result_total"]
    with pytest.raises(SimError) as err:
        sim.create_deployment(rs(image="image-db8346e037"))
    assert (err.value.code, err.value.msg) == ("RecordNotFoundError", "私有镜像不存在")
    assert sim.list_deployments(1, 100)["result_total"] == before
    images = sim.list_private_images(1, 10, 0)
    assert set(images["list"][0]) == {"id", "image_name", "image_uuid"}


def test_deprecated_cuda_v_means_at_least_that_version(sim):
    base = rs(replicas=3)
    template = dataclasses.replace(base.template, cuda_v_from=124, cuda_v_to=None, cuda_v=124)
    dep = sim.create_deployment(dataclasses.replace(base, template=template))["deployment_uuid"]
    assert all(sim.world.by_machine[c["machine_id"]].cuda_max >= 124 for c in containers(sim, dep))


def test_paging_accepts_zero_and_one_for_the_first_page(sim, clock):
    for i in range(5):
        sim.create_deployment(rs(f"d{i}", replicas=1))
    first = sim.list_deployments(1, 2)
    assert sim.list_deployments(0, 2) == first
    assert (first["max_page"], first["result_total"], len(first["list"])) == (3, 5, 2)
    assert len(sim.list_deployments(3, 2)["list"]) == 1
    assert sim.list_deployments(4, 2)["list"] == []


def test_events_come_newest_first(sim, clock):
    dep = sim.create_deployment(rs(replicas=3))["deployment_uuid"]
    clock.advance(120)
    events = sim.list_container_events(dep, 1, 100)["list"]
    times = [e["created_at"] for e in events]
    assert times == sorted(times, reverse=True)
    assert len(events) == 15


def test_same_seed_and_calls_at_same_instants_give_same_responses():
    def script() -> str:
        clock = VirtualClock()
        sim = build_simulator("demo", seed=3, clock=clock)
        out = []
        dep = sim.create_deployment(rs(replicas=3, reuse=True))["deployment_uuid"]
        for _ in range(5):
            clock.advance(37)
            out.append(sim.list_deployments(1, 50))
            out.append(sim.list_containers(ContainerQuery(dep, 1, 50)))
            out.append(sim.list_container_events(dep, 1, 50))
            out.append(sim.gpu_stock(StockQuery("westDC2")))
            out.append(sim.next_request_id())
        sim.stop_container(containers(sim, dep)[0]["uuid"])
        clock.advance(400)
        out.append(sim.list_containers(ContainerQuery(dep, 1, 50, released=True)))
        return json.dumps(out, sort_keys=True)

    assert script() == script()


def test_fleets_have_what_the_demo_and_benchmarks_need():
    demo = build_simulator("demo", seed=0)
    items = demo.list_deployments(1, 100)["list"]
    assert {d["deployment_type"] for d in items} == {"ReplicaSet", "Job", "Container"}
    assert any(d["status"] == "stopped" for d in items)
    assert any(d["starting_num"] for d in items)
    assert demo.list_blacklist()
    assert any(demo.ddp_overview(d["uuid"]) for d in items)
    large = build_simulator("large", seed=0)
    deployments = large.list_deployments(1, 1000)
    assert deployments["result_total"] >= 500
    listed = sum(
        large.list_containers(ContainerQuery(d["uuid"], 1, 1))["result_total"]
        for d in deployments["list"]
    )
    assert listed >= 10_000
    events = sum(len(large.all_events(d["uuid"])) for d in deployments["list"])
    assert events >= 100_000
