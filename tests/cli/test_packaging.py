"""What `--version` imports, the generated completion script, and the wheel."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from sim_process import REPO

from autodl_tui import __version__
from autodl_tui.cmd.completion import script

HEAVY = ("httpx", "httpcore", "uvicorn", "starlette", "textual", "asyncssh", "tomlkit")
PROBE = """
import json, sys
from autodl_tui.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def imported(*argv: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    modules: list[str] = json.loads(done.stderr.splitlines()[-1])
    return {m.split(".")[0] for m in modules}


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["ls", "--help"]])
def test_nothing_heavy_is_imported_before_a_command_runs(argv) -> None:
    top = imported(*argv)
    assert "autodl_tui" in top
    assert sorted(top & set(HEAVY)) == []


def test_the_probe_sees_heavy_imports_when_they_happen() -> None:
    # The same probe on a command that does run the simulator's argument set: uvicorn shows.
    assert "uvicorn" in imported("sim", "--help")


def test_completion_scripts_are_generated_from_the_parser() -> None:
    bash = script("bash")
    for word in ("ls", "events", "stop-container", "--profile", "--follow", "--ndjson", "--yes"):
        assert word in bash, word
    assert "deployments" in bash and "blacklist" in bash  # ls's choices
    if shutil.which("bash"):
        checked = subprocess.run(["bash", "-n"], input=bash, text=True, capture_output=True)
        assert checked.returncode == 0, checked.stderr
    zsh = script("zsh")
    assert zsh.startswith("#compdef autodl-tui") and "--follow" in zsh


@pytest.mark.slow
def test_wheel_builds_and_installs_into_a_fresh_venv(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            ".",
            "--no-deps",
            "-q",
            "-w",
            str(wheels),
        ],
        cwd=REPO,
        check=True,
        timeout=120,
        capture_output=True,
    )
    (wheel,) = wheels.glob("autodl_tui-*.whl")
    assert wheel.name.startswith(f"autodl_tui-{__version__}-")
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The dependencies come from this test's environment (a path line, whose own .pth files,
    # such as this checkout's editable install, are not read); the package from the wheel.
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    where = subprocess.run(
        [str(python), "-c", "import autodl_tui; print(autodl_tui.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert where.startswith(site)
    version = subprocess.run(
        [str(target / "bin" / "autodl-tui"), "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert version.stdout.strip() == f"autodl-tui {__version__}"
    listing = subprocess.run(
        [str(target / "bin" / "autodl-tui"), "ls", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert listing.returncode == 0 and "--ndjson" in listing.stdout
    licenses = list(Path(site).glob("autodl_tui-*.dist-info/**/LICENSE"))
    assert licenses and "MIT License" in licenses[0].read_text()


def test_the_headless_commands_never_import_textual() -> None:
    probe = (
        "import json, sys, pkgutil, importlib, autodl_tui.cmd as c\n"
        "for m in pkgutil.iter_modules(c.__path__):\n"
        "    importlib.import_module(f'{c.__name__}.{m.name}')\n"
        "import autodl_tui.safety\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    modules = set(json.loads(done.stdout))
    assert "autodl_tui.cmd.mutate" in modules and "autodl_tui.safety" in modules
    assert not {m for m in modules if m.split(".")[0] == "textual"}
