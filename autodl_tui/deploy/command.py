"""`autodl-tui deploy FILE.toml`: validate a template, run the pre-flight, create once.

Exit codes: 0 created (or dry run with matching stock), 2 invalid file or usage,
3 API error, 4 no matching stock. The uuid is the only thing printed on stdout when
creating, so `uuid=$(autodl-tui deploy x.toml)` works; the pre-flight report goes to stderr.
With `--dry-run` the body and the pre-flight go to stdout and nothing is created.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from autodl_tui.api.client import AutoDLClient
from autodl_tui.api.errors import AutoDLError
from autodl_tui.api.specs import DeploymentSpec
from autodl_tui.config import ConfigError, load_settings, resolve_token
from autodl_tui.deploy.preflight import run_preflight
from autodl_tui.deploy.submit import CreateOutcomeUnknown, create_once
from autodl_tui.deploy.template import TemplateError
from autodl_tui.deploy.template_file import TemplateFile

__all__ = [
    "EXIT_API",
    "EXIT_INVALID",
    "EXIT_NO_STOCK",
    "EXIT_OK",
    "add_arguments",
    "deploy",
    "run",
]

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_API = 3
EXIT_NO_STOCK = 4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `autodl-tui deploy`."""
    parser.add_argument("file", type=Path, help="deployment template (TOML)")
    parser.add_argument(
        "--dry-run", action="store_true", help="print the body and the pre-flight; create nothing"
    )
    parser.add_argument("--name", help="deployment name (overrides the file's)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="create even when no idle GPU matches now (it waits for capacity)",
    )
    # SUPPRESS: given after the subcommand they override, absent they keep the main options'.
    parser.add_argument("--base-url", default=argparse.SUPPRESS, help="API root")
    parser.add_argument("--token", default=argparse.SUPPRESS, help="developer token")


def _err(message: str) -> None:
    print(f"autodl-tui deploy: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand from parsed arguments; returns the exit code."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        _err(f"config file: {exc}")
        return EXIT_INVALID
    base_url = getattr(args, "base_url", None) or settings.base_url
    token = resolve_token(getattr(args, "token", None), settings)
    try:
        file = TemplateFile.load(args.file)
        template = file.template()
        if args.name is not None:
            template = replace(template, name=args.name)
        spec = template.to_spec()
    except TemplateError as exc:
        _err(f"{args.file}: invalid template")
        for key, message in exc.problems.items():
            print(f"  {key}: {message}", file=sys.stderr)
        if not exc.problems:
            print(f"  {exc}", file=sys.stderr)
        return EXIT_INVALID
    if not token:
        _err("no developer token: pass --token, set AUTODL_TOKEN, or save one in the app")
        return EXIT_INVALID
    client = AutoDLClient(token, base_url=base_url)
    return asyncio.run(deploy(client, spec, dry_run=args.dry_run, force=args.force, out=sys.stdout))


async def deploy(
    client: AutoDLClient,
    spec: DeploymentSpec,
    *,
    dry_run: bool,
    force: bool = False,
    out: TextIO,
) -> int:
    """Pre-flight, then create (unless `dry_run`); print results; return the exit code."""
    async with client:
        try:
            preflight = await run_preflight(client, spec)
        except AutoDLError as exc:
            _err(_describe(exc))
            return EXIT_API
        report = out if dry_run else sys.stderr
        if dry_run:
            print(preflight.body_json(), file=out)
        print(preflight.report(), file=report)
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
        if created.recovered:
            _err("the answer was lost, but the deployment was found by name")
        print(created.uuid, file=out)
        return EXIT_OK


def _describe(exc: AutoDLError) -> str:
    return f"{exc}" + (f"\n  {exc.hint}" if exc.hint else "")
