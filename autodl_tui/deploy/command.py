"""`autodl-tui deploy FILE.toml`: validate a template, run the pre-flight, create once.

Exit codes: 0 created (or dry run with matching stock), 2 invalid file or usage,
3 API error, 4 no matching stock, 5 refused (a read-only config or profile). The uuid is
the only thing printed on stdout when creating, so `uuid=$(autodl-tui deploy x.toml)`
works; the pre-flight report goes to stderr.
With `--dry-run` the body and the pre-flight go to stdout and nothing is created; with
`--dry-run --json` stdout is one JSON object and nothing else (the report goes to stderr).

Everything printed passes the display boundary (`display.clean`): a hostile or broken server
cannot write terminal escapes through a vendor `msg`, a region name or the uuid, and a uuid
that is not a plain identifier is refused rather than printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from autodl_tui.api.client import AutoDLClient
from autodl_tui.api.errors import AutoDLError
from autodl_tui.api.flavor import flavor_named
from autodl_tui.config import ConfigError, base_url_arg, load_settings, resolve_token
from autodl_tui.deploy.preflight import run_preflight
from autodl_tui.deploy.submit import CreateOutcomeUnknown, create_once
from autodl_tui.deploy.template import TemplateError
from autodl_tui.deploy.template_file import TemplateFile
from autodl_tui.display import clean
from autodl_tui.logs import add_secret, mask_secrets
from autodl_tui.token import TokenError, add_token_arguments

if TYPE_CHECKING:
    from autodl_tui.api.specs import DeploymentSpec
    from autodl_tui.deploy.preflight import Preflight

__all__ = [
    "EXIT_API",
    "EXIT_INVALID",
    "EXIT_NO_STOCK",
    "EXIT_OK",
    "EXIT_REFUSED",
    "add_arguments",
    "deploy",
    "run",
]

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_API = 3
EXIT_NO_STOCK = 4
#: A read-only config or profile (or --read-only): nothing is created (as the headless commands).
EXIT_REFUSED = 5
#: What a deployment uuid may look like ("833f1cd5a764fa3"), with room for other formats.
_UUID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
#: Longest report or body printed (far above any real one; the bound is clean()'s).
_MAX_OUT = 1_000_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `autodl-tui deploy`."""
    parser.add_argument("file", type=Path, help="deployment template (TOML)")
    parser.add_argument(
        "--dry-run", action="store_true", help="print the body and the pre-flight; create nothing"
    )
    parser.add_argument("--name", help="deployment name (overrides the file's)")
    parser.add_argument(
        "--json",
        action="store_true",
        help="stdout is one JSON object: with --dry-run the body and the pre-flight, "
        "else the uuid (the report goes to stderr)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="create even when no idle GPU matches now (it waits for capacity)",
    )
    # SUPPRESS: given after the subcommand they override, absent they keep the main options'.
    parser.add_argument(
        "--base-url", type=base_url_arg, metavar="URL", default=argparse.SUPPRESS, help="API root"
    )
    add_token_arguments(parser, suppress=True)


def _print(text: str, file: TextIO) -> None:
    """Outside text (server answers, file contents) to a terminal, controls shown visibly."""
    print(clean(mask_secrets(text), newlines=True, max_chars=_MAX_OUT), file=file)


