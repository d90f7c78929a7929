"""A-3: the rectification sweep. Idempotent: each overdue rectification is flagged to the head
of its owner's department once per due date, however often this runs."""

from __future__ import annotations

from typing import Any

from services import clock
from services.analysis import rectification

SWEEP_RECTIFICATIONS_JOB = "sweep_rectifications"


async def sweep_rectifications(ctx: dict[str, Any]) -> int:
    """Twice an hour: every open rectification past its due date, told to the owner's head."""
    return await rectification.flag_overdue(clock.now())
