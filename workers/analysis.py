"""C-11 and A-3 in the worker: the monthly analysis rollup, and the rectification sweep (each
overdue rectification flagged to the head of its owner's department once per due date,
however often it runs). Both idempotent."""

from __future__ import annotations

from typing import Any

from services import clock
from services.analysis import rectification, rollup

SWEEP_RECTIFICATIONS_JOB = "sweep_rectifications"


async def sweep_rectifications(ctx: dict[str, Any]) -> int:
    """Twice an hour: audit findings that repeat open their rectification; every open one
    past its due date is told to the owner's head."""
    now = clock.now()
    await rectification.open_for_repeated_findings(now)
    return await rectification.flag_overdue(now)


async def refresh_analysis(ctx: dict[str, Any]) -> int:
    """Every 10 minutes: the rollup of the current and the last month, every scope (C-11)."""
    return await rollup.refresh(clock.now())
