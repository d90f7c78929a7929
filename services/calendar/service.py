"""Working days from the calendar stored in the database (C-7). STUB: replaced by the calendar work."""

from __future__ import annotations

from datetime import datetime, timedelta


async def add_working_days(start: datetime, days: int) -> datetime:
    """The instant `days` working days after `start` (timezone-aware in, timezone-aware out)."""
    return start + timedelta(days=days)
