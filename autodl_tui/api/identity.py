"""One object per unchanged item: a new answer keeps the objects of the last one it equals.

Models are immutable, so an item equal to its previous version can be that version. The
client's answer memo and the screen then hold the same objects (not two equal copies), and
the screen can tell an unchanged row by identity (`is`) instead of comparing fields.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

from autodl_tui.api.models import Page

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Sequence

__all__ = ["share_items", "share_page"]

T = TypeVar("T")


def share_items(new: Sequence[T], old: Sequence[T], key: Callable[[T], Hashable]) -> tuple[T, ...]:
    """`new` as a tuple, each item equal to the `old` item of the same key replaced by it.

    When every item is kept and the order is the same, `old` itself (as a tuple) is returned.
    """
    if not old:
        return tuple(new)
    previous = {key(item): item for item in old}
    shared = tuple(
        p if (p := previous.get(key(item))) is not None and p == item else item for item in new
    )
    if len(shared) == len(old) and all(a is b for a, b in zip(shared, old, strict=True)):
        return old if isinstance(old, tuple) else shared
    return shared


def _uuid(item: Any) -> Hashable:
    return str(item.uuid)


def share_page(new: Page[T], old: object) -> Page[T]:
    """`new` with its unchanged items taken from `old`, the page it replaces.

    Only pages of items with a `uuid` (deployments, containers) are shared; events and
    stock are small and short-lived.
    """
    if not isinstance(old, Page) or not old.items or not new.items:
        return new
    if not all(isinstance(getattr(i, "uuid", None), str) for i in (new.items[0], old.items[0])):
        return new
    items = share_items(new.items, old.items, _uuid)
    return new if items is new.items else dataclasses.replace(new, items=items)
