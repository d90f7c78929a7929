"""Reading the calendar forms: a month, a deadline to work out, a day's kind, a year's list of
holidays and adjusted working days as the State Council announces them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from admin_ui import i18n
from admin_ui.forms import Form
from services.audit.calendar_changes import DayKind
from services.calendar.computed import FIRST_COMPUTABLE, LAST_COMPUTABLE
from services.calendar.policy import NAME_MAX, is_plain_workday
from services.calendar.service import operator_zone

_LINE = re.compile(
    r"^(?P<first>\d{4}-\d{2}-\d{2})(?:\s*(?:\.\.|~|～|至)\s*(?P<last>\d{4}-\d{2}-\d{2}))?"
    r"(?:\s*[:：\s]\s*(?P<name>.*))?$"
)
MAX_RANGE_DAYS = 31
FIRST_YEAR, LAST_YEAR = FIRST_COMPUTABLE, LAST_COMPUTABLE


def month_of(raw: str, today: date) -> date:
    """'2026-11' -> 2026-11-01; anything else is this month."""
    try:
        first = datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        return today.replace(day=1)
    return first if FIRST_YEAR <= first.year <= LAST_YEAR else today.replace(day=1)


def shift_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Calculation:
    start: datetime
    days: int


def calculation(raw_start: str, raw_days: str) -> Calculation | None:
    """The deadline calculator's question, or None when it was not asked (or asked badly)."""
    try:
        start = datetime.strptime(raw_start, "%Y-%m-%dT%H:%M").replace(tzinfo=operator_zone())
        days = int(raw_days)
    except ValueError:
        return None
    if not (FIRST_YEAR <= start.year <= LAST_YEAR and 0 <= days <= 60):
        return None
    return Calculation(start, days)


def day_change(form: Form) -> tuple[date | None, DayKind | None, str]:
    day = form.day("day", "calendar.day.date")
    kind_value = form.choice("kind", "calendar.day.kind", [k.value for k in DayKind])
    kind = DayKind(kind_value) if kind_value else None
    name = form.text("name", "calendar.day.name", required=False, max_length=NAME_MAX)
    if day is not None and kind is DayKind.HOLIDAY and not is_plain_workday(day):
        form.error(
            "kind",
            "calendar.error.holiday_on_weekend",
            day=day.isoformat(),
            weekday=_weekday(day, form.locale),
        )
    if day is not None and kind is DayKind.WORKDAY and is_plain_workday(day):
        form.error(
            "kind",
            "calendar.error.workday_on_weekday",
            day=day.isoformat(),
            weekday=_weekday(day, form.locale),
        )
    if kind is not None and kind is not DayKind.PLAIN and not name:
        form.error("name", "form.required", label=form.label("calendar.day.name"))
    return day, kind, name


def year_lists(
    form: Form, year: int | None
) -> tuple[list[tuple[date, str]], list[tuple[date, str]]]:
    holidays = _days(form, "holidays", year)
    workdays = _days(form, "workdays", year)
    seen: set[date] = set()
    for day, _name in [*holidays, *workdays]:
        if day in seen:
            form.error("holidays", "calendar.error.twice", day=day.isoformat())
        seen.add(day)
    for day, _name in workdays:
        if is_plain_workday(day):
            form.error(
                "workdays",
                "calendar.error.workday_on_weekday",
                day=day.isoformat(),
                weekday=_weekday(day, form.locale),
            )
    if form.ok and not any(is_plain_workday(day) for day, _ in holidays):
        form.error("holidays", "calendar.error.no_weekday_holiday")
    return holidays, workdays


def _days(form: Form, field: str, year: int | None) -> list[tuple[date, str]]:
    days: list[tuple[date, str]] = []
    for number, line in enumerate(form.value(field).splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = _LINE.match(line)
        try:
            first = date.fromisoformat(match["first"]) if match else None
            last = date.fromisoformat(match["last"]) if match and match["last"] else first
        except ValueError:
            first = last = None
        if match is None or first is None or last is None or last < first:
            form.error(field, "calendar.error.line", line=number, text=line[:40])
            continue
        if (last - first).days >= MAX_RANGE_DAYS:
            form.error(field, "calendar.error.range", line=number, days=MAX_RANGE_DAYS)
            continue
        name = (match["name"] or "").strip()
        if len(name) > NAME_MAX:
            form.error(field, "form.too_long", label=line[:20], max=NAME_MAX)
            continue
        for k in range((last - first).days + 1):
            day = first + timedelta(days=k)
            if year is not None and day.year != year:
                form.error(field, "calendar.error.not_in_year", day=day.isoformat(), year=year)
                break
            days.append((day, name))
    return days


def _weekday(day: date, locale: str) -> str:
    return i18n.weekday_names(locale)[day.weekday()]
