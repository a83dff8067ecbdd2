"""What the alert engine reads and writes: its settings, a poll's snapshot, one alert.

Pure data: no Textual, no I/O. The settings are parsed from `[alerts]` by `autodl_tui.config`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from autodl_tui.api.models import Container, Deployment, DurationPackage, GpuStock

__all__ = [
    "DESKTOP_MODES",
    "RULE_NAMES",
    "Alert",
    "AlertSettings",
    "IncidentKey",
    "Severity",
    "Snapshot",
]

#: Every rule, by the name `[alerts]` switches it on and off with.
RULE_NAMES = ("container_stopped", "below_replicas", "job_finished", "package_low", "stock")
#: How a desktop notification is asked of the terminal: not at all, OSC 9 (iTerm2, kitty,
#: WezTerm, Windows Terminal) or OSC 777 (rxvt-unicode, foot, VTE terminals).
DESKTOP_MODES = ("off", "osc9", "osc777")

Severity = Literal["information", "warning", "error"]
#: (rule, scope, ...): one incident; the same key never fires twice until it clears.
IncidentKey = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """`[alerts]`: which rules run, their thresholds, and where a firing goes."""

    container_stopped: bool = True
    below_replicas: bool = True
    #: A running ReplicaSet below its replica count this long fires (a start takes minutes).
    below_replicas_minutes: float = 10.0
    job_finished: bool = True
    package_low: bool = True
    #: A duration package with fewer hours left than this at the current burn fires.
    package_low_hours: float = 24.0
    #: GPU models (as the stock pane names them) whose idle stock is watched; none: rule off.
    watch_gpus: tuple[str, ...] = ()
    #: Regions watched for those models; none: every region.
    watch_regions: tuple[str, ...] = ()
    #: A notification on screen for each firing.
    notify: bool = True
    bell: bool = False
    desktop: str = "off"
    #: argv of a command that gets each alert as JSON on stdin (never run through a shell).
    command: tuple[str, ...] = ()
    #: Seconds the command may run before it is killed and reported.
    command_timeout: float = 10.0

    def enabled(self, rule: str) -> bool:
        """Whether rule `rule` runs."""
        if rule == "stock":
            return bool(self.watch_gpus)
        return bool(getattr(self, rule, False))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one poll read, and only what it read in full.

    `deployments` is None when the poll did not read the deployments list (or it failed or
    was cut). `containers` holds only the deployments whose container list was read whole
    this poll, `stock` only the regions read, `packages` only the deployments whose duration
    packages were read: a missing entry means *unknown*, never *empty* or *gone*.
    """

    at: datetime
    deployments: tuple[Deployment, ...] | None = None
    containers: Mapping[str, tuple[Container, ...]] = field(default_factory=dict)
    stock: Mapping[str, tuple[GpuStock, ...]] = field(default_factory=dict)
    packages: Mapping[str, tuple[DurationPackage, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Alert:
    """One firing: what happened, what to do. Every text is already display-clean."""

    key: IncidentKey
    at: datetime
    title: str
    what: str
    todo: str
    severity: Severity = "warning"
    deployment_uuid: str = ""
    container_uuid: str = ""

    @property
    def rule(self) -> str:
        """The rule that fired."""
        return self.key[0]

    def as_json(self) -> dict[str, Any]:
        """The alert as the command sink sends it (no secrets: alerts never hold any)."""
        return {
            "rule": self.rule,
            "key": list(self.key),
            "at": self.at.isoformat(),
            "title": self.title,
            "what": self.what,
            "todo": self.todo,
            "severity": self.severity,
            "deployment_uuid": self.deployment_uuid,
            "container_uuid": self.container_uuid,
        }
