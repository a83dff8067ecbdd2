"""The fleet watch in the app: alerts from what the poller read, the A and H views."""

from __future__ import annotations

from app_helpers import SIZE, Recorder, build_app, notifications, opened, select
from textual.widgets import Input
from waiting import until

from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui.alerts_screen import AlertsScreen
from autodl_tui.ui.dialogs import BlacklistDialog
from autodl_tui.ui.panes import ContainersTable
from autodl_tui.ui.slow_hosts_screen import SlowHostsScreen
from autodl_tui.ui.widgets.vtable import VirtualTable

ROW_APPEARS = "running"


async def test_a_container_stopped_elsewhere_alerts_once_and_A_lists_it() -> None:
    clock = VirtualClock()
    sim = build_simulator("demo", seed=0, clock=clock)
    app = build_app(sim_transport(sim))
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "l20-infer")
        victim = next(c for c in screen.containers.values() if c.status == ROW_APPEARS)
        # Someone else (the console, another tool) stops it: the app did not ask for this.
        sim.stop_container(victim.uuid)
        clock.advance(5)
        await pilot.press("r")
        watch = screen.fleet_watch
        await until(pilot, lambda: len(watch.history) == 1)
        assert watch.history[0].container_uuid == victim.uuid
        assert watch.history[0].title in notifications(app)
        # The next polls see the same incident: nothing new.
        for _ in range(3):
            clock.advance(5)
            await pilot.press("r")
            await pilot.pause(0.2)
        assert len(watch.history) == 1
        shown = await opened(pilot, app, "A", AlertsScreen)
        await until(pilot, lambda: shown.table.total_count == 1)


async def test_a_stop_made_in_the_app_is_not_an_alert() -> None:
    clock = VirtualClock()
    sim = build_simulator("demo", seed=0, clock=clock)
    app = build_app(sim_transport(sim))
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "l20-infer")
        running = [c for c in screen.containers.values() if c.status == ROW_APPEARS]
        screen.expect(running[0].deployment_uuid, running[0].uuid)
        sim.stop_container(running[0].uuid)
        clock.advance(5)
        await pilot.press("r")
        await pilot.pause(0.5)
        assert screen.fleet_watch.history == ()


async def test_a_seeded_slow_host_is_flagged_and_blacklisted_in_two_keys() -> None:
    clock = VirtualClock()
    sim = build_simulator("demo", seed=0, clock=clock, incidents=("slow-hosts",))
    recorder = Recorder(sim_transport(sim))
    app = build_app(recorder)
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "l20-infer")
        await pilot.press("2", "a")  # every deployment's containers: every host's history
        await until(pilot, lambda: bool(screen.fleet_watch.slow_hosts()), timeout=20)
        flagged = screen.fleet_watch.slow_hosts()
        # The containers pane marks the flagged host's containers.
        table = screen.query_one("#containers", ContainersTable)
        slow = {h.machine_id for h in flagged}

        def marked() -> set[str]:
            rows = (table.get_row(key) for key in table.visible_keys)
            return {str(r.cells[4]) for r in rows if r is not None and "⚠" in str(r.cells[4])}

        await pilot.press("r")
        await until(pilot, lambda: bool(marked()))
        assert {cell.split()[0] for cell in marked()} <= slow
        view = await opened(pilot, app, "H", SlowHostsScreen)
        hosts_table = view.query_one("#slow-hosts-table", VirtualTable)
        await until(pilot, lambda: hosts_table.total_count == len(flagged))
        dialog = await opened(pilot, app, "b", BlacklistDialog)
        comment = dialog.query_one("#comment", Input).value
        assert comment and comment in {h.evidence for h in screen.fleet_watch.slow_hosts()}
        await pilot.press("enter")
        await until(
            pilot, lambda: ("POST", "/api/v1/dev/deployment/blacklist") in recorder.requests
        )


async def test_package_reads_feed_the_package_rule_only_when_it_is_on() -> None:
    from autodl_tui.alerts.model import AlertSettings
    from autodl_tui.ui.main_screen import MainScreen

    sim = build_simulator("demo", seed=0, clock=VirtualClock())
    recorder = Recorder(sim_transport(sim))
    app = build_app(recorder, alerts=AlertSettings(package_low=False))
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "l20-infer")
        assert screen.poller.packages_interval == 0
        await screen.poller.poll_packages()
    assert not any(path.endswith("/ddp/overview") for _m, path in recorder.requests)

    app = build_app(recorder)
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "l20-infer")
        assert isinstance(screen, MainScreen) and screen.poller.packages_interval > 0
        await screen.poller.poll_packages()
    reads = [path for _m, path in recorder.requests if path.endswith("/ddp/overview")]
    running = [d for d in screen.deployments.values() if d.status == "running"]
    assert len(reads) == min(len(running), 20)
