"""No handler ends the app: every handler of ours reports a bug instead of raising it.

Textual ends the app when a message handler, action or watcher raises, and stops that
widget's message loop even when the app is kept alive. A class that mixes in `Guarded`
has each of its own `on_*`, `action_*`, `watch_*` and `key_*` methods (and those of every
subclass) wrapped when the class is created: an exception becomes an error notification
and a redacted log line (`report_unexpected`), like a failing worker or poll, and the app
goes on. `on` is Textual's decorator with the same guard, for selector-matched handlers.
`SkipAction` is Textual's way for an action to pass a key on, so it is let through.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual import on as textual_on
from textual.actions import SkipAction
from textual.app import App

from autodl_tui.catalog import now_cst

if TYPE_CHECKING:
    from textual.message import Message

__all__ = ["GUARDED_PREFIXES", "Guarded", "guard", "on"]

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

#: Methods Textual calls by name: handlers, actions, watchers and key methods.
GUARDED_PREFIXES = ("on_", "action_", "watch_", "key_", "_on_", "_watch_")


def _report(node: object, where: str, error: Exception) -> None:
    """Tell the user and the log; never raise from here (it runs inside Textual's loop)."""
    from autodl_tui.ui.failures import report_unexpected

    try:
        app = node if isinstance(node, App) else getattr(node, "app", None)
        if isinstance(app, App):
            report_unexpected(app, where, error, now_cst())
            return
    except Exception:  # the report itself failed: the log still gets the original error
        log.exception("reporting an error in %s failed", where)
    log.error("unexpected error in %s", where, exc_info=error)


def guard(method: F) -> F:
    """`method` (sync or async) with any exception but SkipAction reported, not raised."""
    if getattr(method, "_autodl_guarded", False):
        return method
    where = method.__qualname__
    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def guarded_async(self: object, *args: Any, **kwargs: Any) -> Any:
            try:
                return await method(self, *args, **kwargs)
            except SkipAction:
                raise
            except Exception as error:
                _report(self, where, error)
                return None

        wrapped: Any = guarded_async
    else:

        @functools.wraps(method)
        def guarded_sync(self: object, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except SkipAction:
                raise
            except Exception as error:
                _report(self, where, error)
                return None

        wrapped = guarded_sync
    wrapped._autodl_guarded = True
    return wrapped  # type: ignore[no-any-return]


def on(message_type: type[Message], selector: str | None = None, **kwargs: str) -> Callable[[F], F]:
    """Textual's `@on(...)`, with the handler guarded (use it instead of textual's)."""

    def decorate(method: F) -> F:
        return textual_on(message_type, selector, **kwargs)(guard(method))

    return decorate


class Guarded:
    """Mix into a Textual class: its handlers (and its subclasses') report, never raise."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if name.startswith(GUARDED_PREFIXES) and inspect.isfunction(value):
                setattr(cls, name, guard(value))
