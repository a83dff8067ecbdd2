"""Snapshots keep only what a poll read whole; the sinks follow the settings."""

from __future__ import annotations

from alert_data import at, box, rs, stock

from autodl_tui.alerts.engine import AlertEngine
from autodl_tui.alerts.feed import (
    fast_snapshot,
    fleet_snapshot,
    packages_snapshot,
    stock_snapshot,
    whole,
)
from autodl_tui.alerts.model import AlertSettings
from autodl_tui.alerts.sinks import CommandSink, NotifySink, TerminalSink, sinks_for
from autodl_tui.api import AutoDLError
from autodl_tui.api.models import DurationPackage
from autodl_tui.api.paging import Listing


def test_a_cut_or_failed_list_is_left_out() -> None:
    assert whole(Listing([box("c1")], cut=True)) is None
    assert whole(AutoDLError("boom")) is None
    assert whole(None) is None
    assert whole(Listing([box("c1")])) == (box("c1"),)
    assert whole([]) == ()  # an empty list read in full is really empty

    snap = fast_snapshot(at(0), Listing([rs()], cut=True), "dep1", [box("c1")])
    assert snap.deployments is None and snap.containers == {"dep1": (box("c1"),)}
    snap = fast_snapshot(at(0), [rs()], "dep1", AutoDLError("timeout"))
    assert snap.deployments == (rs(),) and snap.containers == {}
    assert fast_snapshot(at(0), [rs()]).containers == {}

    fleet = fleet_snapshot(at(0), {"a": [box("c1")], "b": AutoDLError("x"), "c": []})
    assert fleet.containers == {"a": (box("c1"),), "c": ()} and fleet.deployments is None

    packages = packages_snapshot(at(0), [("a", [DurationPackage("H800")]), ("b", AutoDLError(""))])
    assert set(packages.packages) == {"a"}
    assert stock_snapshot(at(0), {"westDC2": stock("westDC2", H800=1)}).stock["westDC2"]


def test_a_fleet_poll_with_one_failed_list_alerts_on_nothing_there() -> None:
    engine = AlertEngine(AlertSettings(below_replicas=False))
    engine.observe(fast_snapshot(at(0), [rs("a"), rs("b")]))
    engine.observe(fleet_snapshot(at(1), {"a": [box("a1", dep="a")], "b": [box("b1", dep="b")]}))
    fired = engine.observe(
        fleet_snapshot(at(20), {"a": [box("a1", dep="a")], "b": AutoDLError("")})
    )
    assert fired == []


def test_sinks_follow_the_settings() -> None:
    def notify(_t: str, _m: str, _s: str) -> None:
        return None

    kinds = [
        type(s)
        for s in sinks_for(
            AlertSettings(bell=True, command=("true",)), notify=notify, write=print, report=print
        )
    ]
    assert kinds == [NotifySink, TerminalSink, CommandSink]
    assert sinks_for(AlertSettings(notify=False), notify=notify, write=print, report=print) == []
    quiet = sinks_for(AlertSettings(desktop="osc9"), notify=notify, write=None, report=print)
    assert [type(s) for s in quiet] == [NotifySink]  # no writer: no terminal sink
