"""`python -m workers`: the worker process, which outlives Redis outages (`workers.resilient`).

`python -m workers --check` exits 0 when a worker recorded its health in Redis lately (arq's
health key), for container health checks.

Every job is timed (`workers.metrics`, served on WORKER_METRICS_PORT when set), traced when
OTEL_EXPORTER_OTLP_ENDPOINT is set (services/tracing.py), and runs with the
request id of the request that queued it (`workers.queue.serialize_job`), so its log lines can
be found from the API's.
"""

from __future__ import annotations

import sys
from typing import Any

from arq.worker import check_health, get_kwargs

from services import logs, tracing
from services.config import settings
from workers import metrics
from workers.queue import deserialize_job, serialize_job
from workers.resilient import Worker
from workers.settings import WorkerSettings

SETTINGS: dict[str, Any] = metrics.instrument(
    {
        **vars(WorkerSettings),
        "job_serializer": serialize_job,
        "job_deserializer": deserialize_job,
    },
    tracer=tracing.tracer(settings, "tousu.worker") if settings.tracing else None,
)


def run(**overrides: Any) -> None:
    """Run the worker until SIGINT/SIGTERM; `overrides` replace WorkerSettings (tests)."""
    logs.configure(settings.log_level)
    metrics.serve(settings.worker_metrics_port)
    Worker(**{**get_kwargs(SETTINGS), **overrides}).run()


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        sys.exit(check_health(SETTINGS))
    run()
