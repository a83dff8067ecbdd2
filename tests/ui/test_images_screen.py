"""Pilot tests for the images view: paging as the cursor moves, Enter returns the choice."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from views_host import SIZE, CountingTransport, Host, client_for, screen_text
from waiting import until

from autodl_tui.catalog import BASE_IMAGES
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.ui.images_screen import MORE_KEY, ImageChoice, ImagesScreen

IMAGES = "/image/private/list"
#: Small enough that a page of 20 images does not fit.
SHORT = (130, 24)


@pytest.fixture
def sim() -> Simulator:
    sim = build_simulator("empty", seed=0, clock=VirtualClock())
    # 3 images from the fleet plus 47: three pages of 20, the last one short.
    sim.images.extend(
        {"id": 700_000 + i, "image_name": f"snapshot-{i:02d}", "image_uuid": f"image-snap{i:06d}"}
        for i in range(47)
    )
    return sim


def private_keys(screen: ImagesScreen) -> list[str]:
    return [k for k in screen.table.visible_keys if k.startswith("private:")]


async def test_private_images_load_a_page_at_a_time_as_the_cursor_moves(sim) -> None:
    transport = CountingTransport(sim)
    screen = ImagesScreen(client_for(transport), page_size=20)
    app = Host(screen)
    async with app.run_test(size=SHORT) as pilot:
        await until(pilot, lambda: screen.pages_loaded == 1 and not screen.fetching)
        await pilot.pause(0.1)
        # Only the first page: nothing is fetched ahead of the cursor.
        assert transport.count(IMAGES) == 1
        assert screen.table.size.height < 20  # the "more" row is off screen
        assert [im.image_uuid for im in screen.private] == [
            im["image_uuid"] for im in sim.images[:20]
        ]
        assert screen.table.cursor_key == f"private:{sim.images[0]['image_uuid']}"
        assert "20+ private" in str(screen.query_one("#images-title").render())
        assert MORE_KEY in screen.table.visible_keys
        # The public base images are listed below, with their frameworks.
        rows = [screen.table.get_row(k) for k in screen.table.visible_keys]
        frameworks = [str(r.cells[0]) for r in rows if r and r.key.startswith("public:")]
        assert frameworks == [b.framework for b in BASE_IMAGES]

        for _ in range(14):
            await pilot.press("down")
        await pilot.pause(0.1)
        assert transport.count(IMAGES) == 1  # still far from the end of what is loaded
        await pilot.press("down")  # within five rows of the end: the next page comes
        await until(pilot, lambda: screen.pages_loaded == 2 and not screen.fetching)
        assert len(screen.private) == 40
        assert transport.count(IMAGES) == 2

        await pilot.press("pagedown", "pagedown")
        await until(pilot, lambda: screen.exhausted and not screen.fetching)
        assert transport.count(IMAGES) == 3
        assert [im.image_uuid for im in screen.private] == [im["image_uuid"] for im in sim.images]
        assert MORE_KEY not in screen.table.visible_keys
        assert private_keys(screen) == [f"private:{im['image_uuid']}" for im in sim.images]
        assert "50 private" in str(screen.query_one("#images-title").render())
        # Moving around a fully loaded list fetches nothing more.
        await pilot.press("end", "home")
        await pilot.pause(0.1)
        assert transport.count(IMAGES) == 3


async def test_scrolling_the_view_to_the_end_loads_the_next_page(sim) -> None:
    transport = CountingTransport(sim)
    screen = ImagesScreen(client_for(transport), page_size=20)
    async with Host(screen).run_test(size=SHORT) as pilot:
        await until(pilot, lambda: screen.pages_loaded == 1 and not screen.fetching)
        # The mouse wheel scrolls the view without moving the cursor.
        screen.table.scroll_to(y=10, animate=False)
        await until(pilot, lambda: screen.pages_loaded == 2 and not screen.fetching)
        assert screen.table.cursor_index == 0
        assert transport.count(IMAGES) == 2


async def test_enter_returns_the_private_image_under_the_cursor(sim) -> None:
    screen = ImagesScreen(client_for(CountingTransport(sim)), page_size=20)
    app = Host(screen)
    async with app.run_test(size=SHORT) as pilot:
        await until(pilot, lambda: screen.pages_loaded == 1 and not screen.fetching)
        await pilot.press("down", "enter")
        await until(pilot, lambda: bool(app.results))
    second = sim.images[1]
    assert app.results == [ImageChoice(second["image_uuid"], second["image_name"])]


async def test_enter_returns_a_public_base_image(sim) -> None:
    screen = ImagesScreen(client_for(CountingTransport(sim)), page_size=100)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: screen.exhausted)
        await pilot.press("end", "enter")
        await until(pilot, lambda: bool(app.results))
    last = BASE_IMAGES[-1]
    assert app.results == [ImageChoice(last.uuid, f"{last.framework} {last.name}")]


async def test_escape_closes_without_a_choice(sim) -> None:
    screen = ImagesScreen(client_for(CountingTransport(sim)))
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: screen.exhausted)
        await pilot.press("escape")
        await until(pilot, lambda: bool(app.results))
    assert app.results == [None]


class FailingImages(httpx.AsyncBaseTransport):
    """Answers the image list with a business error `failures` times, then forwards."""

    def __init__(self, sim: Simulator, failures: int) -> None:
        self.inner = CountingTransport(sim)
        self.failures = failures

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(IMAGES) and self.failures > 0:
            self.failures -= 1
            body = {"code": "BadRequest", "msg": "服务繁忙", "data": None, "request_id": "x"}
            return httpx.Response(200, content=json.dumps(body).encode())
        return await self.inner.handle_async_request(request)


async def test_a_failed_page_says_why_keeps_public_images_and_enter_retries(sim) -> None:
    transport = FailingImages(sim, failures=1)
    screen = ImagesScreen(client_for(transport), page_size=20)
    app = Host(screen)
    async with app.run_test(size=SHORT) as pilot:
        await until(pilot, lambda: bool(screen.error))
        more = screen.table.get_row(MORE_KEY)
        assert more is not None and "could not be loaded" in str(more.cells[1])
        assert sum(k.startswith("public:") for k in screen.table.visible_keys) == len(BASE_IMAGES)
        assert screen.table.cursor_key == MORE_KEY
        await pilot.press("enter")
        await until(pilot, lambda: screen.pages_loaded == 1 and not screen.fetching)
        assert not screen.error
        assert len(screen.private) == 20
        assert app.results == []  # Enter on the status row retried; it chose nothing


class HeldImages(CountingTransport):
    """Holds every private-images request until `release` is set (a slow socket)."""

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)
        self.release = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(IMAGES):
            await self.release.wait()
        return await super().handle_async_request(request)


async def test_a_slow_page_leaves_the_list_on_screen_and_then_shows_the_images(sim) -> None:
    # Issue 12: over a real socket the view showed Textual's full-screen spinner forever,
    # because the screen kept its own "loading" flag in Textual's `loading` reactive.
    transport = HeldImages(sim)
    screen = ImagesScreen(client_for(transport), page_size=20)
    app = Host(screen)
    async with app.run_test(size=SHORT) as pilot:
        await until(pilot, lambda: screen.fetching)
        await pilot.pause(0.1)
        assert not screen.loading  # Textual's spinner is not covering the view
        shown = screen_text(app)
        assert "Loading private images" in shown
        assert BASE_IMAGES[0].name in shown
        transport.release.set()
        await until(pilot, lambda: screen.pages_loaded == 1 and not screen.fetching)
        await pilot.pause(0.1)
        assert not screen.loading
        assert "snapshot-00" in screen_text(app)
