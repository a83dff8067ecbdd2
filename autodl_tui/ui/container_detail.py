"""Everything about one container, with its credentials masked until asked for.

The root password is never put into a widget while hidden: the DOM holds the mask, so
screenshots, `export_screenshot()` and anyone looking over a shoulder see only dots.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, Literal

from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from autodl_tui.api.errors import AutoDLError
from autodl_tui.catalog import ENDED_STATUSES, STARTING_STATUSES, now_cst
from autodl_tui.explain import is_waiting
from autodl_tui.ui.clipboard import (
    HIDDEN_SECRETS,
    copy_concern,
    copy_text,
    copy_value,
)
from autodl_tui.ui.modal import Modal
from autodl_tui.ui.units import (
    NONE,
    duration,
    gb,
    money_yuan_per_hour,
    region_label,
    short_uuid,
    timestamp,
)
from autodl_tui.ui.widgets.plain import Plain

if TYPE_CHECKING:
    from collections.abc import Awaitable
    from datetime import datetime

    from textual.app import ComposeResult
    from textual.binding import BindingType

    from autodl_tui.api.models import Container, Deployment
    from autodl_tui.explain import Explanation, Relaxation
    from autodl_tui.ui.clipboard import (
        CopyKind,
    )

__all__ = ["COPY_KINDS", "MASK", "ContainerDetailScreen", "CopyHandler", "CopyWhat"]

MASK = "••••••••"
"""Shown instead of the root password; a fixed width, so it says nothing about the length."""

CopyWhat = Literal["ssh_command", "root_password", "service_6006_url"]
"""What a copy key asks for, named after the `ContainerInfo` field."""

CopyHandler = Callable[[CopyWhat, str], None]

COPY_KINDS: dict[CopyWhat, CopyKind] = {  # the detail's field names -> the copy keys' kinds
    "ssh_command": "ssh",
    "root_password": "password",
    "service_6006_url": "url",
}
"""Called as (what, text-as-shown); lets the app re-read fresh credentials before copying."""

_LABELS: dict[CopyWhat, str] = {
    "ssh_command": "SSH command",
    "root_password": "root password",
    "service_6006_url": "6006 URL",
}


class ContainerDetailScreen(Modal[None]):
    """Modal with every field of a container; v reveals the password, c/p/u copy."""

    DEFAULT_CSS = """
    ContainerDetailScreen > #detail {
        width: 110;
    }
    ContainerDetailScreen #title {
        text-style: bold;
        margin-bottom: 1;
    }
    ContainerDetailScreen #fields {
        height: auto;
        max-height: 70vh;  /* leaves room for the title and key hints */
    }
    ContainerDetailScreen .row {
        height: auto;
    }
    ContainerDetailScreen .label {
        width: 16;
        color: $text-muted;
    }
    ContainerDetailScreen .value {
        width: 1fr;
    }
    ContainerDetailScreen .status-running {
        color: $text-success;
    }
    ContainerDetailScreen .status-starting {
        color: $text-warning;
    }
    ContainerDetailScreen .status-ended {
        color: $text-muted;
    }
    ContainerDetailScreen .deprecated {
        color: $text-muted;
    }
    ContainerDetailScreen #keys {
        color: $text-muted;
        margin-top: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "toggle_password", "Reveal/hide password", id="detail-reveal"),
        Binding("c", "copy('ssh_command')", "Copy SSH", id="detail-copy-ssh"),
        Binding("p", "copy('root_password')", "Copy password", id="detail-copy-password"),
        Binding("u", "copy('service_6006_url')", "Copy 6006 URL", id="detail-copy-url"),
        Binding("r", "clone_relaxed", "Clone relaxed", id="detail-clone-relaxed"),
        Binding("escape,q", "close", "Close", id="detail-close"),
    ]

    def __init__(
        self,
        container: Container,
        deployment: Deployment | None = None,
        *,
        on_copy: CopyHandler | None = None,
        clock: Callable[[], datetime] | None = None,
        explain: Callable[[], Awaitable[Explanation]] | None = None,
        on_clone: Callable[[Relaxation], None] | None = None,
        hide_secrets: bool = False,
    ) -> None:
        super().__init__()
        #: The password is never revealed or copied here (--hide-secrets, serve).
        self.hide_secrets = hide_secrets
        self._explain = explain
        self._on_clone = on_clone
        self._why: Explanation | None = None
        self._why_failed = ""
        self._container = container
        self._deployment = deployment
        self._on_copy = on_copy
        self._clock = clock or now_cst
        self._revealed = False

    @property
    def container(self) -> Container:
        """The container shown."""
        return self._container

    @property
    def revealed(self) -> bool:
        """Whether the root password is currently shown in clear."""
        return self._revealed

    # --- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Title, one row per field, key hints."""
        c = self._container
        with Vertical(id="detail", classes="box"):
            yield Plain(
                f"Container {short_uuid(c.uuid) or NONE} · {c.status or 'unknown'}", id="title"
            )
            with VerticalScroll(id="fields"):
                for key, label, value, classes in self._rows():
                    with Horizontal(classes="row"):
                        yield Plain(label, classes="label")
                        # The why-waiting reason is sentences: it wraps.
                        one_line = key != "why"
                        yield Plain(
                            value, id=f"v-{key}", classes=f"value {classes}", one_line=one_line
                        )
            if is_waiting(c):
                yield Static(
                    "r clone relaxed · v show/hide password · c copy SSH · p copy password · "
                    "u copy URL · q close",
                    id="keys",
                )
            else:
                yield Static(
                    "v show/hide password · c copy SSH · p copy password · u copy URL · q close",
                    id="keys",
                )

    def _rows(self) -> list[tuple[str, str, str, str]]:
        """(id, label, value, extra classes) for each field, in display order."""
        c, info = self._container, self._container.info
        rows = [
            ("status", "Status", c.status or NONE, _status_class(c.status)),
            *([("why", "Why waiting", self._why_text(), "")] if is_waiting(c) else []),
            ("uuid", "UUID", c.uuid or NONE, ""),
            ("deployment", "Deployment", self._deployment_text(), ""),
            ("region", "Region", region_label(c.data_center), ""),
            ("machine", "Machine", c.machine_id or NONE, ""),
            ("gpu", "GPU", f"{c.gpu_name or NONE} × {c.gpu_num}" if c.gpu_num else NONE, ""),
            ("cpu", "CPU", f"{c.cpu_num} vCPU" if c.cpu_num else NONE, ""),
            ("memory", "Memory", gb(c.memory_size) if c.memory_size else NONE, ""),
            ("price", "Price", money_yuan_per_hour(c.price), ""),
            ("image", "Image", self._image_text(), ""),
        ]
        if c.version:
            rows.append(("version", "Version", c.version, ""))
        rows += [
            ("created", "Created", timestamp(c.created_at), ""),
            ("started", "Started", timestamp(c.started_at), ""),
            ("stopped", "Stopped", timestamp(c.stopped_at), ""),
            ("uptime", "Ran for" if c.stopped_at else "Uptime", self._uptime_text(), ""),
            ("ssh", "SSH", info.ssh_command or NONE, ""),
            ("password", "Root password", self._password_text(), ""),
            ("url6006", "Port 6006", info.service_6006_port_url or NONE, ""),
            ("url6008", "Port 6008", info.service_6008_port_url or NONE, ""),
        ]
        if info.service_url:
            rows.append(
                ("service-url", "service_url", f"{info.service_url} (deprecated)", "deprecated")
            )
        if info.proxy_host:
            proxy = f"{info.proxy_host}:{info.custom_port}" if info.custom_port else info.proxy_host
            rows.append(("proxy", "proxy_host", f"{proxy} (deprecated)", "deprecated"))
        return rows

    # --- why waiting (issue 17): the full reason, asked from stock when the screen opens ----

    def on_mount(self) -> None:
        """Ask why a waiting container waits (in the background: it is several stock calls)."""
        if self._explain is not None and is_waiting(self._container):
            self.run_worker(self._ask_why(), group="why", exclusive=True, exit_on_error=False)

    async def _ask_why(self) -> None:
        assert self._explain is not None
        try:
            self._why = await self._explain()
        except AutoDLError as exc:
            self._why_failed = (
                f"GPU stock could not be read ({type(exc).__name__}); reopen to retry"
            )
        if self.is_attached and self.query("#v-why"):
            self.query_one("#v-why", Plain).update(self._why_text())

    @property
    def why(self) -> Explanation | None:
        """The explanation of the wait, once stock has answered."""
        return self._why

    def _why_text(self) -> str:
        if self._why is not None:
            relax = self._why.relax
            hint = f" (r: clone with {relax.label})" if relax is not None else ""
            return self._why.full + hint
        if self._why_failed:
            return self._why_failed
        return "asking GPU stock…" if self._explain is not None else NONE

    def action_clone_relaxed(self) -> None:
        """Close, and open the create form with the blocking filter relaxed."""
        why = self._why
        if not is_waiting(self._container):
            self.notify("This container is not waiting for a host.", title="Not now")
        elif why is None:
            self.notify("Still asking GPU stock why it waits.", title="Not now")
        elif why.relax is None or self._on_clone is None:
            self.notify("No single filter change would let it schedule.", title="Not now")
        else:
            relax, on_clone = why.relax, self._on_clone
            self.action_close()
            on_clone(relax)

    def _deployment_text(self) -> str:
        d, own = self._deployment, self._container.deployment_uuid
        # A deployment that is not this container's (a stale selection) would mislead.
        if d is None or (own and d.uuid != own):
            return own or NONE
        parts = [d.name or "(unnamed)", d.deployment_type, d.uuid]
        return " · ".join(p for p in parts if p)

    def _image_text(self) -> str:
        uuid = self._container.image_uuid
        d = self._deployment
        name = d.template.image_name if d is not None and d.image_uuid == uuid else ""
        if name and uuid:
            return f"{name} ({uuid})"
        return name or uuid or NONE

    def _uptime_text(self) -> str:
        c = self._container
        if c.started_at is None:
            return NONE
        end = c.stopped_at or self._clock()
        return duration((end - c.started_at).total_seconds())

    def _password_text(self) -> str:
        password = self._container.info.root_password
        if not password:
            return NONE
        if self.hide_secrets:
            return f"{MASK}  (hidden: --hide-secrets)"
        return password if self._revealed else f"{MASK}  (v to reveal)"

    # --- actions ------------------------------------------------------------------------

    def action_toggle_password(self) -> None:
        """Show or hide the root password."""
        if self.hide_secrets:
            self.notify(HIDDEN_SECRETS, severity="warning")
            return
        self._revealed = not self._revealed
        self.query_one("#v-password", Plain).update(self._password_text())

    def action_copy(self, what: CopyWhat) -> None:
        """Copy a credential: through the app's handler if given, else straight to clipboard."""
        if self.hide_secrets and COPY_KINDS[what] == "password":
            self.notify(HIDDEN_SECRETS, severity="warning")
            return
        text = copy_value(self._container.info, COPY_KINDS[what])
        if self._on_copy is not None:
            # Even when empty here: the handler re-reads the API, which may know more by now.
            self._on_copy(what, text)
            return
        label = _LABELS[what]
        if not text:
            self.notify(f"This container has no {label}", severity="warning")
            return
        if concern := copy_concern(COPY_KINDS[what], text):
            # No handler to ask through: an odd value is never copied silently.
            self.notify(f"Not copied: the {label} looks odd ({concern}).", severity="warning")
            return
        # Only the label and the paths: the text may be the password.
        self.notify(f"Copied {label} to {copy_text(self.app, text)}", title="Copied")

    def action_close(self) -> None:
        """Close the screen (once: a queued second `q` must not pop the screen below)."""
        self.finish(None)


def _status_class(status: str) -> str:
    # Class names come from the fixed catalog, never from the wire (a class must be an identifier).
    if status == "running":
        return "status-running"
    if status in STARTING_STATUSES:
        return "status-starting"
    if status in ENDED_STATUSES or status == "shutting_down":
        return "status-ended"
    return ""
