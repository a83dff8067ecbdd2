"""Property tests: any text in a dialog field, and any JSON in an API answer, is handled.

Dialogs: whatever is typed, submitting either returns exactly what the validator parses, or
keeps the dialog open with a message and returns nothing. Models: whatever JSON object the
service sends, parsing yields typed fields (or ValueError for a wrong overall shape), and the
panes can render the result. (tests/api fuzzes the client end to end; this goes one layer
further, into what the screen shows.)
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
from textual.app import App
from textual.widgets import Input, Static

from autodl_tui.api import Container, ContainerEvent, Deployment
from autodl_tui.api.models import parse_gpu_stock
from autodl_tui.ui.dialogs import BlacklistDialog, ScaleDialog, parse_minutes, parse_replicas
from autodl_tui.ui.rows import (
    CONTAINER_COLUMNS,
    DEPLOYMENT_COLUMNS,
    container_row,
    deployment_row,
)
from autodl_tui.ui.widgets.event_log import event_line

FIELD_TEXT = st.text(max_size=12) | st.from_regex(r"\s*[+-]?0*[0-9]{1,6}\s*", fullmatch=True)


class Host(App[None]):
    """Collects what each dialog returns."""

    def __init__(self) -> None:
        super().__init__()
        self.results: list[object] = []


async def _submit_each(texts: list[str], make: Any, field: str, error: str) -> list[Any]:
    """Type each text into a fresh dialog, submit; (result or None, error text, still open)."""
    app = Host()
    outcomes: list[Any] = []
    async with app.run_test() as pilot:
        for value in texts:
            app.results.clear()
            dialog = make()
            app.push_screen(dialog, app.results.append)
            await pilot.pause()
            dialog.query_one(field, Input).value = value
            await pilot.pause()  # the Changed handler clears the message; let it run first
            dialog.submit()
            await pilot.pause()
            shown = str(dialog.query_one(error, Static).content) if app.screen is dialog else ""
            outcomes.append((list(app.results), shown, app.screen is dialog))
            if app.screen is dialog:
                dialog.action_cancel()
                await pilot.pause()
    return outcomes


def _check(texts: list[str], outcomes: list[Any], parse: Any) -> None:
    for value, (results, shown, still_open) in zip(texts, outcomes, strict=True):
        try:
            expected = parse(value)
        except ValueError as exc:
            assert still_open and results == [] and shown == str(exc), value
        else:
            assert not still_open and len(results) == 1, value
            got = results[0]
            assert (got if isinstance(got, int) else got.expire_in_minutes) == expected


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FIELD_TEXT, min_size=1, max_size=8))
def test_scale_dialog_returns_the_parsed_count_or_nothing(texts: list[str]) -> None:
    outcomes = asyncio.run(
        _submit_each(texts, lambda: ScaleDialog("d", 1), "#replicas", "#replicas-error")
    )
    _check(texts, outcomes, parse_replicas)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FIELD_TEXT, min_size=1, max_size=8))
def test_blacklist_dialog_returns_the_parsed_minutes_or_nothing(texts: list[str]) -> None:
    outcomes = asyncio.run(
        _submit_each(texts, lambda: BlacklistDialog("m1", "westDC2"), "#minutes", "#minutes-error")
    )
    _check(texts, outcomes, parse_minutes)


# --- models: arbitrary JSON objects, rendered as the panes render them -----------------------

_KEYS = st.sampled_from(
    [
        "uuid", "name", "status", "deployment_type", "replica_num", "created_at", "stopped_at",
        "template", "info", "gpu_name", "gpu_num", "memory_size", "price", "root_password",
        "ssh_command", "started_at", "deployment_container_uuid", "machine_id", "data_center",
        "cpu_num", "image_uuid", "dc_list", "idle_gpu_num", "total_gpu_num", "running_num",
    ]
) | st.text(max_size=5)  # fmt: skip
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**66), max_value=2**66)
    | st.floats()
    | st.text(max_size=10)
    | st.sampled_from(["2026-11-27T10:00:00+08:00", "0001-01-01T00:00:00Z", "9999-99-99", ""])
)
JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=6),
    max_leaves=20,
)
OBJECTS = st.dictionaries(_KEYS, JSON, max_size=10)


@settings(max_examples=150, deadline=None)
@given(OBJECTS)
def test_any_deployment_object_parses_and_renders(raw: dict[str, Any]) -> None:
    d = Deployment.from_api(raw)
    assert isinstance(d.name, str) and isinstance(d.replica_num, int)
    row = deployment_row(d)
    assert len(row.cells) == len(DEPLOYMENT_COLUMNS) and row.key == d.uuid


@settings(max_examples=150, deadline=None)
@given(OBJECTS)
def test_any_container_object_parses_and_renders(raw: dict[str, Any]) -> None:
    c = Container.from_api(raw)
    assert isinstance(c.info.root_password, str)
    row = container_row(c)
    assert len(row.cells) == len(CONTAINER_COLUMNS) and row.key == c.uuid


@settings(max_examples=150, deadline=None)
@given(OBJECTS)
def test_any_event_object_parses_and_renders(raw: dict[str, Any]) -> None:
    line, status_at = event_line(ContainerEvent.from_api(raw))
    assert 0 <= status_at <= len(line) and "\n" not in line


@settings(max_examples=150, deadline=None)
@given(JSON)
def test_any_stock_answer_parses_or_is_a_shape_error(data: Any) -> None:
    try:
        stock = parse_gpu_stock(data, "westDC2")
    except ValueError:
        return
    assert all(isinstance(s.idle, int) and s.region == "westDC2" for s in stock)
