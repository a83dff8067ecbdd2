"""Simulator throughput: 1,000 mixed requests over a loopback socket, and the fleet builds."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

import httpx

from autodl_tui.sim.app import create_app
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.server import serve_in_background
from benchmarks.bench_app import Figure, Figures

REQUESTS = 1000
CONCURRENCY = 8


#: Seconds the simulator may take to build the huge fleet (about 107k containers).
HUGE_BUILD_S = 5.0


async def run(report: Callable[[str], None]) -> Figures:
    """Print requests/second for a mixed workload and the time to build each fleet."""
    figures = Figures()
    for fleet in ("demo", "large", "huge"):
        started = time.perf_counter()
        build_simulator(fleet, seed=1, clock=VirtualClock())
        seconds = time.perf_counter() - started
        report(f"sim: build {fleet} fleet: {seconds * 1000:.0f} ms")
        if fleet == "huge":
            figures.add(Figure("simulator builds the huge fleet", [seconds], "s", HUGE_BUILD_S))
    sim = build_simulator("demo", seed=1, clock=VirtualClock())
    deployments = sim.list_deployments(1, 100)["list"]
    uuids = [d["uuid"] for d in deployments]
    bodies: list[tuple[str, str, dict[str, object]]] = []
    for i in range(REQUESTS):
        uuid = uuids[i % len(uuids)]
        kind = i % 5
        if kind == 0:
            bodies.append(
                ("POST", "/api/v1/dev/deployment/list", {"page_index": 1, "page_size": 50})
            )
        elif kind == 1:
            body = {"deployment_uuid": uuid, "page_index": 1, "page_size": 50}
            bodies.append(("POST", "/api/v1/dev/deployment/container/list", body))
        elif kind == 2:
            body = {"deployment_uuid": uuid, "page_index": 1, "page_size": 100}
            bodies.append(("POST", "/api/v1/dev/deployment/container/event/list", body))
        elif kind == 3:
            bodies.append(
                ("POST", "/api/v1/dev/machine/region/gpu_stock", {"region_sign": "westDC2"})
            )
        else:
            bodies.append(("GET", "/api/v1/dev/deployment/blacklist", {}))
    async with (
        serve_in_background(create_app(sim)) as base_url,
        httpx.AsyncClient(base_url=base_url, headers={"Authorization": "bench"}) as http,
    ):
        errors = 0
        latencies: list[float] = []
        queue = list(bodies)

        async def worker() -> None:
            nonlocal errors
            while queue:
                method, path, body = queue.pop()
                t0 = time.perf_counter()
                if method == "GET":
                    response = await http.get(path)
                else:
                    response = await http.request(method, path, json=body)
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 200 or response.json()["code"] != "Success":
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    report(
        f"sim: {REQUESTS} mixed requests over loopback, {CONCURRENCY} at a time: "
        f"{REQUESTS / elapsed:.0f} req/s, median {statistics.median(latencies) * 1000:.1f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.1f} ms, errors {errors}"
    )
    return figures


if __name__ == "__main__":
    asyncio.run(run(print))
