"""Why-waiting in the app (issue 17 item 1): Enter on the demo's waiting H800 container shows
its price cap; r opens the create form with only that cap raised."""

from __future__ import annotations

from app_helpers import SIZE, until
from test_keys_explain import on_deployment

from autodl_tui.ui.container_detail import ContainerDetailScreen
from autodl_tui.ui.create_form import CreateFormScreen


async def test_enter_explains_the_wait_and_r_clones_with_the_cap_relaxed(
    make_app, recorder
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_deployment(pilot, app, "h800-pretrain")
        await until(pilot, lambda: bool(screen.containers))
        await pilot.press("2", "enter")
        await until(pilot, lambda: isinstance(app.screen, ContainerDetailScreen))
        detail = app.screen
        assert isinstance(detail, ContainerDetailScreen)
        await until(pilot, lambda: detail.why is not None)
        assert detail.why is not None and detail.why.kind == "price"
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, CreateFormScreen))
        form = app.screen
        assert isinstance(form, CreateFormScreen)
        template, _ = form.current_template()
        assert template.name == "h800-pretrain-copy" and template.price_yuan_to > 9.0
        assert template.gpu_name_set == ("H800",) and template.gpu_num == 8
    assert recorder.mutations() == []  # nothing created without the form's own submit


async def test_the_containers_pane_says_why_a_container_waits() -> None:
    from app_helpers import SIZE, build_app, select, until

    from autodl_tui.sim.clock import VirtualClock
    from autodl_tui.sim.fleets import build_simulator
    from autodl_tui.sim.transport import sim_transport
    from autodl_tui.ui.panes import ContainersTable

    sim = build_simulator("demo", seed=0, clock=VirtualClock())
    app = build_app(sim_transport(sim))
    async with app.run_test(size=SIZE) as pilot:
        screen = await select(pilot, app, "h800-pretrain")
        table = screen.query_one("#containers", ContainersTable)

        def region_cells() -> list[str]:
            rows = (table.get_row(key) for key in table.visible_keys)
            return [str(row.cells[2]) for row in rows if row is not None]

        await until(pilot, lambda: any("price cap" in cell for cell in region_cells()))
        assert all(cell.startswith("price cap ¥9.00 < H800") for cell in region_cells())
