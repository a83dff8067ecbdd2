"""Pilot tests for the container detail screen: units, masking, copy keys, closing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from unittest.mock import MagicMock

import pytest
import views_host
from textual.app import App
from textual.notifications import SeverityLevel
from textual.pilot import Pilot
from textual.widgets import Static

from autodl_tui.api.models import Container, Deployment
from autodl_tui.catalog import CST
from autodl_tui.ui import clipboard
from autodl_tui.ui.container_detail import MASK, ContainerDetailScreen
from autodl_tui.ui.units import duration, gb, minutes_words, money_yuan_per_hour, short_uuid

PASSWORD = "S3cretPw42"
SSH = "ssh -p 41234 root@region-1.autodl.com"
URL_6006 = "https://u1-6006.autodl.com"
NOW = datetime(2025, 3, 25, 20, 54, 55, tzinfo=CST)

RAW: dict[str, Any] = {
    "uuid": "da497aea1eb8343-f94411a60c-1502e6e2",
    "deployment_uuid": "da497aea1eb8343",
    "status": "running",
    "version": "v1",
    "data_center": "westDC2",
    "machine_id": "f94411a60c",
    "gpu_name": "RTX 4090",
    "gpu_num": 2,
    "cpu_num": 32,
    "memory_size": 90 * 1024**3,
    "price": 2190.0,
    "image_uuid": "image-db8346e037",
    "info": {
        "ssh_command": SSH,
        "root_password": PASSWORD,
        "service_6006_port_url": URL_6006,
        "service_6008_port_url": "https://u1-6008.autodl.com",
        "service_url": "http://legacy.autodl.com:8443",
    },
    "created_at": "2025-03-25T17:40:00+08:00",
    "started_at": "2025-03-25T17:42:55+08:00",
}


def make_container(**changes: Any) -> Container:
    raw = {**RAW, **changes}
    return Container.from_api(raw)


DEPLOYMENT = Deployment.from_api(
    {
        "uuid": "da497aea1eb8343",
        "name": "train-7b",
        "deployment_type": "ReplicaSet",
        "template": {"image_uuid": "image-db8346e037", "image_name": "my-torch"},
    }
)


class Host(views_host.Host):
    """Pushes the detail screen; records dismissals and notification texts."""

    def __init__(self, screen: ContainerDetailScreen) -> None:
        super().__init__(screen)
        self.notes: list[str] = []

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        self.notes.append(f"{title}: {message}")
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)


@pytest.fixture(autouse=True)
def fake_pyperclip(monkeypatch: pytest.MonkeyPatch) -> MagicMock:
    """Never touch a real clipboard; behave as a local (non-SSH) session."""
    fake = MagicMock(name="pyperclip")
    monkeypatch.setattr(clipboard, "pyperclip", fake)
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"):
        monkeypatch.delenv(name, raising=False)
    return fake


@asynccontextmanager
async def shown(
    container: Container | None = None,
    deployment: Deployment | None = None,
    **kwargs: Any,
) -> AsyncIterator[tuple[Host, Pilot[None]]]:
    screen = ContainerDetailScreen(
        container or make_container(), deployment, clock=lambda: NOW, **kwargs
    )
    app = Host(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        yield app, pilot


def value(app: App[Any], key: str) -> str:
    return str(app.screen.query_one(f"#v-{key}", Static).render())


def all_static_text(app: App[Any]) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


# --- units --------------------------------------------------------------------------------


def test_units() -> None:
    assert money_yuan_per_hour(2190) == "¥2.19/h"
    assert gb(90 * 1024**3) == "90 GB"
    assert gb(15.5 * 1024**3) == "15.5 GB"
    assert duration(3 * 3600 + 12 * 60 + 7) == "3h 12m"
    assert duration(45) == "45s"
    assert duration(-5) == "0s"
    assert duration(12 * 60 + 5) == "12m 5s"
    assert duration(2 * 86400 + 3 * 3600) == "2d 3h"
    assert duration(3600) == "1h"
    assert minutes_words(1440) == "24 h"
    assert minutes_words(43200) == "30 d"
    assert minutes_words(90) == "1 h 30 min"
    assert minutes_words(45) == "45 min"
    assert minutes_words(3 * 1440 + 120) == "3 d 2 h"
    assert short_uuid("da497aea1eb8343-f94411a60c-1502e6e2") == "1502e6e2"
    assert short_uuid("da497aea1eb8343") == "da497aea1e"
    assert short_uuid("") == ""


# --- fields -------------------------------------------------------------------------------


async def test_fields_in_readable_units() -> None:
    async with shown(deployment=DEPLOYMENT) as (app, _pilot):
        assert value(app, "status") == "running"
        assert value(app, "uuid") == RAW["uuid"]
        assert value(app, "deployment") == "train-7b · ReplicaSet · da497aea1eb8343"
        assert value(app, "region") == "westDC2 西北企业区(推荐)"
        assert value(app, "machine") == "f94411a60c"
        assert value(app, "gpu") == "RTX 4090 × 2"
        assert value(app, "cpu") == "32 vCPU"
        assert value(app, "memory") == "90 GB"
        assert value(app, "price") == "¥2.19/h"
        assert value(app, "image") == "my-torch (image-db8346e037)"
        assert value(app, "created") == "2025-03-25 17:40:00 UTC+8"
        assert value(app, "started") == "2025-03-25 17:42:55 UTC+8"
        assert value(app, "stopped") == "—"
        assert value(app, "uptime") == "3h 12m"
        assert value(app, "ssh") == SSH
        assert value(app, "url6006") == URL_6006
        assert value(app, "url6008") == "https://u1-6008.autodl.com"
        assert value(app, "service-url") == "http://legacy.autodl.com:8443 (deprecated)"


async def test_stopped_container_and_missing_deployment() -> None:
    container = make_container(
        status="shutdown",
        stopped_at="2025-03-25T18:00:00+08:00",
        info={},
        data_center="marsDC1",
    )
    async with shown(container) as (app, _pilot):
        assert value(app, "deployment") == "da497aea1eb8343"
        assert value(app, "region") == "marsDC1"
        assert value(app, "uptime") == "17m 5s"
        assert value(app, "ssh") == "—"
        assert value(app, "password") == "—"
        assert not app.screen.query("#v-service-url")


# --- password masking ---------------------------------------------------------------------


async def test_password_masked_until_v() -> None:
    async with shown() as (app, pilot):
        assert PASSWORD not in app.export_screenshot()
        assert PASSWORD not in all_static_text(app)
        assert MASK in value(app, "password")
        await pilot.press("v")
        await pilot.pause()
        assert value(app, "password") == PASSWORD
        assert PASSWORD in app.export_screenshot()
        await pilot.press("v")
        await pilot.pause()
        assert PASSWORD not in app.export_screenshot()
        assert PASSWORD not in all_static_text(app)


# --- copy ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "expected"), [("c", SSH), ("p", PASSWORD), ("u", URL_6006)])
async def test_copy_keys_put_text_in_clipboard(
    key: str, expected: str, fake_pyperclip: MagicMock
) -> None:
    async with shown() as (app, pilot):
        await pilot.press(key)
        await pilot.pause()
        assert app.clipboard == expected
        fake_pyperclip.copy.assert_called_once_with(expected)
        assert app.notes
        # The notification names what was copied, never the text itself.
        assert all(PASSWORD not in note and expected not in note for note in app.notes)
        assert PASSWORD not in app.export_screenshot()


async def test_copy_6006_falls_back_to_service_url() -> None:
    container = make_container(info={"service_url": "http://legacy:1"})
    async with shown(container) as (app, pilot):
        await pilot.press("u")
        await pilot.pause()
        assert app.clipboard == "http://legacy:1"


async def test_copy_nothing_warns_and_leaves_clipboard(fake_pyperclip: MagicMock) -> None:
    async with shown(make_container(info={})) as (app, pilot):
        await pilot.press("p")
        await pilot.pause()
        assert app.clipboard == ""
        fake_pyperclip.copy.assert_not_called()
        assert any("no root password" in note for note in app.notes)


async def test_on_copy_handler_takes_over(fake_pyperclip: MagicMock) -> None:
    calls: list[tuple[str, str]] = []
    async with shown(on_copy=lambda what, text: calls.append((what, text))) as (app, pilot):
        await pilot.press("c", "p", "u")
        await pilot.pause()
        assert calls == [
            ("ssh_command", SSH),
            ("root_password", PASSWORD),
            ("service_6006_url", URL_6006),
        ]
        assert app.clipboard == ""
        fake_pyperclip.copy.assert_not_called()
        assert PASSWORD not in app.export_screenshot()


# --- closing ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["escape", "q"])
async def test_close_keys(key: str) -> None:
    async with shown() as (app, pilot):
        await pilot.press(key)
        await pilot.pause()
        assert app.results == [None]
        assert not isinstance(app.screen, ContainerDetailScreen)


def test_container_repr_hides_password() -> None:
    assert PASSWORD not in repr(make_container())
