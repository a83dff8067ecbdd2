"""The simulator's state machine: deployments, containers, events, blacklist and packages.

Every public call first brings the world up to the clock's now (`sync`), then validates
references and either changes state completely or raises `SimError` having changed nothing.
Responses are plain JSON-able values in the wire format (memory bytes, prices yuan x 1000,
times ISO 8601 with +08:00). Scheduled transitions carry their own timestamps, so the same
seed and the same calls at the same virtual instants give the same responses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autodl_tui.catalog import BASE_IMAGES, REGION_CODES
from autodl_tui.sim import errors
from autodl_tui.sim.errors import SimError
from autodl_tui.sim.lifecycle import Lifecycle
from autodl_tui.sim.limits import MAX_DEPLOYMENTS, simulator_limit
from autodl_tui.sim.records import BlacklistEntry, ContainerRec, DeploymentRec, Package
from autodl_tui.sim.wire import iso, page, parse_time
from autodl_tui.sim.world import hex_id

if TYPE_CHECKING:
    from autodl_tui.sim.commands import ContainerQuery, CreateDeployment, StockQuery
    from autodl_tui.sim.world import Host

Json = dict[str, Any]


class Simulator(Lifecycle):
    """One AutoDL account and the world it schedules on, answering the 13 calls."""

    #: Deployments alive at once beyond MAX_DEPLOYMENTS (a benchmark fleet's own account).
    max_deployments: int = 0

    # ------------------------------------------------------------------ auth
    def check_token(self, token: str | None) -> None:
        """Raise AuthorizeFailed unless `token` is acceptable (any non-empty one if none is set)."""
        if not token or (self.token is not None and token != self.token):
            raise SimError(errors.AUTHORIZE_FAILED, errors.MSG_LOGIN_TIMEOUT)

    def require_enterprise(self) -> None:
        """Raise BadRequest 无当前资源访问权限 when the account is not enterprise-verified."""
        if not self.enterprise_verified:
            raise SimError(errors.BAD_REQUEST, errors.MSG_NO_PERMISSION)

    def next_request_id(self) -> str:
        """A fresh 32-hex request id (deterministic for a seed)."""
        return f"{self._id_rng.getrandbits(128):032x}"

    # ------------------------------------------------------------------ lookups
    def _deployment(self, uuid: str) -> DeploymentRec:
        dep = self._deployments.get(uuid)
        if dep is None or dep.deleted:
            raise SimError(errors.NOT_FOUND, errors.MSG_DEPLOYMENT_NOT_FOUND)
        return dep

    def _container(self, uuid: str) -> ContainerRec:
        c = self._containers.get(uuid)
        if c is None or c.released or c.deployment.deleted:
            raise SimError(errors.NOT_FOUND, errors.MSG_CONTAINER_NOT_FOUND)
        return c

    def _image_name(self, image_uuid: str) -> str:
        for image in self.images:
            if image["image_uuid"] == image_uuid:
                return str(image["image_name"])
        for base in BASE_IMAGES:
            if base.uuid == image_uuid:
                return base.name
        raise SimError(errors.NOT_FOUND, errors.MSG_IMAGE_NOT_FOUND)

    # ------------------------------------------------------------------ the 13 calls
    def list_private_images(self, page_index: int, page_size: int, offset: int) -> Json:
        """`data` of image/private/list: only id, image_name and image_uuid, as the real one."""
        self.sync()
        data = page(self.images, page_index, page_size, offset, dict)
        del data["result_total"], data["page"]
        return data

    def create_deployment(self, req: CreateDeployment) -> Json:
        """`data` of create: {"deployment_uuid": ...}."""
        self.sync()
        most = max(MAX_DEPLOYMENTS, self.max_deployments)
        # Counted only near the limit: a benchmark fleet creates thousands in a row.
        if len(self._deployments) >= most and (
            sum(not d.deleted for d in self._deployments.values()) >= most
        ):
            limit = simulator_limit(f"at most {most} deployments at once")
            raise SimError(errors.BAD_REQUEST, limit)
        image_name = self._image_name(req.template.image_uuid)
        unknown = [r for r in req.template.dc_list if r not in REGION_CODES]
        if unknown:
            raise errors.parameter_wrong(f"dc_list: unknown region {unknown[0]}")
        uuid = hex_id(self._rng, 10)
        while uuid in self._deployments:
            uuid = hex_id(self._rng, 10)
        dep = DeploymentRec(
            id=self._next_deployment_id,
            uid=self.uid,
            uuid=uuid,
            spec=req,
            image_name=image_name,
            created_at=self._now,
            replica_num=req.replica_num,
            updated_at=self._now,
        )
        self._next_deployment_id += 1
        dep.candidates, dep.candidate_ids = self._candidates(req)
        self._deployments[uuid] = dep
        self._reconcile(dep)
        return {"deployment_uuid": uuid}

    def list_deployments(
        self,
        page_index: int,
        page_size: int,
        *,
        name: str = "",
        status: str = "",
        deployment_uuid: str = "",
        slim: bool = False,
        offset: int = 0,
    ) -> Json:
        """`data` of deployment/list, newest first (slim items for the GET variant).

        A page_size of 0 is every item on one page (the bare GET).
        """
        self.sync()
        found = [
            d
            for d in reversed(self._deployments.values())
            if not d.deleted
            and (not name or d.spec.name == name)
            and (not status or d.status == status)
            and (not deployment_uuid or d.uuid == deployment_uuid)
        ]
        convert = DeploymentRec.to_slim_wire if slim else DeploymentRec.to_wire
        return page(found, page_index, page_size or max(1, len(found)), offset, convert)

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
        self.sync()
        dep = self._deployment(deployment_uuid)
        events = dep.events
        if deployment_container_uuid:
            events = [e for e in events if e[2] == deployment_container_uuid]
        newest_first = events[::-1]
        data = page(newest_first, page_index, page_size, offset, _event_wire)
        del data["page"]
        return data

    def list_containers(self, query: ContainerQuery) -> Json:
        """`data` of container/list, newest first; zero or empty filters mean no filter."""
        self.sync()
        dep = self._deployment(query.deployment_uuid)
        try:
            date_from = parse_time(query.date_from) if query.date_from else None
            date_to = parse_time(query.date_to) if query.date_to else None
        except ValueError as exc:
            raise errors.parameter_wrong("date_from/date_to: not a time") from exc
        statuses = set(query.status)
        found = []
        for c in reversed(dep.containers):
            if c.released and not query.released:
                continue
            if query.container_uuid and c.uuid != query.container_uuid:
                continue
            if statuses and c.status not in statuses:
                continue
            if date_from is not None and c.created_at < date_from:
                continue
            if date_to is not None and c.created_at > date_to:
                continue
            if not _matches_resources(c, query):
                continue
            found.append(c)
        return page(found, query.page_index, query.page_size, query.offset, ContainerRec.to_wire)

    def stop_container(
        self,
        deployment_container_uuid: str,
        *,
        decrease_one_replica_num: bool = False,
        no_cache: bool = False,
        cmd_before_shutdown: str = "",
    ) -> None:
        """container/stop; stopping an already stopped container succeeds and changes nothing."""
        self.sync()
        c = self._container(deployment_container_uuid)
        if not c.active:
            return
        dep = c.deployment
        if decrease_one_replica_num and dep.spec.deployment_type == "ReplicaSet":
            dep.replica_num = max(0, dep.replica_num - 1)
        c.no_cache = c.no_cache or no_cache
        dep.updated_at = self._now
        self._begin_shutdown(c, cmd_before_shutdown or None)

    def set_replica_num(self, deployment_uuid: str, replica_num: int) -> None:
        """deployment/replica_num: ReplicaSet only; a stopped one just keeps the new target."""
        self.sync()
        dep = self._deployment(deployment_uuid)
        if dep.spec.deployment_type != "ReplicaSet":
            raise SimError(errors.BAD_REQUEST, errors.MSG_REPLICASET_ONLY)
        dep.replica_num = replica_num
        dep.updated_at = self._now
        self._reconcile(dep)

    def stop_deployment(self, deployment_uuid: str) -> None:
        """deployment/operate stop: every container shuts down; idempotent."""
        self.sync()
        self._stop(self._deployment(deployment_uuid))

    def _stop(self, dep: DeploymentRec) -> None:
        if dep.status == "stopped":
            return
        dep.status = "stopped"
        dep.stopped_at = self._now
        dep.updated_at = self._now
        for c in dep.containers:
            self._begin_shutdown(c)

    def delete_deployment(self, deployment_uuid: str) -> None:
        """DELETE deployment: a running one is stopped first, then it disappears."""
        self.sync()
        dep = self._deployment(deployment_uuid)
        self._stop(dep)
        dep.deleted = True
        for cached in list(dep.cache):
            self._release(cached)
        self.purge_if_gone(dep)

    def set_blacklist(
        self, deployment_container_uuid: str, expire_in_minutes: int, comment: str
    ) -> None:
        """POST blacklist: ban the container's host; setting again moves the expiry."""
        self.sync()
        c = self._container(deployment_container_uuid)
        if c.host is None:
            raise errors.parameter_wrong("deployment_container_uuid: container has no host yet")
        expires = self._now + expire_in_minutes * 60
        entry = self._blacklist.get(c.host.machine_id)
        if entry is None or entry.expires_at <= self._now:
            entry = BlacklistEntry(
                c.host.machine_id, c.host.region, comment, self._now, self._now, expires
            )
            self._blacklist[c.host.machine_id] = entry
        else:
            entry.updated_at, entry.expires_at, entry.msg = self._now, expires, comment
        self._at(expires, "unban", c.host)

    def list_blacklist(self) -> list[Json]:
        """GET blacklist: entries still in force."""
        self.sync()
        return [e.to_wire() for e in self._blacklist.values() if e.expires_at > self._now]

    def gpu_stock(self, query: StockQuery) -> list[Json]:
        """`data` of region/gpu_stock, single-card view; an unknown region is an empty list."""
        self.sync()
        totals: dict[str, list[int]] = {}
        names = set(query.gpu_name_set)
        for h in self.world.by_region.get(query.region_sign, []):
            if names and h.gpu_name not in names:
                continue
            if not _host_matches_stock(h, query):
                continue
            counts = totals.setdefault(h.gpu_name, [0, 0])
            counts[0] += h.free
            counts[1] += h.gpus
        return [
            {
                model: {
                    "idle_gpu_num": totals[model][0],
                    "total_gpu_num": totals[model][1],
                    "chip_corp": "nvidia",
                    "cpu_arch": "x86",
                }
            }
            for model in self.world.models.get(query.region_sign, ())
            if model in totals
        ]

    def ddp_overview(self, deployment_uuid: str) -> list[Json]:
        """`data` of ddp/overview: packages with seconds left; used-up ones are not listed."""
        self.sync()
        dep = self._deployment(deployment_uuid)
        result = []
        for pkg in dep.packages:
            used = 0.0
            for c in dep.containers:
                host = c.host
                if c.started_at is None or host is None:
                    continue
                if host.gpu_name != pkg.gpu_type or host.region not in pkg.dc_list:
                    continue
                begin = max(c.started_at, pkg.purchased_at)
                end = c.stopped_at if c.stopped_at is not None else self._now
                used += max(0.0, end - begin) * c.gpu_num
            balance = int(pkg.balance_at_purchase - used)
            if balance > 0:
                result.append(
                    {
                        "gpu_type": pkg.gpu_type,
                        "total": pkg.total_s,
                        "balance": balance,
                        "dc_list": ",".join(pkg.dc_list),
                    }
                )
        return result

    # ------------------------------------------------------------------ fleet building
    def add_package(
        self, deployment_uuid: str, gpu_type: str, hours: float, dc_list: tuple[str, ...]
    ) -> None:
        """Give a deployment a duration package bought now (fleets and tests use this)."""
        self.sync()
        seconds = int(hours * 3600)
        self._deployment(deployment_uuid).packages.append(
            Package(gpu_type, seconds, seconds, self._now, dc_list)
        )

    def container_uuids(self, deployment_uuid: str) -> list[str]:
        """Every container uuid of a deployment, oldest first (for fleets and tests)."""
        return [c.uuid for c in self._deployment(deployment_uuid).containers]

    def all_events(self, deployment_uuid: str) -> list[tuple[str, str, float]]:
        """The full event store of a deployment, oldest first: (container, status, timestamp)."""
        return [(e[2], e[3], e[0]) for e in self._deployment(deployment_uuid).events]


def _event_wire(event: tuple[float, int, str, str]) -> Json:
    return {"deployment_container_uuid": event[2], "status": event[3], "created_at": iso(event[0])}


def _in_range(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _host_matches_stock(h: Host, q: StockQuery) -> bool:
    return (
        _in_range(h.cuda_max, q.cuda_v_from, q.cuda_v_to)
        and _in_range(h.mem_per_gpu_gb, q.memory_size_from, q.memory_size_to)
        and _in_range(h.cpu_per_gpu, q.cpu_num_from, q.cpu_num_to)
        and _in_range(h.price_per_gpu, q.price_from, q.price_to)
    )


def _matches_resources(c: ContainerRec, q: ContainerQuery) -> bool:
    host = c.host
    if q.gpu_name and (host is None or host.gpu_name != q.gpu_name):
        return False
    cpu = host.cpu_per_gpu * c.gpu_num if host else 0
    mem_gb = host.mem_per_gpu_gb * c.gpu_num if host else 0
    return (
        _in_range(cpu, q.cpu_num_from or None, q.cpu_num_to or None)
        and _in_range(mem_gb, q.memory_size_from or None, q.memory_size_to or None)
        and _in_range(c.price, q.price_from or None, q.price_to or None)
    )
