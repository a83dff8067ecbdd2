"""The fleet watch's own rules: fleet-wide reads wait for the next list; toasts are throttled."""

from __future__ import annotations

from alert_data import at, box, rs, snap

from autodl_tui.alerts.model import AlertSettings, Snapshot
from autodl_tui.ui.watch import TOAST_BURST, TOAST_WINDOW_S, FleetWatch, ToastThrottle


def watch() -> tuple[FleetWatch, list[str]]:
    said: list[str] = []
    return FleetWatch(
        AlertSettings(), notify=lambda t, m, s: said.append(m), report=said.append
    ), said


def test_containers_read_fleet_wide_are_judged_with_the_next_deployments_list() -> None:
    w, said = watch()
    d = rs(replicas=2, running=2)
    w.observe(snap(0, [d], {"dep1": [box("c1"), box("c2")]}))
    # The fleet poll sees c1 stop before the list says the deployment was scaled to 1.
    assert (
        w.observe(Snapshot(at=at(2), containers={"dep1": (box("c1", "shutdown"), box("c2"))})) == []
    )
    fired = w.observe(snap(3, [rs(replicas=1, running=1)]))
    assert fired == [] and said == []  # judged with the newer list: a scale-down, no alert


def test_a_stop_the_list_does_not_explain_still_fires_once() -> None:
    w, said = watch()
    d = rs(replicas=2, running=2)
    w.observe(snap(0, [d], {"dep1": [box("c1"), box("c2")]}))
    w.observe(Snapshot(at=at(2), containers={"dep1": (box("c1", "shutdown"), box("c2"))}))
    assert [a.rule for a in w.observe(snap(3, [d]))] == ["container_stopped"]
    assert len(said) == 1


def test_a_flood_of_alerts_shows_a_few_toasts_then_one_summary() -> None:
    now = [0.0]
    throttle = ToastThrottle(lambda: now[0])
    shown = [throttle.admit() for _ in range(50)]
    assert shown.count(True) == TOAST_BURST
    assert throttle.summary() == f"{50 - TOAST_BURST} more alerts: A lists every one."
    assert throttle.summary() == ""  # once, until more are held and time passes
    now[0] = TOAST_WINDOW_S + 1
    assert throttle.admit()  # a new window


def test_the_timelines_are_fed_only_the_containers_that_changed() -> None:
    from dataclasses import replace

    from autodl_tui.ui.messages import FleetContainersLoaded
    from autodl_tui.ui.store import FleetStore

    w, _said = watch()
    fed: list[str] = []
    add = w.book.add_containers

    def spy(containers):  # type: ignore[no-untyped-def]
        batch = list(containers)
        fed.extend(c.uuid for c in batch)
        return add(batch)

    w.book.add_containers = spy  # type: ignore[method-assign]
    one, two = box("c1", machine="m1"), box("c2", machine="m2")

    # Through the store, as the app feeds it: the watch takes the store's delta.
    store = FleetStore()
    store.subscribe(w.changed)
    store.show_fleet(True)

    def loaded(*containers: object) -> None:
        store.apply(FleetContainersLoaded(containers, at(0)))  # type: ignore[arg-type]

    loaded(one, two)
    hosts = w.slow_hosts()
    assert fed == ["c1", "c2"]
    fed.clear()
    loaded(one, two)  # the same objects: nothing to feed, the flags stand
    assert fed == [] and w.slow_hosts() is hosts
    moved = replace(two, machine_id="m3")
    loaded(one, moved)
    assert fed == ["c2"]


def test_the_panes_marks_change_only_when_the_hosts_are_judged() -> None:
    from autodl_tui.api.models import ContainerEvent
    from autodl_tui.ui.messages import FleetContainersLoaded
    from autodl_tui.ui.store import FleetStore

    w, _said = watch()
    store = FleetStore()
    store.subscribe(w.changed)
    store.show_fleet(True)
    # Two containers on "bad" that ended before running: a failing host.
    for uuid in ("f1", "f2"):
        w.book.add_events(
            [ContainerEvent(uuid, "creating", at(0)), ContainerEvent(uuid, "shutdown", at(9))]
        )
    store.apply(FleetContainersLoaded((box("f1", "shutdown", machine="bad"),), at(10)))
    store.apply(
        FleetContainersLoaded(
            (box("f1", "shutdown", machine="bad"), box("f2", "shutdown", machine="bad")), at(20)
        )
    )
    assert w.host_marks() == {}  # not judged yet: the pane keeps what it was told
    assert w.judge() is True and w.host_marks() == {"bad": "failing"}
    assert w.judge() is False  # nothing new since
    w.expect("dep1", "f2", at=at(30))  # the user stopped f2: one failure left, not a pattern
    assert w.judge() is True and w.host_marks() == {}
