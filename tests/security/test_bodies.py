"""Hostile bodies: huge, dripping, endless, malformed, wrongly typed, runaway paging, 429s.

The client is driven directly (in-process through ASGITransport where the body can be
buffered, on a loopback socket where it must stream), and the app in a pty for the one
thing only the app shows: whether it still says `live` while no answer arrives.
"""

from __future__ import annotations

import asyncio
import math

import hostile as h
import pytest
from session import TOKEN, session

from autodl_tui.api import AutoDLClient
from autodl_tui.api.errors import AutoDLError
from autodl_tui.api.retry import RetryPolicy
from autodl_tui.api.wire import MAX_BODY_BYTES

#: Longer than any sane client deadline, shorter than a dripping body takes to arrive.
BOUND_S = 30.0


def plain() -> h.Fleet:
    return h.build_fleet({"plain-ok": "", "other": ""})


async def refused_within(client: AutoDLClient, bound: float = BOUND_S) -> AutoDLError:
    """The AutoDLError that listing deployments ends with, within `bound` seconds."""
    try:
        async with client:
            await asyncio.wait_for(client.list_deployments(), bound)
    except AutoDLError as exc:
        return exc
    except TimeoutError:
        pytest.fail(f"the call was still waiting for the body after {bound:g} s (no deadline)")
    pytest.fail("a hostile body was accepted as an answer")


@pytest.mark.parametrize("mode", ["huge", "endless"])
async def test_a_body_beyond_the_size_cap_is_refused_before_it_all_arrives(mode: str) -> None:
    state = h.Hostile(fleet=plain(), mode=mode, huge_bytes=50_000_000)
    with h.serve(state) as url:
        no_retry = RetryPolicy(max_retries=0)
        exc = await refused_within(AutoDLClient(TOKEN, base_url=url, retry=no_retry))
    # The client stops at its cap; what the server counts as sent also holds what sat in
    # the loopback socket's buffers when the client hung up (a few MiB). Without a cap the
    # client reads the whole 50 MB.
    limit = MAX_BODY_BYTES + 12 * 1024 * 1024
    assert state.streamed < limit, f"the client read {state.streamed} bytes ({exc})"
    assert TOKEN not in str(exc)


async def test_a_body_dripping_one_byte_at_a_time_hits_a_deadline() -> None:
    state = h.Hostile(fleet=plain(), mode="drip", drip_s=0.2)
    with h.serve(state) as url:
        no_retry = RetryPolicy(max_retries=0)
        client = AutoDLClient(TOKEN, base_url=url, timeout=2.0, retry=no_retry)
        await refused_within(client, bound=20.0)


@pytest.mark.parametrize("mode", ["malformed", "wrong_types"])
async def test_malformed_and_wrongly_typed_bodies_are_an_api_error_or_defaults(mode: str) -> None:
    state = h.Hostile(fleet=plain(), mode=mode)
    async with AutoDLClient(TOKEN, base_url="http://hostile", transport=h.transport(state)) as c:
        for call in (
            c.list_deployments,
            lambda: c.list_containers("dep00"),
            c.list_blacklist,
            c.list_private_images,
            lambda: c.get_ddp_overview("dep00"),
        ):
            try:
                result = await call()
            except AutoDLError as exc:
                assert TOKEN not in str(exc)
                continue
            # Tolerated: every text a model holds is still text.
            items = getattr(result, "items", result)
            for item in items:
                for value in vars(item).values() if hasattr(item, "__dict__") else ():
                    assert not isinstance(value, bytes)


async def test_a_runaway_max_page_does_not_send_a_request_per_claimed_page() -> None:
    state = h.Hostile(fleet=plain(), max_page=1000)
    async with AutoDLClient(TOKEN, base_url="http://hostile", transport=h.transport(state)) as c:
        deployments = await c.list_all_deployments()
    assert len(deployments) == 2
    sent = state.count("/deployment/list")
    # Two deployments fit on the first page; the server's total says so.
    assert sent <= 10, f"{sent} requests for a 2-item list whose server claims 1000 pages"


class Sleeps:
    """Records the delays the client asks for, without waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


async def test_429_retry_after_is_not_cut_short() -> None:
    state = h.Hostile(fleet=plain(), mode="429", retry_after="30")
    sleeps = Sleeps()
    client = AutoDLClient(TOKEN, base_url="http://h", transport=h.transport(state), sleep=sleeps)
    with pytest.raises(AutoDLError):
        async with client:
            await client.list_deployments()
    retried_early = [d for d in sleeps.delays if d < 30]
    assert not retried_early, (
        f"asked to wait 30 s, the client retried after {retried_early} s "
        f"({state.count('/deployment/list')} requests)"
    )


@pytest.mark.parametrize("value", ["1e12", "inf", "nan", "-5", "soon", "9" * 400])
async def test_a_hostile_retry_after_never_stalls_or_crashes(value: str) -> None:
    state = h.Hostile(fleet=plain(), mode="429", retry_after=value)
    sleeps = Sleeps()
    client = AutoDLClient(TOKEN, base_url="http://h", transport=h.transport(state), sleep=sleeps)
    with pytest.raises(AutoDLError):
        async with client:
            await client.list_deployments()
    assert all(math.isfinite(d) and 0 <= d <= 3600 for d in sleeps.delays), sleeps.delays


def test_the_app_stops_saying_live_when_answers_only_drip() -> None:
    with session(plain(), "--refresh", "1") as s:
        s.term.wait(lambda: "● live" in s.term.lines()[0], "the app to be live", 20)
        s.hostile.drip_s = 1.0
        s.hostile.mode = "drip"
        # A poll answer now takes minutes: the status must say so before long.
        s.term.wait(
            lambda: "● live" not in s.term.lines()[0],
            "the status line to stop saying live",
            45,
        )
        assert s.term.alive()
