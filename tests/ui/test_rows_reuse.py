"""ContainerRows converts only the containers that changed since the last list."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from autodl_tui.api import Container
from autodl_tui.catalog import CST
from autodl_tui.ui.rows import ContainerRows, container_row

NOW = datetime(2026, 11, 27, 10, 0, 10, tzinfo=CST)


def fleet(count: int = 50) -> list[Container]:
    return [
        Container(
            f"dep{i % 5}-machine{i:04d}-{i:08x}",
            deployment_uuid=f"dep{i % 5}",
            status="running",
            started_at=NOW - timedelta(hours=1),
            price=1000 + i,
        )
        for i in range(count)
    ]


def test_only_changed_containers_are_converted() -> None:
    builder = ContainerRows()
    containers = fleet()
    first = builder.rows(containers, NOW)
    assert builder.converted == 50
    changed = list(containers)
    changed[7] = dataclasses.replace(changed[7], status="shutting_down")
    second = builder.rows(changed, NOW + timedelta(seconds=20))  # same minute
    assert builder.converted == 51
    assert second[7] == container_row(changed[7], NOW)
    assert all(second[i] is first[i] for i in range(50) if i != 7)


def test_a_new_minute_converts_every_row_again() -> None:
    builder = ContainerRows()
    containers = fleet()
    builder.rows(containers, NOW)
    later = NOW + timedelta(minutes=1)
    rows = builder.rows(containers, later)
    assert builder.converted == 100
    assert rows == [container_row(c, later) for c in containers]


def test_fleet_rows_follow_a_renamed_deployment() -> None:
    builder = ContainerRows()
    containers = fleet()
    names = {f"dep{i}": f"name-{i}" for i in range(5)}
    builder.rows(containers, NOW, names)
    assert builder.converted == 50
    assert builder.rows(containers, NOW, dict(names))[0].cells[1] == "name-0"
    assert builder.converted == 50  # equal names: nothing converted
    names["dep0"] = "renamed"
    rows = builder.rows(containers, NOW, names)
    assert rows[0].cells[1] == "renamed"
    assert rows == [container_row(c, NOW, names[c.deployment_uuid]) for c in containers]


def test_removed_containers_are_forgotten() -> None:
    builder = ContainerRows()
    containers = fleet()
    builder.rows(containers, NOW)
    rows = builder.rows(containers[:10], NOW)
    assert [r.key for r in rows] == [c.uuid for c in containers[:10]]
    assert len(builder._cache) == 10
    builder.rows(containers, NOW)
    assert builder.converted == 90  # the 40 forgotten ones are converted again
