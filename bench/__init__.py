"""Benchmarks: `make bench` (= `.venv/bin/python -m bench`); see bench/README.md.

Every `bench/bench_*.py` module with an `async def run() -> dict` is one benchmark. The runner
starts the servers and points the settings at them before it imports any of them, so a
benchmark module may import `services` at its top.
"""
