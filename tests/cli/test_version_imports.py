"""`autodl-tui --version` decides before anything heavy loads (the import set, not a time)."""

from __future__ import annotations

import subprocess
import sys

from autodl_tui import __version__

#: Packages a launch must not load before the parser has decided what runs.
HEAVY = ("rich", "textual", "httpx", "uvicorn", "starlette", "platformdirs", "tomllib")


def imported_by(*args: str) -> tuple[set[str], str]:
    """Modules imported by `python -X importtime -m autodl_tui ARGS`, and its stdout."""
    return imported_running("-m", "autodl_tui", *args)


def imported_running(*args: str) -> tuple[set[str], str]:
    """Modules imported by `python -X importtime ARGS`, and its stdout."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    names.discard("package")  # the header line
    return names, done.stdout


def test_version_loads_the_parser_and_nothing_heavy() -> None:
    names, out = imported_by("--version")
    assert out.strip() == f"autodl-tui {__version__}"
    ours = {n for n in names if n.split(".")[0] == "autodl_tui"}
    # The subcommands' one-line help texts (mutate_help) are plain strings; heap is `gc`.
    light = {"cli", "heap", "token_flags", "cmd", "cmd.mutate_help"}
    assert ours == {"autodl_tui", *(f"autodl_tui.{name}" for name in light)}
    assert "argparse" in names  # the check sees imports at all
    loaded = sorted(n for n in names if n.split(".")[0] in HEAVY)
    assert loaded == []
    assert not {"subprocess", "pathlib", "dataclasses"} & names, "token reading loaded"


def test_help_still_names_the_files_built_lazily() -> None:
    names, out = imported_by("--help")
    assert "config.toml" in out and "autodl-tui.log" in out
    assert "platformdirs" in names  # the epilog is built for --help, and only then


def test_the_app_module_leaves_what_the_first_frame_does_not_need() -> None:
    """Importing the app (all the launch does before its first frame) loads no client stack,
    no poller, no data models, no alert engine, no ssh tunnels and no dialogs: they load
    when first used, after the first paint."""
    launch = "import autodl_tui.cli, autodl_tui.config, autodl_tui.ui.launch, autodl_tui.ui.app"
    names, _ = imported_running("-c", launch)
    assert "autodl_tui.ui.main_screen" in names  # the check sees imports at all
    later = {
        "httpx",
        "email",  # the retry policy's Retry-After parsing
        "autodl_tui.api.client",
        "autodl_tui.api.models",  # ~30 dataclasses with the specs and explain: ~15 ms
        "autodl_tui.api.specs",
        "autodl_tui.api.retry",
        "autodl_tui.explain",
        "autodl_tui.ui.poller",
        "autodl_tui.ui.why_waiting",
        "autodl_tui.alerts.engine",
        "autodl_tui.timelines",
        "autodl_tui.shell.tunnels",
        "autodl_tui.ui.dialogs",
        "autodl_tui.ui.token_screen",
        "autodl_tui.ui.help",
        "autodl_tui.ui.create_form",
        "autodl_tui.deploy",
        "autodl_tui.sim",
    }
    assert sorted(later & names) == []
