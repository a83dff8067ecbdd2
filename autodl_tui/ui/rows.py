"""Turn API models into table rows: the columns of the deployments and containers panes."""

from __future__ import annotations

import math
from functools import lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING, cast

from rich.text import Text

from autodl_tui.api.units import format_yuan
from autodl_tui.catalog import GIB
from autodl_tui.ui.units import ZONE_LABEL, short_container_id
from autodl_tui.ui.widgets.vtable import Column, Row, Since

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from datetime import datetime

    from autodl_tui.api import Container, Deployment
    from autodl_tui.explain import Explanation
    from autodl_tui.ui.widgets.vtable import Cell

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
    # Times are the service's zone, and the header says which.
    Column("started", f"Started {ZONE_LABEL}", width=8 + 1 + len(ZONE_LABEL), drop=6),
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


def _since(moment: datetime | None) -> Since | str:
    """An age cell: formatted against the clock when painted, so rows never depend on now."""
    return Since(moment.timestamp()) if moment is not None else ""


def _clock_time(moment: datetime | None) -> str:
    """The Started cell: the time of day (formatted once per container version)."""
    if moment is None:
        return ""
    return f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"  # strftime: 5x slower


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


def deployment_row(d: Deployment) -> Row:
    """One row of the deployments pane."""
    t = d.template
    replicas, short = replicas_text(d)
    gpu = f"{'/'.join(t.gpu_name_set)} ×{t.gpu_num}" if t.gpu_name_set else ""
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
            _since(d.created_at),
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
            # Age sorts oldest first (the moment itself: no clock needed); unknown last.
            d.created_at.timestamp() if d.created_at else math.inf,
        ),
        style,
    )


@lru_cache(maxsize=256)
def _status_cell(status: str) -> Text:
    # One shared Text per status: the table copies a Text before styling it, and 100,000
    # rows then hold a handful of them, not 100,000 (memory and the collector's walk).
    return status_text(status)


@lru_cache(maxsize=1024)
def _gpu_cell(gpu_name: str, gpu_num: int) -> str:
    return f"{gpu_name} ×{gpu_num}" if gpu_name else f"×{gpu_num}"


@lru_cache(maxsize=1024)
def _memory_cell(memory_size: int) -> str:
    return f"{memory_size / GIB:.0f} GB" if memory_size else ""


@lru_cache(maxsize=4096)
def _price_cell(price: int) -> str:
    return format_yuan(price) if price else ""


@lru_cache(maxsize=1024)
def _count_cell(count: int) -> str:
    return str(count) if count else ""


#: Marks a flagged host after its machine id (the slow hosts view, H, says why).
HOST_MARK = "⚠"


def container_row(
    c: Container, deployment: str | None = None, *, waiting: str = "", host: str = ""
) -> Row:
    """One row of the containers pane; with `deployment` (a name), a fleet-wide row.

    `waiting`: why it has no host yet (shown where its region would be); `host`: what is
    wrong with its host ("slow", "failing"), shown after the machine id.
    """
    started_at = c.started_at
    running = c.status == "running" and started_at is not None
    short = short_container_id(c.uuid)
    cells: tuple[Cell, ...] = (
        _status_cell(c.status),
        c.data_center or waiting or "waiting",
        f"{c.machine_id} {HOST_MARK} {host}" if host and c.machine_id else c.machine_id,
        _gpu_cell(c.gpu_name, c.gpu_num),
        _count_cell(c.cpu_num),
        _memory_cell(c.memory_size),
        _price_cell(c.price),
        _clock_time(started_at),
        Since(_start(c)) if running else "",
    )
    style = "dim" if c.status in ("shutdown", "removed") else ""
    # Sort values are read from the container when a sort needs them (container_sort_value).
    if deployment is None:
        return Row(c.uuid, (short, *cells), c, style)
    # Fleet-wide: the deployment's name is the second column.
    return Row(c.uuid, (short, deployment, *cells), c, style)


