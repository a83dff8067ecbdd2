"""The simulator against a hostile or careless client: body and field sizes, flags, signals.

Issue 11 item 6: a 300 MB body was buffered whole, a 20 MB cmd was accepted and echoed in every
list answer, `--port 99999` was a traceback and `--speed 1e9` spun at 100 % CPU ignoring SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sim_process import REPO, running_sim

from autodl_tui.sim import engine, lifecycle, limits
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.engine import Simulator
from autodl_tui.sim.faults import FaultConfig
from autodl_tui.sim.fleets import build_simulator, spec
from autodl_tui.sim.server import add_arguments

Conn = Any
Connect = Callable[..., Any]
API = "/api/v1/dev"
PAGE = {"page_index": 1, "page_size": 10}
IMAGE = "base-image-l2t43iu6uk"


def raw_request(url: str, head: bytes, body: Iterator[bytes] | None = None) -> bytes:
    """Send `head` then the `body` chunks over a plain socket; the raw answer (bounded wait)."""
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1" and parts.port
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        s.sendall(head)
        try:
            for chunk in body or ():
                s.sendall(chunk)
        except OSError:
            pass  # the server may answer 413 and close before the client is done sending
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            data = s.recv(65536)
            if not data:
                break
            answer += data
        return answer


def split_answer(answer: bytes) -> tuple[int, dict[str, Any]]:
    """(HTTP status, decoded JSON body) of a raw HTTP/1.1 answer."""
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)


def assert_too_large(status: int, envelope: dict[str, Any]) -> None:
    assert status == 413
    assert envelope["code"] == "RequestParameterIsWrong"
    assert envelope["data"] is None
    assert str(limits.MAX_BODY_BYTES) in envelope["msg"] and "simulator" in envelope["msg"]


# --- request bodies ------------------------------------------------------------------------


def test_declared_oversized_body_is_refused_before_it_is_sent() -> None:
    # Content-Length says 300 MB and not one byte follows: the answer must come anyway, so
    # the server decided from the header instead of waiting to buffer the body.
    with running_sim("--fleet", "empty") as (_, url):
        head = (
            b"POST /api/v1/dev/deployment/list HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: 300000000\r\n\r\n"
        )
        assert_too_large(*split_answer(raw_request(url, head)))


def test_chunked_oversized_body_stops_being_read_at_the_limit() -> None:
    with running_sim("--fleet", "empty") as (_, url):
        head = (
            b"POST /api/v1/dev/deployment/list HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b" " * 65536
        # Twice the limit, never terminated: only a server that stops at the limit answers.
        chunks = (b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(32))
        assert_too_large(*split_answer(raw_request(url, head, chunks)))


async def test_body_up_to_the_limit_is_accepted(conn: Conn) -> None:
    body = json.dumps({**PAGE, "padding": ""}).encode()
    padded = body[:-2] + b" " * (limits.MAX_BODY_BYTES - len(body)) + body[-2:]
    assert len(padded) == limits.MAX_BODY_BYTES
    r = await conn.http.post(API + "/deployment/list", content=padded)
    assert r.status_code == 200 and r.json()["code"] == "Success"
    r = await conn.http.post(API + "/deployment/list", content=padded + b" ")
    assert_too_large(r.status_code, r.json())


async def test_streamed_oversized_body_in_process(conn: Conn) -> None:
    async def stream() -> Any:
        for _ in range(3):
            yield b" " * (limits.MAX_BODY_BYTES // 2)

    r = await conn.http.post(API + "/deployment/list", content=stream())
    assert_too_large(r.status_code, r.json())


# --- field lengths ---------------------------------------------------------------------------

LONG = limits.MAX_TEXT_CHARS + 1
LONG_CMD = limits.MAX_CMD_CHARS + 1


@pytest.mark.parametrize(
    ("field", "override"),
    [
        ("container_template.cmd", {"template": {"cmd": "x" * LONG_CMD}}),
        (
            "container_template.cmd_before_shutdown",
            {"template": {"cmd_before_shutdown": "x" * LONG_CMD}},
        ),
        ("name", {"name": "n" * LONG}),
        ("container_template.image_uuid", {"template": {"image_uuid": "i" * LONG}}),
        ("container_template.gpu_name_set", {"template": {"gpu_name_set": ["g" * LONG]}}),
        (
            "container_template.gpu_name_set",
            {"template": {"gpu_name_set": ["RTX 4090"] * (limits.MAX_LIST_ITEMS + 1)}},
        ),
        (
            "container_template.env_vars.K",
            {"template": {"env_vars": {"K": "v" * (limits.MAX_ENV_VALUE_CHARS + 1)}}},
        ),
        (
            "container_template.env_vars",
            {"template": {"env_vars": {f"K{i}": "" for i in range(limits.MAX_LIST_ITEMS + 1)}}},
        ),
    ],
)
async def test_create_refuses_oversized_fields(
    conn: Conn, create_body: Callable[..., dict[str, Any]], field: str, override: dict[str, Any]
) -> None:
    before = await conn.ok("POST", "/deployment/list", PAGE)
    r = await conn.call("POST", "/deployment", create_body(**override))
    envelope = r.json()
    assert envelope["code"] == "RequestParameterIsWrong", envelope
    assert envelope["msg"].split(": ", 1)[1].startswith(field + ":"), envelope
    assert "simulator" in envelope["msg"]
    # A refused field is never stored, so never echoed back by a list call.
    assert await conn.ok("POST", "/deployment/list", PAGE) == before


async def test_fields_at_their_limit_are_accepted(
    conn: Conn, create_body: Callable[..., dict[str, Any]]
) -> None:
    name = "n" * limits.MAX_TEXT_CHARS
    body = create_body(name=name, template={"cmd": "x" * limits.MAX_CMD_CHARS})
    await conn.ok("POST", "/deployment", body)
    found = await conn.ok("POST", "/deployment/list", {**PAGE, "name": name})
    assert found["list"][0]["template"]["cmd"] == "x" * limits.MAX_CMD_CHARS


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        ("/deployment/blacklist", "POST", {"comment": "c" * LONG}, "comment"),
        ("/deployment/list", "POST", {**PAGE, "name": "n" * LONG}, "name"),
        ("/deployment/container/stop", "PUT", {"cmd_before_shutdown": "x" * LONG_CMD}, None),
        ("/machine/region/gpu_stock", "POST", {"region_sign": "r" * LONG}, "region_sign"),
    ],
)
async def test_other_calls_refuse_oversized_fields(
    conn: Conn, path: str, method: str, body: dict[str, Any], field: str | None
) -> None:
    dep = (await conn.ok("POST", "/deployment/list", {**PAGE, "name": "llm-serve"}))["list"][0]
    listed = await conn.ok(
        "POST", "/deployment/container/list", {**PAGE, "deployment_uuid": dep["uuid"]}
    )
    body = {"deployment_container_uuid": listed["list"][0]["uuid"], **body}
    envelope = (await conn.call(method, path, body)).json()
    assert envelope["code"] == "RequestParameterIsWrong", envelope
    assert f"{field or 'cmd_before_shutdown'}: longer than" in envelope["msg"]


# --- the account's size ----------------------------------------------------------------------


def test_deployments_alive_at_once_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "MAX_DEPLOYMENTS", 2)
    sim = build_simulator("empty", clock=VirtualClock())
    req = spec(
        "a", "ReplicaSet", regions=("westDC2",), gpus=("RTX 4090",), image=IMAGE, cmd="sleep 9"
    )
    first = sim.create_deployment(req)["deployment_uuid"]
    sim.create_deployment(req)
    with pytest.raises(engine.SimError, match="simulator"):
        sim.create_deployment(req)
    # Deleting one frees its place.
    sim.delete_deployment(first)
    sim.create_deployment(req)


def churning_sim(replicas: int = 200) -> tuple[Simulator, VirtualClock, str]:
    """A ReplicaSet whose cmd exits at once: it replaces its containers forever."""
    clock = VirtualClock()
    sim = build_simulator("empty", clock=clock)
    req = spec(
        "churn",
        "ReplicaSet",
        regions=("westDC3",),
        gpus=("RTX 4090",),
        image=IMAGE,
        cmd="sleep 0",
        replicas=replicas,
    )
    return sim, clock, sim.create_deployment(req)["deployment_uuid"]


def test_one_sync_does_bounded_work_and_the_backlog_follows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lifecycle, "MAX_TRANSITIONS_PER_SYNC", 2000)
    sim, clock, uuid = churning_sim(replicas=20)
    clock.advance(30 * 86400)
    fired = 0
    original = sim._fire

    def counting(*args: Any) -> None:
        nonlocal fired
        fired += 1
        original(*args)

    sim._fire = counting  # type: ignore[method-assign]
    sim.sync()
    assert fired == 2000
    lag = clock.timestamp() - sim._now
    assert lag > 0  # the world lags the clock rather than holding the request
    sim.sync()
    assert clock.timestamp() - sim._now < lag  # and catches up on the next calls


def test_a_churning_deployment_keeps_bounded_history(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lifecycle, "MAX_RELEASED_PER_DEPLOYMENT", 30)
    monkeypatch.setattr(lifecycle, "MAX_EVENTS_PER_DEPLOYMENT", 300)
    sim, clock, uuid = churning_sim(replicas=5)
    for _ in range(40):
        clock.advance(600)
        sim.sync()
    dep = sim._deployments[uuid]
    released = sum(c.released for c in dep.containers)
    assert dep.finished_num > 100  # far more containers came and went than are kept
    assert 0 < released <= 33
    assert len(dep.events) <= 300
    assert len(sim._containers) <= len(dep.containers)


def test_a_deleted_deployment_is_forgotten_once_its_containers_are_gone() -> None:
    sim, clock, uuid = churning_sim(replicas=5)
    clock.advance(60)
    sim.sync()
    sim.delete_deployment(uuid)
    clock.advance(3600)
    sim.sync()
    assert uuid not in sim._deployments
    assert not any(c.startswith(uuid) for c in sim._containers)


def test_market_replays_at_most_its_catch_up_window() -> None:
    sim = build_simulator("empty", clock=(clock := VirtualClock()))
    ticks = 0
    original = sim._market_tick

    def counting() -> None:
        nonlocal ticks
        ticks += 1
        original()

    sim._market_tick = counting  # type: ignore[method-assign]
    clock.advance(365 * 86400)
    sim.sync()
    assert 0 < ticks <= limits.MARKET_CATCHUP_S / 60 + 2


# --- flags -----------------------------------------------------------------------------------


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="autodl-tui sim")
    add_arguments(parser)
    return parser.parse_args(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ("--port", "99999"),
        ("--port", "-1"),
        ("--port", "http"),
        ("--speed", "inf"),
        ("--speed", "nan"),
        ("--speed", "-1"),
        ("--speed", "1e9"),
        ("--speed", "fast"),
        ("--latency-ms", "-1"),
        ("--latency-ms", "inf"),
        ("--latency-ms", "1e12"),
        ("--fault-rate", "2"),
        ("--fault-rate", "-0.1"),
        ("--fault-rate", "nan"),
        ("--seed", "1e3"),
        ("--seed", "9" * 30),
        ("--token", ""),
        ("--token", "   "),
        ("--token", "a\nb"),
        ("--fleet", "gigantic"),
    ],
)
def test_bad_flags_are_an_argparse_message(
    argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        parse(*argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {argv[0]}" in err and "Traceback" not in err


def test_good_flag_edges() -> None:
    args = parse("--port", "0", "--speed", "0", "--latency-ms", "0", "--fault-rate", "1")
    assert (args.port, args.speed, args.latency_ms, args.fault_rate) == (0, 0, 0, 1)
    assert parse("--speed", str(limits.MAX_SPEED), "--port", "65535").speed == limits.MAX_SPEED


def test_bad_flag_from_the_real_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autodl_tui", "sim", "--port", "99999"],
        cwd=REPO,
        capture_output=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert b"--port: must be between 0 and 65535" in done.stderr
    assert b"Traceback" not in done.stderr


# --- signals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stops_promptly_on_a_signal_at_full_speed(sig: signal.Signals) -> None:
    # The fastest clock and the largest fleet: every request has the most catching up to do.
    argv = ("--speed", str(limits.MAX_SPEED), "--fleet", "large")
    with running_sim(*argv, capture=True) as (proc, url):
        with httpx.Client(base_url=url, headers={"Authorization": "t"}, timeout=30) as http:
            for _ in range(3):
                r = http.post(API + "/deployment/list", json=PAGE)
                assert r.json()["code"] == "Success"
                time.sleep(0.5)
        proc.send_signal(sig)
        # Bounded: a server stuck in its clock loop would make communicate() time out.
        _, err = proc.communicate(timeout=15)
    assert proc.returncode in (0, -sig)
    assert b"Traceback" not in err


def test_a_held_timeout_fault_does_not_delay_sigterm() -> None:
    # A timeout fault holds its request open for 30 s; shutdown must not wait for it.
    seed = next(
        s
        for s in range(1000)
        if FaultConfig(fault_rate=1, seed=s).decide(mutating=False).kind == "timeout"
    )
    argv = ("--fleet", "empty", "--fault-rate", "1", "--seed", str(seed))
    with running_sim(*argv, capture=True) as (proc, url):
        held = threading.Thread(
            target=lambda: httpx.get(
                url + API + "/deployment/blacklist", headers={"Authorization": "t"}, timeout=60
            ),
            daemon=True,
        )
        held.start()
        time.sleep(1)  # the request is now inside the simulator, held
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    assert proc.returncode in (0, -signal.SIGTERM)
