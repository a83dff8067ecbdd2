"""Pilot tests: press the real keys of the fleet screen and check what the simulator holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from app_helpers import SIZE, container_status, deployment, notifications, select, until

from autodl_tui.sim.clock import FIXED_START
from autodl_tui.ui.container_detail import ContainerDetailScreen
from autodl_tui.ui.main_screen import MainScreen
from autodl_tui.ui.panes import ContainersTable, DeploymentsTable


async def test_scale_dialog_sets_replica_num(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "llm-serve")
        await pilot.press("s")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("7", "enter")
        await until(pilot, lambda: deployment(sim, "llm-serve")["replica_num"] == 7)


async def test_stop_deployment_asks_first_and_escape_cancels(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "sd-webui")
        await pilot.press("x")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert deployment(sim, "sd-webui")["status"] == "running"
        await pilot.press("x")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("y")
        await until(pilot, lambda: deployment(sim, "sd-webui")["status"] == "stopped")


async def test_delete_needs_the_exact_name(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "eval-once")
        await pilot.press("ctrl+d")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press(*"eval-onc", "enter")
        await pilot.pause(0.1)
        assert sim.list_deployments(1, 10, name="eval-once")["list"]
        await pilot.press("e", "enter")
        await until(pilot, lambda: not sim.list_deployments(1, 10, name="eval-once")["list"])


async def test_copy_keys_put_credentials_on_the_clipboard(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await select(pilot, app, "l20-infer")
        await pilot.press("2")
        table = screen.query_one("#containers", ContainersTable)
        uuid = table.cursor_key
        assert uuid is not None
        container = screen.containers[uuid]
        await pilot.press("c")
        await until(pilot, lambda: app.clipboard == container.info.ssh_command)
        await pilot.press("p")
        await until(pilot, lambda: app.clipboard == container.info.root_password)
        messages = " ".join(str(n.message) for n in app._notifications)
        assert container.info.root_password not in messages
        await pilot.press("u")
        await until(pilot, lambda: app.clipboard == container.info.service_6006_port_url)


async def test_stop_container_lets_the_replicaset_replace_it(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "l20-infer")
        await pilot.press("2")
        uuid = screen.query_one("#containers", ContainersTable).cursor_key
        await pilot.press("x")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("enter")

        def replaced() -> bool:
            dep = deployment(sim, "l20-infer")
            stopped = container_status(sim, dep["uuid"], uuid)
            return (
                stopped == "shutting_down" and dep["replica_num"] == 3 and dep["starting_num"] == 1
            )

        await until(pilot, replaced)


async def test_blacklist_bans_the_container_host(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "v100-train")
        await pilot.press("2")
        uuid = screen.query_one("#containers", ContainersTable).cursor_key
        assert uuid is not None
        machine = screen.containers[uuid].machine_id
        await pilot.press("b")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("enter")
        await until(pilot, lambda: machine in {e["machine_id"] for e in sim.list_blacklist()})


async def test_read_only_sends_no_mutating_request_by_any_key(make_app, sim, recorder) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "llm-serve")
        for key in ("s", "x", "ctrl+d"):
            await pilot.press(key)
            await pilot.pause(0.05)
            assert isinstance(app.screen, MainScreen)
        await pilot.press("2")
        for key in ("x", "b"):
            await pilot.press(key)
            await pilot.pause(0.05)
            assert isinstance(app.screen, MainScreen)
        screen = app.main_screen
        screen.action_row("scale_deployment")
        screen.action_row("stop_container")
        await pilot.pause(0.1)
        assert isinstance(app.screen, MainScreen)
    assert recorder.mutations() == []


async def test_zoom_help_and_filter(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "llm-serve")
        await pilot.press("z")
        assert screen.has_class("single")
        await pilot.press("z")
        assert not screen.has_class("single")
        await pilot.press("question_mark")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("slash", *"finetune", "enter")
        table = screen.query_one("#deployments", DeploymentsTable)
        finetune = next(u for u, d in screen.deployments.items() if d.name == "finetune-sweep")
        await until(pilot, lambda: table.cursor_key == finetune and table.has_focus)
        assert table.matched_count == 1


async def test_small_terminal_shows_one_pane_at_a_time(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen
        await until(
            pilot, lambda: screen.query_one("#deployments", DeploymentsTable).total_count > 0
        )
        assert screen.has_class("single")
        await pilot.press("4")
        assert screen.current_pane == "stock"
        assert screen.query_one("#pane-stock").display
        assert not screen.query_one("#pane-deployments").display


def test_fixed_start_is_aware() -> None:
    assert isinstance(FIXED_START, datetime) and FIXED_START.tzinfo is not None


async def test_copy_uuid_key_copies_the_selected_containers_uuid(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await select(pilot, app, "l20-infer")
        await pilot.press("2")
        uuid = screen.query_one("#containers", ContainersTable).cursor_key
        assert uuid is not None
        await pilot.press("U")
        await until(pilot, lambda: app.clipboard == uuid)


async def test_copy_url_in_the_containers_pane_falls_back_to_service_url(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "l20-infer")
        await pilot.press("2")
        uuid = screen.query_one("#containers", ContainersTable).cursor_key
        assert uuid is not None
        # An older container: only the deprecated field (the copy re-reads it from the API).
        record = sim._container(uuid)
        record.info = {**record.info, "service_6006_port_url": "", "service_url": "http://old:1"}
        await pilot.press("u")
        await until(pilot, lambda: app.clipboard == "http://old:1")


async def test_an_unnamed_deployment_is_deleted_by_typing_its_uuid(make_app, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "eval-once")
        uuid = deployment(sim, "eval-once")["uuid"]
        record = sim._deployment(uuid)
        record.spec = replace(record.spec, name="")
        await pilot.press("r")
        await until(pilot, lambda: screen.deployments[uuid].name == "")
        await pilot.press("ctrl+d")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press(*uuid, "enter")
        await until(
            pilot, lambda: uuid not in {d["uuid"] for d in sim.list_deployments(1, 100)["list"]}
        )


async def test_hidden_secrets_are_neither_copied_nor_revealed(make_app, sim) -> None:
    app = make_app(hide_secrets=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await select(pilot, app, "l20-infer")
        await pilot.press("2")
        uuid = screen.query_one("#containers", ContainersTable).cursor_key
        assert uuid is not None
        password = screen.containers[uuid].info.root_password
        await pilot.press("c")  # not a secret: copied as usual
        await until(pilot, lambda: app.clipboard == screen.containers[uuid].info.ssh_command)
        await pilot.press("p")
        await until(pilot, lambda: "Secrets are hidden" in notifications(app))
        assert app.clipboard != password
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ContainerDetailScreen))
        detail = app.screen
        await pilot.press("v", "p")
        await pilot.pause(0.2)
        assert password not in str(detail.query_one("#v-password").render())
        assert app.clipboard != password
