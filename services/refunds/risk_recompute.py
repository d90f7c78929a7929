"""K-1 threshold change: every stored risk profile recomputed under the new numbers by the
worker, in batches, resumable; PostgreSQL holds the run and its progress (risk_recompute_runs).

One run per version of the thresholds. `start` creates it (the console calls it after a save;
the worker's minute sweep calls it too, so a change made any other way is found) and queues
the job; a newer version supersedes a running run. The job works through the profiles in
customer order, one transaction per batch that moves the run's cursor with the profiles it
wrote, for a time slice, then queues its own continuation. A killed worker or a lost job
loses nothing: the sweep queues the run again from its cursor, and two jobs on one run take
turns on its row lock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from services import scheduling
from services.refunds import clock, limits, risk_profiles
from services.refunds.models import RiskProfile
from services.refunds.policy import RiskThresholds
from services.refunds.risk_models import RecomputeStatus, RiskRecomputeRun
from services.thresholds.models import ThresholdVersion

RECOMPUTE_JOB = "recompute_risk_profiles"
BATCH = 500
SLICE_SECONDS = 20.0  # well inside the worker's job timeout


@dataclass(frozen=True)
class Progress:
    """What the console shows: the latest run, and whether a newer change awaits its run."""

    run: RiskRecomputeRun | None
    waiting_version: int | None  # the thresholds changed and no run has started for it yet

    @property
    def percent(self) -> int:
        if self.run is None or self.run.total == 0:
            return 100
        return min(100, self.run.done * 100 // self.run.total)


async def current_version() -> tuple[int, RiskThresholds]:
    """The stored version of the K-1 thresholds (0: the shipped defaults) and its numbers."""
    row = await ThresholdVersion.filter(key=limits.RISK).order_by("-version").first()
    if row is None:
        return 0, RiskThresholds()
    return row.version, RiskThresholds(**row.value)


async def start() -> RiskRecomputeRun | None:
    """A run for the current thresholds unless one exists (None while they are the defaults
    nobody changed); queues its job."""
    version, _ = await current_version()
    if version == 0:
        return None
    run = await RiskRecomputeRun.get_or_none(threshold_version=version)
    if run is not None:
        return run
    try:
        async with in_transaction():
            await RiskRecomputeRun.filter(status=RecomputeStatus.RUNNING).update(
                status=RecomputeStatus.SUPERSEDED, finished_at=clock.now()
            )
            run = await RiskRecomputeRun.create(
                threshold_version=version, total=await RiskProfile.all().count()
            )
    except IntegrityError:  # another process started it first
        return await RiskRecomputeRun.get(threshold_version=version)
    await _queue(run)
    return run


async def run_job(run_id: int, *, budget_seconds: float = SLICE_SECONDS) -> RiskRecomputeRun:
    """The job: batches until the run is done (or superseded) or the slice is spent; then the
    next slice is queued."""
    ends = time.monotonic() + budget_seconds
    while await _batch(run_id, at=clock.now()):
        if time.monotonic() >= ends:
            run = await RiskRecomputeRun.get(id=run_id)
            await _queue(run)
            return run
    return await RiskRecomputeRun.get(id=run_id)


async def sweep() -> int:
    """Every minute: start a run for a change nobody started one for, and queue again each run
    still running (from its cursor: a job lost with Redis or a killed worker). Returns how
    many runs were queued."""
    await start()
    running = await RiskRecomputeRun.filter(status=RecomputeStatus.RUNNING).order_by("id")
    for run in running:
        await _queue(run)
    return len(running)


async def progress() -> Progress:
    version, _ = await current_version()
    run = await RiskRecomputeRun.all().order_by("-threshold_version").first()
    newest = run.threshold_version if run else 0
    return Progress(run=run, waiting_version=version if version > newest else None)


async def _batch(run_id: int, *, at: datetime) -> bool:
    """One batch in one transaction: profiles and the run's cursor move together. False when
    there is nothing left to do."""
    version, numbers = await current_version()
    async with in_transaction():
        run = await RiskRecomputeRun.select_for_update().get(id=run_id)
        if run.status is not RecomputeStatus.RUNNING:
            return False
        if run.threshold_version != version:  # changed again: the newer run takes over
            run.status, run.finished_at = RecomputeStatus.SUPERSEDED, at
            await run.save()
            return False
        ids = cast(
            list[int],
            await RiskProfile.filter(customer_id__gt=run.last_customer_id)
            .order_by("customer_id")
            .limit(BATCH)
            .values_list("customer_id", flat=True),
        )
        if ids:
            run.changed += await risk_profiles.recompute(ids, at=at, thresholds=numbers)
            run.done += len(ids)
            run.batches += 1
            run.last_customer_id = ids[-1]
        if len(ids) < BATCH:
            run.status, run.finished_at = RecomputeStatus.DONE, at
            run.total = max(run.total, run.done)  # profiles written since the run started
        await run.save()
        return run.status is RecomputeStatus.RUNNING


async def _queue(run: RiskRecomputeRun) -> None:
    await scheduling.schedule(
        RECOMPUTE_JOB,
        key=f"risk_recompute:{run.id}:{run.last_customer_id}",
        run_at=clock.now(),
        run_id=run.id,
    )
