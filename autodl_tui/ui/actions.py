"""Row actions, each declared once: key, binding, label, palette text, when it applies, its run.

The tables' and the screen's bindings, their `check_action` (and so the footer's greying),
the command palette, the help screen and the read-only test all read `ACTIONS`. An action's
name is the name of the function that runs it (a coroutine runs as a worker); `applies`
says "" when it can act on the selection, else the one sentence the user sees on pressing
its key. To add an action: one `@row_action` function here and a test (ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar

from textual.binding import Binding

from autodl_tui.api import AutoDLError
from autodl_tui.display import fit
from autodl_tui.ui.clipboard import (
    HIDDEN_SECRETS,
    copy_concern,
    copy_preview,
    copy_text,
    copy_value,
)
from autodl_tui.ui.host import Host  # the dialogs load when an action opens one (after first paint)
from autodl_tui.ui.units import short_container_id

if TYPE_CHECKING:
    from collections.abc import Mapping

    from textual.screen import Screen

    from autodl_tui.api import Container, Deployment
    from autodl_tui.ui.clipboard import (
        CopyKind,
    )


Table = Literal["deployments", "containers", "screen"]
"""Where an action's key is bound: a table (acts on its row) or the whole screen."""

READ_ONLY = "Read-only mode (--read-only): nothing can be changed."
_COPY_LABELS: dict[CopyKind, str] = {
    "ssh": "SSH command",
    "password": "root password",
    "url": "6006 service URL",
}

T = TypeVar("T")


@dataclass(frozen=True)
class Selection:
    """What the actions act on: the rows under the two tables' cursors."""

    deployment: Deployment | None
    container: Container | None
    #: Every deployment by uuid (a fleet-wide container's own deployment may not be selected).
    deployments: Mapping[str, Deployment]


Run = Callable[[Host, Selection], Awaitable[None] | None]
"""An action's body: a coroutine runs as a worker (dialogs, requests), a plain function at once."""
Applies = Callable[[Selection], str]


@dataclass(frozen=True)
class RowAction:
    """One action: how it is reached (key, palette), when it applies, and what it runs."""

    name: str
    table: Table
    key: str
    binding_id: str
    label: str
    palette: str
    palette_help: str
    applies: Applies
    run: Run
    mutates: bool = False
    #: It hands out a secret (a root password): refused when secrets are hidden.
    secret: bool = False
    show: bool = True
    #: Worker group: a second press while one runs starts another (dialogs queue).
    group: str = "actions"

    @property
    def action(self) -> str:
        """The binding's action string: `row(name)` on the table, or the screen, binding it."""
        return f"row('{self.name}')"

    def binding(self) -> Binding:
        """The key binding (the keymap's `[keymap]` id is `binding_id`)."""
        return Binding(self.key, self.action, self.label, show=self.show, id=self.binding_id)


ACTIONS: dict[str, RowAction] = {}
"""Every row action by name, in footer order."""


def row_action(
    table: Table,
    key: str,
    binding_id: str,
    label: str,
    palette: str,
    palette_help: str,
    applies: Applies,
    *,
    mutates: bool = False,
    secret: bool = False,
    show: bool = True,
    group: str = "actions",
) -> Callable[[Run], Run]:
    """Declare the decorated coroutine as a row action named after it."""

    def register(run: Run) -> Run:
        name = run.__name__
        ACTIONS[name] = RowAction(
            name, table, key, binding_id, label, palette, palette_help, applies, run,
            mutates=mutates, secret=secret, show=show, group=group,
        )  # fmt: skip
        return run

    return register


def bindings(table: Table) -> list[Binding]:
    """The bindings of one table's (or the screen's) actions, in declaration order."""
    return [a.binding() for a in ACTIONS.values() if a.table == table and a.key]


def verdict(
    name: str, sel: Selection, *, read_only: bool, hide_secrets: bool = False
) -> tuple[bool | None, str]:
    """True: allowed; None: greyed out (does not apply); False: hidden (read-only, or a
    secret while secrets are hidden); and why.
    """
    action = ACTIONS[name]
    if read_only and action.mutates:
        return False, READ_ONLY
    if hide_secrets and action.secret:
        return False, HIDDEN_SECRETS
    reason = action.applies(sel)
    return (None, reason) if reason else (True, "")


def by_binding_id(binding_id: str | None) -> RowAction | None:
    """The action a binding runs, by the binding's (keymap) id."""
    return next((a for a in ACTIONS.values() if binding_id and a.binding_id == binding_id), None)


