"""Each alert rule fires exactly once per incident, never from a partial poll, and re-arms."""

from __future__ import annotations

from alert_data import at, box, rs, snap, stock

from autodl_tui.alerts.engine import INTENT_TTL, AlertEngine
from autodl_tui.alerts.model import Alert, AlertSettings
from autodl_tui.api.models import DurationPackage


def engine(**settings: object) -> tuple[AlertEngine, list[Alert]]:
    got: list[Alert] = []
    return AlertEngine(AlertSettings(**settings), [got.append]), got  # type: ignore[arg-type]


def rules(got: list[Alert]) -> list[str]:
    return [a.rule for a in got]


# --- container_stopped ------------------------------------------------------------------


def test_a_running_container_that_stops_unasked_fires_once() -> None:
    e, got = engine()
    d = rs()
    e.observe(snap(0, [d], {"dep1": [box("c1"), box("c2")]}))
    assert got == []  # the first complete read is the baseline
    e.observe(snap(2, [d], {"dep1": [box("c1", "shutting_down"), box("c2")]}))
    assert rules(got) == ["container_stopped"]
    assert got[0].container_uuid == "c1" and got[0].severity == "error"
    assert "now shutting_down" in got[0].what and "b blacklists" in got[0].todo
    # Still not running, then gone from the list: the same incident, never again.
    e.observe(snap(4, [d], {"dep1": [box("c1", "shutdown"), box("c2")]}))
    e.observe(snap(6, [d], {"dep1": [box("c2"), box("c3", "creating")]}))
    assert len(got) == 1


def test_containers_that_stop_together_are_one_incident_naming_them() -> None:
    e, got = engine()
    d = rs(replicas=6, running=6)
    six = [box(f"dep1-m1-c{i}") for i in range(6)]
    e.observe(snap(0, [d], {"dep1": six}))
    e.observe(snap(2, [d], {"dep1": [box(c.uuid, "shutdown") for c in six]}))
    assert rules(got) == ["container_stopped"]
    assert "6 containers of" in got[0].what and "c0, c1, c2, c3 and 2 more" in got[0].what
    e.observe(snap(4, [d], {"dep1": [box(c.uuid, "shutdown") for c in six]}))
    assert len(got) == 1


def test_a_failed_or_partial_poll_is_not_containers_gone() -> None:
    e, got = engine()
    d = rs()
    e.observe(snap(0, [d], {"dep1": [box("c1"), box("c2")]}))
    # The containers list failed (the part is absent), the deployments list too, then both.
    e.observe(snap(2, [d]))
    e.observe(snap(4, None))
    e.observe(snap(6))
    assert got == []
    # The next complete read still compares with the last complete one: c1 is still there.
    e.observe(snap(8, [d], {"dep1": [box("c1"), box("c2")]}))
    assert got == []


def test_a_container_that_runs_again_and_stops_again_is_a_new_incident() -> None:
    e, got = engine()
    d = rs()
    e.observe(snap(0, [d], {"dep1": [box("c1")]}))
    e.observe(snap(2, [d], {"dep1": [box("c1", "starting")]}))
    e.observe(snap(4, [d], {"dep1": [box("c1")]}))
    e.observe(snap(6, [d], {"dep1": [box("c1", "shutting_down")]}))
    assert rules(got) == ["container_stopped", "container_stopped"]


def test_stops_the_user_asked_for_or_the_data_explains_do_not_fire() -> None:
    e, got = engine()
    e.observe(snap(0, [rs(replicas=3)], {"dep1": [box("c1"), box("c2"), box("c3")]}))
    # Scaled from 3 to 2 elsewhere: one container leaving is the scale-down.
    e.observe(snap(2, [rs(replicas=2)], {"dep1": [box("c1"), box("c2")]}))
    assert got == []
    # The user stops c2 in this app.
    e.expect("dep1", "c2", at=at(3))
    e.observe(snap(4, [rs(replicas=2)], {"dep1": [box("c1"), box("c2", "shutting_down")]}))
    assert got == []
    # The deployment is stopped: its containers leaving is expected.
    e.observe(snap(6, [rs(status="stopped")], {"dep1": [box("c1", "shutting_down")]}))
    assert got == []


def test_an_intent_expires() -> None:
    e, got = engine()
    d = rs()
    e.expect("dep1", "c1", at=at(0))
    e.observe(snap(0, [d], {"dep1": [box("c1")]}))
    late = INTENT_TTL.total_seconds() + 1
    e.observe(snap(late, [d], {"dep1": [box("c1", "shutting_down")]}))
    assert rules(got) == ["container_stopped"]


def test_job_containers_ending_is_not_a_surprise() -> None:
    e, got = engine(job_finished=False)
    job = rs(kind="Job", replicas=2)
    e.observe(snap(0, [job], {"dep1": [box("c1")]}))
    e.observe(snap(2, [job], {"dep1": [box("c1", "shutdown")]}))
    assert got == []


