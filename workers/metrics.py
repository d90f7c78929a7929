"""The worker's Prometheus metrics: how long each job took, by job and outcome.

`instrument` wraps every function and cron job of the worker's settings; `serve` exposes them
on `WORKER_METRICS_PORT` (not at all when 0). The API's /metrics has the rest (graphql_schema/
ops.py): the outbox and the deadlines are read from PostgreSQL there, whichever worker did what.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

from arq.cron import CronJob
from arq.worker import Function
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

REGISTRY = CollectorRegistry(auto_describe=True)
JOB_SECONDS = Histogram(
    "tousu_worker_job_seconds",
    "Time a worker job ran, by job name and outcome (ok, error).",
    ["job", "outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
JOBS = Counter(
    "tousu_worker_jobs", "Jobs run, by job name and outcome.", ["job", "outcome"], registry=REGISTRY
)

Job = Callable[..., Awaitable[Any]]


def timed(name: str, coroutine: Job) -> Job:
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await coroutine(ctx, *args, **kwargs)
            outcome = "ok"
            return result
        finally:
            JOB_SECONDS.labels(name, outcome).observe(time.perf_counter() - started)
            JOBS.labels(name, outcome).inc()

    run.__name__ = run.__qualname__ = getattr(coroutine, "__name__", name)
    run.__doc__ = coroutine.__doc__
    return run


def instrument(settings: dict[str, Any]) -> dict[str, Any]:
    """The worker settings with every function and cron job timed."""
    functions = [
        dataclasses.replace(f, coroutine=cast(Any, timed(f.name, f.coroutine)))
        if isinstance(f, Function)
        else f
        for f in settings.get("functions", [])
    ]
    crons = [
        dataclasses.replace(c, coroutine=cast(Any, timed(c.name, c.coroutine)))
        if isinstance(c, CronJob)
        else c
        for c in settings.get("cron_jobs", []) or []
    ]
    return {**settings, "functions": functions, "cron_jobs": crons}


def serve(port: int) -> None:
    """/metrics on `port` (all interfaces, as a container's port), in a thread of its own."""
    if port:
        start_http_server(port, registry=REGISTRY)
