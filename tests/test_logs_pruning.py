"""The redaction list follows the fleet: passwords of containers gone are pruned, the token kept."""

from __future__ import annotations

import pytest

from autodl_tui import logs
from autodl_tui.logs import MASK, add_secret, redact, set_secrets


@pytest.fixture(autouse=True)
def empty_registry(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A registry of its own and a clock the test moves (returned as a one-item list)."""
    for name, empty in logs.registry_tables().items():
        monkeypatch.setattr(logs, name, empty)
    now = [1000.0]
    monkeypatch.setattr(logs.time, "monotonic", lambda: now[0])
    return now


def masked(value: str) -> bool:
    return redact(f"x {value} y") == f"x {MASK} y"


def test_a_password_of_a_gone_container_is_masked_a_while_then_forgotten(
    empty_registry: list[float],
) -> None:
    now = empty_registry
    set_secrets("fleet", [f"pw-{i:05d}" for i in range(1000)])
    assert masked("pw-00007") and logs.masked_count() == 1000
    set_secrets("fleet", [f"pw-{i:05d}" for i in range(10, 1000)])  # ten containers gone
    assert masked("pw-00007")  # a late log line about it is still masked
    now[0] += logs.RETIRE_AFTER + 1
    set_secrets("fleet", [f"pw-{i:05d}" for i in range(10, 1000)])
    assert not masked("pw-00007") and masked("pw-00010")
    assert logs.masked_count() == 990


def test_churn_keeps_the_list_the_size_of_the_fleet(empty_registry: list[float]) -> None:
    # 1,000 containers, 5% replaced by new ones every 10 s for an hour (the soak's pattern).
    now = empty_registry
    alive = [f"pw-{i:06d}" for i in range(1000)]
    serial = 1000
    for _ in range(360):
        now[0] += 10
        for slot in range(0, 1000, 20):
            alive[slot] = f"pw-{serial:06d}"
            serial += 1
        set_secrets("fleet", alive)
    retiring = int(logs.RETIRE_AFTER / 10) * 50
    assert logs.masked_count() <= 1000 + retiring + 50  # not the 19,000 seen
    assert all(masked(v) for v in alive[:50])


def test_the_token_and_a_value_another_scope_holds_are_kept(
    empty_registry: list[float],
) -> None:
    now = empty_registry
    add_secret("the-developer-token")
    set_secrets("fleet", ["the-developer-token", "shared-password", "fleet-only-pw"])
    set_secrets("selected", ["shared-password"])
    set_secrets("fleet", [])
    now[0] += logs.RETIRE_AFTER + 1
    set_secrets("fleet", [])
    assert masked("the-developer-token") and masked("shared-password")
    assert not masked("fleet-only-pw")


def test_a_password_back_in_a_scope_is_no_longer_retiring(empty_registry: list[float]) -> None:
    now = empty_registry
    set_secrets("fleet", ["comes-and-goes"])
    set_secrets("fleet", [])
    set_secrets("fleet", ["comes-and-goes"])
    now[0] += logs.RETIRE_AFTER + 1
    set_secrets("fleet", ["comes-and-goes"])
    assert masked("comes-and-goes")


def test_pieces_two_passwords_share_stay_masked_while_either_is_registered(
    empty_registry: list[float],
) -> None:
    now = empty_registry
    set_secrets("fleet", ["shared-part one-x", "shared-part two-y"])  # a space: pieces
    assert masked("shared-part")
    set_secrets("fleet", ["shared-part two-y"])
    now[0] += logs.RETIRE_AFTER + 1
    set_secrets("fleet", ["shared-part two-y"])
    assert masked("shared-part") and not masked("one-x")


def test_a_password_that_is_a_piece_of_another_stays_masked_when_either_goes(
    empty_registry: list[float],
) -> None:
    now = empty_registry
    # "pw-piece" is a plain value and also a piece of "pw-piece two" (split at the space).
    set_secrets("fleet", ["pw-piece two", "pw-piece"])
    set_secrets("fleet", ["pw-piece"])  # the one with the space goes
    now[0] += logs.RETIRE_AFTER + 1
    set_secrets("fleet", ["pw-piece"])
    assert masked("pw-piece") and not masked("two-not-a-secret")
    set_secrets("fleet", ["pw-piece two"])  # and the other way round
    now[0] += logs.RETIRE_AFTER + 1
    set_secrets("fleet", ["pw-piece two"])
    assert masked("pw-piece")  # still a piece of a held value
    assert redact("x pw-piece two y") == f"x {MASK} y"
    set_secrets("fleet", [])
    now[0] += logs.RETIRE_AFTER + 1
    set_secrets("fleet", [])
    assert not masked("pw-piece") and logs.masked_count() == 0
