"""`make bench`: run every benchmark module in turn and print its figures.

`bench_app` runs last and gets what the others returned, for its comparison column.
`--quick` runs fewer rounds; `--only=launch,idle` runs those parts of `bench_app` only
(parts: launch, idle, polling, headless, huge), e.g. `python -m benchmarks bench_app --only=idle`.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys

#: `bench_app` last: its final table takes in the figures the modules before it return.
MODULES = (
    "bench_sim",
    "bench_client",
    "bench_table",
    "bench_widgets",
    "bench_requests",
    "bench_fleets",
    "bench_app",
)


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all when none are named)."""
    quick = "--quick" in argv
    only = next((arg.split("=", 1)[1] for arg in argv if arg.startswith("--only=")), "")
    names = [name for name in argv if not name.startswith("--")]
    results: dict[str, object] = {}

    def report(line: str) -> None:
        print(line, flush=True)

    for name in names or MODULES:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            print(f"{name}: skipped ({exc})")
            continue
        print(f"== {name}", flush=True)
        params = inspect.signature(module.run).parameters
        kwargs: dict[str, object] = {}
        if "quick" in params:
            kwargs["quick"] = quick
        if "others" in params:
            kwargs["others"] = results
        if "only" in params and only:
            kwargs["only"] = tuple(only.split(","))
        result = module.run(report, **kwargs)
        if inspect.isawaitable(result):
            result = asyncio.run(result)
        results[name] = result
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
