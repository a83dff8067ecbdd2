"""Command line: the app, the headless subcommands, `sim`, `deploy`, `completion`, `config`.

Nothing heavy is imported before the parser has decided what runs: each subcommand's
arguments are added only when that subcommand is parsed (or its help shown), and its module
imports the client (httpx), the simulator (uvicorn, Starlette) or the app (Textual) in `run`.
`autodl-tui --version` therefore loads argparse and this package's light modules only (not
even Rich: the display boundary and the paths in the help's epilog load when used;
tests/cli/test_version_imports.py checks the set).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from autodl_tui import __version__
from autodl_tui.heap import pause_collector, resume_collector
from autodl_tui.token_flags import ENV_VAR, add_token_arguments

if TYPE_CHECKING:
    from collections.abc import Sequence

#: Environment variables the command line reads.
CONFIG_ENV = "AUTODL_TUI_CONFIG"
PROFILE_ENV = "AUTODL_TUI_PROFILE"

Populate = Callable[[argparse.ArgumentParser], None]

#: Subcommand -> the module whose `run(args)` runs it (imported only then).
_MODULES = {
    "sim": "autodl_tui.sim.server",
    "deploy": "autodl_tui.deploy.command",
    "ls": "autodl_tui.cmd.listing",
    "events": "autodl_tui.cmd.events",
    "completion": "autodl_tui.cmd.completion",
    "config": "autodl_tui.cmd.config_command",
    "serve": "autodl_tui.serve.command",
}


class _LazyParser(argparse.ArgumentParser):
    """A subcommand's parser whose arguments are added the first time it is used."""

    def __init__(self, *args: Any, populate: Populate | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._populate = populate

    def populate(self) -> None:
        """Add the arguments now (once)."""
        populate, self._populate = self._populate, None
        if populate is not None:
            populate(self)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Populate, then parse."""
        self.populate()
        return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        """Populate, then format."""
        self.populate()
        return super().format_help()

    def format_usage(self) -> str:
        """Populate, then format."""
        self.populate()
        return super().format_usage()


def _clean(text: object, *, newlines: bool = False) -> str:
    """`display.clean` (Rich loads with it, so only when a message is shown)."""
    from autodl_tui.display import clean as display_clean

    return display_clean(text, newlines=newlines)


class _MainParser(argparse.ArgumentParser):
    """The top-level parser: its epilog (paths, via platformdirs) is built for --help only."""

    def format_help(self) -> str:
        """Add the epilog, then format."""
        if self.epilog is None:
            self.epilog = _epilog()
        return super().format_help()


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {_clean(text)!r}") from None
    if not 0.5 <= value <= 3600:
        raise argparse.ArgumentTypeError("refresh must be between 0.5 and 3600 seconds")
    return value


def _base_url(text: str) -> str:
    from autodl_tui.config import base_url_arg

    return base_url_arg(text)


def add_connection_arguments(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """`--profile`, `--base-url`, `--token`, `--token-file`, `--read-only`.

    With `suppress` (after a subcommand), a flag left out keeps the value given before it.
    """
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--profile",
        metavar="NAME",
        default=default,
        help=f"use [profiles.NAME] of the config file (default: ${PROFILE_ENV}, else none)",
    )
    parser.add_argument(
        "--base-url",
        type=_base_url,
        metavar="URL",
        default=default,
        help="API root, http(s)://host[:port] (default: the profile's or config file's, "
        "else https://api.autodl.com)",
    )
    add_token_arguments(parser, suppress=suppress)
    parser.add_argument(
        "--read-only",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="change nothing: mutating actions are hidden (app) or refused (exit 5)",
    )


def _epilog() -> str:
    from autodl_tui.paths import config_file, state_dir

    return (
        "exit codes: 0 ok, 2 usage or invalid input, 3 API error, 4 no matching stock "
        "(deploy), 5 refused (not confirmed, read-only, no terminal and no --yes), "
        "130 interrupted\n\n"
        "environment:\n"
        f"  {ENV_VAR:<20} developer token (after --token/--token-file and a profile's token)\n"
        f"  {CONFIG_ENV:<20} config file path (as --config)\n"
        f"  {PROFILE_ENV:<20} profile name (as --profile)\n\n"
        "files:\n"
        f"  config  {_clean(config_file())}\n"
        f"  log     {_clean(state_dir() / 'autodl-tui.log')} (the app's; secrets redacted)\n"
    )


def _adder(module: str) -> Populate:
    """A populate hook calling `module.add_arguments` (the module is imported only then)."""

    def populate(parser: argparse.ArgumentParser) -> None:
        importlib.import_module(module).add_arguments(parser)

    return populate


def _deploy(parser: argparse.ArgumentParser) -> None:
    _adder(_MODULES["deploy"])(parser)
    parser.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS, help="profile")


def _connected(add: Populate) -> Populate:
    def populate(parser: argparse.ArgumentParser) -> None:
        add(parser)
        add_connection_arguments(parser, suppress=True)

    return populate


def _mutate(command: str) -> Populate:
    def populate(parser: argparse.ArgumentParser) -> None:
        from autodl_tui.cmd import mutate

        mutate.add_arguments(parser, command)

    return populate


def _config(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument(
        "--print-default", action="store_true", help="print a commented default config file"
    )
    group.add_argument("--path", action="store_true", help="print the config file's path")


#: Subcommand -> (help, how its arguments are added). Order is the help's order.
def _commands() -> dict[str, tuple[str, str, Populate]]:
    from autodl_tui.cmd.mutate_help import MUTATE_HELP

    commands: dict[str, tuple[str, str, Populate]] = {
        "ls": (
            "list deployments, containers, events, stock, images, blacklist or packages",
            "Exit codes: 2 usage or unknown deployment, 3 API error.",
            _connected(_adder(_MODULES["ls"])),
        ),
        "events": (
            "a deployment's container events; --follow streams NDJSON, each event once",
            "Exit codes: 0 (also when interrupted with --follow), 2 usage, 3 API error.",
            _connected(_adder(_MODULES["events"])),
        ),
    }
    for name, text in MUTATE_HELP.items():
        commands[name] = (
            text,
            "Asks on the terminal; --yes for scripts. Exit codes: 2 usage or invalid value, "
            "3 API error, 5 refused (not confirmed, read-only, no terminal and no --yes).",
            _connected(_mutate(name)),
        )
    commands["deploy"] = (
        "create a deployment from a TOML template (pre-flight first)",
        "Validate FILE.toml, print the pre-flight, create the deployment once and print its "
        "uuid. Exit codes: 2 invalid file, 3 API error, 4 no matching stock, 5 read-only.",
        _deploy,
    )
    commands["sim"] = ("serve the AutoDL simulator over HTTP", "", _adder(_MODULES["sim"]))
    commands["completion"] = (
        "print a shell completion script (bash, zsh, tcsh)",
        "Install: autodl-tui completion bash > ~/.local/share/bash-completion/completions/"
        "autodl-tui; zsh: autodl-tui completion zsh > ~/.zfunc/_autodl-tui (with ~/.zfunc "
        "on fpath).",
        _adder(_MODULES["completion"]),
    )
    commands["config"] = ("show the config file's path or a default config", "", _config)
    commands["serve"] = (
        "serve the app to a web browser (read-only, loopback, behind an access secret)",
        "",
        _adder(_MODULES["serve"]),
    )
    return commands


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for the app and its subcommands (subcommands filled in lazily)."""
    parser = _MainParser(
        prog="autodl-tui",
        description="Keyboard-driven terminal app for AutoDL elastic deployments (弹性部署). "
        "Without a command it runs the app.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"autodl-tui {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help=f"config file to read (and the app to save to) (default: ${CONFIG_ENV}, else "
        "the path under files: below)",
    )
    add_connection_arguments(parser, suppress=False)
    parser.add_argument(
        "--refresh",
        type=_positive_seconds,
        help="seconds between polls (default: the profile's or config's, else 2)",
    )
    parser.add_argument(
        "--demo", action="store_true", help="run on the built-in simulator (no token needed)"
    )
    parser.add_argument(
        "--hide-secrets",
        action="store_true",
        help="never reveal or copy root passwords (screen sharing; serve sets it)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_LazyParser)
    for name, (text, description, populate) in _commands().items():
        commands.add_parser(name, help=text, description=description or text, populate=populate)
    return parser


def populate_all(parser: argparse.ArgumentParser) -> None:
    """Add every subcommand's arguments now (for the completion script)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if isinstance(sub, _LazyParser):
                    sub.populate()


def _say(message: str) -> None:
    """One line for the user on stderr, through the display boundary."""
    print(f"autodl-tui: {_clean(message, newlines=True)}", file=sys.stderr)


def _reattach_keyboard() -> None:
    """Make the terminal stdin again after `--token -` read the token from a pipe.

    Textual reads keys from file descriptor 0; after `pass show x | autodl-tui --token -`
    that is the spent pipe, so the controlling terminal is opened in its place.
    """
    fd = os.open("/dev/tty", os.O_RDWR)
    try:
        os.dup2(fd, 0)
    finally:
        os.close(fd)


def _run_command(args: argparse.Namespace) -> int:
    module = importlib.import_module(_MODULES.get(args.command, "autodl_tui.cmd.mutate"))
    code: int = module.run(args)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `autodl-tui` console script; returns the exit code."""
    # Until the app's first frame, which resumes it (or until a subcommand is chosen):
    # see heap.py. Parsing `--base-url` already imports the config's modules.
    pause_collector()
    try:
        args = build_parser().parse_args(argv)
        if args.config:
            # Through the environment so every reader and writer (templates, the app's
            # save) follows it, as they follow AUTODL_TUI_CONFIG.
            os.environ[CONFIG_ENV] = args.config
        if getattr(args, "profile", None) is None:
            args.profile = os.environ.get(PROFILE_ENV) or None
        if args.command:
            resume_collector()  # a server (`sim`, `serve`) runs for hours
            return _run_command(args)
        return _run_app(args)
    finally:
        resume_collector()  # after an error, or an app that ended before its first frame


def _run_app(args: argparse.Namespace) -> int:
    from autodl_tui.config import (
        ConfigError,
        load_settings,
        others_can_read,
        permission_warning,
        resolve_token,
    )
    from autodl_tui.token import TokenError

    try:
        settings = load_settings(profile=args.profile)
    except ConfigError as exc:
        _say(f"config file: {exc}")
        return 2
    from autodl_tui.ui.launch import run_app, theme_problem

    problem = theme_problem(settings.theme)
    if problem:
        _say(f"config file: {problem}")
        return 2
    warnings = [permission_warning()] if others_can_read() else []
    if args.demo:
        token = settings.token  # the simulator needs none; registered as a secret still
    else:
        try:
            found = resolve_token(args, settings)
        except TokenError as exc:
            _say(str(exc))
            return 2
        token = found.token
        warnings += found.warnings
        if found.used_stdin:
            try:
                _reattach_keyboard()
            except OSError:
                _say(
                    "--token - read a pipe and there is no terminal for the keyboard; "
                    "use --token-file PATH instead"
                )
                return 2
    for warning in warnings:
        _say(f"warning: {warning}")
    if args.base_url:
        settings.base_url = args.base_url
    if args.refresh:
        settings.refresh = args.refresh
    settings.read_only = settings.read_only or args.read_only
    settings.hide_secrets = settings.hide_secrets or args.hide_secrets
    return run_app(
        settings,
        token=token,
        demo=args.demo,
        warnings=warnings,
        read_only_flag=args.read_only,
        hide_secrets_flag=args.hide_secrets,
    )
