"""Fixed facts from the vendor document's appendix: regions, public images, CUDA codes, statuses.

Shared by the API layer, the simulator and the UI; it imports nothing from any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

#: The service's address (the vendor document's); config and the client default to it.
DEFAULT_BASE_URL = "https://api.autodl.com"

#: The service reports every time in China Standard Time.
CST = timezone(timedelta(hours=8), name="CST")


def now_cst() -> datetime:
    """The wall clock as an aware datetime in CST: every screen's and the client's default now."""
    return datetime.now(CST)


#: 1 GB in requests is 1073741824 bytes in responses.
GIB = 1024**3


@dataclass(frozen=True)
class Region:
    """A data center (`dc_list` / `region_sign` value) and its console name."""

    code: str
    name: str


REGIONS: tuple[Region, ...] = (
    Region("westDC2", "西北企业区(推荐)"),
    Region("westDC3", "西北B区"),
    Region("beijingDC1", "北京A区"),
    Region("beijingDC2", "北京B区"),
    Region("beijingDC4", "L20专区(原北京C区)"),
    Region("beijingDC3", "V100专区(原华南A区)"),
    Region("neimengDC1", "内蒙A区"),
    Region("foshanDC1", "佛山区"),
    Region("chongqingDC1", "重庆A区"),
    Region("yangzhouDC1", "3090专区"),
    Region("neimengDC3", "内蒙B区"),
)

REGION_NAMES: dict[str, str] = {r.code: r.name for r in REGIONS}
REGION_CODES: tuple[str, ...] = tuple(r.code for r in REGIONS)


@dataclass(frozen=True)
class BaseImage:
    """A public base image from the appendix (usable as `image_uuid` on create)."""

    uuid: str
    framework: str
    name: str


BASE_IMAGES: tuple[BaseImage, ...] = (
    BaseImage(
        "base-image-12be412037", "PyTorch", "cuda11.1-cudnn8-devel-ubuntu18.04-py38-torch1.9.0"
    ),
    BaseImage(
        "base-image-u9r24vthlk", "PyTorch", "cuda11.3-cudnn8-devel-ubuntu20.04-py38-torch1.10.0"
    ),
    BaseImage(
        "base-image-l374uiucui", "PyTorch", "cuda11.3-cudnn8-devel-ubuntu20.04-py38-torch1.11.0"
    ),
    BaseImage(
        "base-image-l2t43iu6uk", "PyTorch", "cuda11.8-cudnn8-devel-ubuntu20.04-py38-torch2.0.0"
    ),
    BaseImage(
        "base-image-0gxqmciyth", "TensorFlow", "cuda11.2-cudnn8-devel-ubuntu18.04-py38-tf2.5.0"
    ),
    BaseImage(
        "base-image-uxeklgirir", "TensorFlow", "cuda11.2-cudnn8-devel-ubuntu20.04-py38-tf2.9.0"
    ),
    BaseImage("base-image-4bpg0tt88l", "TensorFlow", "cuda11.4-py38-tf1.15.5"),
    BaseImage("base-image-mbr2n4urrc", "Miniconda", "cuda11.6-cudnn8-devel-ubuntu20.04-py38"),
    BaseImage("base-image-qkkhitpik5", "Miniconda", "cuda10.2-cudnn7-devel-ubuntu18.04-py38"),
    BaseImage("base-image-h041hn36yt", "Miniconda", "cuda11.1-cudnn8-devel-ubuntu18.04-py38"),
    BaseImage("base-image-7bn8iqhkb5", "Miniconda", "cudagl11.3-cudnn8-devel-ubuntu20.04-py38"),
    BaseImage("base-image-k0vep6kyq8", "Miniconda", "cuda9.0-cudnn7-devel-ubuntu16.04-py36"),
    BaseImage(
        "base-image-l2843iu23k", "TensorRT", "cuda11.8-cudnn8-devel-ubuntu20.04-py38-trt8.5.1"
    ),
    # The appendix lists this uuid twice, under PyTorch and TensorRT; both rows are kept.
    BaseImage(
        "base-image-l2t43iu6uk", "TensorRT", "cuda11.8-cudnn8-devel-ubuntu20.04-py38-torch2.0.0"
    ),
)

#: CUDA codes offered in forms: 118 is CUDA 11.8, 120 is 12.0, and so on.
CUDA_CODES: tuple[int, ...] = (113, 116, 117, 118, 120, 121, 122, 123, 124, 125, 126, 128)


def cuda_label(code: int) -> str:
    """Render a CUDA integer code as a version: 118 -> "11.8", 120 -> "12.0"."""
    return f"{code // 10}.{code % 10}"


DEPLOYMENT_TYPES: tuple[str, ...] = ("ReplicaSet", "Job", "Container")
DEPLOYMENT_STATUSES: tuple[str, ...] = ("running", "stopped")

#: Container lifecycle in order; `removed` is not in the document but the real service emits it.
CONTAINER_STATUSES: tuple[str, ...] = (
    "creating",
    "created",
    "starting",
    "oss_merged",
    "running",
    "shutting_down",
    "shutdown",
    "removed",
)
STARTING_STATUSES: frozenset[str] = frozenset({"creating", "created", "starting", "oss_merged"})
ENDED_STATUSES: frozenset[str] = frozenset({"shutdown", "removed"})

PORT_PROTOCOLS: tuple[str, ...] = ("http", "tcp")

#: Blacklist expiry bounds from the document: default 24 h, at most 30 days.
BLACKLIST_DEFAULT_MINUTES = 1440
BLACKLIST_MAX_MINUTES = 43200
#: Most replicas the app asks for (form, scale dialog, `autodl-tui scale`): a typo like
#: 10000 should not reach the API. Ours, not the service's (see sim/GUESSES.md).
MAX_REPLICAS = 1000

#: `cmd_before_shutdown` is killed after this many seconds.
SHUTDOWN_CMD_TIMEOUT_S = 5

#: The services a profile can speak (`flavor = ...`): AutoDL's public cloud and its private
#: cloud, which keeps the paths but differs in a few calls (REAL-WORLD §5.3, §9; api/flavor.py).
FLAVORS: tuple[str, ...] = ("public", "private")
#: Each flavor's API root when no base_url is given (the private host: REAL-WORLD §9).
FLAVOR_BASE_URLS: dict[str, str] = {
    "public": "https://api.autodl.com",
    "private": "https://private.autodl.com",
}


def check_flavor(value: object, field: str = "flavor") -> str:
    """`value` if it names a flavor, else ValueError naming `field` and the nearest flavor."""
    if isinstance(value, str) and value in FLAVORS:
        return value
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a string: {' or '.join(FLAVORS)}")
    # Imported here: catalog loads before the first paint and a typo is rare.
    from difflib import get_close_matches

    near = get_close_matches(value.lower(), FLAVORS, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    raise ValueError(f"{field} must be {' or '.join(FLAVORS)}, not {value[:40]!r}{hint}")
