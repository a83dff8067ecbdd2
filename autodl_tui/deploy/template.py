"""Deployment templates in people's units, validated per field and converted to create calls.

A template holds memory in GB, prices in yuan per hour and CUDA as integer codes shown as
"12.0"-style labels; `to_spec` turns it into the wire units (yuan x 1000). Problems come back
per field (key -> message) so a form can show each next to its field. Files: `template_file`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from autodl_tui.api.specs import MAX_PLAUSIBLE_GB, ContainerTemplateSpec, DeploymentSpec
from autodl_tui.api.units import bytes_to_gb, cuda_code, milli_to_yuan, yuan_to_milli
from autodl_tui.catalog import (
    CUDA_CODES,
    DEPLOYMENT_TYPES,
    MAX_REPLICAS,
    PORT_PROTOCOLS,
    REGION_CODES,
    cuda_label,
)
from autodl_tui.display import has_controls

if TYPE_CHECKING:
    from autodl_tui.api.models import Deployment

__all__ = [
    "MAX_GPU_NUM",
    "MAX_NAME_LEN",
    "MAX_REPLICAS",
    "SECTION",
    "Template",
    "TemplateError",
    "parse_template",
    "summary",
    "template_from_deployment",
    "template_from_spec",
]

#: Longest deployment name accepted (the simulator's limit; the vendor gives none).
MAX_NAME_LEN = 64
#: Most GPUs one container can ask for.
MAX_GPU_NUM = 8
#: The table holding the container fields, named as in the create call.
SECTION = "container_template"

_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)", re.ASCII)


class TemplateError(Exception):
    """A template file cannot be read (missing, unreadable, not TOML) or used (`problems`)."""

    def __init__(self, message: str, problems: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.problems: dict[str, str] = dict(problems or {})


@dataclass(frozen=True, slots=True)
class Template:
    """Everything a create call takes, in people's units (GB, yuan/hour, CUDA codes)."""

    name: str = ""
    deployment_type: str = "ReplicaSet"
    replica_num: int = 1
    parallelism_num: int = 1
    reuse_container: bool = False
    service_6006_port_protocol: str = "http"
    service_6008_port_protocol: str = "http"
    dc_list: tuple[str, ...] = ()
    gpu_name_set: tuple[str, ...] = ()
    gpu_num: int = 1
    #: CUDA integer codes (118 = 11.8); files and forms show them as labels.
    cuda_from: int = 113
    cuda_to: int = 128
    cpu_num_from: int = 1
    cpu_num_to: int = 100
    memory_gb_from: int = 1
    memory_gb_to: int = 256
    price_yuan_from: float = 0.1
    price_yuan_to: float = 9.0
    image_uuid: str = ""
    cmd: str = ""
    cmd_before_shutdown: str = ""

    def problems(self, *, regions: bool = True) -> dict[str, str]:
        """What is wrong with these values, field name -> message (empty when valid).

        `regions=False`: no region is asked for (a flavor whose create takes none).
        """
        return _semantic_problems(self, regions=regions)

    def to_spec(self, *, regions: bool = True) -> DeploymentSpec:
        """The create call; raise TemplateError listing the problems when invalid."""
        problems = self.problems(regions=regions)
        if problems:
            raise TemplateError(summary(problems), problems)
        kind = self.deployment_type
        spec = DeploymentSpec(
            name=self.name.strip(),
            deployment_type=kind,
            template=ContainerTemplateSpec(
                dc_list=self.dc_list,
                gpu_name_set=self.gpu_name_set,
                image_uuid=self.image_uuid.strip(),
                cmd=self.cmd,
                gpu_num=self.gpu_num,
                cuda_v_from=self.cuda_from,
                cuda_v_to=self.cuda_to,
                memory_gb_from=self.memory_gb_from,
                memory_gb_to=self.memory_gb_to,
                cpu_num_from=self.cpu_num_from,
                cpu_num_to=self.cpu_num_to,
                price_from=yuan_to_milli(self.price_yuan_from),
                price_to=yuan_to_milli(self.price_yuan_to),
                cmd_before_shutdown=self.cmd_before_shutdown,
            ),
            replica_num=self.replica_num if kind in ("ReplicaSet", "Job") else None,
            parallelism_num=self.parallelism_num if kind == "Job" else None,
            reuse_container=self.reuse_container,
            service_6006_port_protocol=self.service_6006_port_protocol,
            service_6008_port_protocol=self.service_6008_port_protocol,
        )
        spec.validate(regions=regions)  # a backstop: the checks above are stricter
        return spec

    def as_fields(self) -> dict[str, object]:
        """Every field in file form: CUDA as labels, lists as lists."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("cuda_from", "cuda_to"):
                value = cuda_label(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


# --- parsing --------------------------------------------------------------------------------


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def _whole(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            raise ValueError("required")
        # Length first so a huge paste never reaches int() (which caps at 4300 digits).
        if _INTEGER.fullmatch(stripped) and len(stripped) <= 12:
            return int(stripped)
    raise ValueError("must be a whole number")


def _yuan(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError("must be an amount in yuan, like 2.5")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        stripped = value.strip().removeprefix("¥")
        if not stripped:
            raise ValueError("required")
        if not _DECIMAL.fullmatch(stripped) or len(stripped) > 12:
            raise ValueError("must be an amount in yuan, like 2.5")
        number = float(stripped)
    else:
        raise ValueError("must be an amount in yuan, like 2.5")
    if not math.isfinite(number):
        raise ValueError("must be a finite amount")
    return number


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError("must be true or false")


def _names(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part for part in value.split(",")]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of names")
    # dict.fromkeys drops repeats but keeps the order of preference.
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


def _cuda(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError('must be a CUDA version like "11.8"')
    if isinstance(value, int):
        if value >= 90:  # already a code (118); a bare 12 would be ambiguous
            return value
        raise ValueError('must be a CUDA version like "11.8"')
    if isinstance(value, float):
        value = f"{value:.1f}"
    if isinstance(value, str):
        try:
            return cuda_code(value)
        except ValueError:
            pass
    raise ValueError('must be a CUDA version like "11.8"')


_PARSERS: dict[str, Any] = {
    "name": _text,
    "deployment_type": _text,
    "replica_num": _whole,
    "parallelism_num": _whole,
    "reuse_container": _flag,
    "service_6006_port_protocol": _text,
    "service_6008_port_protocol": _text,
    "dc_list": _names,
    "gpu_name_set": _names,
    "gpu_num": _whole,
    "cuda_from": _cuda,
    "cuda_to": _cuda,
    "cpu_num_from": _whole,
    "cpu_num_to": _whole,
    "memory_gb_from": _whole,
    "memory_gb_to": _whole,
    "price_yuan_from": _yuan,
    "price_yuan_to": _yuan,
    "image_uuid": _text,
    "cmd": _text,
    "cmd_before_shutdown": _text,
}


def parse_template(
    data: Mapping[str, Any], *, regions: bool = True
) -> tuple[Template, dict[str, str]]:
    """Read a file's (or a form's) values into a Template and every problem, per field.

    `data` is a decoded file (top-level keys plus a `[container_template]` table) or a flat
    mapping; numbers may also come as the text a form holds. Missing keys take the defaults,
    unknown keys are reported (a typo must not be silently ignored).
    """
    flat: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for key, value in data.items():
        if key == SECTION and isinstance(value, Mapping):
            for sub_key, sub_value in value.items():
                flat[str(sub_key)] = sub_value
        else:
            flat[str(key)] = value
    values: dict[str, Any] = {}
    for key, value in flat.items():
        parser = _PARSERS.get(key)
        if parser is None:
            problems[key] = f"unknown key {key!r}"
            continue
        try:
            values[key] = parser(value)
        except ValueError as exc:
            problems[key] = str(exc)
    template = Template(**values)
    for key, message in template.problems(regions=regions).items():
        problems.setdefault(key, message)
    return template, problems


def _range(out: dict[str, str], t: Template, stem: str, low: float, high: float, unit: str) -> None:
    lo_key, hi_key = f"{stem}_from", f"{stem}_to"
    lo, hi = getattr(t, lo_key), getattr(t, hi_key)
    if not low <= lo <= high:
        out[lo_key] = f"must be {low:g} to {high:g} {unit}"
    if not low <= hi <= high:
        out[hi_key] = f"must be {low:g} to {high:g} {unit}"
    if lo_key not in out and hi_key not in out and lo > hi:
        out[lo_key] = f"must not exceed the upper bound ({hi:g})"


def _semantic_problems(t: Template, *, regions: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    if not t.name.strip():
        out["name"] = "required"
    elif len(t.name.strip()) > MAX_NAME_LEN:
        out["name"] = f"at most {MAX_NAME_LEN} characters"
    kind = t.deployment_type
    if kind not in DEPLOYMENT_TYPES:
        out["deployment_type"] = f"must be one of {', '.join(DEPLOYMENT_TYPES)}"
    if kind in ("ReplicaSet", "Job") and not 1 <= t.replica_num <= MAX_REPLICAS:
        out["replica_num"] = f"{kind} needs 1 to {MAX_REPLICAS} replicas"
    if kind == "Job" and not 1 <= t.parallelism_num <= max(1, t.replica_num):
        out["parallelism_num"] = f"Job needs 1 to replica_num ({t.replica_num}) at once"
    for port in ("6006", "6008"):
        key = f"service_{port}_port_protocol"
        if getattr(t, key) not in PORT_PROTOCOLS:
            out[key] = f"must be {' or '.join(PORT_PROTOCOLS)}"
    unknown = [code for code in t.dc_list if code not in REGION_CODES]
    if regions and not t.dc_list:
        out["dc_list"] = "choose at least one region"
    elif unknown:
        out["dc_list"] = f"unknown region {unknown[0]!r}"
    if not t.gpu_name_set:
        out["gpu_name_set"] = "choose at least one GPU model"
    if not 1 <= t.gpu_num <= MAX_GPU_NUM:
        out["gpu_num"] = f"must be 1 to {MAX_GPU_NUM}"
    if not 90 <= t.cuda_from <= 999:
        out["cuda_from"] = 'must be a CUDA version like "11.8"'
    if not 90 <= t.cuda_to <= 999:
        out["cuda_to"] = 'must be a CUDA version like "11.8"'
    if "cuda_from" not in out and "cuda_to" not in out and t.cuda_from > t.cuda_to:
        out["cuda_from"] = f"must not be above CUDA {cuda_label(t.cuda_to)}"
    _range(out, t, "cpu_num", 1, 1000, "vCPUs")
    _range(out, t, "memory_gb", 1, MAX_PLAUSIBLE_GB, "GB")
    if t.memory_gb_to > MAX_PLAUSIBLE_GB:
        out["memory_gb_to"] = "is in GB, not bytes"
    _range(out, t, "price_yuan", 0, 1000, "yuan/hour")
    if not t.image_uuid.strip():
        out["image_uuid"] = "choose an image"
    if not t.cmd.strip():
        out["cmd"] = "required: what the container runs"
    # Said before any other problem of the field: retyping the value fixes both.
    out.update(_control_problems(t))
    return out


#: Fields a shell runs: a line break or tab there is part of the script.
_SCRIPTS = ("cmd", "cmd_before_shutdown")
#: What `display.clean` shows control characters as (␀…␡): a value holding one was copied
#: from the screen, not typed, and would be sent as those characters.
_PICTURES = frozenset(chr(c) for c in range(0x2400, 0x2422))


def _control_problems(t: Template) -> dict[str, str]:
    """Text fields holding terminal controls, bidi overrides or their on-screen stand-ins."""
    out: dict[str, str] = {}
    texts = {"name": t.name, "image_uuid": t.image_uuid, "cmd": t.cmd}
    texts["cmd_before_shutdown"] = t.cmd_before_shutdown
    texts.update({"gpu_name_set": "".join(t.gpu_name_set), "dc_list": "".join(t.dc_list)})
    for key, value in texts.items():
        plain = value.replace("\n", "").replace("\t", "") if key in _SCRIPTS else value
        if has_controls(plain):
            out[key] = "holds control characters (escape codes, bidi overrides); remove them"
        elif _PICTURES.intersection(value):
            out[key] = "holds ␛/␊-style stand-ins for control characters; retype it"
    return out


def summary(problems: Mapping[str, str]) -> str:
    """Problems as one line: `key: message; key: message`."""
    return "; ".join(f"{key}: {message}" for key, message in problems.items())


# --- conversions ----------------------------------------------------------------------------


def template_from_spec(spec: DeploymentSpec) -> Template:
    """The template a create spec was made from (prices back to yuan)."""
    t = spec.template
    return Template(
        name=spec.name,
        deployment_type=spec.deployment_type,
        replica_num=spec.replica_num or 1,
        parallelism_num=spec.parallelism_num or 1,
        reuse_container=bool(spec.reuse_container),
        service_6006_port_protocol=spec.service_6006_port_protocol or "http",
        service_6008_port_protocol=spec.service_6008_port_protocol or "http",
        dc_list=tuple(t.dc_list),
        gpu_name_set=tuple(t.gpu_name_set),
        gpu_num=t.gpu_num,
        cuda_from=t.cuda_v_from,
        cuda_to=t.cuda_v_to,
        cpu_num_from=t.cpu_num_from,
        cpu_num_to=t.cpu_num_to,
        memory_gb_from=t.memory_gb_from,
        memory_gb_to=t.memory_gb_to,
        price_yuan_from=milli_to_yuan(t.price_from),
        price_yuan_to=milli_to_yuan(t.price_to),
        image_uuid=t.image_uuid,
        cmd=t.cmd,
        cmd_before_shutdown=t.cmd_before_shutdown,
    )


def template_from_deployment(d: Deployment) -> Template:
    """A template that recreates `d` (clone): memory bytes back to GB, prices to yuan.

    A deprecated lone `cuda_v` (no upper bound) becomes the highest CUDA code the form offers.
    """
    t = d.template
    cuda_from, cuda_to = t.cuda_range
    defaults = Template()
    legacy = d.service_port_protocol if d.service_port_protocol in PORT_PROTOCOLS else "http"
    return Template(
        name=d.name,
        deployment_type=d.deployment_type or defaults.deployment_type,
        replica_num=d.replica_num or 1,
        parallelism_num=d.parallelism_num or 1,
        reuse_container=d.reuse_container,
        service_6006_port_protocol=d.service_6006_port_protocol or legacy,
        service_6008_port_protocol=d.service_6008_port_protocol or legacy,
        dc_list=t.regions,
        gpu_name_set=t.gpu_name_set,
        gpu_num=t.gpu_num or 1,
        cuda_from=cuda_from or defaults.cuda_from,
        cuda_to=cuda_to or max(CUDA_CODES),
        cpu_num_from=t.cpu_num_from,
        cpu_num_to=t.cpu_num_to,
        memory_gb_from=round(bytes_to_gb(t.memory_size_from)),
        memory_gb_to=round(bytes_to_gb(t.memory_size_to)),
        price_yuan_from=milli_to_yuan(t.price_from),
        price_yuan_to=milli_to_yuan(t.price_to),
        image_uuid=t.image_uuid or d.image_uuid,
        cmd=t.cmd,
        cmd_before_shutdown=t.cmd_before_shutdown,
    )