def _start(c: Container) -> float:
    return c.started_at.timestamp() if c.started_at is not None else 0.0


def _uptime_order(c: Container) -> float:
    # Uptime, shortest first: the latest start first; not running sorts before all.
    running = c.status == "running" and c.started_at is not None
    return -_start(c) if running else -math.inf


#: Containers pane column -> the container's value it sorts by.
_CONTAINER_SORT: dict[str, Callable[[Container], object]] = {
    "id": attrgetter("uuid"),
    "status": attrgetter("status"),
    "region": attrgetter("data_center"),
    "machine": attrgetter("machine_id"),
    "gpu": attrgetter("gpu_name"),
    "cpu": attrgetter("cpu_num"),
    "memory": attrgetter("memory_size"),
    "price": attrgetter("price"),
    "started": _start,
    "uptime": _uptime_order,
}


def container_sort_value(row: Row, column: str) -> object:
    """The containers table's `sort_value`: what a container row sorts by in `column`.

    Rows hold their container rather than a tuple of values (`Row.sort_values`); the
    deployment's name (fleet-wide) is the row's own cell. None sorts by the cell's text.
    """
    if row.sort_values is None:
        return None
    # Only `container_row` makes this table's rows (no isinstance: the models' module
    # loads with the first data, after the first frame).
    c = cast("Container", row.sort_values)
    if column == "deployment":
        return row.cells[1]
    read = _CONTAINER_SORT.get(column)
    return read(c) if read is not None else None


def burn_rate(deployments: Iterable[Deployment]) -> int:
    """Yuan x 1000 per hour the fleet spends now (running deployments' estimates)."""
    return sum(d.price_estimates for d in deployments if d.status == "running")


def _reason_cell() -> Callable[[Container, Mapping[str, Explanation]], str]:
    """`explain.waiting_reason_cell`, imported with the first rows.

    explain.py loads the request specs and the models, which the first frame does not need.
    """
    from autodl_tui.explain import waiting_reason_cell

    return waiting_reason_cell


