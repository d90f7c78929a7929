"""Editing the working-day calendar (C-7) from the console, every edit recorded and restorable.

The calendar itself is kept by services.calendar.seed (whole years, replaced in one
transaction, noticed by every process within seconds). Each edit here stores the year's
exceptions before and after it, with who and why, so the history can be read and any state
restored: restoring is one more edit.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from tortoise.transactions import in_transaction

from services.audit.models import CalendarChange
from services.calendar import seed
from services.calendar.models import CalendarYear
from services.calendar.policy import is_plain_workday
from services.calendar.service import exceptions_between, forget_calendar
from services.complaints import deadlines
from services.errors import InvalidInput, NotFound
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.staff.models import Staff

Snapshot = list[list[Any]] | None  # [[iso day, is_workday, name], …]; None: year not stored
HISTORY_LIMIT = 100


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # a public holiday on a weekday
    WORKDAY = "workday"  # an adjusted working Saturday or Sunday (调休)
    PLAIN = "plain"  # as the Mon-Fri week says


async def snapshot(year: int) -> Snapshot:
    if not await CalendarYear.exists(year=year):
        return None
    days = await exceptions_between(date(year, 1, 1), date(year, 12, 31))
    return [[day.isoformat(), workday, name] for day, (workday, name) in days.items()]


def _split(days: Snapshot) -> tuple[list[tuple[date, str]], list[tuple[date, str]]]:
    holidays = [(date.fromisoformat(d), name) for d, workday, name in days or [] if not workday]
    workdays = [(date.fromisoformat(d), name) for d, workday, name in days or [] if workday]
    return holidays, workdays


def _source(actor: Staff) -> str:
    return f"console: {actor.username}"[: seed.SOURCE_MAX]


async def _apply(year: int, days: Snapshot, actor: Staff, *, provisional: bool = False) -> None:
    if days is None:
        await seed.remove_year(year)
        return
    holidays, workdays = _split(days)
    await seed.add_year(
        year, holidays, workdays, source=_source(actor), replace=True, provisional=provisional
    )


async def _recount_provisional_deadlines(year: int, actor: Staff) -> None:
    """After the commit: a year stored by an admin is confirmed; deadlines that rested on it
    while it was computed by rule are counted again, each change in its complaint's history."""
    forget_calendar()
    await deadlines.recompute_provisional(
        reason=f"{year} 年工作日历已由管理员确认，时限按确认后的日历重新计算 (C-7)", actor=actor
    )


def _require_reason(reason: str) -> str:
    if not reason.strip():
        raise InvalidInput("Say why the calendar changes.", field="reason")
    return reason.strip()


async def _record(
    *, actor: Staff, year: int, action: str, before: Snapshot, reason: str, day: date | None = None
) -> CalendarChange:
    return await CalendarChange.create(
        year=year,
        action=action,
        day=day,
        before=before,
        after=await snapshot(year),
        reason=reason,
        changed_by=actor,
    )


@guarded(UseCase.CHANGE_CALENDAR)
async def set_day(
    *, actor: Staff, day: date, kind: DayKind, name: str, reason: str
) -> CalendarChange:
    """Make one day a public holiday, an adjusted working day, or a plain day again."""
    reason = _require_reason(reason)
    async with in_transaction():
        before = await snapshot(day.year)
        if before is None:
            raise InvalidInput(f"{day.year} has no calendar yet: add the year first.", field="day")
        days = {date.fromisoformat(d): (workday, n) for d, workday, n in before}
        if kind is DayKind.PLAIN:
            if day not in days:
                raise InvalidInput(f"{day} already follows the Mon-Fri week.", field="kind")
            del days[day]
        elif kind is DayKind.HOLIDAY:
            if not is_plain_workday(day):
                raise InvalidInput(f"{day} is a weekend day, a day off anyway.", field="kind")
            days[day] = (False, name.strip())
        else:
            if is_plain_workday(day):
                raise InvalidInput(
                    f"{day} is a weekday: an adjusted working day is a Saturday or Sunday.",
                    field="kind",
                )
            days[day] = (True, name.strip())
        after = [[d.isoformat(), workday, n] for d, (workday, n) in sorted(days.items())]
        # one day's edit keeps a provisional year provisional: confirming is storing the year
        stored = await CalendarYear.get(year=day.year)
        await _apply(day.year, after, actor, provisional=stored.provisional)
        change = await _record(
            actor=actor, year=day.year, action="set_day", before=before, reason=reason, day=day
        )
    forget_calendar()  # again, after the commit: this process sees the edit at once
    return change


@guarded(UseCase.CHANGE_CALENDAR)
async def save_year(
    *,
    actor: Staff,
    year: int,
    holidays: list[tuple[date, str]],
    workdays: list[tuple[date, str]],
    replace: bool,
    reason: str,
) -> CalendarChange:
    """Store a year's official schedule as announced (refused if stored, unless replacing)."""
    reason = _require_reason(reason)
    async with in_transaction():
        before = await snapshot(year)
        await seed.add_year(year, holidays, workdays, source=_source(actor), replace=replace)
        action = "replace_year" if before is not None else "add_year"
        change = await _record(actor=actor, year=year, action=action, before=before, reason=reason)
    await _recount_provisional_deadlines(year, actor)
    return change


@guarded(UseCase.CHANGE_CALENDAR)
async def import_year(*, actor: Staff, year: int, reason: str) -> CalendarChange:
    """Store (or refresh) a year from the chinese_calendar package, where it knows the year."""
    reason = _require_reason(reason)
    exceptions = seed.exceptions_from_chinese_calendar(year)
    days: Snapshot = [[d.isoformat(), workday, name] for d, workday, name in exceptions]
    async with in_transaction():
        before = await snapshot(year)
        holidays, workdays = _split(days)
        await seed.add_year(year, holidays, workdays, source=seed.SOURCE, replace=True)
        change = await _record(
            actor=actor, year=year, action="import_year", before=before, reason=reason
        )
    await _recount_provisional_deadlines(year, actor)
    return change


@guarded(UseCase.CHANGE_CALENDAR)
async def restore(*, actor: Staff, change_id: int, to: str, reason: str) -> CalendarChange:
    """Make the year as it was after (`to="after"`) or before (`to="before"`) an edit."""
    reason = _require_reason(reason)
    if to not in ("before", "after"):
        raise InvalidInput("Restore to 'before' or 'after' the change.", field="to")
    change = await CalendarChange.get_or_none(id=change_id)
    if change is None:
        raise NotFound("No calendar change has this id.", field="id")
    target: Snapshot = change.before if to == "before" else change.after
    async with in_transaction():
        before = await snapshot(change.year)
        if before == target:
            raise InvalidInput("The year is already like that.", field="to")
        await _apply(change.year, target, actor)
        restored = await _record(
            actor=actor, year=change.year, action=f"restore_{to}", before=before, reason=reason
        )
    await _recount_provisional_deadlines(change.year, actor)
    return restored


async def history(year: int | None = None) -> list[CalendarChange]:
    query = CalendarChange.all() if year is None else CalendarChange.filter(year=year)
    rows: list[CalendarChange] = (
        await query.order_by("-id").limit(HISTORY_LIMIT).select_related("changed_by")
    )
    return rows
