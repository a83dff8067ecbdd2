"""Why-waiting on screen (issue 17 item 1): the container detail's reason and its clone key,
and the pane's short reasons, asked sparingly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from textual.widgets import Static
from views_host import SIZE, CountingTransport, Host, client_for

from autodl_tui.api import AutoDLClient
from autodl_tui.api.errors import TransportError
from autodl_tui.api.models import Container, Deployment
from autodl_tui.explain import Explanation, Relaxation, waiting_reason_cell
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.ui.container_detail import ContainerDetailScreen
from autodl_tui.ui.why_waiting import WaitingReasons, relaxed_clone, stock_explainer


@pytest.fixture
def sim() -> Simulator:
    return build_simulator("demo", seed=0, clock=VirtualClock())


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[AutoDLClient]:
    async with client_for(CountingTransport(sim)) as c:
        yield c


async def h800(client: AutoDLClient) -> tuple[Deployment, Container]:
    d = next(x for x in (await client.list_deployments()).items if x.name == "h800-pretrain")
    (c,) = (await client.list_containers(d.uuid)).items
    return d, c


async def until(pilot: Any, condition: Any) -> None:
    for _ in range(200):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition never held")


def why_text(app: Host) -> str:
    return str(app.screen.query_one("#v-why", Static).render())


async def test_the_detail_explains_the_price_cap_and_r_clones_it_relaxed(
    client: AutoDLClient,
) -> None:
    d, c = await h800(client)
    cloned: list[Relaxation] = []
    screen = ContainerDetailScreen(
        c,
        d,
        explain=stock_explainer(d, client.get_gpu_stock, client.list_blacklist),
        on_clone=cloned.append,
    )
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: screen.why is not None)
        await pilot.pause()
        text = why_text(app)
        assert "above your cap ¥9.00" in text and "H800 in neimengDC3" in text
        assert "r: clone with price cap ¥9.00 →" in text
        await pilot.press("r")
        await until(pilot, lambda: bool(cloned))
    assert screen.why is not None and cloned == [screen.why.relax]
    assert app.results == [None]  # the detail closed for the form


async def test_a_running_container_has_no_reason_and_r_says_why(client: AutoDLClient) -> None:
    d = next(x for x in (await client.list_deployments()).items if x.name == "llm-serve")
    c = next(x for x in (await client.list_containers(d.uuid)).items if x.status == "running")
    asked: list[int] = []

    async def explain() -> Explanation:
        asked.append(1)
        raise AssertionError("a running container is never explained")

    cloned: list[Relaxation] = []
    screen = ContainerDetailScreen(c, d, explain=explain, on_clone=cloned.append)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.screen.query("#v-why")
        await pilot.press("r")
        await pilot.pause()
        assert app.results == [] and not cloned and not asked


async def test_stock_that_cannot_be_read_is_said(client: AutoDLClient) -> None:
    d, c = await h800(client)

    async def explain() -> Explanation:
        raise TransportError("connection refused")

    screen = ContainerDetailScreen(c, d, explain=explain)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "could not be read" in why_text(app))
        await pilot.press("r")  # nothing to relax: stays open
        await pilot.pause()
        assert app.results == []


async def test_relaxed_clone_is_a_copy_with_only_the_filter_changed(client: AutoDLClient) -> None:
    d, _ = await h800(client)
    relax = Relaxation("price", (("price_yuan_to", 11.5),), "price cap ¥9.00 → ¥11.50")
    clone = relaxed_clone(d, relax)
    assert clone.name == "h800-pretrain-copy" and clone.price_yuan_to == 11.5
    assert clone.dc_list == ("neimengDC3",) and clone.gpu_num == 8


async def test_pane_reasons_are_asked_once_per_interval(sim: Simulator) -> None:
    transport = CountingTransport(sim)
    async with client_for(transport) as client:
        deployments = {d.uuid: d for d in (await client.list_deployments()).items}
        containers = [c for uuid in deployments for c in (await client.list_containers(uuid)).items]
        reasons = WaitingReasons(refresh_s=120)
        due = reasons.due(deployments, containers, 0.0)
        assert [d.name for d in due] == ["h800-pretrain"]  # only a deployment with a waiter
        assert await reasons.refresh(due, client.get_gpu_stock, 0.0, client.list_blacklist)
        h800 = due[0]
        waiting = next(c for c in containers if c.deployment_uuid == h800.uuid)
        assert waiting_reason_cell(waiting, reasons.reasons).startswith("price cap ¥9.00")
        before = transport.count("/gpu_stock")
        assert reasons.due(deployments, containers, 60.0) == []  # not again so soon
        assert reasons.due(deployments, containers, 121.0) == [h800]
        # A changed template is asked again at once.
        edited = {
            **deployments,
            h800.uuid: replace(h800, template=replace(h800.template, price_to=0)),
        }
        assert reasons.due(edited, containers, 61.0) == [edited[h800.uuid]]
        # Nothing waits any more: the reason goes.
        placed = [replace(c, machine_id="m") for c in containers]
        assert reasons.due(deployments, placed, 200.0) == [] and reasons.reasons == {}
        assert transport.count("/gpu_stock") == before


async def test_a_failed_ask_keeps_the_old_reason(sim: Simulator, client: AutoDLClient) -> None:
    d, c = await h800(client)
    reasons = WaitingReasons()
    await reasons.refresh([d], client.get_gpu_stock, 0.0)
    old = reasons.reasons[d.uuid]

    async def broken(region: str, f: Any) -> Any:
        raise TransportError("timed out")

    assert not await reasons.refresh([d], broken, 500.0)
    assert reasons.reasons[d.uuid] is old and waiting_reason_cell(c, reasons.reasons) == old.short


async def test_deployments_of_one_template_share_their_stock_questions(
    client: AutoDLClient,
) -> None:
    d, _c = await h800(client)
    twins = [replace(d, uuid=f"{d.uuid}-{i}") for i in range(5)]
    asked: list[tuple[str, object]] = []

    async def counted(region: str, f: Any) -> Any:
        asked.append((region, f))
        return await client.get_gpu_stock(region, f)

    reasons = WaitingReasons()
    await reasons.refresh(twins, counted, 0.0)
    alone = WaitingReasons()
    alone_asked = len(asked)
    asked.clear()
    await alone.refresh([d], counted, 0.0)
    # Five deployments of one template ask what one asks, and get the same reason.
    assert alone_asked == len(asked) == len(set(asked)) > 0
    assert {r.short for r in reasons.reasons.values()} == {alone.reasons[d.uuid].short}
