"""Staff accounts (admins act, auditors read): deactivate, reactivate, log out everywhere, set a
new password. Each action is one service call (services/staff/lifecycle.py), the same the CLI
makes; all but reactivation end every bearer token and console session of the account."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin_ui.auth import admin_only, console_page
from admin_ui.rendering import error_page, flash, path_for, render
from services.errors import DomainError
from services.staff import lifecycle, sessions
from services.staff.models import Staff

Action = Callable[[Staff, Staff, str], Awaitable[Staff]]


@console_page
async def staff_page(request: Request, staff: Staff) -> Response:
    members = await Staff.all().order_by("username")
    context = {
        "staff": staff,
        "nav": "staff",
        "members": members,
        "open_sessions": await sessions.open_session_counts(),
        "password_min": lifecycle.PASSWORD_MIN,
    }
    return render(request, "staff.html", context)


async def _deactivate(member: Staff, by: Staff, _password: str) -> Staff:
    return await lifecycle.deactivate(staff_id=member.id, by=by)


async def _reactivate(member: Staff, by: Staff, _password: str) -> Staff:
    return await lifecycle.reactivate(staff_id=member.id, by=by)


async def _log_out_everywhere(member: Staff, by: Staff, _password: str) -> Staff:
    return await lifecycle.log_out_everywhere(staff_id=member.id, by=by)


async def _set_password(member: Staff, by: Staff, password: str) -> Staff:
    return await lifecycle.change_password(staff_id=member.id, new_password=password, by=by)


ACTIONS: dict[str, Action] = {
    "deactivate": _deactivate,
    "reactivate": _reactivate,
    "logout-everywhere": _log_out_everywhere,
    "password": _set_password,
}


@admin_only
async def staff_action(request: Request, staff: Staff) -> Response:
    action = ACTIONS.get(request.path_params["action"])
    member = await Staff.get_or_none(id=request.path_params["staff_id"])
    if action is None or member is None:
        return error_page(request, 404)
    form = await request.form()
    password = form.get("new_password")
    try:
        await action(member, staff, password if isinstance(password, str) else "")
    except DomainError as exc:
        flash(request, "staff.refused", problem=True, name=member.username, detail=exc.message)
    else:
        done = request.path_params["action"].replace("-", "_")
        flash(request, f"staff.done.{done}", name=member.username)
    return RedirectResponse(path_for(request, "staff"), status_code=303)


routes = [
    Route("/staff", staff_page, methods=["GET"], name="staff"),
    Route(
        "/staff/{staff_id:int}/{action:str}",
        staff_action,
        methods=["POST"],
        name="staff_action",
    ),
]