def bound_action(key: str, keymap: Mapping[str, str], tables: set[str | None]) -> RowAction | None:
    """The action of `tables` that `key` runs (the user's `[keymap]` included), if any."""
    for action in ACTIONS.values():
        if action.key and action.table in tables:
            keys = keymap.get(action.binding_id, action.key)
            if key in (k.strip() for k in keys.split(",")):
                return action
    return None


# ---------------------------------------------------------------- when actions apply
def always(_sel: Selection) -> str:
    """Applies to anything (or checks for itself when it runs)."""
    return ""


def _deployment(sel: Selection) -> str:
    return "" if sel.deployment else "No deployment is selected: the deployments list is empty."


def _scalable(sel: Selection) -> str:
    d = sel.deployment
    if d is None:
        return _deployment(sel)
    name = fit(d.name or d.uuid, 40)
    if d.deployment_type != "ReplicaSet":
        return (
            f"{name} is a {fit(d.deployment_type, 12)}: only a ReplicaSet has a replica "
            "count to scale (x stops it)."
        )
    if d.status == "stopped":
        return (
            f"{name} is stopped: a new replica count would not start it again "
            "(C clones it into a new deployment)."
        )
    return ""


def _stoppable(sel: Selection) -> str:
    d = sel.deployment
    if d is not None and d.status == "stopped":
        return f"{fit(d.name or d.uuid, 40)} is already stopped."
    return _deployment(sel)


def _container(sel: Selection) -> str:
    return "" if sel.container else "No container is selected: the containers list is empty."


def _container_running(sel: Selection) -> str:
    c = sel.container
    if c is not None and c.status in ("shutting_down", "shutdown", "removed"):
        return f"Container {short_container_id(c.uuid)} is already {fit(c.status, 16)}."
    return _container(sel)


def _on_host(sel: Selection) -> str:
    c = sel.container
    if c is not None and not c.machine_id:
        short = short_container_id(c.uuid)
        return f"Container {short} is still waiting for a host: no host to blacklist yet."
    return _container(sel)


def _has_ssh(sel: Selection) -> str:
    c = sel.container
    if c is None:
        return _container(sel)
    short = short_container_id(c.uuid)
    if not c.machine_id:
        return f"Container {short} is still waiting for a host: no SSH, password or URL yet."
    if not c.info.ssh_command:
        return f"Container {short} has no SSH access yet ({fit(c.status, 16)})."
    return ""


# ---------------------------------------------------------------- the one mutation path
async def mutate(
    host: Host,
    dialog: Screen[T | None],
    *,
    working: Callable[[T], str],
    call: Callable[[T], Awaitable[object]],
    what: str,
    done: Callable[[T], tuple[str, str]],
    stock: bool = True,
    expect: tuple[str, str] | None = None,
) -> None:
    """Dialog -> API call -> notification -> refresh; cancelled (None, False) does nothing.

    `expect` (deployment uuid, container uuid or ""): what the call changes on purpose, told
    to the alert rules so it is not reported as an incident.
    """
    answer = await host.app.push_screen_wait(dialog)
    if answer is None or answer is False:
        return
    host.working(working(answer))
    try:
        await call(answer)
    except AutoDLError as exc:
        host.failed(what, exc)
        return
    if expect is not None:
        host.expect(*expect)
    text, title = done(answer)
    host.notify(text, title=title)
    host.refresh_fleet(stock=stock)


def _picked(sel: Selection) -> Deployment:
    assert sel.deployment is not None  # `applies` said so
    return sel.deployment


def _picked_container(sel: Selection) -> Container:
    assert sel.container is not None  # `applies` said so
    return sel.container


# ---------------------------------------------------------------- deployments
@row_action(
    "deployments", "s", "deployments-scale", "Scale",
    "Scale deployment", "Set replica_num (ReplicaSet)", _scalable, mutates=True,
)  # fmt: skip
async def scale_deployment(host: Host, sel: Selection) -> None:
    """Dialog, then set replica_num."""
    from autodl_tui.ui.dialogs import ScaleDialog

    d = _picked(sel)
    await mutate(
        host,
        ScaleDialog(d.name, d.replica_num),
        working=lambda n: f"Scaling {fit(d.name, 40)} to {n} replicas…",
        call=lambda n: host.client.set_replica_num(d.uuid, n),
        what="Scale",
        done=lambda n: (f"{d.name}: replicas {d.replica_num} → {n}", "Scaled"),
        expect=(d.uuid, ""),
    )


