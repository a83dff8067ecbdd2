"""Mutable records of the simulated account and their wire-format views."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autodl_tui.catalog import ENDED_STATUSES, GIB, STARTING_STATUSES
from autodl_tui.sim.wire import iso

if TYPE_CHECKING:
    from autodl_tui.sim.commands import CreateDeployment
    from autodl_tui.sim.world import Host

Json = dict[str, Any]

#: The keys of a container's `info` object in the document's example (line 473).
INFO_KEYS = ("ssh_command", "root_password", "service_6006_port_url", "service_6008_port_url")


@dataclass(eq=False)
class ContainerRec:
    """One container of a deployment, placed on a host or waiting for capacity."""

    id: int
    uuid: str
    deployment: DeploymentRec
    gpu_num: int
    created_at: float
    host: Host | None = None
    status: str = "creating"
    started_at: float | None = None
    stopped_at: float | None = None
    updated_at: float = 0.0
    #: Bumped on every transition; a scheduled step carrying an older generation is stale.
    generation: int = 0
    #: Seconds the cmd runs before exiting by itself (`sleep N`); None runs until stopped.
    run_seconds: float | None = None
    reused: bool = False
    no_cache: bool = False
    released: bool = False
    #: Every key is present with "" until a host is assigned, as a Go struct is serialised
    #: (the document's example, line 473; issue 13 item 8: a client's models refuse `{}`).
    info: dict[str, Any] = field(default_factory=lambda: dict.fromkeys(INFO_KEYS, ""))

    @property
    def active(self) -> bool:
        """Counts toward the deployment's replicas (not shutting down or ended)."""
        return self.status not in ENDED_STATUSES and self.status != "shutting_down"

    @property
    def price(self) -> int:
        """Yuan x 1000 per hour: the host's per-GPU base price times gpu_num."""
        return self.host.price_per_gpu * self.gpu_num if self.host else 0

    def to_wire(self) -> Json:
        """The item of container/list."""
        host = self.host
        return {
            "id": self.id,
            "uuid": self.uuid,
            "version": "1",
            "data_center": host.region if host else "",
            "deployment_uuid": self.deployment.uuid,
            "machine_id": host.machine_id if host else "",
            "status": self.status,
            "gpu_name": host.gpu_name if host else "",
            "gpu_num": self.gpu_num,
            "cpu_num": host.cpu_per_gpu * self.gpu_num if host else 0,
            "memory_size": host.mem_per_gpu_gb * self.gpu_num * GIB if host else 0,
            "image_uuid": self.deployment.spec.template.image_uuid,
            "price": self.price,
            "info": dict(self.info),
            "started_at": iso(self.started_at),
            "stopped_at": iso(self.stopped_at),
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at or self.created_at),
        }


@dataclass
class Package:
    """A prepaid duration package (时长包) usable by one deployment."""

    gpu_type: str
    total_s: int
    balance_at_purchase: int
    purchased_at: float
    dc_list: tuple[str, ...]


@dataclass(eq=False)
class DeploymentRec:
    """One deployment with its containers and its event log (oldest first)."""

    id: int
    uid: int
    uuid: str
    spec: CreateDeployment
    image_name: str
    created_at: float
    replica_num: int
    status: str = "running"
    updated_at: float = 0.0
    stopped_at: float | None = None
    deleted: bool = False
    containers: list[ContainerRec] = field(default_factory=list)
    #: (timestamp, sequence, container uuid, status), appended in time order.
    events: list[tuple[float, int, str, str]] = field(default_factory=list)
    #: Stopped containers kept for reuse, oldest first.
    cache: list[ContainerRec] = field(default_factory=list)
    packages: list[Package] = field(default_factory=list)
    finished_num: int = 0
    #: How many of `containers` are released (lifecycle.py keeps it bounded).
    released_num: int = 0
    #: Hosts matching the template's static constraints, computed once at creation.
    candidates: list[Host] = field(default_factory=list)
    candidate_ids: frozenset[int] = frozenset()

    def counters(self) -> tuple[int, int]:
        """(starting_num, running_num) over containers that still count."""
        starting = running = 0
        for c in self.containers:
            if c.status in STARTING_STATUSES:
                starting += 1
            elif c.status == "running":
                running += 1
        return starting, running

    def template_wire(self) -> Json:
        """The `template` object of a deployment item: memory back in bytes."""
        t = self.spec.template
        return {
            "region_sign": t.region_sign,
            "dc_list": list(t.dc_list),
            "gpu_name_set": list(t.gpu_name_set),
            "gpu_num": t.gpu_num,
            "image_uuid": t.image_uuid,
            "image_name": self.image_name,
            "cmd": t.cmd,
            "cmd_before_shutdown": t.cmd_before_shutdown,
            "memory_size_from": t.memory_size_from * GIB,
            "memory_size_to": t.memory_size_to * GIB,
            "cpu_num_from": t.cpu_num_from,
            "cpu_num_to": t.cpu_num_to,
            "price_from": t.price_from,
            "price_to": t.price_to,
            "cuda_v": t.cuda_v or 0,
            "cuda_v_from": t.cuda_v_from,
            "cuda_v_to": t.cuda_v_to or 0,
        }

    def to_wire(self) -> Json:
        """The item of deployment/list."""
        starting, running = self.counters()
        spec = self.spec
        return {
            "id": self.id,
            "uid": self.uid,
            "uuid": self.uuid,
            "name": spec.name,
            "deployment_type": spec.deployment_type,
            "status": self.status,
            "replica_num": self.replica_num,
            "parallelism_num": spec.parallelism_num,
            "reuse_container": spec.reuse_container,
            "service_port_protocol": spec.service_6006_port_protocol,
            "service_6006_port_protocol": spec.service_6006_port_protocol,
            "service_6008_port_protocol": spec.service_6008_port_protocol,
            "starting_num": starting,
            "running_num": running,
            "finished_num": self.finished_num,
            "image_uuid": spec.template.image_uuid,
            "template": self.template_wire(),
            # Inferred meaning (the document is silent): what the running containers cost per hour.
            "price_estimates": sum(c.price for c in self.containers if c.status == "running"),
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at or self.created_at),
            "stopped_at": iso(self.stopped_at),
        }

    def to_slim_wire(self) -> Json:
        """The lean item the bodiless GET deployment/list returns (REAL-WORLD.md §7.3)."""
        t = self.spec.template
        return {
            "id": self.id,
            "uid": self.uid,
            "uuid": self.uuid,
            "name": self.spec.name,
            "deployment_type": self.spec.deployment_type,
            "status": self.status,
            "region_sign": t.region_sign,
            "dc_list": list(t.dc_list),
            "gpu_name_set": list(t.gpu_name_set),
            "created_at": iso(self.created_at),
        }


@dataclass
class BlacklistEntry:
    """A host banned from this account's scheduling until `expires_at`."""

    machine_id: str
    data_center: str
    msg: str
    created_at: float
    updated_at: float
    expires_at: float

    def to_wire(self) -> Json:
        """The item of GET blacklist."""
        return {
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "data_center": self.data_center,
            "expired_time": iso(self.expires_at),
            "machine_id": self.machine_id,
            "msg": self.msg,
        }
