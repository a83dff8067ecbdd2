"""Turn API models into table rows: the columns of the deployments and containers panes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from rich.text import Text

from autodl_tui.api import Container, Deployment, format_yuan
from autodl_tui.catalog import GIB
from autodl_tui.ui.widgets.event_log import short_container_id
from autodl_tui.ui.widgets.vtable import Cell, Column, Row

DEPLOYMENT_COLUMNS: tuple[Column, ...] = (
    # `drop`: what goes first in a narrow pane (`z` zooms to show every column).
    Column("name", "Name"),
    Column("uuid", "UUID", width=10, drop=4),
    Column("type", "Type", width=10, drop=2),
    Column("status", "Status", width=8),
    Column("replicas", "Replicas"),
    Column("gpu", "GPU"),
    Column("regions", "Regions", drop=3),
    Column("price", "¥/h", align="right", width=9),
    Column("age", "Age", align="right", width=7, drop=1),
)

CONTAINER_COLUMNS: tuple[Column, ...] = (
    Column("id", "Container", width=19),
    Column("status", "Status"),
    Column("region", "Region", drop=2),
    Column("machine", "Machine", width=10, drop=7),
    Column("gpu", "GPU"),
    Column("cpu", "CPU", align="right", width=4, drop=5),
    Column("memory", "Mem", align="right", width=7, drop=4),
    Column("price", "¥/h", align="right", width=9, drop=1),
    Column("started", "Started", width=8, drop=6),
    Column("uptime", "Uptime", align="right", width=7, drop=3),
)

#: The containers pane in fleet-wide mode: the same columns plus the deployment's name.
FLEET_CONTAINER_COLUMNS: tuple[Column, ...] = (
    CONTAINER_COLUMNS[0],
    Column("deployment", "Deployment"),
    *CONTAINER_COLUMNS[1:],
)

STATUS_STYLES: dict[str, str] = {
    "running": "green",
    "creating": "yellow",
    "created": "yellow",
    "starting": "cyan",
    "oss_merged": "cyan",
    "shutting_down": "magenta",
    "shutdown": "dim",
    "removed": "dim",
    "stopped": "dim",
}


def coarse_age(seconds: float) -> str:
    """Age to the minute: 45s, 12m, 3h12m, 4d3h; coarse so a poll rarely changes a row."""
    s = int(max(0, seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600}h"


def _age(since: datetime | None, now: datetime) -> tuple[str, float]:
    """The age cell and its sort value, both to the minute, so a poll rarely changes a row."""
    if since is None:
        return "", 0.0
    seconds = (now - since).total_seconds()
    # Ages under an hour change every minute only; under a minute they read "<1m".
    return ("<1m" if seconds < 60 else coarse_age(seconds)), float(seconds // 60)


def status_text(status: str) -> Text:
    """A status coloured by what it means; unknown statuses show plain."""
    return Text(status or "?", style=STATUS_STYLES.get(status, ""))


def replicas_text(d: Deployment) -> tuple[str, bool]:
    """The replicas cell and whether the deployment is short of what it asked for."""
    if d.deployment_type in ("Job", "Container"):
        text = f"{d.finished_num}/{d.replica_num} ∥{d.parallelism_num}"
        return text, False
    text = f"{d.running_num}/{d.starting_num}/{d.replica_num}"
    short = d.status == "running" and d.running_num < d.replica_num
    return text, short


def deployment_row(d: Deployment, now: datetime) -> Row:
    """One row of the deployments pane."""
    t = d.template
    replicas, short = replicas_text(d)
    gpu = f"{'/'.join(t.gpu_name_set)} ×{t.gpu_num}" if t.gpu_name_set else ""
    age, age_s = _age(d.created_at, now)
    style = "dim" if d.status == "stopped" else ("bold yellow" if short else "")
    return Row(
        d.uuid,
        (
            d.name,
            d.uuid[:10],
            d.deployment_type,
            status_text(d.status),
            replicas,
            gpu,
            ",".join(t.dc_list or ((t.region_sign,) if t.region_sign else ())),
            format_yuan(d.price_estimates) if d.price_estimates else "",
            age,
        ),
        (
            d.name,
            d.uuid,
            d.deployment_type,
            d.status,
            (d.running_num, d.replica_num),
            gpu,
            ",".join(t.dc_list),
            d.price_estimates,
            -age_s,
        ),
        style,
    )


def container_row(c: Container, now: datetime, deployment: str | None = None) -> Row:
    """One row of the containers pane; with `deployment` (a name), a fleet-wide row."""
    started = c.started_at.strftime("%H:%M:%S") if c.started_at else ""
    running = c.status == "running" and c.started_at is not None
    uptime, up_s = _age(c.started_at, now) if running else ("", 0.0)
    memory_gb = c.memory_size / GIB
    short = short_container_id(c.uuid)
    cells: tuple[Cell, ...] = (
        status_text(c.status),
        c.data_center or "waiting",
        c.machine_id,
        f"{c.gpu_name} ×{c.gpu_num}" if c.gpu_name else f"×{c.gpu_num}",
        str(c.cpu_num) if c.cpu_num else "",
        f"{memory_gb:.0f} GB" if c.memory_size else "",
        format_yuan(c.price) if c.price else "",
        started,
        uptime,
    )
    values: tuple[object, ...] = (
        c.status,
        c.data_center,
        c.machine_id,
        c.gpu_name,
        c.cpu_num,
        c.memory_size,
        c.price,
        c.started_at.timestamp() if c.started_at else 0.0,
        up_s,
    )
    style = "dim" if c.status in ("shutdown", "removed") else ""
    if deployment is None:
        return Row(c.uuid, (short, *cells), (c.uuid, *values), style)
    # Fleet-wide: the deployment's name is the second column.
    return Row(c.uuid, (short, deployment, *cells), (c.uuid, deployment, *values), style)


def burn_rate(deployments: Iterable[Deployment]) -> int:
    """Yuan x 1000 per hour the fleet spends now (running deployments' estimates)."""
    return sum(d.price_estimates for d in deployments if d.status == "running")


class ContainerRows:
    """`container_row` for a whole list, reusing last call's row of an unchanged container.

    "Unchanged" means the very same `Container` object (the poller hands back the previous
    object when a container compares equal), with the same deployment names and the same
    minute of `now` as the last call: rows depend on `now` only through ages shown to the
    minute. A fleet-wide poll of 10,000 containers with 5% changed then converts 500 of
    them, not 10,000; a new minute or a renamed deployment converts them all again.
    """

    def __init__(self) -> None:
        self._cache: dict[str, tuple[Container, Row]] = {}
        self._minute = -1
        self._names: dict[str, str] | None = None
        self.converted = 0
        """Containers converted to rows so far (the others were reused)."""

    def rows(
        self,
        containers: Sequence[Container],
        now: datetime,
        deployment_names: Mapping[str, str] | None = None,
    ) -> list[Row]:
        """Rows for `containers`; with `deployment_names`, fleet-wide rows."""
        minute = int(now.timestamp() // 60)
        names = dict(deployment_names) if deployment_names is not None else None
        if minute != self._minute or names != self._names:
            self._cache = {}
            self._minute, self._names = minute, names
        # Updated in place: a poll with 5% changed allocates 5% of the entries, not a new
        # dict and 10,000 tuples (which also feed the garbage collector).
        cache = self._cache
        get = cache.get
        rows: list[Row] = []
        append = rows.append
        for c in containers:
            hit = get(c.uuid)
            if hit is not None and hit[0] is c:
                append(hit[1])
                continue
            name = None
            if names is not None:
                name = names.get(c.deployment_uuid) or c.deployment_uuid[:10]
            row = container_row(c, now, name)
            cache[c.uuid] = (c, row)
            append(row)
            self.converted += 1
        if len(cache) != len(rows):  # containers gone since the last call: forget them
            self._cache = {row.key: cache[row.key] for row in rows}
        return rows
