"""Samples for human review: draw (simple random, stratified by band or risk, monetary-unit),
look at one, draw it again to check it is the same, and record a verdict per refund."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from tortoise.functions import Count

from admin_ui.auth import auditor_only, console_page
from admin_ui.forms import Form
from admin_ui.rendering import error_page, flash, path_for, render
from services import phones
from services.audit import policy as audit_policy
from services.audit import samples
from services.audit.models import AuditSample, SampleItem, SampleMethod, Verdict
from services.audit.sampling import MAX_SIZE
from services.errors import DomainError
from services.refunds import clock
from services.refunds.models import Refund
from services.staff.models import Staff

RECENT = 30
NOTE_MAX = 2000


async def _list_page(
    request: Request, staff: Staff, *, form: Form | None = None, status_code: int = 200
) -> Response:
    today = clock.local_date(clock.now())
    recent = await AuditSample.all().order_by("-id").limit(RECENT).select_related("created_by")
    counted = (
        await SampleItem.filter(sample_id__in=[s.id for s in recent])
        .exclude(verdict=Verdict.PENDING)
        .annotate(n=Count("id"))
        .group_by("sample_id")
        .values("sample_id", "n")
    )
    reviewed = {row["sample_id"]: row["n"] for row in counted}
    typed = (
        form.raw
        if form
        else {
            "method": SampleMethod.MONETARY_UNIT.value,
            "first": today.replace(day=1).isoformat(),
            "last": today.isoformat(),
            "size": "10",
            "seed": "",
        }
    )
    context: dict[str, Any] = {
        "staff": staff,
        "nav": "audit",
        "samples": recent,
        "reviewed": reviewed,
        "methods": [m.value for m in SampleMethod],
        "typed": typed,
        "errors": form.errors if form else {},
        "max_size": MAX_SIZE,
    }
    return render(request, "audit/samples.html", context, status_code=status_code)


@console_page
async def sample_list(request: Request, staff: Staff) -> Response:
    return await _list_page(request, staff)


@auditor_only
async def draw_sample(request: Request, staff: Staff) -> Response:
    form = await Form.read(request)
    method = form.choice("method", "audit.sample.method", [m.value for m in SampleMethod])
    first = form.day("first", "audit.sample.first")
    last = form.day("last", "audit.sample.last")
    size = form.integer("size", "audit.sample.size", minimum=1, maximum=MAX_SIZE)
    seed = None
    if form.value("seed"):
        seed = form.integer("seed", "audit.sample.seed", minimum=0, maximum=samples.MAX_SEED - 1)
    if first and last and last < first:
        form.error("last", "audit.sample.error.period")
    if form.ok and method and first and last and size:
        try:
            sample = await samples.draw_sample(
                actor=staff,
                method=SampleMethod(method),
                first=first,
                last=last,
                size=size,
                seed=seed,
                note=form.value("note")[:NOTE_MAX],
            )
        except DomainError as exc:
            form.error("__all__", "form.rejected", detail=exc.message)
        else:
            return RedirectResponse(
                path_for(request, "sample", sample_id=sample.id), status_code=303
            )
    return await _list_page(request, staff, form=form, status_code=400)


@console_page
async def sample_page(request: Request, staff: Staff) -> Response:
    sample = await AuditSample.get_or_none(id=request.path_params["sample_id"]).select_related(
        "created_by"
    )
    if sample is None:
        return error_page(request, 404)
    items = (
        await SampleItem.filter(sample_id=sample.id)
        .order_by("position")
        .select_related("reviewed_by")
    )
    refunds = {
        r.id: r
        for r in await Refund.filter(id__in=[i.refund_id for i in items]).select_related("customer")
    }
    check = await samples.redraw(sample.id) if request.query_params.get("verify") else None
    context: dict[str, Any] = {
        "staff": staff,
        "nav": "audit",
        "sample": sample,
        "items": items,
        "refunds": refunds,
        "phones": {r.id: phones.mask(r.customer.msisdn) for r in refunds.values()},
        "check": check,
        "rules": audit_policy.RULES,
        "first": date.fromisoformat(sample.parameters["first"]),
        "last": date.fromisoformat(sample.parameters["last"]),
    }
    return render(request, "audit/sample.html", context)


@auditor_only
async def record_verdict(request: Request, staff: Staff) -> Response:
    sample_id = request.path_params["sample_id"]
    item = await SampleItem.get_or_none(id=request.path_params["item_id"], sample_id=sample_id)
    if item is None:
        return error_page(request, 404)
    form = await Form.read(request)
    verdict = form.choice(
        "verdict", "audit.verdict", [Verdict.COMPLIANT.value, Verdict.NONCOMPLIANT.value]
    )
    note = form.text(
        "note", "audit.verdict.note", required=verdict == Verdict.NONCOMPLIANT, max_length=NOTE_MAX
    )
    rule = None
    if verdict == Verdict.NONCOMPLIANT:
        rule = form.choice("rule", "audit.finding.rule", audit_policy.RULES)
    if form.ok and verdict:
        try:
            await samples.record_verdict(
                actor=staff, item_id=item.id, verdict=Verdict(verdict), note=note, rule=rule
            )
        except DomainError as exc:
            form.error("__all__", "form.rejected", detail=exc.message)
    if form.ok:
        flash(request, "audit.verdict.recorded", refund=item.refund_id)
    else:
        flash(request, "audit.not_done", problem=True, detail=" ".join(form.errors.values()))
    return RedirectResponse(path_for(request, "sample", sample_id=sample_id), status_code=303)


routes = [
    Route("/audit/samples", sample_list, methods=["GET"], name="samples"),
    Route("/audit/samples", draw_sample, methods=["POST"], name="draw_sample"),
    Route("/audit/samples/{sample_id:int}", sample_page, name="sample"),
    Route(
        "/audit/samples/{sample_id:int}/items/{item_id:int}",
        record_verdict,
        methods=["POST"],
        name="record_verdict",
    ),
]
