"""The simulator's state machine: world, deployments, containers, events, blacklist, packages.

Every public method first brings the world up to the clock's now (`sync`), validates references,
and either changes state completely or raises `SimError` having changed nothing.
Responses are plain JSON-able values in the wire format (memory bytes, prices yuan x 1000,
times ISO 8601 with +08:00).
"""

from __future__ import annotations

from typing import Any

from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.commands import ContainerQuery, CreateDeployment, StockQuery

Json = dict[str, Any]


class Simulator:
    """One AutoDL account and the world it schedules on (stub: interface only)."""

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: VirtualClock | None = None,
        token: str | None = None,
        enterprise_verified: bool = True,
        world_scale: float = 1.0,
    ) -> None:
        raise NotImplementedError

    # --- auth (the HTTP layer calls these before dispatching) ---
    def check_token(self, token: str | None) -> None:
        """Raise AuthorizeFailed unless `token` is acceptable (any non-empty one if none is set)."""
        raise NotImplementedError

    def require_enterprise(self) -> None:
        """Raise BadRequest 无当前资源访问权限 when the account is not enterprise-verified."""
        raise NotImplementedError

    def next_request_id(self) -> str:
        """A fresh 32-hex request id (deterministic for a seed)."""
        raise NotImplementedError

    def sync(self) -> None:
        """Apply every scheduled transition due up to the clock's now."""
        raise NotImplementedError

    # --- the 13 calls ---
    def list_private_images(self, page_index: int, page_size: int, offset: int) -> Json:
        """`data` of image/private/list."""
        raise NotImplementedError

    def create_deployment(self, req: CreateDeployment) -> Json:
        """`data` of create: {"deployment_uuid": ...}."""
        raise NotImplementedError

    def list_deployments(
        self,
        page_index: int,
        page_size: int,
        *,
        name: str = "",
        status: str = "",
        deployment_uuid: str = "",
        slim: bool = False,
    ) -> Json:
        """`data` of deployment/list (slim items for the bodiless GET variant)."""
        raise NotImplementedError

    def list_container_events(
        self,
        deployment_uuid: str,
        page_index: int,
        page_size: int,
        *,
        deployment_container_uuid: str = "",
        offset: int = 0,
    ) -> Json:
        """`data` of container/event/list, newest first."""
        raise NotImplementedError

    def list_containers(self, query: ContainerQuery) -> Json:
        """`data` of container/list."""
        raise NotImplementedError

    def stop_container(
        self,
        deployment_container_uuid: str,
        *,
        decrease_one_replica_num: bool = False,
        no_cache: bool = False,
        cmd_before_shutdown: str = "",
    ) -> None:
        """container/stop."""
        raise NotImplementedError

    def set_replica_num(self, deployment_uuid: str, replica_num: int) -> None:
        """deployment/replica_num (ReplicaSet only)."""
        raise NotImplementedError

    def stop_deployment(self, deployment_uuid: str) -> None:
        """deployment/operate with operate=stop (idempotent)."""
        raise NotImplementedError

    def delete_deployment(self, deployment_uuid: str) -> None:
        """DELETE deployment: stop, then the deployment disappears."""
        raise NotImplementedError

    def set_blacklist(
        self, deployment_container_uuid: str, expire_in_minutes: int, comment: str
    ) -> None:
        """POST blacklist: ban the container's host for this account."""
        raise NotImplementedError

    def list_blacklist(self) -> list[Json]:
        """GET blacklist: entries still in force."""
        raise NotImplementedError

    def gpu_stock(self, query: StockQuery) -> list[Json]:
        """`data` of region/gpu_stock: [{"RTX 4090": {idle_gpu_num, total_gpu_num, ...}}]."""
        raise NotImplementedError

    def ddp_overview(self, deployment_uuid: str) -> list[Json]:
        """`data` of ddp/overview: packages with seconds left."""
        raise NotImplementedError
