"""Secrets never reach the screen, the log file, screenshots or snapshots.

The secrets are the tokens the tests, the demo and the screenshots use, and every root
password of the demo fleet (same seed as scripts/make_screenshots.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_helpers import SIZE, TOKEN, Recorder, build_app, select, until

from autodl_tui.logs import MASK, add_secret, redact, setup_logging, stop_logging
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.commands import ContainerQuery
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.faults import FaultConfig
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.ui.container_detail import ContainerDetailScreen
from autodl_tui.ui.launch import DEMO_TOKEN

ROOT = Path(__file__).resolve().parent.parent
TOKENS = (DEMO_TOKEN, TOKEN, "screenshot-token", "renewed-token")


def root_passwords(sim: Simulator) -> set[str]:
    """Every root password the simulator holds, released containers included."""
    found: set[str] = set()
    for dep in sim.list_deployments(1, 100)["list"]:
        query = ContainerQuery(dep["uuid"], 1, 1000, released=True)
        for container in sim.list_containers(query)["list"]:
            password = (container.get("info") or {}).get("root_password")
            if password:
                found.add(password)
    return found


@pytest.fixture(scope="module")
def secrets() -> tuple[str, ...]:
    passwords = root_passwords(build_simulator("demo", seed=0, clock=VirtualClock()))
    assert len(passwords) > 5
    return (*TOKENS, *sorted(passwords))


def leaks(text: str, secrets: tuple[str, ...]) -> list[str]:
    return [s for s in secrets if s in text]


def pictures() -> list[Path]:
    return sorted(ROOT.glob("screenshots/*.svg")) + sorted(
        ROOT.glob("tests/**/__snapshots__/**/*.svg")
    )


def test_screenshots_and_snapshots_hold_no_secret(secrets: tuple[str, ...]) -> None:
    files = pictures()
    assert files, "screenshots/ should hold the README's SVGs"
    found = {str(p.relative_to(ROOT)): leaks(p.read_text(encoding="utf-8"), secrets) for p in files}
    assert not any(found.values()), found


def test_redaction_masks_registered_secrets_and_credential_fields() -> None:
    add_secret("s3cret-token-value")
    text = redact(
        'token s3cret-token-value; {"root_password": "hunter22"} password=abc Authorization: xyz'
    )
    assert "s3cret-token-value" not in text and "hunter22" not in text
    assert "abc" not in text and "xyz" not in text and MASK in text


def test_redaction_masks_the_longest_secret_among_thousands() -> None:
    # A fleet-wide view registers every container's password: thousands at once.
    for i in range(5000):
        add_secret(f"fleet-pw-{i:06d}")
    add_secret("fleet-pw-000042-and-more")
    text = redact("a fleet-pw-000042-and-more b fleet-pw-004999c fleet-pw-00 d")
    assert text == f"a {MASK} b {MASK}c fleet-pw-00 d"


@pytest.fixture
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("AUTODL_TUI_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setattr("autodl_tui.ui.clipboard.pyperclip.copy", lambda text: None)
    path = setup_logging(tmp_path / "state")
    yield path
    stop_logging()


async def test_a_session_with_faults_and_copies_leaks_nothing(
    log_file: Path, secrets: tuple[str, ...]
) -> None:
    from autodl_tui.ui.launch import start_logging

    clock = VirtualClock()
    sim = build_simulator("demo", seed=0, clock=clock)
    faults = FaultConfig(seed=3)
    recorder = Recorder(sim_transport(sim, faults))
    start_logging(TOKEN)
    setup_logging(log_file.parent)  # start_logging opened the real state dir; come back
    app = build_app(recorder, clock.now)
    screens: list[str] = []
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await select(pilot, app, "l20-infer")
        await pilot.press("2", "p", "c")
        await until(pilot, lambda: bool(app.clipboard))
        password = next(iter(screen.containers.values())).info.root_password
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ContainerDetailScreen))
        screens.append(app.export_screenshot())
        await pilot.press("escape")
        faults.fault_rate = 1.0
        await pilot.press("r")
        await until(pilot, lambda: screen.poller.state != "live")
        await pilot.press("x")
        await pilot.pause(0.1)
        await pilot.press("enter")
        await until(pilot, lambda: app.last_error is not None)
        screens.append(app.export_screenshot())
        # Someone logs a secret by mistake: the file still must not hold it.
        logging.getLogger("autodl_tui.test").error(
            "token %s password %s", TOKEN, password, exc_info=ValueError(password)
        )
    text = log_file.read_text(encoding="utf-8")
    assert "ValueError" in text and "failed" in text
    assert not leaks(text, secrets), leaks(text, secrets)
    for shot in screens:
        assert not leaks(shot, secrets)
    assert oct(log_file.stat().st_mode & 0o777) == "0o600"
