"""The views the main screen opens over itself, each given what it needs and nothing more.

Container and deployment detail, images, blacklist, and the New deployment form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autodl_tui.ui.actions import READ_ONLY, copy_credential
from autodl_tui.ui.clipboard import copy_text

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import datetime

    from textual.app import App

    from autodl_tui.api import AutoDLClient, Container, Deployment
    from autodl_tui.deploy.template import Template
    from autodl_tui.explain import Relaxation
    from autodl_tui.ui.container_detail import CopyWhat
    from autodl_tui.ui.host import Host
    from autodl_tui.ui.images_screen import ImageChoice
    from autodl_tui.ui.watch import FleetWatch


def container_detail(
    host: Host,
    c: Container,
    deployments: Mapping[str, Deployment],
    run: Callable[..., object],
    *,
    read_only: bool,
    hide_secrets: bool = False,
) -> None:
    """Every field of a container (password masked until v); its copy keys re-read the API.

    A container waiting for a host says why (stock against its template); `r` there clones
    the deployment with the one filter that blocks it relaxed, through the normal form.
    """
    from autodl_tui.ui.container_detail import COPY_KINDS, ContainerDetailScreen
    from autodl_tui.ui.why_waiting import relaxed_clone, stock_explainer

    def copy(what: CopyWhat, _text: str) -> None:
        # Copy through the same path as the table keys: credentials re-read from the API.
        run(copy_credential(host, c, COPY_KINDS[what]), group="copy", exit_on_error=False)

    d = deployments.get(c.deployment_uuid)
    client = host.client
    why = stock_explainer(d, client.get_gpu_stock, client.list_blacklist) if d else None

    def clone(relax: Relaxation) -> None:
        if d is None:
            return
        if read_only:  # a new deployment, like C
            host.notify(READ_ONLY, severity="warning")
            return
        host.open_create_form(relaxed_clone(d, relax))

    host.app.push_screen(
        ContainerDetailScreen(
            c, d, on_copy=copy, explain=why, on_clone=clone, hide_secrets=hide_secrets
        )
    )


def deployment_detail(
    app: App[Any], d: Deployment, client: AutoDLClient, now: Callable[[], datetime]
) -> None:
    """Template, counters and duration packages of a deployment."""
    from autodl_tui.ui.deployment_detail import DeploymentDetailScreen

    app.push_screen(DeploymentDetailScreen(d, client, now=now))


def images(host: Host, *, can_create: bool) -> None:
    """Private and public images; Enter starts a new deployment with the chosen one.

    In read-only mode (no new deployments) Enter copies the image's uuid instead.
    """
    from autodl_tui.deploy.template import Template
    from autodl_tui.ui.images_screen import ImagesScreen

    def chosen(choice: ImageChoice | None) -> None:
        if choice is None:
            return
        if can_create:
            host.open_create_form(Template(image_uuid=choice.image_uuid))
            return
        via = copy_text(host.app, choice.image_uuid)
        host.notify(f"{choice.image_uuid} ({choice.label}) via {via}", title="Copied")

    label = "use it in a new deployment" if can_create else "copy its uuid"
    host.app.push_screen(ImagesScreen(host.client, enter_label=label), chosen)


def blacklist(
    app: App[Any], client: AutoDLClient, now: Callable[[], datetime], refresh: float
) -> None:
    """Blacklisted hosts with live countdowns, refetched at the poll interval."""
    from autodl_tui.ui.blacklist_screen import BlacklistScreen

    app.push_screen(BlacklistScreen(client, now=now, refresh=refresh))


def alerts(app: App[Any], watch: FleetWatch) -> None:
    """The alerts fired this session."""
    from autodl_tui.ui.alerts_screen import AlertsScreen

    app.push_screen(AlertsScreen(lambda: tuple(reversed(watch.history))))


def slow_hosts(host: Host, watch: FleetWatch, *, read_only: bool) -> None:
    """Hosts much slower than the fleet (or failing); b blacklists one, evidence as comment."""
    from autodl_tui.ui.slow_hosts_screen import SlowHostsScreen

    host.app.push_screen(
        SlowHostsScreen(
            watch.slow_hosts,
            lambda: host.client,
            read_only=read_only,
            on_blacklisted=lambda _h: host.refresh_fleet(),
        )
    )


def create_form(
    app: App[Any], client: AutoDLClient, template: Template | None, created: Callable[[str], None]
) -> None:
    """The New deployment form; `created` gets the new deployment's uuid."""
    from autodl_tui.ui.create_form import CreateFormScreen

    def done(uuid: str | None) -> None:
        if uuid:
            created(uuid)

    app.push_screen(CreateFormScreen(client, template), done)
