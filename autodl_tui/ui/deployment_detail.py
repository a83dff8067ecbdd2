"""Everything about one deployment: its template in people's units, its counters, and how long
its prepaid duration packages last at the rate its running containers draw on them.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from autodl_tui.api import (
    AutoDLError,
    ContainerFilter,
)
from autodl_tui.catalog import BASE_IMAGES, cuda_label, now_cst
from autodl_tui.display import TITLE_CELLS, clean, title as display_title
from autodl_tui.ui.gauges import (
    bar,
    hours_left_text,
    package_draw,
    package_hours,
    running_price,
)
from autodl_tui.ui.modal import Modal
from autodl_tui.ui.units import (
    NONE,
    duration,
    gb,
    money_yuan_per_hour,
    region_label,
    timestamp,
)
from autodl_tui.ui.widgets.plain import Plain

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from textual.app import ComposeResult
    from textual.binding import BindingType

    from autodl_tui.api import (
        AutoDLClient,
        Container,
        Deployment,
        DurationPackage,
    )

__all__ = ["BAR_WIDTH", "DeploymentDetailScreen", "counters_text", "cuda_text", "image_text"]

BAR_WIDTH = 24

FieldRow = tuple[str, str, str]
"""(id, label, value) of one line of the detail."""


def cuda_text(code_from: int, code_to: int) -> str:
    """A CUDA code range as versions: "11.3 – 12.8", "≥ 11.8", "≤ 12.4", or "—"."""
    if code_from and code_to:
        return f"{cuda_label(code_from)} – {cuda_label(code_to)}"
    if code_from:
        return f"≥ {cuda_label(code_from)}"
    if code_to:
        return f"≤ {cuda_label(code_to)}"
    return NONE


def _range(low: int, high: int, show: Callable[[int], str]) -> str:
    if low and high:
        return show(low) if low == high else f"{show(low)} – {show(high)}"
    if low:
        return f"≥ {show(low)}"
    if high:
        return f"≤ {show(high)}"
    return NONE


def _with_unit(text: str, unit: str) -> str:
    return text if text == NONE else f"{text} {unit}"


def image_text(d: Deployment) -> str:
    """The image's name, kind (public base image with its framework, or private) and uuid."""
    uuid = d.image_uuid or d.template.image_uuid
    public = next((b for b in BASE_IMAGES if b.uuid == uuid), None)
    if public is not None:
        return f"{d.template.image_name or public.name} (public {public.framework}, {uuid})"
    name = d.template.image_name
    if name and uuid:
        return f"{name} (private, {uuid})"
    return name or uuid or NONE


def counters_text(d: Deployment) -> str:
    """Replicas for a ReplicaSet, completions for a Job or Container."""
    if d.deployment_type == "ReplicaSet":
        return f"{d.running_num} running · {d.starting_num} starting · {d.replica_num} desired"
    return (
        f"{d.finished_num} of {d.replica_num} finished · {d.running_num} running · "
        f"{d.starting_num} starting · at most {d.parallelism_num} at a time"
    )


