"""Full fleet snapshot: AutoDLClient (concurrent, bounded) vs. a one-call-at-a-time baseline.

The simulator's `large` fleet (520 deployments, ~10,600 containers) is served over loopback
by uvicorn with 30 ms added to every answer (`FaultConfig(latency_ms=30)` passed to
`create_app`), as a stand-in for the real network. The server runs in a child process, so
this process's CPU time is the client's alone.

Both sides fetch the same thing with the same page size (100): every deployment page, every
container page of every deployment, and GPU stock of all 11 regions.

* baseline: the vendor document's `requests` style: a plain synchronous `httpx.Client` in a
  worker thread, one request after another, page after page;
* client: AutoDLClient, every list at once (`read_containers`, the poller's fan-out) with
  `max_in_flight=8`.

Reported: wall time of each (client: median of `repeats`), the speed-up (goal >= 5x), and
client-side CPU per call = process CPU time / calls made (goal < 3 ms).

Run: `.venv/bin/python -m benchmarks.bench_client [--fleet large] [--latency-ms 30]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from autodl_tui.api import AutoDLClient, AutoDLError
from autodl_tui.api.fanout import read_containers
from autodl_tui.budget import MAX_REQUESTS_PER_MINUTE
from autodl_tui.catalog import REGION_CODES

TOKEN = "bench-token"
PAGE_SIZE = 100
API = "/api/v1/dev"


@dataclass
class Result:
    """One measured run."""

    wall_s: float
    cpu_s: float
    calls: int
    deployments: int
    containers: int

    @property
    def cpu_ms_per_call(self) -> float:
        return self.cpu_s / self.calls * 1000 if self.calls else 0.0


# ---------------------------------------------------------------- the server (child process)


def serve(fleet: str, latency_ms: float) -> None:
    """Child process: serve the simulator, print its URL, run until stdin closes."""
    from autodl_tui.sim.app import create_app
    from autodl_tui.sim.clock import VirtualClock
    from autodl_tui.sim.faults import FaultConfig
    from autodl_tui.sim.fleets import build_simulator
    from autodl_tui.sim.server import ServerThread

    # A paused clock: the fleet does not change while we measure, so both sides see the same.
    sim = build_simulator(fleet, seed=0, clock=VirtualClock(), token=TOKEN)
    app = create_app(sim, FaultConfig(latency_ms=latency_ms))
    with ServerThread(app) as url:
        print(url, flush=True)
        sys.stdin.read()


async def start_server(fleet: str, latency_ms: float) -> tuple[asyncio.subprocess.Process, str]:
    """Spawn the server process and wait for its URL."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.bench_client",
        "--serve",
        "--fleet",
        fleet,
        "--latency-ms",
        str(latency_ms),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), timeout=120)
    url = line.decode().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        raise RuntimeError(f"the simulator server did not start: {line!r}")
    return proc, url


async def stop_server(proc: asyncio.subprocess.Process) -> None:
    """Close the child's stdin (it exits) and reap it."""
    if proc.stdin is not None:
        proc.stdin.close()
    try:
        await asyncio.wait_for(proc.wait(), timeout=15)
    except TimeoutError:
        proc.kill()
        await proc.wait()


# ---------------------------------------------------------------- the two contenders


def sequential_snapshot(url: str) -> Result:
    """The baseline, as the vendor's examples would write it: one blocking call at a time."""
    calls = 0
    headers = {"Authorization": TOKEN, "Content-Type": "application/json"}

    def post(http: httpx.Client, path: str, body: dict[str, Any]) -> Any:
        nonlocal calls
        calls += 1
        response = http.post(API + path, json=body, headers=headers)
        envelope = response.json()
        if envelope["code"] != "Success":
            raise RuntimeError(envelope["msg"])
        return envelope["data"]

    def all_pages(http: httpx.Client, path: str, body: dict[str, Any]) -> list[Any]:
        items: list[Any] = []
        page_index = 1
        while True:
            data = post(http, path, {**body, "page_index": page_index, "page_size": PAGE_SIZE})
            items += data["list"]
            if page_index >= data["max_page"]:
                return items
            page_index += 1

    cpu0, wall0 = time.process_time(), time.perf_counter()
    with httpx.Client(base_url=url, timeout=30) as http:
        deployments = all_pages(http, "/deployment/list", {})
        containers = 0
        for d in deployments:
            containers += len(
                all_pages(http, "/deployment/container/list", {"deployment_uuid": d["uuid"]})
            )
        for region in REGION_CODES:
            post(http, "/machine/region/gpu_stock", {"region_sign": region})
    return Result(
        time.perf_counter() - wall0,
        time.process_time() - cpu0,
        calls,
        len(deployments),
        containers,
    )


