"""The working-day calendar (C-7): a month view, a deadline calculator, and (admins) edits.

Edits go through services.audit.calendar_changes: each is recorded with the year before and
after, who and why, and can be restored. Every process sees an edit within seconds (the
calendar cache checks the stored years' fingerprint), this one at once.
"""

from __future__ import annotations

import calendar as monthly
from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin_ui import i18n
from admin_ui.auth import admin_only, console_page
from admin_ui.calendar_forms import calculation, day_change, month_of, shift_month, year_lists
from admin_ui.forms import Form
from admin_ui.rendering import flash, path_for, render
from services.audit import calendar_changes
from services.audit.models import CalendarChange
from services.calendar import seed
from services.calendar.computed import computable
from services.calendar.models import CalendarYear
from services.calendar.policy import CalendarYearMissing, is_plain_workday
from services.calendar.service import (
    add_working_days,
    exceptions_between,
    provision_year,
    stored_years,
    touches_provisional,
)
from services.errors import DomainError
from services.refunds import clock
from services.staff.models import Staff

REASON_MAX = 500


@dataclass(frozen=True)
class Cell:
    day: date
    kind: str  # workday, weekend, holiday, adjusted
    name: str
    today: bool


async def _weeks(first: date, today: date) -> list[list[Cell | None]]:
    last = shift_month(first, 1).replace(day=1)
    exceptions = await exceptions_between(first, last)
    weeks: list[list[Cell | None]] = []
    for week in monthly.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        row: list[Cell | None] = []
        for day in week:
            if day.month != first.month:
                row.append(None)
                continue
            workday, name = exceptions.get(day, (is_plain_workday(day), ""))
            if day in exceptions:
                kind = "adjusted" if workday else "holiday"
            else:
                kind = "workday" if workday else "weekend"
            row.append(Cell(day, kind, name, day == today))
        weeks.append(row)
    return weeks


def _changes_rows(changes: list[CalendarChange]) -> list[dict[str, Any]]:
    rows = []
    for change in changes:
        before = {d: (w, n) for d, w, n in change.before or []}
        after = {d: (w, n) for d, w, n in change.after or []}
        added = sorted(d for d in after if before.get(d) != after[d])
        removed = sorted(d for d in before if d not in after)
        rows.append({"change": change, "added": added, "removed": removed})
    return rows


async def _page(
    request: Request,
    staff: Staff,
    *,
    form: Form | None = None,
    form_name: str = "",
    status_code: int = 200,
) -> Response:
    today = clock.local_date(clock.now())
    first = month_of(request.query_params.get("month", ""), today)
    years = await stored_years()
    if first.year not in years and computable(first.year):
        await provision_year(first.year)  # a year nobody stored shows as computed, provisional
        years = await stored_years()
    asked = calculation(request.query_params.get("start", ""), request.query_params.get("days", ""))
    result: dict[str, Any] | None = None
    if asked is not None:
        try:
            due = await add_working_days(asked.start, asked.days)
            result = {
                "due": due.strftime("%Y-%m-%d %H:%M"),
                "missing": None,
                "provisional": await touches_provisional(asked.start, due),
            }
        except CalendarYearMissing as exc:
            result = {"due": None, "missing": exc.year}
    context = {
        "staff": staff,
        "nav": "calendar",
        "month": first,
        "previous": shift_month(first, -1).strftime("%Y-%m"),
        "next": shift_month(first, 1).strftime("%Y-%m"),
        "weeks": await _weeks(first, today),
        "weekdays": i18n.weekday_names(i18n.locale_for(request)),
        "year_known": first.year in years,
        "year_source": years.get(first.year),
        "years": sorted(years),
        "importable": seed.FIRST_YEAR <= first.year <= seed.LAST_YEAR,
        "start": request.query_params.get("start", f"{today.isoformat()}T09:00"),
        "days": request.query_params.get("days", "1"),
        "result": result,
        "changes": _changes_rows(await calendar_changes.history()),
        "errors": form.errors if form else {},
        "typed": form.raw if form else {},
        "form_name": form_name,
    }
    return render(request, "calendar.html", context, status_code=status_code)