def _err(message: str) -> None:
    _print(f"autodl-tui deploy: {message}", sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand from parsed arguments; returns the exit code."""
    try:
        settings = load_settings(profile=getattr(args, "profile", None))
    except ConfigError as exc:
        _err(f"config file: {exc}")
        return EXIT_INVALID
    base_url = getattr(args, "base_url", None) or settings.base_url
    try:
        found = resolve_token(args, settings)
    except TokenError as exc:
        _err(str(exc))
        return EXIT_INVALID
    for warning in found.warnings:
        _err(f"warning: {warning}")
    if (settings.read_only or getattr(args, "read_only", False)) and not args.dry_run:
        label = f"profile {settings.profile!r}" if settings.profile else "the config"
        _err(f"read-only ({label} or --read-only): nothing is created; --dry-run still works")
        return EXIT_REFUSED
    token = found.token
    add_secret(token)  # masked in whatever is printed below
    try:
        # The private cloud's create takes no regions: its templates need none.
        regions = flavor_named(settings.flavor).takes_regions
        file = TemplateFile.load(args.file)
        template = file.template(regions=regions)
        if args.name is not None:
            template = replace(template, name=args.name)
        spec = template.to_spec(regions=regions)
    except TemplateError as exc:
        _err(f"{args.file}: invalid template")
        for key, message in exc.problems.items():
            _print(f"  {key}: {message}", sys.stderr)
        if not exc.problems:
            _print(f"  {exc}", sys.stderr)
        return EXIT_INVALID
    if not token:
        _err(
            "no developer token: pass --token-file PATH or --token -, set AUTODL_TOKEN, "
            "or save one in the app"
        )
        return EXIT_INVALID
    client = AutoDLClient(token, base_url=base_url, flavor=settings.flavor)
    return asyncio.run(
        deploy(
            client,
            spec,
            dry_run=args.dry_run,
            force=args.force,
            out=sys.stdout,
            as_json=getattr(args, "json", False),
        )
    )


async def deploy(
    client: AutoDLClient,
    spec: DeploymentSpec,
    *,
    dry_run: bool,
    force: bool = False,
    out: TextIO,
    as_json: bool = False,
) -> int:
    """Pre-flight, then create (unless `dry_run`); print results; return the exit code.

    With `as_json`, `out` gets exactly one JSON object (json.dumps, ensure_ascii: every
    control escaped) and the human report goes to stderr.
    """
    async with client:
        try:
            preflight = await run_preflight(client, spec)
        except AutoDLError as exc:
            _err(_describe(exc))
            return EXIT_API
        report = out if dry_run and not as_json else sys.stderr
        if dry_run and as_json:
            _print_json(_preflight_record(preflight), out)
        elif dry_run:
            _print(preflight.body_json(), out)
        _print(preflight.report(), report)
        if preflight.stock_unknown:
            _err("GPU stock could not be read")
            return EXIT_API
        if not preflight.has_stock and not force:
            _err("no idle GPU matches the template now (pass --force to create anyway)")
            return EXIT_NO_STOCK
        if dry_run:
            return EXIT_OK
        try:
            created = await create_once(client, spec)
        except CreateOutcomeUnknown as exc:
            _err(str(exc))
            return EXIT_API
        except AutoDLError as exc:
            _err(_describe(exc))
            return EXIT_API
        if not _UUID.fullmatch(created.uuid):
            _err(
                "the API answered with an invalid deployment uuid (not printed); "
                "check the deployment list before creating again"
            )
            return EXIT_API
        if created.recovered:
            _err("the answer was lost, but the deployment was found by name")
        if as_json:
            _print_json({"deployment_uuid": created.uuid, "recovered": created.recovered}, out)
        else:
            print(created.uuid, file=out)
        return EXIT_OK


def _print_json(obj: object, out: TextIO) -> None:
    print(json.dumps(obj, ensure_ascii=True), file=out)


def _preflight_record(preflight: Preflight) -> dict[str, Any]:
    """The dry run as data: the body that would be sent and the stock per region."""
    return {
        "body": preflight.body,
        "has_stock": preflight.has_stock,
        "stock_unknown": preflight.stock_unknown,
        "idle": preflight.idle,
        "warnings": [mask_secrets(w) for w in preflight.warnings],
        "regions": [
            {
                "region": r.region,
                "idle": r.idle,
                "error": mask_secrets(r.error),
                "models": [
                    {"gpu_name": m.gpu_name, "idle": m.idle, "total": m.total} for m in r.models
                ],
            }
            for r in preflight.regions
        ],
    }


def _describe(exc: AutoDLError) -> str:
    return f"{exc}" + (f"\n  {exc.hint}" if exc.hint else "")
