"""Working days from the calendar stored in the database (C-7); the rules are in policy.py.

Every year has a calendar: the first date that needs a year nobody stored provisions it,
computed by rule and marked provisional (computed.py), so a complaint desk never stops at
a year's end. An admin confirms the year once the State Council announces it (seed.add_year).

The calendar is cached per process. At most every CHECK_INTERVAL_SECONDS one cheap query
compares the calendar_years fingerprint (count, last id), so a year an admin adds or replaces
(seed.add_year) takes effect in every process within seconds. Edit the calendar only through
seed.py: a hand-made UPDATE of calendar_days is not noticed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from tortoise.functions import Count, Max
from tortoise.transactions import in_transaction

from services import clock
from services.calendar import computed
from services.calendar.models import CalendarDay, CalendarYear
from services.calendar.policy import CalendarYearMissing, WorkCalendar
from services.config import settings

CHECK_INTERVAL_SECONDS = 5.0
# admins are warned from this many days before the last confirmed day (that day included)
WARNING_DAYS = 60
# a span reaches at most this many unstored years (a promise years away is refused earlier)
MAX_PROVISIONED_PER_CALL = 3
T = TypeVar("T")
log = logging.getLogger(__name__)


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
    return await _computed(lambda c: c.add_working_days(start, days, operator_zone()))


async def add_working_time(start: datetime, days: float) -> datetime:
    """`days` of working time (fractions allowed) after `start`; see policy.py."""
    return await _computed(lambda c: c.add_working_time(start, days, operator_zone()))


async def working_days_between(a: datetime, b: datetime) -> float:
    """Working time from a to b in days (negative when b is before a); see policy.py."""
    return await _computed(lambda c: c.working_days_between(a, b, operator_zone()))


async def touches_provisional(a: datetime, b: datetime) -> bool:
    """Whether a span rests on a year computed by rule rather than confirmed."""
    return await _computed(lambda c: c.touches_provisional(a, b, operator_zone()))


async def _computed(rule: Callable[[WorkCalendar], T]) -> T:
    """Apply a rule to the calendar, provisioning each year it needs that nobody stored."""
    for _ in range(MAX_PROVISIONED_PER_CALL):
        calendar = await load_calendar()
        try:
            return rule(calendar)
        except CalendarYearMissing as missing:
            if not computed.computable(missing.year):
                raise
            await provision_year(missing.year)
    return rule(await load_calendar())


async def provision_year(year: int) -> bool:
    """Store `year` computed by rule, provisional; True if this call stored it (another
    process may have been first: the unique year decides)."""
    exceptions = computed.computed_year(year)
    async with in_transaction() as conn:
        row = await CalendarYear.filter(year=year).using_db(conn).first()
        if row is not None:
            return False
        await CalendarDay.bulk_create(
            [
                CalendarDay(day=day, is_workday=is_workday, name=name)
                for day, (is_workday, name) in exceptions.days.items()
            ],
            ignore_conflicts=True,
            using_db=conn,
        )
        await CalendarYear.bulk_create(
            [CalendarYear(year=year, source=computed.SOURCE, provisional=True)],
            ignore_conflicts=True,
            using_db=conn,
        )
    forget_calendar()
    log.warning(
        "calendar: %s provisioned by rule (%s); its 调休 are unknown until an admin confirms it",
        year,
        computed.SOURCE,
    )
    return True


@dataclass(frozen=True)
class CalendarStatus:
    """How far the confirmed calendar reaches, for /healthz, the console, the worker and CLI."""

    last_confirmed_day: date | None
    provisional_years: tuple[int, ...]
    days_left: int | None
    warning: str | None


async def calendar_status(today: date | None = None) -> CalendarStatus:
    """Warn from WARNING_DAYS before the last confirmed day (31 Dec: from 1 Nov, 60 days
    left, on) that next year needs confirming. A warning, never a refusal: the years after it
    are computed by rule (provisional) when a date first needs them."""
    today = today or clock.now().astimezone(operator_zone()).date()
    calendar = await load_calendar()  # cached: the console asks on every admin page
    confirmed = calendar.years - calendar.provisional_years
    provisional = tuple(sorted(calendar.provisional_years))
    if not confirmed:
        return CalendarStatus(None, provisional, None, "no calendar year is confirmed")
    last = date(max(confirmed), 12, 31)
    left = (last - today).days
    warning = None
    if left <= WARNING_DAYS:
        after = last + timedelta(days=1)
        reach = f"{left} days" if left >= 0 else f"ended {-left} days ago"
        warning = (
            f"the working-day calendar is confirmed up to {last.isoformat()} ({reach}); "
            f"from {after.isoformat()} deadlines rest on holidays computed by rule, without "
            f"调休: confirm {after.year} once the State Council announces it"
        )
    return CalendarStatus(last, provisional, left, warning)


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
    years = await CalendarYear.all().values("year", "provisional")
    days = await CalendarDay.all().values("day", "is_workday")
    return WorkCalendar(
        years=(row["year"] for row in years),
        exceptions={row["day"]: row["is_workday"] for row in days},
        provisional=(row["year"] for row in years if row["provisional"]),
    )


@dataclass(frozen=True)
class StoredYear:
    source: str
    loaded_at: datetime
    provisional: bool


async def stored_years() -> dict[int, StoredYear]:
    """Every year with a calendar: its source, when it was loaded, whether it is provisional."""
    rows = (
        await CalendarYear.all()
        .order_by("year")
        .values_list("year", "source", "loaded_at", "provisional")
    )
    return {year: StoredYear(*rest) for year, *rest in rows}


async def exceptions_between(first: date, last: date) -> dict[date, tuple[bool, str]]:
    """The stored days that differ from the Mon-Fri week, first..last inclusive: {day:
    (is_workday, name)} (the month view and the console's edits)."""
    rows = (
        await CalendarDay.filter(day__gte=first, day__lte=last)
        .order_by("day")
        .values_list("day", "is_workday", "name")
    )
    return {day: (is_workday, name) for day, is_workday, name in rows}
