"""The refund audit (A-1, A-2): coverage and findings, one refund's audit, recording and
dismissing findings, and the correction tasks. Everyone in the console reads; auditors act."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin_ui import i18n
from admin_ui.audit_text import describe_finding
from admin_ui.auth import auditor_only, console_page
from admin_ui.forms import Form
from admin_ui.rendering import error_page, flash, path_for, render
from services import phones
from services.audit import policy as audit_policy
from services.audit import service as audit
from services.audit.models import AuditCheck, AuditFinding, CorrectionTask, FindingStatus
from services.errors import DomainError
from services.refunds.models import Refund, RefundStatus
from services.staff.models import Staff

LIST = 100
NOTE_MAX = 2000


def finding_rows(findings: list[AuditFinding], locale: str) -> list[dict[str, Any]]:
    return [
        {
            "finding": f,
            "text": describe_finding(f.code, f.params, f.note, locale),
        }
        for f in findings
    ]


@console_page
async def audit_home(request: Request, staff: Staff) -> Response:
    locale = i18n.locale_for(request)
    status = request.query_params.get("status", "open")
    rule = request.query_params.get("rule", "")
    query = AuditFinding.all()
    if status in {s.value for s in FindingStatus}:
        query = query.filter(status=status)
    if rule in audit_policy.RULES:
        query = query.filter(rule=rule)
    findings = await query.order_by("-id").limit(LIST).select_related("responsible", "department")
    executed, checked = await audit.coverage()
    context = {
        "staff": staff,
        "nav": "audit",
        "executed": executed,
        "checked": checked,
        "rows": finding_rows(findings, locale),
        "status": status,
        "rule": rule,
        "rules": audit_policy.RULES,
        "statuses": [s.value for s in FindingStatus],
    }
    return render(request, "audit/home.html", context)


@auditor_only
async def audit_run(request: Request, staff: Staff) -> Response:
    """A-1: check every executed refund not checked yet."""
    run = await audit.check_unchecked()
    flash(request, "audit.ran", checked=run.checked, found=run.new_findings)
    return RedirectResponse(path_for(request, "audit"), status_code=303)


async def _refund_page(
    request: Request,
    staff: Staff,
    refund_id: int,
    *,
    form: Form | None = None,
    status_code: int = 200,
) -> Response:
    refund = await Refund.get_or_none(id=refund_id).select_related(
        "customer", "requested_by", "approved_by", "executed_by"
    )
    if refund is None:
        return error_page(request, 404)
    locale = i18n.locale_for(request)
    findings = (
        await AuditFinding.filter(refund_id=refund.id).order_by("id").select_related("responsible")
    )
    tasks = {
        t.finding_id: t
        for t in await CorrectionTask.filter(finding_id__in=[f.id for f in findings])
    }
    people = [
        (role, person)
        for role, person in (
            ("requester", refund.requested_by),
            ("approver", refund.approved_by),
            ("executor", refund.executed_by),
        )
        if person is not None
    ]
    context = {
        "staff": staff,
        "nav": "audit",
        "refund": refund,
        "phone": phones.mask(refund.customer.msisdn),
        "check": await AuditCheck.get_or_none(refund_id=refund.id),
        "rows": finding_rows(findings, locale),
        "tasks": tasks,
        "people": people,
        "rules": audit_policy.RULES,
        "executed": refund.status == RefundStatus.EXECUTED,
        "errors": form.errors if form else {},
        "typed": form.raw if form else {},
    }
    return render(request, "audit/refund.html", context, status_code=status_code)


@console_page
async def audit_refund(request: Request, staff: Staff) -> Response:
    return await _refund_page(request, staff, request.path_params["refund_id"])


@auditor_only
async def audit_refund_check(request: Request, staff: Staff) -> Response:
    refund_id = request.path_params["refund_id"]
    run = await audit.check_refunds([refund_id])
    flash(request, "audit.ran", checked=run.checked, found=run.new_findings)
    return RedirectResponse(path_for(request, "audit_refund", refund_id=refund_id), status_code=303)


@auditor_only
async def record_finding(request: Request, staff: Staff) -> Response:
    refund_id = request.path_params["refund_id"]
    form = await Form.read(request)
    rule = form.choice("rule", "audit.finding.rule", audit_policy.RULES)
    note = form.text("note", "audit.finding.note", max_length=NOTE_MAX)
    responsible = form.integer(
        "responsible", "audit.finding.responsible", minimum=1, required=False
    )
    if form.ok and rule is not None:
        try:
            await audit.record_finding(
                actor=staff,
                refund_id=refund_id,
                rule=rule,
                note=note,
                responsible_id=responsible,
            )
        except DomainError as exc:
            form.error("__all__", "form.rejected", detail=exc.message)
        else:
            flash(request, "audit.finding.recorded", refund=refund_id)
            return RedirectResponse(
                path_for(request, "audit_refund", refund_id=refund_id), status_code=303
            )
    return await _refund_page(request, staff, refund_id, form=form, status_code=400)


@auditor_only
async def dismiss_finding(request: Request, staff: Staff) -> Response:
    finding = await AuditFinding.get_or_none(id=request.path_params["finding_id"])
    if finding is None:
        return error_page(request, 404)
    form = await Form.read(request)
    reason = form.text("reason", "audit.dismiss.reason", max_length=NOTE_MAX)
    if form.ok:
        try:
            await audit.dismiss_finding(actor=staff, finding_id=finding.id, reason=reason)
        except DomainError as exc:
            form.error("__all__", "form.rejected", detail=exc.message)
    if form.ok:
        flash(request, "audit.dismissed", finding=finding.id)
    else:
        flash(request, "audit.not_done", problem=True, detail=" ".join(form.errors.values()))
    return RedirectResponse(
        path_for(request, "audit_refund", refund_id=finding.refund_id), status_code=303
    )


@console_page
async def corrections(request: Request, staff: Staff) -> Response:
    locale = i18n.locale_for(request)
    status = request.query_params.get("status", "open")
    query = CorrectionTask.all() if status == "all" else CorrectionTask.filter(status=status)
    tasks = await query.order_by("due_on", "id").limit(LIST).select_related("assignee", "finding")
    rows = [
        {
            "task": t,
            "text": describe_finding(t.finding.code, t.finding.params, t.finding.note, locale),
        }
        for t in tasks
    ]
    context = {"staff": staff, "nav": "audit", "rows": rows, "status": status}
    return render(request, "audit/corrections.html", context)


@auditor_only
async def complete_correction(request: Request, staff: Staff) -> Response:
    form = await Form.read(request)
    cause = form.text("cause", "audit.task.cause", max_length=NOTE_MAX)
    plan = form.text("plan", "audit.task.plan", max_length=NOTE_MAX)
    resolution = form.text("resolution", "audit.task.resolution", max_length=NOTE_MAX)
    if form.ok:
        try:
            await audit.complete_task(
                actor=staff,
                task_id=request.path_params["task_id"],
                cause=cause,
                plan=plan,
                resolution=resolution,
            )
        except DomainError as exc:
            form.error("__all__", "form.rejected", detail=exc.message)
    if form.ok:
        flash(request, "audit.task.done", task=request.path_params["task_id"])
    else:
        flash(request, "audit.not_done", problem=True, detail=" ".join(form.errors.values()))
    return RedirectResponse(path_for(request, "corrections"), status_code=303)


routes = [
    Route("/audit", audit_home, name="audit"),
    Route("/audit/run", audit_run, methods=["POST"], name="audit_run"),
    Route("/audit/refunds/{refund_id:int}", audit_refund, name="audit_refund"),
    Route(
        "/audit/refunds/{refund_id:int}/check",
        audit_refund_check,
        methods=["POST"],
        name="audit_refund_check",
    ),
    Route(
        "/audit/refunds/{refund_id:int}/findings",
        record_finding,
        methods=["POST"],
        name="record_finding",
    ),
    Route(
        "/audit/findings/{finding_id:int}/dismiss",
        dismiss_finding,
        methods=["POST"],
        name="dismiss_finding",
    ),
    Route("/audit/corrections", corrections, name="corrections"),
    Route(
        "/audit/corrections/{task_id:int}",
        complete_correction,
        methods=["POST"],
        name="complete_correction",
    ),
]
