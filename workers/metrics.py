"""The worker's Prometheus metrics: how long each job took, by job and outcome.

`instrument` wraps every function and cron job of the worker's settings; `serve` exposes them
on `WORKER_METRICS_PORT` (not at all when 0). The API's /metrics has the rest (graphql_schema/
ops.py): the outbox and the deadlines are read from PostgreSQL there, whichever worker did what.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

from arq.cron import CronJob
from arq.worker import Function
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

from services import logs, tracing

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

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


def timed(name: str, coroutine: Job, tracer: Tracer | None = None) -> Job:
    """`coroutine` timed; with a `tracer` (tracing on) each run is a span too, named after the
    job and carrying no argument (services/tracing.py)."""

    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        outcome = "error"
        try:
            if tracer is None:
                result = await coroutine(ctx, *args, **kwargs)
            else:
                result = await traced(tracer, name, coroutine, ctx, *args, **kwargs)
            outcome = "ok"
            return result
        finally:
            JOB_SECONDS.labels(name, outcome).observe(time.perf_counter() - started)
            JOBS.labels(name, outcome).inc()

    run.__name__ = run.__qualname__ = getattr(coroutine, "__name__", name)
    run.__doc__ = coroutine.__doc__
    return run


async def traced(tracer: Tracer, name: str, coroutine: Job, *args: Any, **kwargs: Any) -> Any:
    from opentelemetry.trace import SpanKind

    with tracer.start_as_current_span(
        f"job {name}",
        kind=SpanKind.CONSUMER,
        attributes={"tousu.job": name, "tousu.request_id": logs.request_id.get() or ""},
        record_exception=False,  # its message may hold a phone number (C-12)
        set_status_on_exception=False,
    ) as span:
        try:
            return await coroutine(*args, **kwargs)
        except BaseException as exc:
            tracing.failed(span, exc)
            raise


def instrument(settings: dict[str, Any], tracer: Tracer | None = None) -> dict[str, Any]:
    """The worker settings with every function and cron job timed (and traced with `tracer`)."""
    functions = [
        dataclasses.replace(f, coroutine=cast(Any, timed(f.name, f.coroutine, tracer)))
        if isinstance(f, Function)
        else f
        for f in settings.get("functions", [])
    ]
    crons = [
        dataclasses.replace(c, coroutine=cast(Any, timed(c.name, c.coroutine, tracer)))
        if isinstance(c, CronJob)
        else c
        for c in settings.get("cron_jobs", []) or []
    ]
    return {**settings, "functions": functions, "cron_jobs": crons}


def serve(port: int) -> None:
    """/metrics on `port` (all interfaces, as a container's port), in a thread of its own."""
    if port:
        start_http_server(port, registry=REGISTRY)
