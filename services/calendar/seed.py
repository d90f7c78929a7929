"""Filling the working-day calendar (C-7): from chinese_calendar, or a year an admin enters."""

from __future__ import annotations

from datetime import date

import chinese_calendar
from chinese_calendar.constants import Holiday
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from services.calendar.models import CalendarDay, CalendarYear
from services.calendar.policy import YearExceptions, year_exceptions
from services.calendar.service import forget_calendar
from services.errors import Conflict, InvalidInput

SOURCE = f"chinese_calendar {chinese_calendar.__version__}"
FIRST_YEAR = 2004
LAST_YEAR = 2026
SOURCE_MAX = 64
_CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in Holiday}


def exceptions_from_chinese_calendar(year: int) -> list[tuple[date, bool, str]]:
    """The year's exceptions to the Mon-Fri week as the chinese_calendar package knows them."""
    known = {day.year for day in chinese_calendar.holidays}
    if year not in known:
        raise InvalidInput(
            f"chinese_calendar {chinese_calendar.__version__} has no data for {year} "
            f"(it knows {min(known)}-{max(known)}); an admin must add the year",
            field="year",
        )
    holidays = _named(chinese_calendar.holidays, year, "")
    workdays = _named(chinese_calendar.workdays, year, "调休")
    checked = year_exceptions(year, holidays, workdays)
    return [(day, is_workday, name) for day, (is_workday, name) in checked.days.items()]


def _named(days: dict[date, str], year: int, suffix: str) -> list[tuple[date, str]]:
    return [
        (day, _CHINESE_NAMES.get(name, name) + suffix)
        for day, name in sorted(days.items())
        if day.year == year
    ]


async def seed_years(first: int = FIRST_YEAR, last: int = LAST_YEAR) -> list[int]:
    """Store every year of first..last that has no calendar yet; return the years added."""
    wanted = range(first, last + 1)
    exceptions = {year: exceptions_from_chinese_calendar(year) for year in wanted}
    async with in_transaction() as conn:
        have = set(
            await CalendarYear.filter(year__in=list(wanted))
            .using_db(conn)
            .values_list("year", flat=True)
        )
        missing = [year for year in wanted if year not in have]
        if not missing:
            return []
        await CalendarDay.filter(_in_years(missing)).using_db(conn).delete()  # orphans, if any
        days = [
            CalendarDay(day=day, is_workday=is_workday, name=name)
            for year in missing
            for day, is_workday, name in exceptions[year]
        ]
        await CalendarDay.bulk_create(days, ignore_conflicts=True, using_db=conn)
        await CalendarYear.bulk_create(
            [CalendarYear(year=year, source=SOURCE) for year in missing],
            ignore_conflicts=True,
            using_db=conn,
        )
    forget_calendar()
    return missing


async def add_year(
    year: int,
    holidays: list[tuple[date, str]],
    workdays: list[tuple[date, str]],
    source: str = "admin",
    *,
    replace: bool = False,
    provisional: bool = False,
) -> YearExceptions:
    """Store an official holiday schedule (e.g. 2027's, once announced) in one transaction.
    Storing over a provisional year confirms it (no `replace` needed); the caller then
    recounts the deadlines that rested on it (complaints.deadlines.recompute_provisional)."""
    checked = year_exceptions(year, holidays, workdays)
    if not source or len(source) > SOURCE_MAX:
        raise InvalidInput(f"source must be 1 to {SOURCE_MAX} characters", field="source")
    try:
        async with in_transaction() as conn:
            existing = (
                await CalendarYear.filter(year=year).using_db(conn).select_for_update().first()
            )
            if existing is not None and not replace and not existing.provisional:
                raise Conflict(
                    f"{year} already has a calendar (source {existing.source!r}, loaded "
                    f"{existing.loaded_at:%Y-%m-%d}); pass replace=True (--replace) to "
                    "overwrite it",
                    field="year",
                )
            await CalendarDay.filter(_in_years([year])).using_db(conn).delete()
            await CalendarYear.filter(year=year).using_db(conn).delete()
            await CalendarDay.bulk_create(
                [
                    CalendarDay(day=day, is_workday=is_workday, name=name)
                    for day, (is_workday, name) in checked.days.items()
                ],
                using_db=conn,
            )
            await CalendarYear.create(
                year=year, source=source, provisional=provisional, using_db=conn
            )
    except IntegrityError as exc:
        raise Conflict(f"{year} was added by someone else meanwhile", field="year") from exc
    forget_calendar()
    return checked


async def remove_year(year: int) -> bool:
    """Forget a year's calendar (dates in it become errors again); True if there was one."""
    async with in_transaction() as conn:
        await CalendarDay.filter(_in_years([year])).using_db(conn).delete()
        removed = await CalendarYear.filter(year=year).using_db(conn).delete()
    forget_calendar()
    return removed > 0


def _in_years(years: list[int]) -> Q:
    return Q(
        *(Q(day__gte=date(year, 1, 1), day__lte=date(year, 12, 31)) for year in years),
        join_type="OR",
    )
