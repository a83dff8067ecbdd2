"""The 13 calls of the vendor document: HTTP method and path, in one place."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Endpoint"] + [
    "BLACKLIST_LIST",
    "BLACKLIST_SET",
    "CONTAINER_EVENTS",
    "CONTAINER_LIST",
    "CONTAINER_STOP",
    "DDP_OVERVIEW",
    "DEPLOYMENT_CREATE",
    "DEPLOYMENT_DELETE",
    "DEPLOYMENT_LIST",
    "DEPLOYMENT_OPERATE",
    "DEPLOYMENT_REPLICAS",
    "GPU_STOCK",
    "PRIVATE_IMAGES",
]


class Endpoint(NamedTuple):
    """One call: its method and path; `str()` is the label used in errors and logs."""

    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


PRIVATE_IMAGES = Endpoint("POST", "/api/v1/dev/image/private/list")
DEPLOYMENT_CREATE = Endpoint("POST", "/api/v1/dev/deployment")
DEPLOYMENT_LIST = Endpoint("POST", "/api/v1/dev/deployment/list")
CONTAINER_EVENTS = Endpoint("POST", "/api/v1/dev/deployment/container/event/list")
CONTAINER_LIST = Endpoint("POST", "/api/v1/dev/deployment/container/list")
CONTAINER_STOP = Endpoint("PUT", "/api/v1/dev/deployment/container/stop")
DEPLOYMENT_REPLICAS = Endpoint("PUT", "/api/v1/dev/deployment/replica_num")
DEPLOYMENT_OPERATE = Endpoint("PUT", "/api/v1/dev/deployment/operate")
DEPLOYMENT_DELETE = Endpoint("DELETE", "/api/v1/dev/deployment")
BLACKLIST_SET = Endpoint("POST", "/api/v1/dev/deployment/blacklist")
BLACKLIST_LIST = Endpoint("GET", "/api/v1/dev/deployment/blacklist")
GPU_STOCK = Endpoint("POST", "/api/v1/dev/machine/region/gpu_stock")
DDP_OVERVIEW = Endpoint("GET", "/api/v1/dev/deployment/ddp/overview")
