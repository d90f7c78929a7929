"""Who is signed in: the session cookie carries only a session key; the session itself, and the
Staff row behind it, are read from the database on every request (services/staff/sessions.py).
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui import i18n
from admin_ui.rendering import error_page, path_for
from admin_ui.security import CSRF_SESSION_KEY
from services.calendar.service import calendar_status
from services.errors import PermissionDenied
from services.permissions import table
from services.permissions.table import Actor, UseCase
from services.staff import service as staff_service
from services.staff import sessions
from services.staff.models import Role, Staff

log = logging.getLogger(__name__)

_SESSION_KEY = "sk"

Endpoint = Callable[[Request], Awaitable[Response]]
StaffEndpoint = Callable[[Request, Staff], Awaitable[Response]]


def may_use_console(staff: Staff) -> bool:
    """The permission table's READ_CONSOLE: admins and auditors."""
    return staff.is_active and table.allows(UseCase.READ_CONSOLE, Actor.of(staff))


def _keep_only_language(request: Request) -> None:
    language = request.session.get(i18n.SESSION_KEY)
    request.session.clear()
    if language in i18n.LOCALES:
        request.session[i18n.SESSION_KEY] = language


async def start_session(request: Request, staff: Staff) -> None:
    """A fresh server-side session for a fresh login: nothing from before survives in the
    cookie but the chosen language; the CSRF token is new."""
    _keep_only_language(request)
    request.session[_SESSION_KEY] = await sessions.open_session(staff)
    request.session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)


async def end_session(request: Request) -> None:
    """Close the server-side session (a copy of the cookie opens nothing after this)."""
    key = request.session.get(_SESSION_KEY)
    if isinstance(key, str):
        await sessions.close_session(key)
    _keep_only_language(request)


async def signed_in_staff(request: Request) -> Staff | None:
    """The active staff member of this session, or None (and the session is ended)."""
    key = request.session.get(_SESSION_KEY)
    if key is None:
        return None
    staff = await sessions.staff_for_session(key) if isinstance(key, str) else None
    if staff is None:
        await end_session(request)
    return staff


def console_page(endpoint: StaffEndpoint) -> Endpoint:
    """Only for signed-in admins and auditors: others are sent to log in, or shown 403."""

    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        staff = await signed_in_staff(request)
        if staff is None:
            return RedirectResponse(path_for(request, "login"), status_code=303)
        try:
            await staff_service.open_console(actor=staff)
        except PermissionDenied:
            log.info("admin console refused to staff %s: roles %s", staff.id, staff.roles)
            await end_session(request)
            return error_page(request, 403, detail_key="error.forbidden.console")
        if staff.has_role(Role.ADMIN):
            status = await calendar_status()  # C-7: the banner 60 days before the calendar ends
            request.state.calendar_warning = status if status.warning else None
        return await endpoint(request, staff)

    return guarded


def requires(role: Role) -> Callable[[StaffEndpoint], Endpoint]:
    """A console page or action for one role only: admins edit configuration, auditors audit.

    Both roles read every page; a signed-in member of the console without the role gets a 403
    page that names the role (the session stays).
    """

    def decorate(endpoint: StaffEndpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request, staff: Staff) -> Response:
            if not staff.has_role(role):
                log.info("console action %s refused to staff %s", request.url.path, staff.id)
                return error_page(request, 403, detail_key=f"error.forbidden.{role.value}")
            return await endpoint(request, staff)

        return console_page(guarded)

    return decorate


admin_only = requires(Role.ADMIN)
auditor_only = requires(Role.AUDITOR)