def test_an_unread_deployment_is_judged_by_its_running_count_once_per_fall() -> None:
    e, got = engine(below_replicas=False)
    e.observe(snap(0, [rs(replicas=3, running=3)]))
    e.observe(snap(2, [rs(replicas=3, running=2)]))
    assert rules(got) == ["container_stopped"]
    assert got[0].what == "1 container of name-dep1 left running: 2 of 3 running now."
    e.observe(snap(4, None))
    e.observe(snap(6, [rs(replicas=3, running=2)]))  # the same count: the same fall
    assert len(got) == 1
    e.observe(snap(8, [rs(replicas=3, running=3)]))
    e.observe(snap(10, [rs(replicas=3, running=1)]))
    assert len(got) == 2 and got[1].what.startswith("2 containers")


def test_counts_excuse_scale_downs_and_the_users_stops() -> None:
    e, got = engine(below_replicas=False)
    e.observe(snap(0, [rs(replicas=3, running=3)]))
    e.observe(snap(2, [rs(replicas=2, running=2)]))
    e.expect("dep1", "c9", at=at(3))
    e.observe(snap(4, [rs(replicas=2, running=1)]))
    assert got == []


def test_a_deployment_whose_containers_are_read_is_not_judged_twice() -> None:
    e, got = engine(below_replicas=False)
    e.observe(snap(0, [rs(replicas=2, running=2)], {"dep1": [box("c1"), box("c2")]}))
    # The fast poll (deployments) and the fleet poll (containers) arrive separately.
    e.observe(snap(2, [rs(replicas=2, running=1)]))
    e.observe(snap(3, None, {"dep1": [box("c1"), box("c2", "shutdown")]}))
    assert rules(got) == ["container_stopped"] and got[0].container_uuid == "c2"


# --- below_replicas ---------------------------------------------------------------------


def test_below_replicas_fires_after_n_minutes_once_and_rearms() -> None:
    e, got = engine(below_replicas_minutes=10, container_stopped=False)
    e.observe(snap(0, [rs(replicas=3, running=2)]))
    e.observe(snap(9 * 60, [rs(replicas=3, running=2)]))
    assert got == []
    e.observe(snap(10 * 60, [rs(replicas=3, running=2)]))
    e.observe(snap(11 * 60, [rs(replicas=3, running=2)]))
    assert rules(got) == ["below_replicas"]
    assert "2 of 3 replicas running for 10m" in got[0].what
    # Back at full strength, then below again: a new incident after another 10 minutes.
    e.observe(snap(12 * 60, [rs(replicas=3, running=3)]))
    e.observe(snap(13 * 60, [rs(replicas=3, running=1)]))
    e.observe(snap(22 * 60, [rs(replicas=3, running=1)]))
    assert len(got) == 1
    e.observe(snap(23 * 60, [rs(replicas=3, running=1)]))
    assert rules(got) == ["below_replicas", "below_replicas"]


def test_below_replicas_ignores_failed_polls_and_never_clears_on_them() -> None:
    e, got = engine(below_replicas_minutes=10, container_stopped=False)
    e.observe(snap(0, [rs(replicas=3, running=2)]))
    e.observe(snap(11 * 60, None))  # deployments failed: nothing judged
    assert got == []
    e.observe(snap(12 * 60, [rs(replicas=3, running=2)]))
    assert len(got) == 1
    e.observe(snap(13 * 60, None))
    e.observe(snap(14 * 60, [rs(replicas=3, running=2)]))
    assert len(got) == 1


def test_a_new_replica_target_restarts_the_clock() -> None:
    e, got = engine(below_replicas_minutes=10, container_stopped=False)
    e.observe(snap(0, [rs(replicas=3, running=2)]))
    e.observe(snap(9 * 60, [rs(replicas=5, running=2)]))
    e.observe(snap(15 * 60, [rs(replicas=5, running=2)]))
    assert got == []
    e.observe(snap(19 * 60, [rs(replicas=5, running=2)]))
    assert rules(got) == ["below_replicas"]


# --- job_finished -----------------------------------------------------------------------


def test_a_job_that_finishes_fires_once_and_a_stopped_one_does_not() -> None:
    e, got = engine()
    job = rs("job1", kind="Job", replicas=4)
    other = rs("job2", kind="Job", replicas=4)
    old = rs("job3", kind="Job", status="stopped")
    e.observe(snap(0, [job, other, old]))
    assert got == []  # already stopped at the baseline: not news
    e.expect("job2", at=at(1))
    done = rs("job1", kind="Job", replicas=4, status="stopped", finished=4)
    stopped = rs("job2", kind="Job", replicas=4, status="stopped")
    e.observe(snap(2, None))  # a failed poll in between changes nothing
    e.observe(snap(4, [done, stopped, old]))
    e.observe(snap(6, [done, stopped, old]))
    assert rules(got) == ["job_finished"]
    assert got[0].deployment_uuid == "job1" and "4 of 4 completions" in got[0].what


# --- package_low ------------------------------------------------------------------------


def pkg(balance_h: float) -> DurationPackage:
    return DurationPackage("RTX 4090", total_s=100 * 3600, balance_s=int(balance_h * 3600))