async def client_snapshot(client: AutoDLClient) -> Result:
    """The same data through AutoDLClient: deployments, then every list and region at once."""
    sent0 = client.stats.requests_sent
    cpu0, wall0 = time.process_time(), time.perf_counter()
    deployments = await client.list_all_deployments()
    lists, _ = await asyncio.gather(
        read_containers(client, [d.uuid for d in deployments], in_flight=client.max_in_flight),
        asyncio.gather(*(client.get_gpu_stock(r) for r in REGION_CODES)),
    )
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    failed = [u for u, a in lists.items() if isinstance(a, AutoDLError)]
    if failed:
        raise RuntimeError(f"incomplete snapshot: {len(failed)} lists failed")
    containers = sum(len(a) for a in lists.values() if not isinstance(a, AutoDLError))
    return Result(wall, cpu, client.stats.requests_sent - sent0, len(deployments), containers)


# ---------------------------------------------------------------- the run


async def run(
    report: Callable[[str], None],
    *,
    fleet: str = "large",
    latency_ms: float = 30.0,
    repeats: int = 3,
    max_in_flight: int = 8,
) -> None:
    """Measure both sides against one simulator server and `report` each result line."""
    report(f"fleet {fleet!r}, +{latency_ms:g} ms per answer, page_size {PAGE_SIZE}, loopback")
    proc, url = await start_server(fleet, latency_ms)
    try:
        # The widest budget: this compares concurrency, not the app's polite default.
        async with AutoDLClient(
            TOKEN,
            url,
            max_in_flight=max_in_flight,
            page_size=PAGE_SIZE,
            requests_per_minute=MAX_REQUESTS_PER_MINUTE,
        ) as client:
            # Warm up: the first call builds the HTTP client and opens connections.
            await client.get_gpu_stock(REGION_CODES[0])
            runs = [await client_snapshot(client) for _ in range(repeats)]
        baseline = await asyncio.to_thread(sequential_snapshot, url)
    finally:
        await stop_server(proc)

    fast = sorted(runs, key=lambda r: r.wall_s)[len(runs) // 2]
    if (fast.deployments, fast.containers) != (baseline.deployments, baseline.containers):
        raise RuntimeError("the two snapshots disagree; the comparison is void")
    ratio = baseline.wall_s / fast.wall_s
    cpu_per_call = statistics.median(r.cpu_ms_per_call for r in runs)
    report(
        f"snapshot: {fast.deployments} deployments, {fast.containers} containers, "
        f"{fast.calls} calls"
    )
    report(
        f"sequential baseline (sync httpx, one call at a time): {baseline.wall_s:8.2f} s  "
        f"CPU {baseline.cpu_ms_per_call:.2f} ms/call"
    )
    walls = ", ".join(f"{r.wall_s:.2f}" for r in runs)
    report(
        f"AutoDLClient (max_in_flight={max_in_flight}): {fast.wall_s:8.2f} s (median of {walls})"
    )
    report(f"speed-up: {ratio:.1f}x  (goal >= 5x)  {'OK' if ratio >= 5 else 'MISSED'}")
    report(
        f"client CPU per call: {cpu_per_call:.2f} ms  (goal < 3 ms)  "
        f"{'OK' if cpu_per_call < 3 else 'MISSED'}"
    )


def main(argv: list[str] | None = None) -> None:
    """Command line entry: run the benchmark, or (internally) be its server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--fleet", default="large", choices=("empty", "demo", "large"))
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-in-flight", type=int, default=8)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.fleet, args.latency_ms)
        return
    asyncio.run(
        run(
            print,
            fleet=args.fleet,
            latency_ms=args.latency_ms,
            repeats=args.repeats,
            max_in_flight=args.max_in_flight,
        )
    )


if __name__ == "__main__":
    main()
