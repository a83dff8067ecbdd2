"""The request budget: a token bucket that every request of a client goes through."""

from __future__ import annotations

import json

import httpx
import pytest

from autodl_tui.api import AutoDLClient
from autodl_tui.budget import RequestBudget


class FakeTime:
    """A clock that only moves when the budget sleeps (or a test says so)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def budget(per_minute: int, burst: int | None = None) -> tuple[RequestBudget, FakeTime]:
    time = FakeTime()
    return RequestBudget(per_minute, burst=burst, clock=time.clock, sleep=time.sleep), time


async def test_a_full_bucket_lets_its_burst_through_then_keeps_the_rate() -> None:
    limiter, time = budget(60, burst=5)
    for _ in range(5):
        await limiter.acquire()
    assert time.slept == [] and limiter.waited == 0
    await limiter.acquire()  # the bucket is empty: one token a second at 60 a minute
    assert time.slept == [pytest.approx(1.0)] and limiter.waited == 1


async def test_ten_minutes_of_requests_never_exceed_the_budget() -> None:
    limiter, time = budget(120)
    start = time.now
    while time.now - start < 600:
        await limiter.acquire()
    # The default burst is two minutes' budget: 240 at once, then 2 a second.
    assert limiter.granted <= 240 + 120 * 10 + 1
    assert limiter.granted >= 120 * 10
    assert limiter.used_last_minute() == pytest.approx(120, abs=2)


async def test_spare_keeps_a_reserve_for_the_fast_loop_and_the_user() -> None:
    limiter, time = budget(100, burst=100)
    assert limiter.spare(0.25) == 75
    for _ in range(80):
        assert limiter.try_take()
    assert limiter.available() == 20 and limiter.spare(0.25) == 0
    time.now += 30  # half a minute: 50 more
    assert limiter.available() == 70
    assert limiter.spare(0.25) == 45


async def test_try_take_never_waits() -> None:
    limiter, time = budget(60, burst=1)
    assert limiter.try_take()
    assert not limiter.try_take()
    assert time.slept == []


async def test_the_last_minute_window_slides() -> None:
    limiter, time = budget(600)
    for _ in range(10):
        await limiter.acquire()
    time.now += 59
    assert limiter.used_last_minute() == 10
    time.now += 2
    assert limiter.used_last_minute() == 0
    assert "0 in the last minute, budget 600 a minute" in limiter.describe()


@pytest.mark.parametrize("bad", [0, -5, 1.5, True, "60"])
def test_a_budget_must_be_a_positive_whole_number(bad: object) -> None:
    with pytest.raises(ValueError, match="per_minute"):
        RequestBudget(bad)  # type: ignore[arg-type]


async def test_every_request_of_a_client_takes_a_token_retries_too() -> None:
    limiter, time = budget(60, burst=3)
    answers = iter([503, 200, 200, 200, 200])

    def respond(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        body = {"code": "Success", "msg": "", "data": [], "request_id": "x"}
        return httpx.Response(status, content=json.dumps(body).encode())

    async def no_sleep(seconds: float) -> None:
        return None

    client = AutoDLClient(
        "tok-abcdef",
        base_url="https://api.test",
        transport=httpx.MockTransport(respond),
        budget=limiter,
        sleep=no_sleep,
    )
    async with client:
        for _ in range(4):
            await client.list_blacklist()
    assert client.stats.requests_sent == 5 and client.stats.retries == 1
    assert limiter.granted == 5
    # 3 went at once, 2 waited a second each: the client never outran its budget.
    assert time.slept == [pytest.approx(1.0), pytest.approx(1.0)]
    assert client.budget is limiter
