"""`autodl-tui ls KIND`: deployments, containers, events, stock, images, blacklist, packages.

The same client calls as the app's panes; `--json` prints one array, `--ndjson` one object
per line, the default a table. Secrets (root passwords) are never part of any output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autodl_tui.cmd.common import (
    EXIT_INVALID,
    EXIT_OK,
    Failed,
    add_output_arguments,
    emit,
    record,
    run_with_client,
)

if TYPE_CHECKING:
    import argparse

    from autodl_tui.api.client import AutoDLClient
    from autodl_tui.api.models import Deployment
    from autodl_tui.config import Settings

__all__ = ["COLUMNS", "KINDS", "add_arguments", "find_deployment", "run"]

#: Table columns per kind (JSON output has every field).
COLUMNS: dict[str, tuple[str, ...]] = {
    "deployments": (
        "uuid",
        "name",
        "status",
        "deployment_type",
        "replica_num",
        "running_num",
        "created_at",
    ),
    "containers": (
        "uuid",
        "status",
        "gpu_name",
        "gpu_num",
        "data_center",
        "machine_id",
        "started_at",
    ),
    "events": ("created_at", "container_uuid", "status"),
    "stock": ("region", "gpu_name", "idle", "total"),
    "images": ("image_uuid", "image_name", "status", "created_at"),
    "blacklist": ("machine_id", "data_center", "msg", "expired_time"),
    "packages": ("gpu_type", "balance_s", "total_s", "dc_list"),
}
KINDS = tuple(COLUMNS)
#: Kinds that list something of one deployment.
_PER_DEPLOYMENT = ("containers", "events", "packages")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `autodl-tui ls`."""
    parser.add_argument("kind", choices=KINDS, help="what to list")
    parser.add_argument(
        "deployment",
        nargs="?",
        default="",
        help="deployment uuid or exact name (containers, events, packages)",
    )
    parser.add_argument(
        "--status", action="append", default=[], help="filter by status (repeatable)"
    )
    parser.add_argument("--name", default="", help="deployments: this exact name")
    parser.add_argument("--gpu", default="", help="containers, stock: this GPU model")
    parser.add_argument(
        "--region", action="append", default=[], help="stock: this region code (repeatable)"
    )
    parser.add_argument("--container", default="", help="events: of this container only")
    parser.add_argument("--released", action="store_true", help="containers: include released ones")
    add_output_arguments(parser)


async def find_deployment(client: AutoDLClient, key: str) -> Deployment:
    """The deployment whose uuid, else whose exact name, is `key`; Failed(2) if none or several."""
    listing = await client.list_all_deployments()
    by_uuid = [d for d in listing if d.uuid == key]
    if by_uuid:
        return by_uuid[0]
    named = [d for d in listing if d.name == key]
    if len(named) == 1:
        return named[0]
    if named:
        raise Failed(EXIT_INVALID, f"{len(named)} deployments are named {key!r}; give the uuid")
    raise Failed(EXIT_INVALID, f"no deployment with uuid or name {key!r}")


async def rows_of(client: AutoDLClient, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The records `ls` prints for `args.kind`."""
    from autodl_tui.api.specs import ContainerFilter, StockFilter
    from autodl_tui.catalog import REGION_CODES

    kind: str = args.kind
    if kind in _PER_DEPLOYMENT:
        if not args.deployment:
            raise Failed(EXIT_INVALID, f"ls {kind} needs a DEPLOYMENT (uuid or name)")
        uuid = (await find_deployment(client, args.deployment)).uuid
    if kind == "deployments":
        if len(args.status) > 1:
            raise Failed(EXIT_INVALID, "deployments take one --status (running or stopped)")
        status = args.status[0] if args.status else ""
        listing = await client.list_all_deployments(name=args.name, status=status)
        return [record(d) for d in listing]
    if kind == "containers":
        filter = ContainerFilter(
            gpu_name=args.gpu, status=tuple(args.status), released=args.released
        )
        return [record(c) for c in await client.list_all_containers(uuid, filter)]
    if kind == "events":
        # The app's cursor: its first poll is the history the events pane shows.
        cursor = client.event_cursor(uuid, args.container)
        return [record(e) for e in await cursor.poll()]
    if kind == "stock":
        # The flavor's regions (the private cloud's one is its whole cluster, api/flavor.py).
        regions = args.region or list(client.flavor.stock_regions)
        known = client.flavor.known_regions
        unknown = [r for r in regions if known is not None and r not in known]
        if unknown:
            raise Failed(
                EXIT_INVALID,
                f"unknown region {unknown[0]!r}; known: {', '.join(REGION_CODES)}",
            )
        filter_ = StockFilter(gpu_name_set=(args.gpu,)) if args.gpu else None
        out: list[dict[str, Any]] = []
        for region in regions:
            out += [record(s) for s in await client.get_gpu_stock(region, filter_)]
        return out
    if kind == "images":
        return [record(i) for i in await client.list_all_private_images()]
    if kind == "blacklist":
        return [record(b) for b in await client.list_blacklist()]
    return [record(p) for p in await client.get_ddp_overview(uuid)]


def run(args: argparse.Namespace) -> int:
    """Run `ls` from parsed arguments; returns the exit code."""

    async def body(client: AutoDLClient, _settings: Settings) -> int:
        emit(await rows_of(client, args), args.output, COLUMNS[args.kind])
        return EXIT_OK

    return run_with_client(args, body)
