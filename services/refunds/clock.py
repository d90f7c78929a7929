"""Refunds' view of the domain clock (services.clock, which tests set) and the operator's
calendar dates: K-1 months, R-13 next bills and the R-14 SMS date are Asia/Shanghai dates."""

from __future__ import annotations

from datetime import date, datetime, time

from services import clock as domain_clock
from services.calendar.service import operator_zone


def now() -> datetime:
    return domain_clock.now()


def local_date(at: datetime) -> date:
    """The operator's calendar date (Asia/Shanghai by default) of an instant."""
    return at.astimezone(operator_zone()).date()


def local_midnight(day: date) -> datetime:
    """The instant the operator's calendar day starts, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=operator_zone())


def month_start(day: date, months_back: int = 0) -> date:
    """The first day of `day`'s calendar month, or of the month `months_back` before it."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def next_month_start(day: date) -> date:
    return month_start(day, -1)