@row_action(
    "deployments", "x", "deployments-stop", "Stop",
    "Stop deployment", "Stop every container", _stoppable, mutates=True,
)  # fmt: skip
async def stop_deployment(host: Host, sel: Selection) -> None:
    """Confirm, then stop every container of the deployment."""
    from autodl_tui.ui.dialogs import ConfirmDialog

    d = _picked(sel)
    await mutate(
        host,
        ConfirmDialog(
            f"Stop {d.name}?",
            f"Every container of {d.name} ({d.uuid}) shuts down and stops billing.",
            confirm_label="Stop",
        ),
        working=lambda _a: f"Stopping {fit(d.name, 40)}…",
        call=lambda _yes: host.client.stop_deployment(d.uuid),
        what="Stop",
        done=lambda _yes: (f"{d.name} is stopping", "Stopped"),
        expect=(d.uuid, ""),
    )


@row_action(
    "deployments", "ctrl+d", "deployments-delete", "Delete",
    "Delete deployment", "Stop, then delete (type the name)", _deployment, mutates=True,
)  # fmt: skip
async def delete_deployment(host: Host, sel: Selection) -> None:
    """Type the exact name (the uuid when it has none), then delete."""
    from autodl_tui.ui.dialogs import DeleteDialog

    d = _picked(sel)
    label = d.name or d.uuid
    await mutate(
        host,
        DeleteDialog(d.name, deployment_uuid=d.uuid),
        working=lambda _a: f"Deleting {fit(label, 40)}…",
        call=lambda _yes: host.client.delete_deployment(d.uuid),
        what="Delete",
        done=lambda _yes: (f"{label} deleted", "Deleted"),
        expect=(d.uuid, ""),
    )


@row_action(
    "deployments", "C", "deployments-clone", "Clone",
    "Clone deployment", "New deployment prefilled from the selected one", _deployment,
    mutates=True,
)  # fmt: skip
def clone_deployment(host: Host, sel: Selection) -> None:
    """Open the form prefilled from the selected deployment's template."""
    from autodl_tui.deploy.template import template_from_deployment
    from autodl_tui.ui.create_form import clone_of

    host.open_create_form(clone_of(template_from_deployment(_picked(sel))))


# ---------------------------------------------------------------- containers
async def copy_credential(host: Host, c: Container, what: CopyKind) -> None:
    """Copy a credential of `c`, re-read at copy time; an odd-looking value is shown first."""
    from autodl_tui.ui.dialogs import ConfirmDialog

    try:
        c = await host.fresh_container(c)
    except AutoDLError as exc:
        host.notify(f"Using the last known value ({exc.hint or exc})", severity="warning")
    text = copy_value(c.info, what)
    label = _COPY_LABELS[what]
    if not text:
        host.notify(f"This container has no {label} yet.", severity="warning")
        return
    concern = copy_concern(what, text)
    if concern:
        # Pasted into a shell, an odd value runs what the user never saw: show, then ask.
        confirmed = await host.app.push_screen_wait(
            ConfirmDialog(
                f"Copy this {label}?",
                f"The {label} looks odd: {concern}.\n\n{copy_preview(what, text)}\n\n"
                "Copy it exactly as it is?",
                confirm_label="Copy anyway",
            )
        )
        if not confirmed:
            host.notify(f"The {label} was not copied.", timeout=3)
            return
    via = copy_text(host.app, text)
    host.notify(f"Copied the {label} via {via}", title="Copied")


@row_action(
    "containers", "c", "containers-copy-ssh", "Copy SSH",
    "Copy SSH command", "Selected container", _has_ssh, group="copy",
)  # fmt: skip
async def copy_ssh(host: Host, sel: Selection) -> None:
    """Copy the SSH command of the selected container."""
    await copy_credential(host, _picked_container(sel), "ssh")


@row_action(
    "containers", "p", "containers-copy-password", "Copy password",
    "Copy root password", "Selected container", _has_ssh, secret=True, group="copy",
)  # fmt: skip
async def copy_password(host: Host, sel: Selection) -> None:
    """Copy the root password of the selected container."""
    await copy_credential(host, _picked_container(sel), "password")


@row_action(
    "containers", "u", "containers-copy-url", "Copy URL",
    "Copy 6006 service URL", "Selected container", _has_ssh, group="copy",
)  # fmt: skip
async def copy_url(host: Host, sel: Selection) -> None:
    """Copy the 6006 service URL (or the deprecated service_url) of the selected container."""
    await copy_credential(host, _picked_container(sel), "url")


