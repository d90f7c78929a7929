"""`python -m bench [--quick] [--only NAME ...] [--list]`: run the benchmarks, print a table
each, write bench/results/latest.json. Exit status 1 if a benchmark raised."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from bench import common

PREFIX = "bench_"


def discover() -> list[str]:
    """Short names (without `bench_`) of every bench/bench_*.py, in name order."""
    import bench

    return sorted(
        m.name.removeprefix(PREFIX)
        for m in pkgutil.iter_modules(bench.__path__)
        if m.name.startswith(PREFIX)
    )


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smaller tables and fewer rounds (about a minute)"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this benchmark (e.g. graphql, intake); repeat or comma-separate",
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    return parser.parse_args(argv)


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed, as under uvicorn[standard] in production."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


async def _run_all(servers: common.Servers, names: list[str]) -> tuple[dict[str, Any], bool]:
    await common.prepare(servers)
    results: dict[str, Any] = {}
    failed = False
    try:
        for name in names:
            try:
                module = importlib.import_module(f"bench.{PREFIX}{name}")
            except Exception as exc:
                print(f"-- {name}: skipped, the module does not import: {exc!r}", flush=True)
                results[name] = {"skipped": f"import failed: {exc!r}"}
                continue
            run = getattr(module, "run", None)
            if run is None:
                print(f"-- {name}: skipped, the module has no run()", flush=True)
                results[name] = {"skipped": "no run()"}
                continue
            await common.reset()
            common.note(f"running {name}")
            started = time.monotonic()
            try:
                result = dict(await run())
            except Exception:
                failed = True
                traceback.print_exc()
                print(f"-- {name}: FAILED (traceback above)", flush=True)
                results[name] = {"error": traceback.format_exc()}
                continue
            result["seconds"] = round(time.monotonic() - started, 1)
            results[name] = result
            print(common.render(name, result), "\n", sep="", flush=True)
    finally:
        await common.finish()
    return results, failed


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    available = discover()
    if args.list:
        print("\n".join(available))
        return 0
    wanted = [n.strip().removeprefix(PREFIX) for arg in args.only for n in arg.split(",")]
    wanted = [n for n in wanted if n]
    unknown = [n for n in wanted if n not in available]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; there are {available}", file=sys.stderr)
        return 2
    names = [n for n in available if not wanted or n in wanted]
    common.options.quick = args.quick
    common.options.only = tuple(wanted)

    started = time.monotonic()
    servers = common.Servers()
    meta: dict[str, Any] = {}
    try:
        servers.start()
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            meta = common.machine(type(runner.get_loop()).__module__)
            results, failed = runner.run(_run_all(servers, names))
    finally:
        servers.stop()
    elapsed = time.monotonic() - started
    path = common.write_results(
        {
            **meta,
            "mode": "quick" if args.quick else "default",
            "only": wanted,
            "seconds": round(elapsed, 1),
            "results": results,
        }
    )
    print(f"total {elapsed:.0f} s ({'--quick' if args.quick else 'default'} run); wrote {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
