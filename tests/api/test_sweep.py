"""The sweep planner: which deployments' containers a fleet-wide poll reads again, and why."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from autodl_tui.api import Deployment
from autodl_tui.api.sweep import SweepPlanner
from autodl_tui.catalog import CST

T0 = datetime(2026, 1, 1, tzinfo=CST)


def fleet(n: int) -> list[Deployment]:
    return [
        Deployment(uuid=f"d{i:03d}", name=f"dep-{i}", running_num=2, updated_at=T0)
        for i in range(n)
    ]


def loaded(planner: SweepPlanner, deployments: list[Deployment], now: float = 0.0) -> None:
    """Plan and record a first load of every deployment at `now`."""
    plan = planner.plan(deployments, now=now, interval=10)
    assert plan.count("new") == len(deployments)
    planner.done(deployments, set(plan.fetch), now=now, plan=plan)


def test_the_first_plan_reads_every_deployment_once() -> None:
    planner = SweepPlanner()
    deployments = fleet(5) + fleet(1)  # a row repeated across pages counts once
    plan = planner.plan(deployments, now=0.0, interval=10, selected="d002")
    assert plan.fetch[0] == "d002" and plan.reasons["d002"] == "selected"
    assert sorted(plan.fetch) == [f"d{i:03d}" for i in range(5)]
    assert plan.count("new") == 4 and plan.deferred == 0


def test_an_unchanged_fleet_reads_only_the_selected_deployment() -> None:
    planner = SweepPlanner()
    deployments = fleet(50)
    loaded(planner, deployments)
    plan = planner.plan(deployments, now=1.0, interval=10, selected="d007")
    assert plan.fetch == ("d007",)
    assert planner.plan(deployments, now=1.0, interval=10).fetch == ()


@pytest.mark.parametrize(
    "change",
    [
        {"starting_num": 1},
        {"running_num": 3},
        {"finished_num": 1},
        {"replica_num": 4},
        {"status": "stopped"},
        {"updated_at": T0 + timedelta(seconds=1)},
    ],
)
def test_a_changed_row_is_read_again(change: dict[str, object]) -> None:
    planner = SweepPlanner()
    deployments = fleet(20)
    loaded(planner, deployments)
    deployments[13] = dataclasses.replace(deployments[13], **change)  # type: ignore[arg-type]
    plan = planner.plan(deployments, now=1.0, interval=10)
    assert plan.fetch == ("d013",) and plan.reasons == {"d013": "changed"}
    # Once read with its new row, it is not read again for the same row.
    planner.done(deployments, {"d013"}, now=1.0, plan=plan)
    assert planner.plan(deployments, now=2.0, interval=10).fetch == ()


def test_a_change_left_out_for_want_of_budget_is_still_read_later() -> None:
    planner = SweepPlanner()
    deployments = fleet(10)
    loaded(planner, deployments)
    for i in (2, 5, 8):
        deployments[i] = dataclasses.replace(deployments[i], running_num=9)
    plan = planner.plan(deployments, now=1.0, interval=10, selected="d000", limit=2)
    assert plan.fetch == ("d000", "d002") and plan.deferred == 2
    planner.done(deployments, set(plan.fetch), now=1.0, plan=plan)
    # The next list shows nothing new: the two left out are still due (their row changed
    # since their containers were read, not since the last list).
    later = planner.plan(deployments, now=2.0, interval=10)
    assert later.fetch == ("d005", "d008")


def test_the_selected_deployment_is_read_even_with_no_budget() -> None:
    planner = SweepPlanner()
    deployments = fleet(4)
    loaded(planner, deployments)
    plan = planner.plan(deployments, now=1.0, interval=10, selected="d001", limit=0)
    assert plan.fetch == ("d001",)


def test_visible_deployments_are_read_every_plan() -> None:
    planner = SweepPlanner()
    deployments = fleet(30)
    loaded(planner, deployments)
    for now in (10.0, 20.0):
        plan = planner.plan(deployments, now=now, interval=10, visible={"d004", "d005"})
        assert plan.reasons["d004"] == plan.reasons["d005"] == "visible"
        # The rest of this plan is the sweep's share: 30 deployments in 60 s, 5 a poll.
        assert {r for u, r in plan.reasons.items() if u not in ("d004", "d005")} <= {"sweep"}
        assert plan.count("sweep") <= 5
        planner.done(deployments, set(plan.fetch), now=now, plan=plan)


def test_the_full_sweep_is_spread_evenly_and_reads_everyone_each_period() -> None:
    planner = SweepPlanner(full_sweep=60)
    deployments = fleet(120)
    loaded(planner, deployments)
    reads: dict[str, int] = {}
    sizes = []
    for tick in range(1, 13):  # two periods of 60 s, a poll every 10 s
        now = tick * 10.0
        plan = planner.plan(deployments, now=now, interval=10)
        assert set(plan.reasons.values()) <= {"sweep"}
        sizes.append(len(plan.fetch))
        for uuid in plan.fetch:
            reads[uuid] = reads.get(uuid, 0) + 1
        planner.done(deployments, set(plan.fetch), now=now, plan=plan)
    # 120 deployments in 60 s at one poll every 10 s: 20 a poll, never a burst.
    assert max(sizes) == 20 and min(sizes) == 20
    assert set(reads.values()) == {2} and len(reads) == 120


def test_the_sweep_takes_only_its_share_of_the_budget() -> None:
    planner = SweepPlanner(full_sweep=60)
    deployments = fleet(520)
    loaded(planner, deployments)
    plan = planner.plan(deployments, now=60.0, interval=10, sweep_per_minute=150)
    # 520 a minute would be due; the sweep may send 150 a minute: 25 every 10 s.
    assert len(plan.fetch) == 25 and plan.deferred > 0


def test_deleted_deployments_are_forgotten_and_new_ones_read() -> None:
    planner = SweepPlanner()
    deployments = fleet(5)
    loaded(planner, deployments)
    fresh = Deployment(uuid="new", name="new")
    plan = planner.plan([*deployments[1:], fresh], now=1.0, interval=10)
    assert plan.fetch == ("new",) and plan.reasons["new"] == "new"
    assert len(planner) == 4  # d000 is gone
    planner.forget()
    assert len(planner.plan(deployments, now=2.0, interval=10).fetch) == 5


def test_a_failed_read_is_tried_again() -> None:
    planner = SweepPlanner()
    deployments = fleet(3)
    plan = planner.plan(deployments, now=0.0, interval=10)
    planner.done(deployments, {"d000", "d002"}, now=0.0, plan=plan)  # d001's list failed
    assert planner.plan(deployments, now=1.0, interval=10).fetch == ("d001",)
