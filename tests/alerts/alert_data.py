"""Builders for the alert tests: deployments, containers, stock and snapshots at a clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from autodl_tui.alerts.model import Snapshot
from autodl_tui.api.models import Container, Deployment, DurationPackage, GpuStock
from autodl_tui.catalog import CST

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=CST)


def at(seconds: float) -> datetime:
    """T0 plus `seconds`."""
    return T0 + timedelta(seconds=seconds)


def rs(
    uuid: str = "dep1",
    *,
    replicas: int = 2,
    running: int = 2,
    status: str = "running",
    kind: str = "ReplicaSet",
    finished: int = 0,
) -> Deployment:
    """A deployment with the counters the rules read."""
    return Deployment(
        uuid=uuid,
        name=f"name-{uuid}",
        deployment_type=kind,
        status=status,
        replica_num=replicas,
        running_num=running,
        finished_num=finished,
    )


def box(
    uuid: str,
    status: str = "running",
    *,
    dep: str = "dep1",
    gpu: str = "RTX 4090",
    cards: int = 1,
    dc: str = "westDC2",
    machine: str = "m1",
) -> Container:
    """A container of `dep`."""
    return Container(
        uuid=uuid,
        deployment_uuid=dep,
        status=status,
        gpu_name=gpu,
        gpu_num=cards,
        data_center=dc,
        machine_id=machine,
    )


def stock(region: str, **idle: int) -> tuple[GpuStock, ...]:
    """Stock of one region: model (underscores for spaces) -> idle cards."""
    return tuple(GpuStock(region, name.replace("_", " "), n, 8) for name, n in idle.items())


def snap(
    t: float,
    deployments: Iterable[Deployment] | None = None,
    containers: Mapping[str, Iterable[Container]] | None = None,
    stock_: Mapping[str, tuple[GpuStock, ...]] | None = None,
    packages: Mapping[str, Iterable[DurationPackage]] | None = None,
) -> Snapshot:
    """A snapshot at T0 + t holding only the parts given."""
    return Snapshot(
        at=at(t),
        deployments=None if deployments is None else tuple(deployments),
        containers={k: tuple(v) for k, v in (containers or {}).items()},
        stock=dict(stock_ or {}),
        packages={k: tuple(v) for k, v in (packages or {}).items()},
    )
