"""Pilot tests for the deployment detail: template units, counters, package bars, hours left."""

from __future__ import annotations

from typing import Any

from views_host import SIZE, CountingTransport, Host, client_for, screen_text
from waiting import until

from autodl_tui.api import Deployment
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.commands import ContainerQuery
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.ui.deployment_detail import BAR_WIDTH, DeploymentDetailScreen
from autodl_tui.ui.gauges import bar, package_hours


def deployment(sim: Simulator, name: str) -> Deployment:
    return Deployment.from_api(sim.list_deployments(1, 10, name=name)["list"][0])


def running(sim: Simulator, uuid: str) -> list[dict[str, Any]]:
    query = ContainerQuery(uuid, 1, 100, status=("running",))
    return list(sim.list_containers(query)["list"])


def screen_for(sim: Simulator, clock: VirtualClock, name: str) -> DeploymentDetailScreen:
    client = client_for(CountingTransport(sim))
    return DeploymentDetailScreen(deployment(sim, name), client, now=clock.now)


async def test_template_in_readable_units(sim, clock) -> None:
    screen = screen_for(sim, clock, "llm-serve")
    async with Host(screen).run_test(size=SIZE) as pilot:
        await until(pilot, lambda: screen.loaded)
        v = screen.value_of
        assert v("regions") == "westDC2 西北企业区(推荐), westDC3 西北B区"
        assert v("gpu") == "RTX 4090 × 1"
        assert v("cuda") == "11.3 – 12.8"
        assert v("cpu") == "1 – 400 vCPU"
        assert v("memory") == "1 GB – 2048 GB"
        assert v("price-range") == "¥0.01/h – ¥9.00/h"
        image = sim.images[0]
        assert v("image") == f"{image['image_name']} (private, {image['image_uuid']})"
        assert v("cmd") == "python -m vllm.entrypoints.openai.api_server --port 6006"
        assert v("reuse") == "yes"
        assert v("ports").startswith("6006 http · 6008 http")


async def test_public_image_and_job_counters(sim, clock) -> None:
    screen = screen_for(sim, clock, "finetune-sweep")
    async with Host(screen).run_test(size=SIZE) as pilot:
        await until(pilot, lambda: screen.loaded)
        assert "public PyTorch, base-image-l2t43iu6uk" in screen.value_of("image")
        raw = sim.list_deployments(1, 10, name="finetune-sweep")["list"][0]
        assert screen.value_of("counters") == (
            f"{raw['finished_num']} of 10 finished · {raw['running_num']} running · "
            f"{raw['starting_num']} starting · at most 2 at a time"
        )
        assert screen.value_of("packages").startswith("No duration packages")


async def test_replica_counters_times_and_burn_rate_match_the_simulator(sim, clock) -> None:
    screen = screen_for(sim, clock, "l20-infer")
    async with Host(screen).run_test(size=SIZE) as pilot:
        await until(pilot, lambda: screen.loaded)
        raw = sim.list_deployments(1, 10, name="l20-infer")["list"][0]
        assert screen.value_of("counters") == (
            f"{raw['running_num']} running · {raw['starting_num']} starting · "
            f"{raw['replica_num']} desired"
        )
        assert screen.value_of("status") == "running"
        assert screen.value_of("created").startswith("2026-11-27 07:30:00 UTC+8 (2h 30m ago)")
        live = running(sim, raw["uuid"])
        price = sum(c["price"] for c in live)
        assert price > 0
        assert screen.value_of("burn").startswith(f"¥{price / 1000:.2f}/h on {len(live)} running")


def rtx4090_cards(sim: Simulator, uuid: str) -> int:
    """Cards of running containers that draw on llm-serve's RTX 4090 package."""
    return sum(
        c["gpu_num"]
        for c in running(sim, uuid)
        if c["gpu_name"] == "RTX 4090" and c["data_center"] in ("westDC2", "westDC3")
    )


