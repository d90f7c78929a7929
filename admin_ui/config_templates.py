"""The customers' SMS texts (R-14, C-7, C-9): one form per kind, checked, previewed with sample
values, versioned (who, when, why) and restorable, through services.notices.templates.

A text naming a placeholder its kind does not know, or missing one it requires, is refused
with the placeholders named, and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin_ui import i18n
from admin_ui.auth import admin_only, console_page
from admin_ui.forms import Form
from admin_ui.rendering import error_page, flash, path_for, render
from services.assist import policy as wording
from services.errors import DomainError, InvalidInput
from services.notices import templates
from services.notices.models import NoticeTemplate
from services.notices.templates import SPECS, TemplateKind
from services.refunds import limits
from services.staff.models import Staff

BODY_MAX = 500
REASON_MAX = 500
SAMPLE_VALUES = {
    "matter": "话费重复扣费",
    "yyyy": "2026",
    "mm": "03",
    "dd": "02",
    "amount": "35.32",
    "complaint_no": "88",
    "plan_due": "2026年03月05日18时",
    "cause": "计费系统重复出账",
    "solution": "已退还多收的话费",
    "prevention": "已修复计费规则并增加核对",
    "promise": "48小时内回复处理结果",
    "due": "2026年03月04日18时",
}


def _braced(names: set[str] | frozenset[str]) -> str:
    return "、".join("{" + name + "}" for name in sorted(names))


def check_body(form: Form, kind: TemplateKind, body: str) -> None:
    """The same rules as templates.check, said in the reader's language."""
    try:
        used = templates.placeholders(body)
    except InvalidInput:
        form.error("body", "templates.error.braces")
        return
    spec = SPECS[kind]
    unknown = used - spec.allowed
    if unknown:
        form.error(
            "body",
            "templates.error.unknown",
            unknown=_braced(unknown),
            allowed=_braced(spec.allowed),
        )
    missing = spec.required - used
    if missing:
        form.error("body", "templates.error.missing", missing=_braced(missing))


async def current_rows() -> dict[TemplateKind, NoticeTemplate | None]:
    """The version in use of each kind, read without storing the shipped texts."""
    rows = await NoticeTemplate.all().order_by("kind", "version").select_related("changed_by")
    latest: dict[str, NoticeTemplate] = {row.kind: row for row in rows}
    return {kind: latest.get(kind.value) for kind in TemplateKind}


def sample(body: str, signature: str) -> str:
    try:
        return templates.render(body, {**SAMPLE_VALUES, "signature": signature})
    except (KeyError, IndexError, ValueError):
        return body


async def _page(
    request: Request,
    staff: Staff,
    *,
    form: Form | None = None,
    kind: str = "",
    status_code: int = 200,
) -> Response:
    signature = await limits.sms_signature()
    rows = []
    for k, row in (await current_rows()).items():
        body = row.body if row else SPECS[k].default
        typed = form.value("body") if form and kind == k.value else body
        rows.append(
            {
                "kind": k.value,
                "row": row,
                "body": typed,
                "sample": sample(typed, signature),
                "allowed": _braced(SPECS[k].allowed),
                "required": _braced(SPECS[k].required),
                "errors": form.errors if form and kind == k.value else {},
                "reason": form.value("reason") if form and kind == k.value else "",
                # S-3: a warning with the phrase and a better one, never a block
                "wording": wording.check_wording(typed),
            }
        )
    context: dict[str, Any] = {"staff": staff, "nav": "config", "rows": rows}
    return render(request, "config/templates.html", context, status_code=status_code)


@console_page
async def templates_page(request: Request, staff: Staff) -> Response:
    return await _page(request, staff)


@admin_only
async def save_template(request: Request, staff: Staff) -> Response:
    kind_value = request.path_params["kind"]
    if kind_value not in {k.value for k in TemplateKind}:
        return error_page(request, 404)
    kind = TemplateKind(kind_value)
    form = await Form.read(request)
    body = form.text("body", "templates.body", max_length=BODY_MAX)
    reason = form.text("reason", "config.reason", max_length=REASON_MAX)
    if form.ok:
        check_body(form, kind, body)
    current = (await current_rows())[kind]
    if form.ok and body == (current.body if current else SPECS[kind].default):
        form.error("body", "config.error.unchanged")
    if form.ok:
        try:
            row = await templates.save(actor=staff, kind=kind, body=body, reason=reason)
        except DomainError as exc:
            form.error("body", "form.rejected", detail=exc.message)
        else:
            flash(
                request,
                "templates.saved",
                kind=i18n.label("template", kind.value, form.locale),
                version=row.version,
            )
            return RedirectResponse(
                f"{path_for(request, 'templates')}#{kind.value}", status_code=303
            )
    return await _page(request, staff, form=form, kind=kind.value, status_code=400)


@console_page
async def template_history(request: Request, staff: Staff) -> Response:
    kind_value = request.path_params["kind"]
    if kind_value not in {k.value for k in TemplateKind}:
        return error_page(request, 404)
    rows = (
        await NoticeTemplate.filter(kind=kind_value)
        .order_by("-version")
        .select_related("changed_by")
    )
    versions = []
    for index, row in enumerate(rows):
        before = rows[index + 1].body if index + 1 < len(rows) else ""
        versions.append({"row": row, "before": before})
    context = {
        "staff": staff,
        "nav": "config",
        "kind": kind_value,
        "versions": versions,
        "current": rows[0].version if rows else 0,
    }
    return render(request, "config/template_history.html", context)


@admin_only
async def restore_template(request: Request, staff: Staff) -> Response:
    kind_value = request.path_params["kind"]
    if kind_value not in {k.value for k in TemplateKind}:
        return error_page(request, 404)
    form = await Form.read(request)
    version = form.integer("version", "config.history.version", minimum=1)
    reason = form.text("reason", "config.reason", max_length=REASON_MAX)
    old = await NoticeTemplate.get_or_none(kind=kind_value, version=version) if version else None
    if form.ok and old is None:
        form.error("version", "config.error.no_version", version=version or 0)
    if form.ok and old is not None:
        try:
            row = await templates.save(
                actor=staff, kind=TemplateKind(kind_value), body=old.body, reason=reason
            )
        except DomainError as exc:
            form.error("version", "form.rejected", detail=exc.message)
        else:
            flash(request, "config.restored", old=old.version, new=row.version)
    if not form.ok:
        flash(request, "config.restore_failed", problem=True, detail=" ".join(form.errors.values()))
    return RedirectResponse(path_for(request, "template_history", kind=kind_value), status_code=303)


routes = [
    Route("/config/sms/templates", templates_page, name="templates"),
    Route("/config/sms/templates/{kind}", save_template, methods=["POST"], name="save_template"),
    Route("/config/sms/templates/{kind}/history", template_history, name="template_history"),
    Route(
        "/config/sms/templates/{kind}/restore",
        restore_template,
        methods=["POST"],
        name="restore_template",
    ),
]
