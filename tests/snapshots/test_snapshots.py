"""Snapshot tests: the demo fleet frozen at one instant, at fixed sizes.

Update after a deliberate UI change with `pytest tests/snapshots --snapshot-update`, then
look at every changed SVG before committing it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from autodl_tui.ui.app import AutoDLApp
from autodl_tui.ui.showcase import press_and_still, select_deployment, settle, showcase_app

WIDE = (140, 40)


def drive(
    app: AutoDLApp, keys: tuple[str, ...] = (), deployment: str = ""
) -> Callable[[Pilot[Any]], Any]:
    """A run_before that waits for data, selects `deployment` and presses `keys`."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, app)
        if deployment:
            await select_deployment(pilot, app, deployment)
        await press_and_still(pilot, app, keys)

    return run_before


def shot(snap_compare: Any, size: tuple[int, int], *keys: str, deployment: str = "") -> bool:
    app = showcase_app()
    return bool(snap_compare(app, terminal_size=size, run_before=drive(app, keys, deployment)))


def test_main_screen(snap_compare: Any) -> None:
    assert shot(snap_compare, WIDE, "2", deployment="llm-serve")


def test_main_screen_120x35(snap_compare: Any) -> None:
    assert shot(snap_compare, (120, 35), deployment="v100-train")


def test_narrow_80x24(snap_compare: Any) -> None:
    assert shot(snap_compare, (80, 24))


def test_scale_dialog(snap_compare: Any) -> None:
    assert shot(snap_compare, WIDE, "s", deployment="llm-serve")


def test_stop_deployment_dialog(snap_compare: Any) -> None:
    assert shot(snap_compare, WIDE, "x", deployment="sd-webui")


def test_delete_dialog_half_typed(snap_compare: Any) -> None:
    assert shot(snap_compare, WIDE, "ctrl+d", *"eval-on", deployment="eval-once")


def test_stop_container_dialog(snap_compare: Any) -> None:
    assert shot(snap_compare, WIDE, "2", "x", deployment="llm-serve")


def test_blacklist_dialog(snap_compare: Any) -> None:
    assert shot(snap_compare, WIDE, "2", "b", deployment="llm-serve")


def test_container_detail_password_masked(snap_compare: Any) -> None:
    assert shot(snap_compare, WIDE, "2", "enter", deployment="llm-serve")


def test_help(snap_compare: Any) -> None:
    assert shot(snap_compare, WIDE, "question_mark")


def test_zoomed_containers(snap_compare: Any) -> None:
    assert shot(snap_compare, WIDE, "2", "z", deployment="llm-serve")


def test_images_view(snap_compare: Any) -> None:
    assert shot(snap_compare, WIDE, "i")


def test_blacklist_view(snap_compare: Any) -> None:
    assert shot(snap_compare, WIDE, "B")


def test_deployment_detail(snap_compare: Any) -> None:
    assert shot(snap_compare, WIDE, "d", deployment="llm-serve")


def test_fleet_wide_containers(snap_compare: Any) -> None:
    assert shot(snap_compare, WIDE, "2", "a", deployment="llm-serve")


def test_new_deployment_form_empty(snap_compare: Any) -> None:
    assert shot(snap_compare, WIDE, "n")


def test_new_deployment_form_invalid(snap_compare: Any) -> None:
    app = showcase_app()

    async def run_before(pilot: Pilot[Any]) -> None:
        await drive(app, ("C",), "llm-serve")(pilot)
        app.screen.query_one("#gpu_num").focus()
        await press_and_still(pilot, app, ("home", "ctrl+k", "9", "tab"))

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


def test_new_deployment_preflight(snap_compare: Any) -> None:
    assert shot(snap_compare, WIDE, "C", "ctrl+r", deployment="llm-serve")
