"""Async client for AutoDL's elastic-deployment (弹性部署) API; no UI imports, ever.

Units everywhere in this package: memory in bytes in models and whole GB in request specs,
money in milliyuan (yuan x 1000) ints, times as aware +08:00 datetimes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autodl_tui.api.client import (
        DEFAULT_BASE_URL as DEFAULT_BASE_URL,
        AutoDLClient as AutoDLClient,
        ClientStats as ClientStats,
    )
    from autodl_tui.api.endpoints import Endpoint as Endpoint
    from autodl_tui.api.errors import (
        ApiError as ApiError,
        AuthError as AuthError,
        AutoDLError as AutoDLError,
        InvalidRequestError as InvalidRequestError,
        NotFoundError as NotFoundError,
        PermissionDeniedError as PermissionDeniedError,
        ResponseFormatError as ResponseFormatError,
        TransportError as TransportError,
    )
    from autodl_tui.api.events import EventCursor as EventCursor, EventSource as EventSource
    from autodl_tui.api.models import (
        BlacklistEntry as BlacklistEntry,
        Container as Container,
        ContainerEvent as ContainerEvent,
        ContainerInfo as ContainerInfo,
        Deployment as Deployment,
        DeploymentTemplate as DeploymentTemplate,
        DurationPackage as DurationPackage,
        EventKey as EventKey,
        GpuStock as GpuStock,
        Page as Page,
        PrivateImage as PrivateImage,
    )
    from autodl_tui.api.paging import MAX_PAGES as MAX_PAGES, Listing as Listing
    from autodl_tui.api.retry import RetryPolicy as RetryPolicy
    from autodl_tui.api.specs import (
        ContainerFilter as ContainerFilter,
        ContainerTemplateSpec as ContainerTemplateSpec,
        DeploymentSpec as DeploymentSpec,
        StockFilter as StockFilter,
    )
    from autodl_tui.api.units import (
        bytes_to_gb as bytes_to_gb,
        cuda_code as cuda_code,
        cuda_label as cuda_label,
        format_time as format_time,
        format_yuan as format_yuan,
        gb_to_bytes as gb_to_bytes,
        milli_to_yuan as milli_to_yuan,
        parse_time as parse_time,
        yuan_to_milli as yuan_to_milli,
    )

#: Where each public name lives. A name loads its module on first access (PEP 562), so
#: `from autodl_tui.api import AutoDLError` costs the errors module alone: the models'
#: dataclasses, the request specs, the retry policy (email.utils) and the client (httpx,
#: ~60 ms) load when something uses them, and the app paints its first frame before that.
#: The imports above are the same names for the type checker (`X as X`: re-exported),
#: checked against this map by tests/api/test_exports.py.
EXPORTS: dict[str, tuple[str, ...]] = {
    "client": ("DEFAULT_BASE_URL", "AutoDLClient", "ClientStats"),
    "endpoints": ("Endpoint",),
    "errors": (
        "ApiError",
        "AuthError",
        "AutoDLError",
        "InvalidRequestError",
        "NotFoundError",
        "PermissionDeniedError",
        "ResponseFormatError",
        "TransportError",
    ),
    "events": ("EventCursor", "EventSource"),
    "models": (
        "BlacklistEntry",
        "Container",
        "ContainerEvent",
        "ContainerInfo",
        "Deployment",
        "DeploymentTemplate",
        "DurationPackage",
        "EventKey",
        "GpuStock",
        "Page",
        "PrivateImage",
    ),
    "paging": ("MAX_PAGES", "Listing"),
    "retry": ("RetryPolicy",),
    "specs": ("ContainerFilter", "ContainerTemplateSpec", "DeploymentSpec", "StockFilter"),
    "units": (
        "bytes_to_gb",
        "cuda_code",
        "cuda_label",
        "format_time",
        "format_yuan",
        "gb_to_bytes",
        "milli_to_yuan",
        "parse_time",
        "yuan_to_milli",
    ),
}
_HOME = {name: module for module, names in EXPORTS.items() for name in names}


def __getattr__(name: str) -> Any:
    """A public name of the package, imported from its module on first access."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next access is a plain lookup
    return value


__all__ = sorted(_HOME)
