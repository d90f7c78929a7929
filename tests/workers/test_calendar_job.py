"""C-7: the worker says once a day, in one log line, when the confirmed calendar runs out."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from services import clock
from workers.settings import WorkerSettings, check_calendar


async def test_c7_the_worker_logs_one_calendar_warning_line_within_60_days(caplog):
    clock.freeze(datetime(2026, 12, 20, 1, 0, tzinfo=UTC))

    with caplog.at_level(logging.WARNING, logger="workers.calendar"):
        warning = await check_calendar({})

    lines = [r.getMessage() for r in caplog.records if r.name == "workers.calendar"]
    assert warning is not None and len(lines) == 1
    assert "2026-12-31 (11 days)" in lines[0] and "confirm 2027" in lines[0]


async def test_c7_the_worker_says_nothing_while_the_calendar_reaches_beyond_60_days(caplog):
    clock.freeze(datetime(2026, 6, 1, 1, 0, tzinfo=UTC))

    with caplog.at_level(logging.WARNING, logger="workers.calendar"):
        assert await check_calendar({}) is None

    assert not [r for r in caplog.records if r.name == "workers.calendar"]


def test_c7_the_calendar_check_runs_once_a_day():
    job = next(j for j in WorkerSettings.cron_jobs if j.name.endswith("check_calendar"))

    assert (job.hour, job.minute, job.second, job.unique) == (1, 0, 0, True)
