"""Async client for AutoDL's elastic-deployment (弹性部署) API; no UI imports, ever.

Units everywhere in this package: memory in bytes in models and whole GB in request specs,
money in milliyuan (yuan x 1000) ints, times as aware +08:00 datetimes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autodl_tui.api.endpoints import Endpoint
from autodl_tui.api.errors import (
    ApiError,
    AuthError,
    AutoDLError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    ResponseFormatError,
    TransportError,
)
from autodl_tui.api.events import EventCursor, EventSource
from autodl_tui.api.models import (
    BlacklistEntry,
    Container,
    ContainerEvent,
    ContainerInfo,
    Deployment,
    DeploymentTemplate,
    DurationPackage,
    EventKey,
    GpuStock,
    Page,
    PrivateImage,
)
from autodl_tui.api.paging import MAX_PAGES, Listing
from autodl_tui.api.retry import RetryPolicy
from autodl_tui.api.specs import ContainerFilter, ContainerTemplateSpec, DeploymentSpec, StockFilter
from autodl_tui.api.units import (
    bytes_to_gb,
    cuda_code,
    cuda_label,
    format_time,
    format_yuan,
    gb_to_bytes,
    milli_to_yuan,
    parse_time,
    yuan_to_milli,
)

if TYPE_CHECKING:
    from autodl_tui.api.client import DEFAULT_BASE_URL, AutoDLClient, ClientStats

# The client (and with it httpx, ~60 ms of imports) loads on first use, not with the
# models: the app paints its first frame before it builds a client.
_LAZY = {"DEFAULT_BASE_URL", "AutoDLClient", "ClientStats"}


def __getattr__(name: str) -> Any:
    """`AutoDLClient`, `ClientStats` and `DEFAULT_BASE_URL`, imported on first access."""
    if name in _LAZY:
        from autodl_tui.api import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_PAGES",
    "ApiError",
    "AuthError",
    "AutoDLClient",
    "AutoDLError",
    "BlacklistEntry",
    "ClientStats",
    "Container",
    "ContainerEvent",
    "ContainerFilter",
    "ContainerInfo",
    "ContainerTemplateSpec",
    "Deployment",
    "DeploymentSpec",
    "DeploymentTemplate",
    "DurationPackage",
    "Endpoint",
    "EventCursor",
    "EventKey",
    "EventSource",
    "GpuStock",
    "InvalidRequestError",
    "Listing",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "PrivateImage",
    "ResponseFormatError",
    "RetryPolicy",
    "StockFilter",
    "TransportError",
    "bytes_to_gb",
    "cuda_code",
    "cuda_label",
    "format_time",
    "format_yuan",
    "gb_to_bytes",
    "milli_to_yuan",
    "parse_time",
    "yuan_to_milli",
]
