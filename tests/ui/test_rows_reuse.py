"""ContainerRows / DeploymentRows convert only what changed since the last list."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from autodl_tui.api import Container, Deployment
from autodl_tui.catalog import CST
from autodl_tui.ui.rows import (
    CONTAINER_COLUMNS,
    DEPLOYMENT_COLUMNS,
    ContainerRows,
    DeploymentRows,
    container_row,
    container_sort_value,
    deployment_row,
)
from autodl_tui.ui.widgets.vtable import Since

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
    first = builder.rows(containers)
    assert builder.converted == 50
    changed = list(containers)
    changed[7] = dataclasses.replace(changed[7], status="shutting_down")
    second = builder.rows(changed)
    assert builder.converted == 51
    assert second[7] == container_row(changed[7])
    assert all(second[i] is first[i] for i in range(50) if i != 7)


def test_rows_hold_the_start_not_the_uptime() -> None:
    # No minute tick: a row is the same at any time, its uptime a moment painted later.
    c = fleet(1)[0]
    row = container_row(c)
    uptime = [i for i, col in enumerate(CONTAINER_COLUMNS) if col.key == "uptime"][0]
    started = [i for i, col in enumerate(CONTAINER_COLUMNS) if col.key == "started"][0]
    assert row.cells[uptime] == Since((NOW - timedelta(hours=1)).timestamp())
    assert row.cells[started] == "09:00:10"
    stopped = container_row(dataclasses.replace(c, status="shutdown"))
    assert stopped.cells[uptime] == ""
    # Uptime sorts shortest first: not running, then the latest start.
    assert container_sort_value(stopped, "uptime") < container_sort_value(row, "uptime")  # type: ignore[operator]
    assert container_sort_value(row, "started") == (NOW - timedelta(hours=1)).timestamp()


def test_fleet_rows_follow_a_renamed_deployment() -> None:
    builder = ContainerRows()
    containers = fleet()
    names = {f"dep{i}": f"name-{i}" for i in range(5)}
    builder.rows(containers, names)
    assert builder.converted == 50
    assert builder.rows(containers, dict(names))[0].cells[1] == "name-0"
    assert builder.converted == 50  # equal names: nothing converted
    names["dep0"] = "renamed"
    rows = builder.rows(containers, names)
    assert rows[0].cells[1] == "renamed"
    assert rows == [container_row(c, names[c.deployment_uuid]) for c in containers]
    builder.rows(containers)  # back to one deployment's rows: no names column
    assert builder.converted == 150


def test_removed_containers_are_forgotten() -> None:
    builder = ContainerRows()
    containers = fleet()
    builder.rows(containers)
    rows = builder.rows(containers[:10])
    assert [r.key for r in rows] == [c.uuid for c in containers[:10]]
    assert len(builder._cache) == 10
    builder.rows(containers)
    assert builder.converted == 90  # the 40 forgotten ones are converted again


def deployments(count: int = 20) -> list[Deployment]:
    return [
        Deployment(f"d{i:03d}", name=f"svc-{i}", status="running", created_at=NOW)
        for i in range(count)
    ]


def test_deployment_rows_convert_only_the_deployments_that_differ() -> None:
    builder = DeploymentRows()
    first = builder.rows(deployments())
    assert builder.converted == 20
    again = deployments()  # equal objects, freshly parsed: reused
    again[3] = dataclasses.replace(again[3], status="stopped")
    second = builder.rows(again)
    assert builder.converted == 21
    assert second[3] == deployment_row(again[3])
    assert all(second[i] is first[i] for i in range(20) if i != 3)
    assert len(builder.rows(again[:5])) == 5 and len(builder._cache) == 5
    age = [i for i, col in enumerate(DEPLOYMENT_COLUMNS) if col.key == "age"][0]
    assert first[0].cells[age] == Since(NOW.timestamp())


def test_changed_rows_convert_what_changed_and_refuse_a_new_context() -> None:
    builder = ContainerRows()
    containers = fleet()
    names = {f"dep{i}": f"name{i}" for i in range(5)}
    first = builder.rows(containers, names, hosts={"x": "slow"})
    moved = dataclasses.replace(containers[3], price=1)
    again = builder.changed_rows([moved], names, hosts={"x": "slow"})
    assert again == [container_row(moved, "name3", host="")] and again[0] != first[3]
    assert builder.converted == 51
    # The whole list after it reuses that row: the cache took it.
    later = builder.rows([*containers[:3], moved, *containers[4:]], names, hosts={"x": "slow"})
    assert later[3] is again[0]
    # Other names or marks: any row may differ, the caller redoes the list.
    assert builder.changed_rows([moved], {**names, "dep0": "renamed"}, hosts={"x": "slow"}) is None
    assert builder.changed_rows([moved], names, hosts={"x": "failing"}) is None
    assert builder.changed_rows([moved], None, hosts={"x": "slow"}) is None


def test_container_rows_sort_by_their_containers_as_by_a_tuple_of_values() -> None:
    # Rows hold their container (no values tuple): every column must sort as the tuple
    # of values the rows used to carry did.
    import math
    import random

    from autodl_tui.ui.rows import FLEET_CONTAINER_COLUMNS
    from autodl_tui.ui.widgets.vtable import _sort_key

    rnd = random.Random(4)
    statuses = ("running", "shutdown", "creating", "starting")
    containers = [
        dataclasses.replace(
            c,
            status=rnd.choice(statuses),
            price=rnd.randint(0, 3000),
            cpu_num=rnd.randint(0, 16),
            memory_size=rnd.randint(0, 4) * 2**30,
            machine_id=rnd.choice(("", "m1", "m2")),
            data_center=rnd.choice(("", "westDC2", "beijingDC1")),
            started_at=rnd.choice((None, NOW - timedelta(seconds=rnd.randint(1, 9999)))),
        )
        for c in fleet(60)
    ]
    names = {f"dep{i}": f"name-{i % 3}" for i in range(5)}

    def old_values(c: Container) -> tuple[object, ...]:
        start = c.started_at.timestamp() if c.started_at is not None else 0.0
        running = c.status == "running" and c.started_at is not None
        return (
            c.uuid, names[c.deployment_uuid], c.status, c.data_center, c.machine_id,
            c.gpu_name, c.cpu_num, c.memory_size, c.price, start,
            -start if running else -math.inf,
        )  # fmt: skip

    rows = [container_row(c, names[c.deployment_uuid]) for c in containers]
    with_values = {
        r.key: r._replace(sort_values=old_values(c)) for r, c in zip(rows, containers, strict=True)
    }
    for index, column in enumerate(FLEET_CONTAINER_COLUMNS):
        new = sorted(rows, key=lambda r: _sort_key(r, index, container_sort_value(r, column.key)))
        old = sorted(rows, key=lambda r: _sort_key(with_values[r.key], index))
        assert [r.key for r in new] == [r.key for r in old], column.key


def test_a_host_mark_or_waiting_reason_reconverts_only_the_rows_it_shows_on() -> None:
    builder = ContainerRows()
    containers = [
        dataclasses.replace(c, machine_id="bad" if i == 3 else f"m{i}")
        for i, c in enumerate(fleet(10))
    ]
    first = builder.rows(containers)
    marked = builder.rows(containers, hosts={"bad": "slow"})
    assert "⚠ slow" in str(marked[3].cells[3]) and builder.converted == 11
    assert all(marked[i] is first[i] for i in range(10) if i != 3)
    again = builder.rows(containers, hosts={"bad": "slow"})
    assert again[3] is marked[3] and builder.converted == 11  # the same context: reused
    cleared = builder.rows(containers)
    assert "⚠" not in str(cleared[3].cells[3]) and builder.converted == 12
    assert cleared[3] == first[3]
