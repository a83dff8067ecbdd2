"""Presence: polling slows while nobody is looking, and catches up on their return."""

from __future__ import annotations

from autodl_tui.presence import Presence


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def presence(**kw: float) -> tuple[Presence, Clock, list[float]]:
    clock = Clock()
    returns: list[float] = []
    return (
        Presence(clock=clock, on_return=lambda: returns.append(clock.now), **kw),
        clock,
        returns,
    )


def test_present_until_no_key_for_idle_after_seconds() -> None:
    p, clock, returns = presence(idle_after=300, away_factor=5)
    assert not p.away() and p.factor() == 1.0
    clock.now = 299
    assert p.factor() == 1.0
    p.key()  # a key restarts the wait, and the user was never away
    clock.now = 598
    assert p.factor() == 1.0 and returns == []
    clock.now = 599
    assert p.away() and p.factor() == 5.0


def test_the_first_key_after_an_absence_catches_up_once() -> None:
    p, clock, returns = presence(idle_after=60)
    clock.now = 100
    p.key()
    p.key()
    assert returns == [100] and not p.away()


def test_losing_focus_is_away_at_once_and_focus_is_a_return() -> None:
    p, clock, returns = presence(idle_after=300, away_factor=4)
    clock.now = 5
    p.blur()
    assert p.away() and p.factor() == 4.0 and not p.focused
    p.focus()
    assert not p.away() and p.focused and returns == [5]


def test_a_key_while_unfocused_means_the_terminal_is_focused() -> None:
    p, _clock, returns = presence()
    p.blur()
    p.key()  # some terminals report focus loss but not its return
    assert p.focused and not p.away() and returns == [0.0]
