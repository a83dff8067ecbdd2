"""Reads reuse the parsed result of an answer identical to the last one for the same request."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from api_helpers import Recorder, page

from autodl_tui.api import AutoDLClient, Deployment, wire as wire_module
from autodl_tui.api.wire import body_digest

MakeClient = Callable[..., tuple[AutoDLClient, Recorder]]


def deployment(uuid: str, status: str = "running") -> dict[str, Any]:
    return {"uuid": uuid, "name": f"dep-{uuid}", "deployment_type": "ReplicaSet", "status": status}


class Answers:
    """Answers with whatever `data` currently holds, a new request_id every time (like AutoDL)."""

    def __init__(self, data: Any, code: str = "Success") -> None:
        self.data = data
        self.code = code
        self.count = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        body = {"code": self.code, "msg": "", "data": self.data, "request_id": f"{self.count:032x}"}
        return httpx.Response(200, content=json.dumps(body).encode())


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every deployment parsed from the wire."""
    calls: list[str] = []
    original = Deployment.from_api

    def counting(raw: Any) -> Deployment:
        calls.append(str(raw.get("uuid")))
        return original(raw)

    monkeypatch.setattr(Deployment, "from_api", staticmethod(counting))
    return calls


async def test_an_identical_answer_is_not_parsed_again(
    make_client: MakeClient, parsed: list[str]
) -> None:
    answers = Answers(page([deployment("a"), deployment("b")]))
    client, rec = make_client(answers)
    first = await client.list_deployments(1, 100)
    second = await client.list_deployments(1, 100)
    assert len(rec.requests) == 2  # still asked: only the parsing is saved
    assert parsed == ["a", "b"]
    assert second is first
    assert client.stats.reused == 1 and client.stats.failures == 0


async def test_a_changed_answer_is_parsed(make_client: MakeClient, parsed: list[str]) -> None:
    answers = Answers(page([deployment("a"), deployment("b")]))
    client, _ = make_client(answers)
    await client.list_deployments(1, 100)
    answers.data = page([deployment("a"), deployment("b", status="stopped")])
    changed = await client.list_deployments(1, 100)
    assert [d.status for d in changed.items] == ["running", "stopped"]
    assert parsed == ["a", "b", "a", "b"] and client.stats.reused == 0
    # ...and that answer is the one remembered next.
    assert await client.list_deployments(1, 100) is changed


async def test_another_request_does_not_reuse_an_answer(
    make_client: MakeClient, parsed: list[str]
) -> None:
    answers = Answers(page([deployment("a")]))
    client, _ = make_client(answers)
    await client.list_deployments(1, 100)
    await client.list_deployments(1, 100, status="running")
    await client.list_deployments(2, 100)
    assert parsed == ["a", "a", "a"] and client.stats.reused == 0


async def test_an_error_answer_is_never_remembered(make_client: MakeClient) -> None:
    answers = Answers(None, code="BadRequest")
    client, _ = make_client(answers)
    for _ in range(2):
        with pytest.raises(Exception, match="BadRequest"):
            await client.list_deployments(1, 100)
    assert client.stats.reused == 0 and client.stats.failures == 2


async def test_writes_are_never_reused(make_client: MakeClient) -> None:
    client, rec = make_client(Answers(None))
    await client.stop_deployment("dep-1")
    await client.stop_deployment("dep-1")
    assert len(rec.requests) == 2 and client.stats.reused == 0


async def test_reused_stock_is_a_list_of_its_own(make_client: MakeClient) -> None:
    answers = Answers([{"RTX 4090": {"idle_gpu_num": 3, "total_gpu_num": 10}}])
    client, _ = make_client(answers)
    first = await client.get_gpu_stock("westDC2")
    first.clear()  # a caller's own list: changing it must not change the next answer
    second = await client.get_gpu_stock("westDC2")
    assert [(s.gpu_name, s.idle) for s in second] == [("RTX 4090", 3)]
    assert client.stats.reused == 1


async def test_the_memo_is_bounded(
    make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wire_module, "MEMO_ENTRIES", 3)
    client, _ = make_client(Answers(page([deployment("a")], max_page=9)))
    for index in range(1, 6):
        await client.list_deployments(index, 100)
    assert len(client._wire._memo) == 3
    await client.list_deployments(1, 100)  # dropped: parsed again, not reused
    assert client.stats.reused == 0
    await client.list_deployments(5, 100)
    assert client.stats.reused == 1


def test_the_digest_ignores_the_request_id_only() -> None:
    def body(data: Any, request_id: Any) -> bytes:
        return json.dumps({"code": "Success", "data": data, "request_id": request_id}).encode()

    assert body_digest(body([1, 2], "a" * 32)) == body_digest(body([1, 2], "b" * 32))
    assert body_digest(body([1, 2], None)) == body_digest(body([1, 2], "c" * 32))
    assert body_digest(body([1, 2], "a" * 32)) != body_digest(body([1, 3], "a" * 32))
    # A request_id inside the data is data: it counts.
    inner = [{"request_id": "x"}]
    assert body_digest(body(inner, "a")) != body_digest(body([{"request_id": "y"}], "a"))


def container(uuid: str, deployment: str, status: str = "running") -> dict[str, Any]:
    return {"uuid": uuid, "deployment_uuid": deployment, "status": status}


async def test_a_sweep_of_5200_unchanged_lists_reuses_every_answer(
    make_client: MakeClient,
) -> None:
    # The memo used to hold 2,048 answers: a sweep asking 5,200 lists in the same order
    # each time dropped every entry just before it was needed again, and reused none.
    uuids = [f"d{i:05d}" for i in range(5200)]

    def respond(request: httpx.Request) -> httpx.Response:
        uuid = json.loads(request.content)["deployment_uuid"]
        data = page([container(f"{uuid}-c", uuid)], result_total=1)
        return httpx.Response(200, json={"code": "Success", "data": data, "request_id": "r"})

    client, _ = make_client(respond, requests_per_minute=6000)
    first = [await client.list_containers(u) for u in uuids]
    second = [await client.list_containers(u) for u in uuids]
    assert client.stats.reused == 5200
    assert all(a is b for a, b in zip(first, second, strict=True))


async def test_a_changed_page_keeps_the_objects_of_its_unchanged_items(
    make_client: MakeClient,
) -> None:
    answers = Answers(page([container("a", "d"), container("b", "d"), container("c", "d")]))
    client, _ = make_client(answers)
    first = await client.list_containers("d")
    answers.data = page([container("a", "d"), container("b", "d", "shutdown"), container("x", "d")])
    second = await client.list_containers("d")
    assert second.items[0] is first.items[0]  # unchanged: the same object, not a copy
    assert second.items[1].status == "shutdown" and second.items[1] is not first.items[1]
    assert second.items[2].uuid == "x"
    # The screen holds `second`; a later unchanged answer is that very page.
    assert await client.list_containers("d") is second


async def test_a_listing_of_all_pages_is_made_of_the_remembered_objects(
    make_client: MakeClient,
) -> None:
    answers = Answers(page([deployment("a"), deployment("b")]))
    client, _ = make_client(answers)
    listed = await client.list_all_deployments()
    answers.data = page([deployment("a"), deployment("b", status="stopped")])
    again = await client.list_all_deployments()
    assert again[0] is listed[0] and again[1] is not listed[1]
