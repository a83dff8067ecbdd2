"""Unit conversions at the API edge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from autodl_tui.api import units
from autodl_tui.catalog import CST, GIB


def test_gb_bytes_round_trip() -> None:
    assert units.gb_to_bytes(1) == 1073741824 == GIB
    assert units.gb_to_bytes(256) == 274877906944
    assert units.bytes_to_gb(2147483648) == 2.0


@given(st.integers(min_value=0, max_value=1 << 20))
def test_gb_round_trip_property(gb: int) -> None:
    assert units.bytes_to_gb(units.gb_to_bytes(gb)) == gb


@pytest.mark.parametrize(
    ("yuan", "milli"),
    [(0.1, 100), ("9", 9000), (1.881, 1881), (Decimal("0.0005"), 1), (0.0004, 0), (2.5105, 2511)],
)
def test_yuan_to_milli(yuan: float | str | Decimal, milli: int) -> None:
    assert units.yuan_to_milli(yuan) == milli


def test_yuan_to_milli_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        units.yuan_to_milli("lots")


def test_milli_to_yuan_and_format() -> None:
    assert units.milli_to_yuan(1881) == 1.881
    assert units.format_yuan(1881) == "¥1.881"
    assert units.format_yuan(1000) == "¥1.00"
    assert units.format_yuan(1500, per_hour=True) == "¥1.50/h"
    assert units.format_yuan(10) == "¥0.01"


@pytest.mark.parametrize(
    "value",
    [
        "2022-12-13T16:42:45+08:00",
        "2022-12-13T08:42:45Z",
        "2022-12-13T16:42:45",
        "2022-12-13 16:42:45",
        "2022-12-13T16:42:45.000000000+08:00",
        {"Time": "2022-12-13T16:42:45+08:00", "Valid": True},
        {"Time": "2022-12-13T16:42:45+08:00"},
    ],
)
def test_parse_time_forms(value: object) -> None:
    parsed = units.parse_time(value)
    assert parsed == datetime(2022, 12, 13, 16, 42, 45, tzinfo=CST)
    assert parsed is not None and parsed.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "  ",
        "yesterday",
        {"Time": "2022-12-13T16:42:45+08:00", "Valid": False},
        {"Time": "0001-01-01T00:00:00Z", "Valid": False},
        "0001-01-01T00:00:00Z",
        {},
        [],
        True,
        0,
        -5,
        10**30,
    ],
)
def test_parse_time_unset_or_garbage_is_none(value: object) -> None:
    assert units.parse_time(value) is None


def test_parse_time_epoch_seconds() -> None:
    assert units.parse_time(1670920965) == datetime(2022, 12, 13, 16, 42, 45, tzinfo=CST)


@given(st.datetimes(timezones=st.just(UTC), min_value=datetime(1971, 1, 1)))
def test_format_parse_round_trip(moment: datetime) -> None:
    text = units.format_time(moment)
    assert text.endswith("+08:00")
    assert units.parse_time(text) == moment.replace(microsecond=0)


@given(st.from_type(object))
def test_parse_time_never_raises(value: object) -> None:
    units.parse_time(value)


def test_format_time_naive_and_date() -> None:
    assert units.format_time(datetime(2025, 3, 25, 17, 42, 55)) == "2025-03-25T17:42:55+08:00"
    assert units.format_time(date(2025, 3, 25)) == "2025-03-25T00:00:00+08:00"


def test_cuda_codes() -> None:
    assert units.cuda_code("11.8") == 118
    assert units.cuda_code("12") == 120
    assert units.cuda_label(128) == "12.8"
    for bad in ("", "x", "11.10", "1.2.3"):
        with pytest.raises(ValueError):
            units.cuda_code(bad)


def test_parse_dc_list() -> None:
    assert units.parse_dc_list("westDC2,westDC3") == ("westDC2", "westDC3")
    assert units.parse_dc_list(" westDC2 , ") == ("westDC2",)
    assert units.parse_dc_list(["westDC2", 5, "", "beijingDC1"]) == ("westDC2", "beijingDC1")
    assert units.parse_dc_list(None) == ()
    assert units.parse_dc_list(7) == ()
