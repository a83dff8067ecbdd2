"""`FleetSnapshot`: every deployment, its containers, and GPU stock per region, in one go.

Requests run concurrently within the client's in-flight bound. Containers of a deployment
are requested as soon as the deployment-list page naming it arrives. One failing part does
not sink the rest (a non-enterprise account still sees stock): failures are collected in
`errors`, except an `AuthError`, which is raised because every part would fail the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING

from autodl_tui.api.errors import AuthError, AutoDLError
from autodl_tui.api.models import Container, Deployment, GpuStock, Page
from autodl_tui.api.paging import dedupe, fetch_all_pages, gather_all
from autodl_tui.api.specs import ContainerFilter

if TYPE_CHECKING:
    from autodl_tui.api.client import AutoDLClient

__all__ = ["FleetSnapshot", "take_fleet_snapshot"]


@dataclass(frozen=True, slots=True)
class FleetSnapshot:
    """The whole account at one moment; `errors` maps a part ("deployments",
    "containers:<uuid>", "stock:<region>") to what went wrong fetching it.
    """

    deployments: tuple[Deployment, ...]
    containers_by_deployment: Mapping[str, tuple[Container, ...]]
    stock_by_region: Mapping[str, tuple[GpuStock, ...]]
    taken_at: datetime
    errors: Mapping[str, AutoDLError] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """True when every part was fetched."""
        return not self.errors

    @property
    def containers(self) -> tuple[Container, ...]:
        """All containers, in deployment order."""
        return tuple(
            c for d in self.deployments for c in self.containers_by_deployment.get(d.uuid, ())
        )


async def take_fleet_snapshot(
    client: AutoDLClient,
    regions: tuple[str, ...],
    *,
    container_filter: ContainerFilter | None = None,
    now: Callable[[], datetime],
) -> FleetSnapshot:
    """Fetch a FleetSnapshot through `client` (see the module docstring)."""
    deployments: list[Deployment] = []
    containers: dict[str, tuple[Container, ...]] = {}
    stock: dict[str, tuple[GpuStock, ...]] = {}
    errors: dict[str, AutoDLError] = {}
    container_tasks: list[asyncio.Task[None]] = []
    started: set[str] = set()

    async def load_containers(uuid: str) -> None:
        try:
            containers[uuid] = tuple(await client.list_all_containers(uuid, container_filter))
        except AuthError:
            raise
        except AutoDLError as exc:
            errors[f"containers:{uuid}"] = exc

    def on_deployment_page(page: Page[Deployment]) -> None:
        for deployment in page.items:
            if deployment.uuid and deployment.uuid not in started:
                started.add(deployment.uuid)
                container_tasks.append(asyncio.create_task(load_containers(deployment.uuid)))

    async def load_deployments() -> None:
        try:
            items = await fetch_all_pages(
                lambda i: client.list_deployments(i), on_page=on_deployment_page
            )
        except AuthError:
            raise
        except AutoDLError as exc:
            errors["deployments"] = exc
            # Containers of a partial list would describe deployments we do not show.
            await _cancel(container_tasks)
            container_tasks.clear()
            return
        deployments.extend(dedupe(items, key=lambda d: d.uuid))

    async def load_stock(region: str) -> None:
        try:
            stock[region] = tuple(await client.get_gpu_stock(region))
        except AuthError:
            raise
        except AutoDLError as exc:
            errors[f"stock:{region}"] = exc

    try:
        await gather_all([load_deployments(), *(load_stock(r) for r in regions)])
        await gather_all(list(container_tasks))
    except BaseException:
        await _cancel(container_tasks)
        raise
    if "deployments" in errors:
        containers.clear()
    return FleetSnapshot(
        deployments=tuple(deployments),
        containers_by_deployment=MappingProxyType(containers),
        stock_by_region=MappingProxyType({r: stock[r] for r in regions if r in stock}),
        taken_at=now(),
        errors=MappingProxyType(errors),
    )


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
