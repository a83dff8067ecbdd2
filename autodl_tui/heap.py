"""The garbage collector at start-up: paused until the first frame, then the heap frozen.

Importing Textual and the app allocates a few hundred thousand long-lived objects (modules,
classes, functions). The collector, counting them, ran about 150 times before the first
frame (33 ms of a 330 ms launch here, one full pass 17 ms of it) and found almost nothing
to free. Paused until the first frame and then told those objects are permanent
(`gc.freeze()`), it neither runs during start-up nor walks them again later.

Only the real process does this (`autodl-tui` through `ui/launch.py`): tests that start
many apps in one interpreter would freeze each other's garbage.
"""

from __future__ import annotations

import gc

_paused = False


def pause_collector() -> None:
    """Stop automatic collections until `resume_collector` (start-up allocates, frees little)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_collector(*, freeze: bool = False) -> None:
    """Collect automatically again; `freeze` first moves what start-up built out of reach.

    A no-op unless paused. Only the app's first frame freezes: a command or an error
    resuming it leaves the heap as it is (a test calling `main` many times keeps its
    garbage collectable).
    """
    global _paused
    if _paused:
        _paused = False
        if freeze:
            gc.freeze()
        gc.enable()
