"""The fleet store: what it keeps, what it drops as no longer applying, whom it tells."""

from __future__ import annotations

from datetime import datetime, timedelta

from autodl_tui.api.models import Container, Deployment
from autodl_tui.catalog import CST
from autodl_tui.ui.messages import (
    AccessProblem,
    Connection,
    ConnectionChanged,
    ContainersLoaded,
    DeploymentsLoaded,
    EventsReceived,
    FleetContainersLoaded,
)
from autodl_tui.ui.store import Aspect, Change, FleetStore

NOW = datetime(2025, 3, 25, 20, 0, tzinfo=CST)


def deployment(uuid: str) -> Deployment:
    return Deployment.from_api({"uuid": uuid, "name": f"name-{uuid}", "status": "running"})


def container(uuid: str, deployment_uuid: str) -> Container:
    return Container.from_api({"uuid": uuid, "deployment_uuid": deployment_uuid})


def observed() -> tuple[FleetStore, list[Change]]:
    store = FleetStore(now=lambda: NOW)
    seen: list[Change] = []
    store.subscribe(seen.append)
    return store, seen


def test_a_late_list_for_the_previous_selection_changes_nothing() -> None:
    store, seen = observed()
    store.apply(DeploymentsLoaded((deployment("a"), deployment("b")), NOW))
    assert store.select("a") and not store.select("a")  # the second: already selected
    store.select("b")
    seen.clear()
    assert store.apply(ContainersLoaded("a", (container("a-1", "a"),))) is None
    assert store.apply(EventsReceived("a", (), reset=True)) is None
    assert seen == [] and store.containers == {}
    change = store.apply(ContainersLoaded("b", (container("b-1", "b"),)))
    assert change is not None and Aspect.CONTAINERS in change.aspects
    assert list(store.containers) == ["b-1"] and store.containers_loaded
    assert seen == [change]


def test_fleet_mode_takes_every_deployments_containers_and_drops_single_lists() -> None:
    store, seen = observed()
    store.select("a")
    store.show_fleet(True)
    assert store.apply(ContainersLoaded("a", (container("a-1", "a"),))) is None
    fleet = (container("a-1", "a"), container("b-1", "b"))
    assert store.apply(FleetContainersLoaded(fleet, NOW)) is not None
    assert set(store.containers) == {"a-1", "b-1"}
    store.select("b")  # fleet-wide, another selection keeps the containers
    assert set(store.containers) == {"a-1", "b-1"}
    store.show_fleet(False)
    assert store.containers == {} and not store.containers_loaded
    assert Aspect.FLEET_MODE in seen[-1].aspects
    unsubscribe = store.subscribe(seen.append)
    unsubscribe()
    unsubscribe()  # twice is harmless


def test_a_down_connection_marks_the_data_stale_from_its_last_success() -> None:
    store, _seen = observed()
    ok = NOW - timedelta(minutes=3)
    store.apply(ConnectionChanged(Connection.RETRYING, NOW, ok, "timed out"))
    assert store.stale_since == ok and store.error == "timed out"
    store.apply(AccessProblem("auth", "rejected", "check the token"))
    assert store.access == {"auth"}
    store.apply(ConnectionChanged(Connection.UNAUTHORIZED, None, None, "rejected"))
    assert store.stale_since == NOW  # never fetched: stale from when it was seen down
    store.apply(ConnectionChanged(Connection.LIVE, None, NOW, ""))
    assert store.stale_since is None and store.error == "" and store.access == set()


def test_a_partial_fleet_list_shows_rows_but_is_not_loaded_yet() -> None:
    store, _seen = observed()
    store.show_fleet(True)
    first = (container("a-1", "a"),)
    assert store.apply(FleetContainersLoaded(first, NOW, complete=False)) is not None
    assert list(store.containers) == ["a-1"] and not store.containers_loaded
    store.apply(FleetContainersLoaded((*first, container("b-1", "b")), NOW))
    assert set(store.containers) == {"a-1", "b-1"} and store.containers_loaded


def test_a_containers_list_comes_with_what_changed_since_the_one_before() -> None:
    store, seen = observed()
    store.show_fleet(True)
    a, b, c = (container(u, "d1") for u in "abc")
    store.apply(FleetContainersLoaded((a, b), NOW))
    assert seen[-1].delta is not None and seen[-1].delta.changed == (a, b)
    assert not seen[-1].delta.same_order  # from nothing: new rows
    b2 = Container.from_api({"uuid": "b", "deployment_uuid": "d1", "status": "running"})
    store.apply(FleetContainersLoaded((a, b2), NOW))
    delta = seen[-1].delta
    assert delta is not None
    assert (delta.changed, delta.removed, delta.same_order) == ((b2,), (), True)
    store.apply(FleetContainersLoaded((c, a), NOW))
    delta = seen[-1].delta
    assert delta is not None
    assert (delta.changed, delta.removed, delta.same_order) == ((c,), ("b",), False)
    store.apply(FleetContainersLoaded((a, c), NOW))  # the same objects, reordered
    delta = seen[-1].delta
    assert delta is not None and (delta.changed, delta.same_order) == ((), False)
    store.apply(DeploymentsLoaded((deployment("d1"),), NOW))
    assert seen[-1].delta is None  # only containers lists carry one