class ContainerRows:
    """`container_row` for a whole list, reusing last call's row of an unchanged container.

    "Unchanged" means the very same `Container` object (the poller hands back the previous
    object when a container compares equal) with the same deployment names as the last
    call. Rows do not depend on the clock (ages are `Since` cells, formatted when painted),
    so a fleet-wide poll of 10,000 containers with 5% changed converts 500 of them, at any
    minute; only a renamed deployment converts them all again.
    """

    def __init__(self) -> None:
        #: Container uuid -> its last row (whose `sort_values` is the container it shows).
        self._cache: dict[str, Row] = {}
        #: (waiting reason, host mark) of the cached rows that show either (few do): no
        #: entry means both were "". (Kept apart: a tuple a row was 6 MiB at 90,000 rows.)
        self._shown: dict[str, tuple[str, str]] = {}
        self._names: dict[str, str] | None = None
        #: The `waiting` and `hosts` of the last call: while they are the same, a cached
        #: row of the very same container object is reused without asking either.
        self._context: tuple[Mapping[str, Explanation], Mapping[str, str]] = ({}, {})
        self.converted = 0
        """Containers converted to rows so far (the others were reused)."""

    def rows(
        self,
        containers: Sequence[Container],
        deployment_names: Mapping[str, str] | None = None,
        *,
        waiting: Mapping[str, Explanation] | None = None,
        hosts: Mapping[str, str] | None = None,
    ) -> list[Row]:
        """Rows for `containers`; with `deployment_names`, fleet-wide rows.

        `waiting`: deployment uuid -> why its containers have no host (explain.py);
        `hosts`: machine id -> what is wrong with that host. A row is reused only when both
        say the same.
        """
        waiting = waiting or {}
        hosts = hosts or {}
        names = self._names
        if deployment_names is None:
            if names is not None:
                self._cache, self._shown, self._names = {}, {}, None
        elif names is None or names != deployment_names:
            self._cache, self._shown, self._names = {}, {}, dict(deployment_names)
        # Updated in place: a poll with 5% changed allocates 5% of the entries, not a new
        # dict of 10,000 (which also feeds the garbage collector).
        cache = self._cache
        get = cache.get
        rows: list[Row] = []
        append = rows.append
        same = self._context == (waiting, hosts)
        if not same:
            self._context = (dict(waiting), dict(hosts))
        convert = self._row
        reason = _reason_cell()
        for c in containers:
            hit = get(c.uuid)
            if same and hit is not None and hit.sort_values is c:
                append(hit)  # the same container in the same context: the same row
            else:
                append(convert(c, hit, waiting, hosts, reason))
        if len(cache) != len(rows):  # containers gone since the last call: forget them
            self._cache = {row.key: row for row in rows}
            self._shown = {k: v for k, v in self._shown.items() if k in self._cache}
        return rows

    def changed_rows(
        self,
        containers: Iterable[Container],
        deployment_names: Mapping[str, str] | None = None,
        *,
        waiting: Mapping[str, Explanation] | None = None,
        hosts: Mapping[str, str] | None = None,
    ) -> list[Row] | None:
        """Rows for `containers` alone (what a poll changed), the arguments as for `rows`.

        None when the deployment names, waiting reasons or host marks are not the last
        call's: any row may differ then, and `rows` must redo the list.
        """
        names = self._names
        if (names is None) != (deployment_names is None) or (
            deployment_names is not None and names != deployment_names
        ):
            return None
        waiting = waiting or {}
        hosts = hosts or {}
        if self._context != (waiting, hosts):
            return None
        get = self._cache.get
        reason = _reason_cell()
        return [self._row(c, get(c.uuid), waiting, hosts, reason) for c in containers]

    def _row(
        self,
        c: Container,
        hit: Row | None,
        waiting: Mapping[str, Explanation],
        hosts: Mapping[str, str],
        reason: Callable[[Container, Mapping[str, Explanation]], str],
    ) -> Row:
        """The row of `c`: `hit` (its cached row) reused if it still says the same."""
        why = reason(c, waiting)
        mark = hosts.get(c.machine_id, "") if c.machine_id else ""
        shown = self._shown
        if hit is not None and hit.sort_values is c and shown.get(c.uuid, _PLAIN) == (why, mark):
            return hit
        name = None
        if self._names is not None:
            name = self._names.get(c.deployment_uuid) or c.deployment_uuid[:10]
        row = container_row(c, name, waiting=why, host=mark)
        self._cache[c.uuid] = row
        if why or mark:
            shown[c.uuid] = (why, mark)
        else:
            shown.pop(c.uuid, None)
        self.converted += 1
        return row


#: A row showing neither a waiting reason nor a host mark (`ContainerRows._shown`).
_PLAIN = ("", "")


class DeploymentRows:
    """`deployment_row` for the whole list, reusing the row of a deployment equal to last time.

    The deployments list comes whole on every change of any deployment: at 5,000
    deployments, converting only those that differ keeps a poll's cost to what changed.
    """

    def __init__(self) -> None:
        self._cache: dict[str, tuple[Deployment, Row]] = {}
        self.converted = 0
        """Deployments converted to rows so far (the others were reused)."""

    def rows(self, deployments: Sequence[Deployment]) -> list[Row]:
        """Rows for `deployments`, in their order."""
        cache = self._cache
        fresh: dict[str, tuple[Deployment, Row]] = {}
        rows: list[Row] = []
        for d in deployments:
            hit = cache.get(d.uuid)
            if hit is None or (hit[0] is not d and hit[0] != d):
                hit = (d, deployment_row(d))
                self.converted += 1
            fresh[d.uuid] = hit
            rows.append(hit[1])
        self._cache = fresh
        return rows
