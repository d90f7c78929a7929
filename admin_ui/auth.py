"""Who is signed in: the session holds a staff id; the Staff row is reloaded on every request."""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui import i18n
from admin_ui.rendering import error_page, path_for
from admin_ui.security import CSRF_SESSION_KEY
from services.config import settings
from services.staff.models import Role, Staff

log = logging.getLogger(__name__)

CONSOLE_ROLES = (Role.ADMIN, Role.AUDITOR)
_STAFF_ID = "sid"
_SIGNED_IN_AT = "at"
_AUTH_HASH = "ah"

Endpoint = Callable[[Request], Awaitable[Response]]
StaffEndpoint = Callable[[Request, Staff], Awaitable[Response]]


def may_use_console(staff: Staff) -> bool:
    return staff.is_active and staff.has_role(*CONSOLE_ROLES)


def _auth_hash(staff: Staff) -> str:
    """Changes when the password does, so a password change ends every open session."""
    key = str(settings.secret_key).encode()
    return hmac.new(key, staff.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def start_session(request: Request, staff: Staff) -> None:
    """A fresh session for a fresh login: nothing from before survives but the chosen language;
    the CSRF token is new."""
    language = request.session.get(i18n.SESSION_KEY)
    request.session.clear()
    if language in i18n.LOCALES:
        request.session[i18n.SESSION_KEY] = language
    request.session.update(
        {
            _STAFF_ID: staff.id,
            _SIGNED_IN_AT: int(time.time()),
            _AUTH_HASH: _auth_hash(staff),
            CSRF_SESSION_KEY: secrets.token_urlsafe(32),
        }
    )


def end_session(request: Request) -> None:
    language = request.session.get(i18n.SESSION_KEY)
    request.session.clear()
    if language in i18n.LOCALES:
        request.session[i18n.SESSION_KEY] = language


async def signed_in_staff(request: Request) -> Staff | None:
    """The active staff member of this session, or None (and the session is ended)."""
    session = request.session
    staff_id = session.get(_STAFF_ID)
    if staff_id is None:
        return None
    signed_in_at = session.get(_SIGNED_IN_AT)
    now = time.time()
    # the cookie is re-signed on every response; this caps a session's life from its login
    if not isinstance(signed_in_at, int) or not (
        now - settings.admin_session_ttl_seconds <= signed_in_at <= now + 60
    ):
        end_session(request)
        return None
    staff = None
    if isinstance(staff_id, int):
        staff = await Staff.get_or_none(id=staff_id, is_active=True)
    if staff is None or not hmac.compare_digest(str(session.get(_AUTH_HASH)), _auth_hash(staff)):
        end_session(request)
        return None
    return staff


def console_page(endpoint: StaffEndpoint) -> Endpoint:
    """Only for signed-in admins and auditors: others are sent to log in, or shown 403."""

    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        staff = await signed_in_staff(request)
        if staff is None:
            return RedirectResponse(path_for(request, "login"), status_code=303)
        if not may_use_console(staff):
            log.info("admin console refused to staff %s: roles %s", staff.id, staff.roles)
            end_session(request)
            return error_page(request, 403, detail_key="error.forbidden.console")
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
