"""Pure formatting of the views: countdowns, bars, hours left, template units, blacklist rows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from autodl_tui.api import BlacklistEntry, Container, Deployment, DurationPackage
from autodl_tui.catalog import CST
from autodl_tui.ui.blacklist_screen import blacklist_row
from autodl_tui.ui.deployment_detail import counters_text, cuda_text, image_text
from autodl_tui.ui.gauges import (
    EXPIRED,
    bar,
    countdown,
    hours_left,
    hours_left_text,
    package_draw,
    package_hours,
    running_price,
)

NOW = datetime(2026, 11, 27, 10, 0, 0, tzinfo=CST)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1, "00:00:01"),
        (0.2, "00:00:01"),  # rounds up: never reads zero while still in force
        (59, "00:00:59"),
        (245, "00:04:05"),
        (86399, "23:59:59"),
        (86400, "1d 00:00:00"),
        (3 * 86400 + 4 * 3600 + 5 * 60 + 6, "3d 04:05:06"),
        (30 * 86400, "30d 00:00:00"),
        (0, EXPIRED),
        (-10, EXPIRED),
        (float("nan"), EXPIRED),
    ],
)
def test_countdown(seconds: float, text: str) -> None:
    assert countdown(seconds) == text


def test_bar_fills_with_eighths_and_keeps_its_width() -> None:
    assert bar(1.0, 10) == "█" * 10
    assert bar(0.0, 10) == "░" * 10
    assert bar(0.5, 10) == "█" * 5 + "░" * 5
    assert bar(0.55, 10) == "█" * 5 + "▌" + "░" * 4
    assert bar(0.5, 1) == "▌"
    assert bar(1 / 8, 1) == "▏"
    for fraction in (-1.0, 0.0, 0.013, 0.33, 0.999, 1.0, 7.0, float("nan"), float("inf")):
        assert len(bar(fraction, 24)) == 24
    assert bar(7.0, 4) == "████"
    assert bar(-1.0, 4) == "░░░░"
    assert bar(0.5, 0) == ""


def test_hours_left_divides_the_balance_by_the_cards_drawing() -> None:
    assert hours_left(36000, 1) == 10.0
    assert hours_left(36000, 4) == 2.5
    assert hours_left(36000, 0) is None
    assert hours_left(-5, 2) == 0.0
    assert hours_left_text(36000, 4) == "2.5 h left at 4 cards"
    assert hours_left_text(7200, 1) == "2 h left at 1 card"
    assert hours_left_text(1800, 1) == "30 min left at 1 card"
    assert hours_left_text(36000, 0).startswith("not draining")


def test_package_hours() -> None:
    assert package_hours(24 * 3600) == "24 h"
    assert package_hours(83829) == "23.3 h"
    assert package_hours(900) == "15 min"
    assert package_hours(0) == "0 h"


def container(status: str, gpu: str, region: str, gpu_num: int = 1, price: int = 2000) -> Container:
    return Container(
        uuid=f"c-{status}-{gpu}-{region}-{gpu_num}",
        status=status,
        gpu_name=gpu,
        data_center=region,
        gpu_num=gpu_num,
        price=price,
    )


def test_package_draw_counts_running_cards_of_its_model_in_its_regions() -> None:
    package = DurationPackage("RTX 4090", 86400, 50000, ("westDC2", "westDC3"))
    fleet = [
        container("running", "RTX 4090", "westDC2", 2),
        container("running", "RTX 4090", "westDC3"),
        container("running", "RTX 4090", "beijingDC1"),  # region not covered
        container("running", "RTX 4090D", "westDC2"),  # another model
        container("starting", "RTX 4090", "westDC2"),  # not running yet
    ]
    assert package_draw(package, fleet) == 3
    anywhere = DurationPackage("RTX 4090", 86400, 50000, ())
    assert package_draw(anywhere, fleet) == 4


def test_running_price_sums_running_containers_only() -> None:
    fleet = [
        container("running", "L20", "beijingDC4", price=2500),
        container("running", "L20", "beijingDC4", 2, price=5000),
        container("shutdown", "L20", "beijingDC4", price=2500),
    ]
    assert running_price(fleet) == 7500


def test_cuda_text() -> None:
    assert cuda_text(113, 128) == "11.3 – 12.8"
    assert cuda_text(118, 0) == "≥ 11.8"
    assert cuda_text(0, 124) == "≤ 12.4"
    assert cuda_text(0, 0) == "—"


def test_counters_text_per_type() -> None:
    rs = Deployment(
        "u1", deployment_type="ReplicaSet", running_num=3, starting_num=1, replica_num=5
    )
    assert counters_text(rs) == "3 running · 1 starting · 5 desired"
    job = Deployment(
        "u2",
        deployment_type="Job",
        finished_num=4,
        replica_num=10,
        running_num=2,
        parallelism_num=2,
    )
    assert counters_text(job) == ("4 of 10 finished · 2 running · 0 starting · at most 2 at a time")


def test_image_text_names_public_and_private_images() -> None:
    public = Deployment.from_api(
        {"uuid": "u", "template": {"image_uuid": "base-image-l2t43iu6uk", "image_name": ""}}
    )
    assert "public PyTorch" in image_text(public)
    assert "base-image-l2t43iu6uk" in image_text(public)
    private = Deployment.from_api(
        {"uuid": "u", "template": {"image_uuid": "image-abc", "image_name": "my-torch"}}
    )
    assert image_text(private) == "my-torch (private, image-abc)"
    assert image_text(Deployment("u")) == "—"


def test_blacklist_row_counts_down_and_dims_when_expired() -> None:
    entry = BlacklistEntry(
        "f94411a60c", "westDC2", "slow boot", expired_time=NOW + timedelta(minutes=90)
    )
    row = blacklist_row(entry, NOW)
    assert str(row.cells[0]) == "f94411a60c"
    assert str(row.cells[1]) == "westDC2 西北企业区(推荐)"
    assert str(row.cells[2]) == "01:30:00"
    assert row.cells[4] == "slow boot"
    assert row.style == ""
    later = blacklist_row(entry, NOW + timedelta(minutes=91))
    assert str(later.cells[2]) == EXPIRED
    assert later.style == "dim"
    unknown = blacklist_row(BlacklistEntry("m"), NOW)
    assert str(unknown.cells[2]) == "—"