@console_page
async def calendar_page(request: Request, staff: Staff) -> Response:
    return await _page(request, staff)


def _back(request: Request, day: date | None = None) -> Response:
    month = (day or clock.local_date(clock.now())).strftime("%Y-%m")
    return RedirectResponse(f"{path_for(request, 'calendar')}?month={month}", status_code=303)


@admin_only
async def calendar_day(request: Request, staff: Staff) -> Response:
    form = await Form.read(request)
    day, kind, name = day_change(form)
    reason = form.text("reason", "config.reason", max_length=REASON_MAX)
    if form.ok and day is not None and kind is not None:
        try:
            await calendar_changes.set_day(
                actor=staff, day=day, kind=kind, name=name, reason=reason
            )
        except DomainError as exc:
            form.error("__all__", "form.rejected", detail=exc.message)
        else:
            flash(
                request,
                "calendar.saved.day",
                day=day.isoformat(),
                kind=i18n.label("day_kind", kind.value, form.locale),
            )
            return _back(request, day)
    return await _page(request, staff, form=form, form_name="day", status_code=400)


@admin_only
async def calendar_year(request: Request, staff: Staff) -> Response:
    form = await Form.read(request)
    year = form.integer("year", "calendar.year.year", minimum=2000, maximum=2100)
    holidays, workdays = year_lists(form, year)
    reason = form.text("reason", "config.reason", max_length=REASON_MAX)
    replace = form.value("replace") == "yes"
    confirmed = CalendarYear.exists(year=year, provisional=False)
    if form.ok and year is not None and not replace and await confirmed:
        form.error("year", "calendar.error.stored", year=year)
    if form.ok and year is not None:
        try:
            await calendar_changes.save_year(
                actor=staff,
                year=year,
                holidays=holidays,
                workdays=workdays,
                replace=replace,
                reason=reason,
            )
        except DomainError as exc:
            form.error("__all__", "form.rejected", detail=exc.message)
        else:
            flash(request, "calendar.saved.year", year=year)
            return _back(request, date(year, 1, 1))
    return await _page(request, staff, form=form, form_name="year", status_code=400)


@admin_only
async def calendar_import(request: Request, staff: Staff) -> Response:
    form = await Form.read(request)
    year = form.integer(
        "year", "calendar.year.year", minimum=seed.FIRST_YEAR, maximum=seed.LAST_YEAR
    )
    reason = form.text("reason", "config.reason", max_length=REASON_MAX)
    if form.ok and year is not None:
        try:
            await calendar_changes.import_year(actor=staff, year=year, reason=reason)
        except DomainError as exc:
            form.error("__all__", "form.rejected", detail=exc.message)
        else:
            flash(request, "calendar.saved.import", year=year)
            return _back(request, date(year, 1, 1))
    return await _page(request, staff, form=form, form_name="import", status_code=400)


@admin_only
async def calendar_restore(request: Request, staff: Staff) -> Response:
    form = await Form.read(request)
    change_id = form.integer("change", "calendar.history.change", minimum=1)
    to = form.choice("to", "calendar.history.change", ("before", "after"))
    reason = form.text("reason", "config.reason", max_length=REASON_MAX)
    if form.ok and change_id is not None and to is not None:
        try:
            change = await calendar_changes.restore(
                actor=staff, change_id=change_id, to=to, reason=reason
            )
        except DomainError as exc:
            form.error("__all__", "form.rejected", detail=exc.message)
        else:
            flash(request, "calendar.saved.restore", year=change.year)
            return _back(request, date(change.year, 1, 1))
    flash(request, "config.restore_failed", problem=True, detail=" ".join(form.errors.values()))
    return _back(request)


routes = [
    Route("/calendar", calendar_page, name="calendar"),
    Route("/calendar/day", calendar_day, methods=["POST"], name="calendar_day"),
    Route("/calendar/year", calendar_year, methods=["POST"], name="calendar_year"),
    Route("/calendar/import", calendar_import, methods=["POST"], name="calendar_import"),
    Route("/calendar/restore", calendar_restore, methods=["POST"], name="calendar_restore"),
]