async def test_package_bar_and_hours_left_at_the_current_draw(sim, clock) -> None:
    screen = screen_for(sim, clock, "llm-serve")
    uuid = screen.deployment.uuid
    async with Host(screen).run_test(size=SIZE) as pilot:
        await until(pilot, lambda: screen.loaded)
        [package] = sim.ddp_overview(uuid)
        cards = rtx4090_cards(sim, uuid)
        assert cards == 4
        balance, total = package["balance"], package["total"]
        assert total == 24 * 3600 and 0 < balance < total
        [shown] = screen.package_values
        first, second = shown.split("\n")
        assert first == f"{bar(balance / total, BAR_WIDTH)} {package_hours(balance)} of 24 h left"
        # 43249 s left, 4 cards draining it: 3 hours.
        assert balance == 43249
        assert second.startswith("3 h left at 4 cards")
        assert second.endswith("westDC2 西北企业区(推荐), westDC3 西北B区")

        # Later the package has drained, and the draw is whatever runs now.
        clock.advance(3600)
        await pilot.press("r")
        await until(pilot, lambda: bool(screen.packages) and screen.packages[0].balance_s < balance)
        [after] = sim.ddp_overview(uuid)
        cards_now = rtx4090_cards(sim, uuid)
        assert cards_now == 5  # the fifth replica finished starting meanwhile
        assert balance - after["balance"] > 4 * 3600 - 10
        assert screen.packages[0].balance_s == after["balance"]
        first, second = screen.package_values[0].split("\n")
        assert first.startswith(bar(after["balance"] / total, BAR_WIDTH))
        hours = after["balance"] / 3600 / cards_now
        assert second.startswith(f"{hours:.1f} h left at 5 cards")


async def test_a_stopped_deployment_has_no_draw(sim, clock) -> None:
    uuid = deployment(sim, "l20-infer").uuid
    sim.stop_deployment(uuid)
    clock.advance(120)  # containers finish shutting down
    screen = screen_for(sim, clock, "l20-infer")
    async with Host(screen).run_test(size=SIZE) as pilot:
        await until(pilot, lambda: screen.loaded)
        assert screen.value_of("status") == "stopped"
        assert screen.value_of("stopped") != "—"
        [shown] = screen.package_values
        assert "not draining" in shown
        assert screen.value_of("burn").startswith("¥0.00/h on 0 running containers")


async def test_without_access_the_reason_is_shown(clock) -> None:
    sim = build_simulator("demo", seed=0, clock=clock)
    d = deployment(sim, "llm-serve")
    sim.enterprise_verified = False
    screen = DeploymentDetailScreen(d, client_for(CountingTransport(sim)), now=clock.now)
    async with Host(screen).run_test(size=SIZE) as pilot:
        await until(pilot, lambda: screen.loaded)
        text = "\n".join(screen.problems)
        assert "Duration packages unavailable" in text
        assert "enterprise-verified" in text
        # The template from the main screen's copy is still shown.
        assert screen.value_of("gpu") == "RTX 4090 × 1"


async def test_escape_closes(sim, clock) -> None:
    screen = screen_for(sim, clock, "llm-serve")
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: screen.loaded)
        await pilot.press("escape")
        await until(pilot, lambda: bool(app.results))
    assert app.results == [None]


async def test_at_80x24_every_section_is_reachable_by_keys(sim, clock) -> None:
    # Issue 12: at 80x24 the detail cut off Created, Burn and the packages, and nothing
    # could scroll to them.
    screen = screen_for(sim, clock, "llm-serve")
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: screen.loaded)
        await pilot.pause(0.1)
        assert screen.packages  # llm-serve has a duration package in the demo fleet
        shown = screen_text(app)
        assert "↓" in shown or "scroll" in shown  # the key line says how to see the rest
        for key in ("created", "burn", "package-0"):
            await pilot.press("end" if key == "package-0" else "down")
            value = screen.query_one(f"#v-{key}")
            for _ in range(40):
                if value.region and app.screen.region.contains_region(value.region):
                    break
                await pilot.press("down")
            assert value.region and app.screen.region.contains_region(value.region), key
        await pilot.press("home")
        await pilot.pause(0.1)
        assert "UUID" in screen_text(app)


class HeldTransport(CountingTransport):
    """Holds every request until `release` is set (a slow socket)."""

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)
        import asyncio

        self.release = asyncio.Event()

    async def handle_async_request(self, request: Any) -> Any:
        await self.release.wait()
        return await super().handle_async_request(request)


async def test_scrolling_before_the_answer_keeps_the_place_after_it(sim, clock) -> None:
    # Over a socket the answer comes after the user pressed End: the sections below the
    # fold, packages included, must stay in view once it is shown.
    transport = HeldTransport(sim)
    screen = DeploymentDetailScreen(
        deployment(sim, "llm-serve"), client_for(transport), now=clock.now
    )
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
        await pilot.press("end")
        await pilot.pause(0.1)
        transport.release.set()
        await until(pilot, lambda: screen.loaded)
        await pilot.pause(0.2)
        value = screen.query_one("#v-package-0")
        assert value.region and app.screen.region.contains_region(value.region)
