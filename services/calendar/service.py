"""Working days from the calendar stored in the database (C-7); the rules are in policy.py.

The calendar is cached per process. At most every CHECK_INTERVAL_SECONDS one cheap query
compares the calendar_years fingerprint (count, last id), so a year an admin adds or replaces
(seed.add_year) takes effect in every process within seconds. Edit the calendar only through
seed.py: a hand-made UPDATE of calendar_days is not noticed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tortoise.functions import Count, Max

from services.calendar.models import CalendarDay, CalendarYear
from services.calendar.policy import WorkCalendar
from services.config import settings

CHECK_INTERVAL_SECONDS = 5.0


@dataclass
class _Cache:
    calendar: WorkCalendar | None = None
    fingerprint: tuple[int, int | None] | None = None
    checked_at: float = 0.0


_cache = _Cache()


def operator_zone() -> ZoneInfo:
    return ZoneInfo(settings.timezone)


async def add_working_days(start: datetime, days: int) -> datetime:
    """The deadline `days` working days after `start`, in the operator's zone; see policy.py."""
    calendar = await load_calendar()
    return calendar.add_working_days(start, days, operator_zone())


async def working_days_between(a: datetime, b: datetime) -> float:
    """Working time from a to b in days (negative when b is before a); see policy.py."""
    calendar = await load_calendar()
    return calendar.working_days_between(a, b, operator_zone())


async def load_calendar() -> WorkCalendar:
    now = time.monotonic()
    cached = _cache.calendar
    if cached is not None and now - _cache.checked_at < CHECK_INTERVAL_SECONDS:
        return cached
    fingerprint = await _fingerprint()
    if cached is None or fingerprint != _cache.fingerprint:
        cached = await _read_calendar()
        _cache.calendar, _cache.fingerprint = cached, fingerprint
    _cache.checked_at = now
    return cached


def forget_calendar() -> None:
    """Drop this process's cache: the next call reads the calendar again."""
    _cache.calendar = None


async def _fingerprint() -> tuple[int, int | None]:
    row = await CalendarYear.annotate(years=Count("id"), last_id=Max("id")).values(
        "years", "last_id"
    )
    return row[0]["years"], row[0]["last_id"]


async def _read_calendar() -> WorkCalendar:
    years = await CalendarYear.all().values("year")
    days = await CalendarDay.all().values("day", "is_workday")
    return WorkCalendar(
        years=(row["year"] for row in years),
        exceptions={row["day"]: row["is_workday"] for row in days},
    )


async def stored_years() -> dict[int, tuple[str, datetime]]:
    """Every year with a calendar: its source and when it was loaded (the month view)."""
    rows = await CalendarYear.all().order_by("year").values_list("year", "source", "loaded_at")
    return {year: (source, loaded_at) for year, source, loaded_at in rows}


async def exceptions_between(first: date, last: date) -> dict[date, tuple[bool, str]]:
    """The stored days that differ from the Mon-Fri week, first..last inclusive: {day:
    (is_workday, name)} (the month view and the console's edits)."""
    rows = (
        await CalendarDay.filter(day__gte=first, day__lte=last)
        .order_by("day")
        .values_list("day", "is_workday", "name")
    )
    return {day: (is_workday, name) for day, is_workday, name in rows}