def test_a_package_below_h_hours_fires_once_and_rearms_when_topped_up() -> None:
    e, got = engine(package_low_hours=24)
    two = [box("c1", cards=1), box("c2", cards=1)]
    e.observe(snap(0, [rs()], {"dep1": two}, packages={"dep1": [pkg(60)]}))
    assert got == []  # 60 h at 2 cards: 30 h left
    e.observe(snap(10, [rs()], {"dep1": two}, packages={"dep1": [pkg(40)]}))
    assert rules(got) == ["package_low"] and "20 h left at 2 cards" in got[0].what
    e.observe(snap(20, [rs()], {"dep1": two}, packages={"dep1": [pkg(39)]}))
    assert len(got) == 1
    e.observe(snap(30, [rs()], {"dep1": two}, packages={"dep1": [pkg(90)]}))
    e.observe(snap(40, [rs()], {"dep1": two}, packages={"dep1": [pkg(10)]}))
    assert rules(got) == ["package_low", "package_low"]


def test_a_package_is_judged_only_with_both_parts_read() -> None:
    e, got = engine(package_low_hours=24)
    e.observe(snap(0, [rs()], packages={"dep1": [pkg(1)]}))  # containers never read
    assert got == []
    e.observe(snap(10, [rs()], {"dep1": [box("c1")]}))  # now both are known
    assert rules(got) == ["package_low"]


def test_a_package_nothing_draws_on_does_not_fire() -> None:
    e, got = engine(package_low_hours=24)
    e.observe(snap(0, [rs()], {"dep1": [box("c1", "shutdown")]}, packages={"dep1": [pkg(1)]}))
    assert got == []


# --- stock ------------------------------------------------------------------------------


def test_watched_stock_fires_on_each_change_once_and_never_on_a_missing_region() -> None:
    e, got = engine(watch_gpus=("H800",), watch_regions=("westDC2",))
    e.observe(snap(0, stock_={"westDC2": stock("westDC2", H800=0)}))
    assert got == []  # the first read is how things are
    e.observe(snap(30, stock_={"westDC2": stock("westDC2", H800=3, RTX_4090=5)}))
    assert [a.title for a in got] == ["GPU stock available"]
    assert "H800 in westDC2" in got[0].what and "3 idle cards" in got[0].what
    e.observe(snap(60, stock_={"westDC2": stock("westDC2", H800=2)}))
    e.observe(snap(90, stock_={}))  # the stock poll failed: not "stock gone"
    e.observe(snap(120, stock_={"beijingDC1": stock("beijingDC1", H800=0)}))  # not watched
    assert len(got) == 1
    e.observe(snap(150, stock_={"westDC2": stock("westDC2", RTX_4090=5)}))
    assert [a.title for a in got] == ["GPU stock available", "GPU stock gone"]
    e.observe(snap(180, stock_={"westDC2": stock("westDC2", H800=1)}))
    assert len(got) == 3


def test_stock_is_off_without_watched_models() -> None:
    e, got = engine()
    assert "stock" not in [r.name for r in e.rules]
    e.observe(snap(0, stock_={"westDC2": stock("westDC2", H800=0)}))
    e.observe(snap(1, stock_={"westDC2": stock("westDC2", H800=4)}))
    assert got == []


# --- engine -----------------------------------------------------------------------------


def test_rules_switched_off_in_settings_do_not_run() -> None:
    e, _ = engine(container_stopped=False, below_replicas=False, job_finished=False)
    assert [r.name for r in e.rules] == ["package_low"]


def test_a_broken_sink_is_reported_and_the_others_still_get_the_alert() -> None:
    problems: list[str] = []
    got: list[Alert] = []

    def broken(_alert: Alert) -> None:
        raise RuntimeError("disk full")

    e = AlertEngine(AlertSettings(), [broken, got.append], on_sink_error=problems.append)
    e.observe(snap(0, [rs()], {"dep1": [box("c1")]}))
    e.observe(snap(2, [rs()], {"dep1": [box("c1", "shutdown")]}))
    assert len(got) == 1 and len(e.history) == 1
    assert problems and "disk full" in problems[0]


def test_a_deleted_deployments_open_incident_is_dropped() -> None:
    e, got = engine(below_replicas_minutes=0.5, container_stopped=False)
    e.observe(snap(0, [rs(replicas=3, running=1)]))
    e.observe(snap(60, [rs(replicas=3, running=1)]))
    assert ("below_replicas", "dep1") in e.open_incidents
    e.observe(snap(90, []))
    assert e.open_incidents == ()
    assert len(got) == 1


def test_alert_json_names_the_rule_and_holds_no_secret() -> None:
    e, got = engine()
    e.observe(snap(0, [rs()], {"dep1": [box("c1")]}))
    e.observe(snap(2, [rs()], {"dep1": []}))
    data = got[0].as_json()
    assert data["rule"] == "container_stopped"
    assert data["key"] == ["container_stopped", "dep1", "c1"]
    assert data["at"] == at(2).isoformat()
    assert "gone from the list" in data["what"]
