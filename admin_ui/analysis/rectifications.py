"""/analysis/rectifications (A-3): every rectification, open ones first, with its history;
auditors flag a problem, plan, check the result and close, through the same use cases as the
API (services.analysis.rectification)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin_ui.auth import auditor_only, console_page
from admin_ui.forms import Form
from admin_ui.rendering import flash, path_for, render
from services import clock
from services.analysis import rectification
from services.analysis.models import Rectification, RectificationEvent, RectificationStatus
from services.errors import DomainError
from services.refunds import clock as local
from services.staff.models import Staff

LIST = 200
ORDER = {
    RectificationStatus.OPEN: 0,
    RectificationStatus.PLANNED: 1,
    RectificationStatus.CHECKED: 2,
    RectificationStatus.CLOSED: 3,
}


async def _context(staff: Staff) -> dict[str, Any]:
    rows = (
        await Rectification.all()
        .select_related("cause", "owner", "department")
        .order_by("-id")
        .limit(LIST)
    )
    rows.sort(key=lambda r: (ORDER[r.status], r.due_on, r.id))
    events: dict[int, list[RectificationEvent]] = {}
    for e in await RectificationEvent.filter(rectification_id__in=[r.id for r in rows]).order_by(
        "id"
    ):
        events.setdefault(e.rectification_id, []).append(e)
    today = local.local_date(clock.now())
    return {
        "staff": staff,
        "nav": "analysis",
        "rows": [
            {
                "r": r,
                "events": events.get(r.id, []),
                "overdue": r.status != RectificationStatus.CLOSED and r.due_on < today,
            }
            for r in rows
        ],
        "today": today.isoformat(),
    }


@console_page
async def rectifications_page(request: Request, staff: Staff) -> Response:
    return render(request, "analysis/rectifications.html", await _context(staff))


async def _act(
    request: Request, call: Callable[[], Awaitable[Any]], done_key: str, **params: Any
) -> Response:
    try:
        await call()
    except DomainError as exc:
        flash(request, "analysis.rect.refused", problem=True, detail=exc.message)
    else:
        flash(request, done_key, **params)
    return RedirectResponse(path_for(request, "rectifications"), status_code=303)


def _id(form: Form) -> int:
    return form.integer("id", "analysis.col.id", minimum=1, maximum=2**31 - 1) or 0


@auditor_only
async def flag(request: Request, staff: Staff) -> Response:
    form = await Form.read(request)
    complaint_id = form.integer(
        "complaint", "analysis.rect.complaint", minimum=1, maximum=2**31 - 1
    )
    reason = form.text("reason", "analysis.rect.reason")
    if not form.ok or complaint_id is None:
        flash(
            request, "analysis.rect.refused", problem=True, detail="; ".join(form.errors.values())
        )
        return RedirectResponse(path_for(request, "rectifications"), status_code=303)
    return await _act(
        request,
        lambda: rectification.flag_problem(
            actor=staff,
            reason=reason,
            complaint_id=complaint_id,
            cause_code=form.value("cause"),
        ),
        "analysis.rect.flagged",
    )


@auditor_only
async def plan(request: Request, staff: Staff) -> Response:
    form = await Form.read(request)
    rid = _id(form)
    text = form.text("plan", "analysis.rect.plan", max_length=4000)
    due = form.day("due_on", "analysis.col.due_on")
    if not form.ok or due is None:
        flash(
            request, "analysis.rect.refused", problem=True, detail="; ".join(form.errors.values())
        )
        return RedirectResponse(path_for(request, "rectifications"), status_code=303)
    return await _act(
        request,
        lambda: rectification.plan_rectification(
            actor=staff, rectification_id=rid, plan=text, due_on=due
        ),
        "analysis.rect.planned",
        id=rid,
    )


@auditor_only
async def check(request: Request, staff: Staff) -> Response:
    form = await Form.read(request)
    rid = _id(form)
    result = form.text("result", "analysis.rect.result", max_length=4000)
    passed = form.value("passed") == "yes"
    return await _act(
        request,
        lambda: rectification.check_rectification(
            actor=staff, rectification_id=rid, passed=passed, result=result
        ),
        "analysis.rect.checked_pass" if passed else "analysis.rect.checked_fail",
        id=rid,
    )


@auditor_only
async def close(request: Request, staff: Staff) -> Response:
    form = await Form.read(request)
    rid = _id(form)
    return await _act(
        request,
        lambda: rectification.close_rectification(
            actor=staff, rectification_id=rid, note=form.value("note")[:2000]
        ),
        "analysis.rect.closed",
        id=rid,
    )


routes = [
    Route("/analysis/rectifications", rectifications_page, methods=["GET"], name="rectifications"),
    Route("/analysis/rectifications/flag", flag, methods=["POST"], name="rectification_flag"),
    Route("/analysis/rectifications/plan", plan, methods=["POST"], name="rectification_plan"),
    Route("/analysis/rectifications/check", check, methods=["POST"], name="rectification_check"),
    Route("/analysis/rectifications/close", close, methods=["POST"], name="rectification_close"),
]