class DeploymentDetailScreen(Modal[None]):
    """Modal with a deployment's template, counters and duration packages; r refreshes."""

    DEFAULT_CSS = """
    DeploymentDetailScreen > #ddetail {
        width: 110;
    }
    DeploymentDetailScreen #ddetail-title {
        text-style: bold;
    }
    DeploymentDetailScreen #ddetail-fields {
        height: auto;
        max-height: 80vh;
    }
    DeploymentDetailScreen .section {
        text-style: bold;
        color: $primary;
        margin-top: 1;
    }
    DeploymentDetailScreen .row {
        height: auto;
    }
    DeploymentDetailScreen .label {
        width: 18;
        color: $text-muted;
    }
    DeploymentDetailScreen .value {
        width: 1fr;
    }
    DeploymentDetailScreen .problem {
        color: $text-error;
    }
    DeploymentDetailScreen #ddetail-keys {
        color: $text-muted;
        margin-top: 1;
    }
    """

    AUTO_FOCUS = "#ddetail-fields"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh", id="deployment-detail-refresh"),
        Binding("escape,q", "close", "Close", id="deployment-detail-close"),
    ]

    def __init__(
        self,
        deployment: Deployment,
        client: AutoDLClient,
        *,
        now: Callable[[], datetime] = now_cst,
    ) -> None:
        super().__init__()
        self.deployment = deployment
        self.client = client
        self._now = now
        self.packages: tuple[DurationPackage, ...] = ()
        self.running: tuple[Container, ...] = ()
        self.loaded = False
        self.problems: list[str] = []

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Title, template, counters, packages, key hints."""
        with Vertical(id="ddetail", classes="box"):
            yield Plain(display_title(self._title(), TITLE_CELLS), id="ddetail-title")
            with VerticalScroll(id="ddetail-fields"):
                yield from self._fields()
            yield Static("↑↓ PgUp PgDn scroll · r refresh · q close", id="ddetail-keys")

    def _title(self) -> str:
        d = self.deployment
        return f"Deployment {d.name or '(unnamed)'} · {d.deployment_type} · {d.status}"

    def _fields(self) -> ComposeResult:
        """The problems, then each section with its rows (what the scrolling list holds)."""
        for text in self.problems:
            yield Plain(text, classes="problem")
        for section, rows in (
            ("Template", self.template_rows()),
            ("Counters", self.counter_rows()),
            ("Duration packages", self.package_rows()),
        ):
            yield Plain(section, classes="section")
            for key, label, value in rows:
                yield Horizontal(
                    Plain(label, classes="label"),
                    # A package's value is two lines of ours; every other value is one.
                    Plain(
                        value,
                        id=f"v-{key}",
                        classes="value",
                        one_line=not key.startswith("package-"),
                    ),
                    classes="row",
                )

    def template_rows(self) -> list[FieldRow]:
        """The container template: what every container of this deployment gets."""
        d, t = self.deployment, self.deployment.template
        regions = [region_label(code) for code in t.regions]
        region_note = " (deprecated region_sign)" if t.region_sign and not t.dc_list else ""
        gpus = "/".join(t.gpu_name_set) or NONE
        return [
            ("uuid", "UUID", d.uuid or NONE),
            ("type", "Type", d.deployment_type or NONE),
            ("regions", "Regions", (", ".join(regions) or NONE) + region_note),
            ("gpu", "GPU", f"{gpus} × {t.gpu_num}" if t.gpu_num else gpus),
            ("cuda", "CUDA", cuda_text(*t.cuda_range)),
            ("cpu", "CPU", _with_unit(_range(t.cpu_num_from, t.cpu_num_to, str), "vCPU")),
            ("memory", "Memory", _range(t.memory_size_from, t.memory_size_to, gb)),
            (
                "price-range",
                "Price range",
                _range(t.price_from, t.price_to, money_yuan_per_hour),
            ),
            ("image", "Image", image_text(d)),
            ("cmd", "Command", t.cmd or NONE),
            ("cmd-before-shutdown", "Before shutdown", t.cmd_before_shutdown or NONE),
            ("reuse", "Reuse containers", "yes" if d.reuse_container else "no"),
            ("ports", "Port protocols", self._ports_text()),
        ]

    def _ports_text(self) -> str:
        d = self.deployment
        ports = [
            f"6006 {d.service_6006_port_protocol}" if d.service_6006_port_protocol else "",
            f"6008 {d.service_6008_port_protocol}" if d.service_6008_port_protocol else "",
            f"service {d.service_port_protocol}" if d.service_port_protocol else "",
        ]
        return " · ".join(p for p in ports if p) or NONE

    def counter_rows(self) -> list[FieldRow]:
        """Status, replica or completion counts, times, and what it costs now."""
        d = self.deployment
        now = self._now()
        age = duration((now - d.created_at).total_seconds()) if d.created_at else ""
        rows: list[FieldRow] = [
            ("status", "Status", d.status or NONE),
            (
                "counters",
                "Replicas" if d.deployment_type == "ReplicaSet" else "Completions",
                counters_text(d),
            ),
            ("created", "Created", timestamp(d.created_at) + (f" ({age} ago)" if age else "")),
            ("updated", "Updated", timestamp(d.updated_at)),
        ]
        if d.stopped_at is not None:
            rows.append(("stopped", "Stopped", timestamp(d.stopped_at)))
        rows.append(
            (
                "estimate",
                "Price estimate",
                money_yuan_per_hour(d.price_estimates) if d.price_estimates else NONE,
            )
        )
        rows.append(("burn", "Burn now", self._burn_text()))
        return rows

    def _burn_text(self) -> str:
        if not self.loaded:
            return "loading…"
        cards = sum(c.gpu_num for c in self.running)
        count = len(self.running)
        noun = "container" if count == 1 else "containers"
        return (
            f"{money_yuan_per_hour(running_price(self.running))} on {count} running {noun} "
            f"({cards} GPU{'s' if cards != 1 else ''})"
        )

    def package_rows(self) -> list[FieldRow]:
        """Per package: balance of total as a bar, and hours left at the current draw."""
        if not self.loaded:
            return [("packages", "", "loading…")]
        if not self.packages:
            return [
                ("packages", "", "No duration packages for this deployment: it pays by the hour.")
            ]
        rows: list[FieldRow] = []
        for i, p in enumerate(self.packages):
            fraction = p.balance_s / p.total_s if p.total_s > 0 else 0.0
            cards = package_draw(p, self.running)
            # Region codes come from the service: one line each, whatever they hold.
            regions = ", ".join(clean(region_label(code)) for code in p.dc_list) or "any region"
            value = (
                f"{bar(fraction, BAR_WIDTH)} {package_hours(p.balance_s)} of "
                f"{package_hours(p.total_s)} left\n"
                f"{hours_left_text(p.balance_s, cards)} · {regions}"
            )
            rows.append((f"package-{i}", p.gpu_type or NONE, value))
        return rows

    # --- data -----------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Fetch the packages and running containers (and a fresh copy of the deployment)."""
        self.load()

    @work(group="deployment-detail", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        """Read the deployment, its running containers and its packages concurrently."""
        uuid = self.deployment.uuid
        fresh, running, packages = await asyncio.gather(
            self.client.list_deployments(deployment_uuid=uuid),
            self.client.list_all_containers(uuid, ContainerFilter(status=("running",))),
            self.client.get_ddp_overview(uuid),
            return_exceptions=True,
        )
        problems: list[str] = []
        if isinstance(fresh, BaseException):
            problems.append(_problem("Counters may be stale", fresh))
        elif fresh.items:
            self.deployment = fresh.items[0]
        else:
            problems.append("This deployment no longer exists (deleted meanwhile?).")
        if isinstance(running, BaseException):
            problems.append(_problem("Running containers unknown", running))
            self.running = ()
        else:
            self.running = tuple(running)
        if isinstance(packages, BaseException):
            problems.append(_problem("Duration packages unavailable", packages))
            self.packages = ()
        else:
            self.packages = tuple(packages)
        self.problems = problems
        self.loaded = True
        # Only the scrolling list's contents are replaced: the list itself keeps the focus
        # and its place, so a key pressed while the answer was on its way is not lost.
        fields = self.query_one("#ddetail-fields", VerticalScroll)
        at_end = 0 < fields.max_scroll_y <= fields.scroll_y
        self.query_one("#ddetail-title", Plain).update(display_title(self._title(), TITLE_CELLS))
        with self.app.batch_update():
            await fields.remove_children()
            await fields.mount_all(list(self._fields()))
        if at_end:  # End was pressed: stay at the end, wherever the new content puts it
            fields.scroll_end(animate=False)

    def value_of(self, key: str) -> str:
        """The text shown for field `key` (for tests and tools)."""
        return str(self.query_one(f"#v-{key}", Static).render())

    @property
    def package_values(self) -> Sequence[str]:
        """The text shown for each package, in order."""
        return [self.value_of(f"package-{i}") for i in range(len(self.packages))]

    # --- keys -----------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Read everything again."""
        self.load()

    def action_close(self) -> None:
        """Close the screen (once)."""
        self.finish(None)


def _problem(what: str, exc: BaseException) -> str:
    if isinstance(exc, AutoDLError):
        return f"{what}: {exc.hint or exc}"
    # Anything else is a bug, not a service answer; let it surface.
    raise exc
