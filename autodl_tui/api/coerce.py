"""Tolerant readers of JSON fields: a missing or wrongly typed field reads as the default.

Only `require_obj` raises (ValueError), for a payload whose overall shape is wrong.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from typing import Any

from autodl_tui.api.units import parse_dc_list

__all__ = [
    "Raw",
    "read_bool",
    "read_int",
    "read_name",
    "read_obj",
    "read_opt_int",
    "read_str",
    "read_strs",
    "require_obj",
]

Raw = Mapping[str, Any]


def read_str(raw: Raw, key: str, default: str = "") -> str:
    """`raw[key]` as text (numbers are stringified), else `default`."""
    value = raw.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return default


def read_name(raw: Raw, key: str) -> str:
    """`read_str` for a value many items repeat (a status, region, host, deployment uuid).

    One shared string object per distinct value: 107,000 containers of 5,200 deployments
    on a few hundred hosts otherwise hold 107,000 copies of each such field.
    """
    return sys.intern(read_str(raw, key))


def read_int(raw: Raw, key: str, default: int = 0) -> int:
    """`raw[key]` as an int (numeric strings and floats are rounded), else `default`."""
    value = read_opt_int(raw, key)
    return default if value is None else value


def read_opt_int(raw: Raw, key: str) -> int | None:
    """`raw[key]` as an int, or None when absent or not numeric."""
    value = raw.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, float) and math.isfinite(value):
        return int(round(value))
    return None


def read_bool(raw: Raw, key: str, default: bool = False) -> bool:
    """`raw[key]` as a bool (also 0/1 and "true"/"false"), else `default`."""
    value = raw.get(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    return default


def read_strs(raw: Raw, key: str) -> tuple[str, ...]:
    """`raw[key]` as a tuple of strings, from a list or a comma-joined string."""
    return parse_dc_list(raw.get(key))


def read_obj(raw: Raw, key: str) -> Raw:
    """`raw[key]` if it is an object, else an empty one."""
    value = raw.get(key)
    return value if isinstance(value, Mapping) else {}


def require_obj(value: object, what: str) -> Raw:
    """`value` if it is an object; ValueError (a wrong payload shape) otherwise."""
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} is {type(value).__name__}, expected an object")
    return value
