"""/analysis/root-causes: the root-cause taxonomy (C-11). Everyone in the console reads it;
admins add a cause, or rename, re-own, retire or restore one (services.analysis.taxonomy)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin_ui.auth import admin_only, console_page
from admin_ui.forms import Form
from admin_ui.rendering import flash, path_for, render
from services.analysis import taxonomy
from services.analysis.models import CauseGroup
from services.errors import DomainError
from services.staff.models import Department, Staff

FIELDS = ("code", "name", "group", "department", "active")


async def _context(staff: Staff, form: Form | None = None) -> dict[str, Any]:
    causes = await taxonomy.taxonomy(include_retired=True)
    departments = await Department.all().order_by("code")
    codes = {d.id: f"{d.code} {d.name}" for d in departments}
    return {
        "staff": staff,
        "nav": "analysis",
        "causes": [(c, codes.get(c.department_id or 0, "")) for c in causes],
        "groups": [g.value for g in CauseGroup],
        "departments": departments,
        "form": form,
        "values": form.raw if form else {"active": "on"},
        "errors": form.errors if form else {},
    }


@console_page
async def root_causes_page(request: Request, staff: Staff) -> Response:
    return render(request, "analysis/root_causes.html", await _context(staff))


@admin_only
async def save_root_cause(request: Request, staff: Staff) -> Response:
    form = await Form.read(request)
    code = form.text("code", "analysis.cause.code", max_length=32)
    if code and not taxonomy.CODE.match(code):
        form.error("code", "analysis.cause.bad_code")
    name = form.text("name", "analysis.cause.name", max_length=100)
    group = form.choice("group", "analysis.cause.group", [g.value for g in CauseGroup])
    department = form.value("department")
    if form.ok and group is not None:
        try:
            await taxonomy.save_root_cause(
                actor=staff,
                code=code,
                name=name,
                group=CauseGroup(group),
                department_code=department,
                active=form.value("active") == "on",
            )
        except DomainError as exc:
            form.errors.setdefault(
                "code" if exc.field == "rootCause" else "department", exc.message
            )
        else:
            flash(request, "analysis.cause.saved", code=code)
            return RedirectResponse(path_for(request, "root_causes"), status_code=303)
    context = await _context(staff, form)
    return render(request, "analysis/root_causes.html", context, status_code=400)


routes = [
    Route("/analysis/root-causes", root_causes_page, methods=["GET"], name="root_causes"),
    Route("/analysis/root-causes", save_root_cause, methods=["POST"], name="root_causes_save"),
]
