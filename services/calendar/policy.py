"""Working days (C-7): pure rules over a WorkCalendar value; no I/O.

A working day is Mon-Fri unless it is a public holiday, or a Sat/Sun declared a working day
(调休). Only those exceptions are kept, per known year. A date in a year the calendar does not
know raises CalendarYearMissing: there is never a fallback to the plain Mon-Fri week.

The rule for times of day:
    Instants are read on the wall clock of the operator's zone (Asia/Shanghai by default).
    N working days after an instant on a working day is the same local time of day on the N-th
    following working day. An instant on a day off counts as 00:00 of the next working day, so
    N working days after it is 00:00 of the N-th working day after that one: a complaint
    received on Saturday with a 1-working-day deadline is due at 00:00 on Tuesday, i.e. by the
    end of Monday. A deadline (N >= 1) therefore always falls on a working day; N = 0 moves an
    instant on a day off to the start of the next working day; a negative N counts back.
    working_days_between(a, b) is the inverse, a float: the working time from a to b in days,
    each working day counting its 24 local hours and days off counting nothing; negative when
    b is before a. So working_days_between(t, add_working_days(t, n)) == n.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from services.errors import InvalidInput

ONE_DAY = timedelta(days=1)
NAME_MAX = 64


class CalendarYearMissing(InvalidInput):
    def __init__(self, year: int):
        super().__init__(
            f"No working-day calendar for {year}: an admin must add {year}'s public holidays and "
            f"adjusted working days (python -m services.calendar_cli add-year {year} ...)",
            field="year",
        )
        self.year = year


def is_plain_workday(day: date) -> bool:
    return day.weekday() < 5


class WorkCalendar:
    """Known years plus the days that differ from the plain week ({date: is_workday})."""

    def __init__(
        self,
        years: Iterable[int],
        exceptions: Mapping[date, bool],
        provisional: Iterable[int] = (),
    ):
        for day, is_workday in exceptions.items():
            if is_workday == is_plain_workday(day):
                raise ValueError(f"{day} is_workday={is_workday} is no exception to the week")
        self.years = frozenset(years)
        self.provisional_years = frozenset(provisional) & self.years
        self._exceptions = dict(exceptions)
        self._dates = sorted(exceptions)
        deltas = (1 if exceptions[d] else -1 for d in self._dates)
        self._running = [0, *itertools.accumulate(deltas)]

    def is_workday(self, day: date) -> bool:
        self._require(day.year)
        return self._exceptions.get(day, is_plain_workday(day))

    def workdays_in(self, first: date, end: date) -> int:
        """How many working days fall in [first, end)."""
        if end <= first:
            return 0
        for year in range(first.year, (end - ONE_DAY).year + 1):
            self._require(year)
        weeks, rest = divmod((end - first).days, 7)
        plain = weeks * 5 + sum(is_plain_workday(first + k * ONE_DAY) for k in range(rest))
        lo = bisect.bisect_left(self._dates, first)
        hi = bisect.bisect_left(self._dates, end)
        return plain + self._running[hi] - self._running[lo]

    def add_working_days(self, start: datetime, n: int, tz: tzinfo) -> datetime:
        day, clock = self._working_start(start, tz)
        step = ONE_DAY if n >= 0 else -ONE_DAY
        for _ in range(abs(n)):
            day += step
            while not self.is_workday(day):
                day += step
        return datetime.combine(day, clock, tzinfo=tz)

    def add_working_time(self, start: datetime, days: float, tz: tzinfo) -> datetime:
        """`days` of working time after `start` (fractions count a working day's 24 hours):
        the inverse of working_days_between, used to credit a paused clock."""
        if days < 0:
            raise ValueError("working time is added forwards only")
        day, clock = self._working_start(start, tz)
        whole, rest = divmod(_since_midnight(clock) + days * ONE_DAY, ONE_DAY)
        for _ in range(int(whole)):
            day += ONE_DAY
            while not self.is_workday(day):
                day += ONE_DAY
        return datetime.combine(day, time(), tzinfo=tz) + rest

    def touches_provisional(self, a: datetime, b: datetime, tz: tzinfo) -> bool:
        """Whether a span's local dates reach into a year computed by rule, not confirmed."""
        first, last = sorted((a.astimezone(tz).date(), b.astimezone(tz).date()))
        return any(year in self.provisional_years for year in range(first.year, last.year + 1))

    def working_days_between(self, a: datetime, b: datetime, tz: tzinfo) -> float:
        if b < a:
            return -self.working_days_between(b, a, tz)
        day_a, clock_a = self._working_start(a, tz)
        day_b, clock_b = self._working_start(b, tz)
        whole = self.workdays_in(day_a, day_b)
        return whole + (_since_midnight(clock_b) - _since_midnight(clock_a)) / ONE_DAY

    def _working_start(self, instant: datetime, tz: tzinfo) -> tuple[date, time]:
        """The instant's local working day and clock; a day off counts as 00:00 of the next."""
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError(f"{instant!r} is naive; working days need a timezone-aware instant")
        local = instant.astimezone(tz)
        day, clock = local.date(), local.time()
        if self.is_workday(day):
            return day, clock
        day += ONE_DAY
        while not self.is_workday(day):
            day += ONE_DAY
        return day, time(0)

    def _require(self, year: int) -> None:
        if year not in self.years:
            raise CalendarYearMissing(year)


def _since_midnight(clock: time) -> timedelta:
    return timedelta(
        hours=clock.hour, minutes=clock.minute, seconds=clock.second, microseconds=clock.microsecond
    )


@dataclass(frozen=True)
class YearExceptions:
    """What to store for one year, and the listed holidays that need no row (on a weekend)."""

    year: int
    days: dict[date, tuple[bool, str]]
    ignored: list[tuple[date, str]]


def year_exceptions(
    year: int, holidays: Iterable[tuple[date, str]], workdays: Iterable[tuple[date, str]]
) -> YearExceptions:
    """Check an official holiday schedule for one year and turn it into calendar exceptions."""
    days: dict[date, tuple[bool, str]] = {}
    ignored: list[tuple[date, str]] = []
    seen: set[date] = set()
    for field, listed, is_workday in (("holidays", holidays, False), ("workdays", workdays, True)):
        for day, name in listed:
            _check_day(year, field, day, name, seen)
            seen.add(day)
            if is_workday and is_plain_workday(day):
                raise InvalidInput(
                    f"{day} is a {day:%A}: an adjusted working day (调休) must be a Saturday or "
                    "Sunday",
                    field=field,
                )
            if is_workday or is_plain_workday(day):
                days[day] = (is_workday, name)
            else:
                ignored.append((day, name))
    if not any(not is_workday for is_workday, _ in days.values()):
        raise InvalidInput(
            f"{year} lists no public holiday on a weekday: a year of China's calendar always has "
            "some; refusing to store a plain Mon-Fri year",
            field="holidays",
        )
    return YearExceptions(year=year, days=dict(sorted(days.items())), ignored=sorted(ignored))


def _check_day(year: int, field: str, day: date, name: str, seen: set[date]) -> None:
    if day.year != year:
        raise InvalidInput(f"{day} is not in {year}", field=field)
    if day in seen:
        raise InvalidInput(f"{day} is listed more than once", field=field)
    if len(name) > NAME_MAX:
        raise InvalidInput(f"the name of {day} is longer than {NAME_MAX} characters", field=field)
