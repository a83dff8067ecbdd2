"""`make bench`: run every benchmark module in turn and print its figures."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys

MODULES = ("bench_sim", "bench_client", "bench_table", "bench_widgets")


def main(names: list[str]) -> int:
    """Run the named benchmarks (all when none are named)."""
    for name in names or MODULES:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            print(f"{name}: skipped ({exc})")
            continue
        print(f"== {name}", flush=True)
        result = module.run(lambda line: print(line, flush=True))
        if inspect.isawaitable(result):
            asyncio.run(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
