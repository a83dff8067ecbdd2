"""The collector is paused for start-up only: every way out of `main` resumes it, and only
the app's first frame freezes the heap."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autodl_tui import cli, heap
from autodl_tui.config import Settings
from autodl_tui.ui.app import AutoDLApp


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    """Whatever a test does, the session's collector is left running and unfrozen."""
    frozen = gc.get_freeze_count()
    yield
    heap.resume_collector()
    gc.enable()
    if gc.get_freeze_count() > frozen:
        gc.unfreeze()


def test_version_and_a_bad_config_leave_the_collector_running_and_unfrozen(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    frozen = gc.get_freeze_count()
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    bad = tmp_path / "config.toml"
    bad.write_text("refresh = 'often'\n")
    bad.chmod(0o600)
    monkeypatch.setenv("AUTODL_TUI_CONFIG", str(bad))
    assert cli.main([]) == 2
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_a_command_runs_with_the_collector_and_the_launch_without(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, bool] = {}

    def command(args: Any) -> int:
        seen["command"] = gc.isenabled()
        return 0

    def launch(settings: Settings, **kwargs: Any) -> int:
        seen["launch"] = gc.isenabled()
        return 0

    monkeypatch.setattr(cli, "_run_command", command)
    monkeypatch.setattr("autodl_tui.ui.launch.run_app", launch)
    monkeypatch.setenv("AUTODL_TUI_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("AUTODL_TOKEN", "t")
    assert cli.main(["ls", "deployments"]) == 0
    assert cli.main([]) == 0
    # The launch (importing Textual and the app) runs paused; a command (a server) does not.
    assert seen == {"command": True, "launch": False}
    assert gc.isenabled()


def test_resuming_without_a_pause_does_nothing() -> None:
    frozen = gc.get_freeze_count()
    gc.disable()
    heap.resume_collector(freeze=True)  # not paused by heap: someone else's choice stands
    assert not gc.isenabled() and gc.get_freeze_count() == frozen


async def test_the_real_processs_app_resumes_and_freezes_after_its_first_frame() -> None:
    heap.pause_collector()
    frozen = gc.get_freeze_count()
    app = AutoDLApp(
        Settings(),
        None,
        api_label="x",
        client_factory=lambda: pytest.fail("not started: no client is built"),
        freeze_heap=True,
        autostart=False,
    )
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        assert app.screen is app.main_screen
        assert gc.isenabled()
        assert gc.get_freeze_count() > frozen
