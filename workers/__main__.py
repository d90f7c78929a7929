"""`python -m workers`: the worker process, which outlives Redis outages (`workers.resilient`).

`python -m workers --check` exits 0 when a worker recorded its health in Redis lately (arq's
health key), for container health checks.
"""

from __future__ import annotations

import sys
from typing import Any

from arq.worker import check_health, get_kwargs

from services import logs
from services.config import settings
from workers.resilient import Worker
from workers.settings import WorkerSettings

SETTINGS: dict[str, Any] = dict(vars(WorkerSettings))


def run(**overrides: Any) -> None:
    """Run the worker until SIGINT/SIGTERM; `overrides` replace WorkerSettings (tests)."""
    logs.configure(settings.log_level)
    Worker(**{**get_kwargs(SETTINGS), **overrides}).run()


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        sys.exit(check_health(SETTINGS))
    run()