@row_action(
    "containers", "U", "containers-copy-uuid", "Copy uuid",
    "Copy container uuid", "The selected container's uuid", _container, show=False,
    group="copy",
)  # fmt: skip
async def copy_uuid(host: Host, sel: Selection) -> None:
    """Copy the selected container's uuid (what the CLI and the vendor's support ask for)."""
    c = _picked_container(sel)
    via = copy_text(host.app, c.uuid)
    host.notify(f"Copied {c.uuid} via {via}", title="Copied")


@row_action(
    "containers", "x", "containers-stop", "Stop",
    "Stop container", "Stop the selected container", _container_running, mutates=True,
)  # fmt: skip
async def stop_container(host: Host, sel: Selection) -> None:
    """Dialog with the replica choices, then stop one container."""
    from autodl_tui.ui.dialogs import StopContainerDialog

    c = _picked_container(sel)
    short = short_container_id(c.uuid)
    d = sel.deployments.get(c.deployment_uuid)  # fleet-wide: not the selected deployment
    await mutate(
        host,
        StopContainerDialog(short, d.deployment_type if d else ""),
        working=lambda _a: f"Stopping container {short}…",
        call=lambda choice: host.client.stop_container(
            c.uuid,
            decrease_one_replica_num=choice.decrease_one_replica_num,
            no_cache=choice.no_cache,
            cmd_before_shutdown=choice.cmd_before_shutdown,
        ),
        what="Stop container",
        done=lambda choice: (
            f"{short} is stopping"
            + (" and replicas decreased" if choice.decrease_one_replica_num else ""),
            "Container stopped",
        ),
        expect=(c.deployment_uuid, c.uuid),
    )


@row_action(
    "containers", "b", "containers-blacklist", "Blacklist",
    "Blacklist host", "Ban the selected container's host", _on_host, mutates=True,
)  # fmt: skip
async def blacklist_host(host: Host, sel: Selection) -> None:
    """Dialog for minutes and comment, then ban the container's host."""
    from autodl_tui.ui.dialogs import BlacklistDialog

    c = _picked_container(sel)
    await mutate(
        host,
        BlacklistDialog(c.machine_id, c.data_center),
        working=lambda _a: f"Blacklisting host {fit(c.machine_id, 30)}…",
        call=lambda choice: host.client.set_blacklist(
            c.uuid, expire_in_minutes=choice.expire_in_minutes, comment=choice.comment
        ),
        what="Blacklist",
        done=lambda choice: (
            f"host {c.machine_id} ({c.data_center}) banned for {choice.expire_in_minutes} min",
            "Blacklisted",
        ),
        stock=False,
    )


@row_action(
    "containers", "a", "containers-all", "Fleet view", "", "", always,
)  # fmt: skip
def toggle_fleet_wide(host: Host, _sel: Selection) -> None:
    """Show the containers of every deployment, or of the selected one only.

    No palette text here: the app's palette names the way it goes ("all" / "one").
    """
    host.toggle_fleet_wide()


@row_action(
    "containers", "s", "containers-shell", "Shell",
    "Shell in container", "ssh into the selected container (the app comes back on exit)",
    always, group="shell",
)  # fmt: skip
async def shell(host: Host, _sel: Selection) -> None:
    """Suspend the app and open ssh on the selected container (container_shell.py)."""
    from autodl_tui.ui.container_shell import open_shell

    await open_shell(host)


@row_action(
    "containers", "t", "containers-tunnel", "Tunnel",
    "Tunnel to container port", "Forward a local port to 6006, 6008 or another port",
    always, show=False, group="shell",
)  # fmt: skip
async def tunnel(host: Host, _sel: Selection) -> None:
    """Forward a local port to one of the selected container's ports."""
    from autodl_tui.ui.container_shell import open_tunnel

    await open_tunnel(host)


@row_action(
    "containers", "", "", "Detail",
    "Container detail", "Every field of the selected container", _container,
)  # fmt: skip
def container_detail(host: Host, sel: Selection) -> None:
    """Every field of the selected container (Enter in the containers pane)."""
    host.open_container_detail(_picked_container(sel).uuid)


# ---------------------------------------------------------------- screen-wide
@row_action(
    "screen", "d", "deployment-detail", "Deployment detail",
    "Deployment detail", "Template, counters and duration packages", _deployment, show=False,
)  # fmt: skip
def deployment_detail(host: Host, sel: Selection) -> None:
    """Template, counters and duration packages of the selected deployment."""
    host.open_deployment_detail(_picked(sel))


@row_action(
    "screen", "n", "deployments-new", "New",
    "New deployment", "Create a deployment (form, pre-flight)", always, mutates=True,
)  # fmt: skip
def new_deployment(host: Host, _sel: Selection) -> None:
    """Open the New deployment form."""
    host.open_create_form(None)
