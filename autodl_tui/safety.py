"""The safety rules of mutating actions, shared by the app's dialogs and the headless commands.

No Textual here: `autodl-tui scale/stop/rm/...` parse and confirm with the same rules as the
app's dialogs (replicas 0..1000, blacklist minutes 1..43200, deletion confirmed by typing the
exact name). The app's dialogs import them from here.
"""

from __future__ import annotations

import re
import unicodedata

from autodl_tui.catalog import BLACKLIST_MAX_MINUTES, MAX_REPLICAS

__all__ = ["names_match", "parse_bounded", "parse_minutes", "parse_replicas"]

# ASCII digits only: int() also takes "١٢" and "1_000", which nobody means to type here.
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


def parse_bounded(text: str, low: int, high: int, unit: str, high_note: str = "") -> int:
    """`text` as a whole number in low..high; ValueError with a message for the user."""
    stripped = text.strip()
    span = f"{low} to {high}"
    if not stripped:
        raise ValueError(f"enter a number of {unit}, {span}")
    if not _INTEGER.fullmatch(stripped):
        raise ValueError(f"not a whole number: enter {span} {unit}")
    negative = stripped.startswith("-")
    digits = stripped.lstrip("+-").lstrip("0") or "0"
    if negative and digits != "0":
        raise ValueError(f"{unit} cannot be negative")
    # Length first so a 5000-digit paste never reaches int() (which caps at 4300 digits).
    if len(digits) > len(str(high)) or int(digits) > high:
        raise ValueError(f"at most {high} {unit}{high_note}")
    value = int(digits)
    if value < low:
        raise ValueError(f"at least {low} {unit}")
    return value


def parse_replicas(text: str) -> int:
    """Parse a replica count, 0..1000; raise ValueError with a message for the user."""
    return parse_bounded(text, 0, MAX_REPLICAS, "replicas")


def parse_minutes(text: str) -> int:
    """Parse a blacklist expiry in minutes, 1..43200; raise ValueError with a user message."""
    note = f" ({BLACKLIST_MAX_MINUTES // 1440} d)"  # as the app's dialog words it
    return parse_bounded(text, 1, BLACKLIST_MAX_MINUTES, "minutes", note)


def names_match(typed: str, name: str) -> bool:
    """Whether `typed` is exactly `name` (Unicode-normalised); an empty name never matches."""
    if not name:
        return False
    # NFC only folds different encodings of the same characters (an IME may send either);
    # case, spaces and look-alikes still count as a mismatch.
    return unicodedata.normalize("NFC", typed) == unicodedata.normalize("NFC", name)
