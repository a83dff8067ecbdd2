"""Snapshots from what each poll read: a part goes in only when it was read whole.

The poller (or the store) calls one of these per completed poll and hands the result to
`AlertEngine.observe`. A list the client cut short (`Listing.cut`), a call that failed, or a
deployment whose containers kept the last known value because its list failed is left
out: the engine then judges nothing there, rather than "everything gone".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from autodl_tui.alerts.model import Snapshot

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import datetime

    from autodl_tui.api.models import Container, Deployment, DurationPackage, GpuStock

__all__ = ["fast_snapshot", "fleet_snapshot", "packages_snapshot", "stock_snapshot", "whole"]

T = TypeVar("T")


def whole(items: Sequence[T] | BaseException | None) -> tuple[T, ...] | None:
    """`items` as a tuple when read in full; None for a failure, nothing, or a cut list."""
    if items is None or isinstance(items, BaseException) or getattr(items, "cut", False):
        return None
    return tuple(items)


def fast_snapshot(
    at: datetime,
    deployments: Sequence[Deployment] | BaseException | None,
    selected: str | None = None,
    containers: Sequence[Container] | BaseException | None = None,
) -> Snapshot:
    """The fast poll: the deployments list and, when followed, one deployment's containers."""
    listed = whole(containers)
    return Snapshot(
        at=at,
        deployments=whole(deployments),
        containers={selected: listed} if selected and listed is not None else {},
    )


def fleet_snapshot(
    at: datetime, answers: Mapping[str, Sequence[Container] | BaseException]
) -> Snapshot:
    """The fleet-wide poll: only the deployments whose own list answered whole this time."""
    read = {uuid: whole(group) for uuid, group in answers.items()}
    return Snapshot(at=at, containers={u: g for u, g in read.items() if g is not None})


def stock_snapshot(at: datetime, regions: Mapping[str, Sequence[GpuStock]]) -> Snapshot:
    """The stock poll: the regions that answered (all of them, when the poll succeeded)."""
    return Snapshot(at=at, stock={r: tuple(items) for r, items in regions.items()})


def packages_snapshot(
    at: datetime, answers: Iterable[tuple[str, Sequence[DurationPackage] | BaseException]]
) -> Snapshot:
    """Duration packages per deployment, from `get_ddp_overview` answers (failures left out)."""
    read = {uuid: whole(items) for uuid, items in answers}
    return Snapshot(at=at, packages={u: p for u, p in read.items() if p is not None})
