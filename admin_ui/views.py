"""Signing in and out, and the language switch."""

from __future__ import annotations

import logging
import math

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui import i18n
from admin_ui.auth import (
    end_session,
    may_use_console,
    signed_in_staff,
    start_session,
)
from admin_ui.rendering import error_page, path_for, render
from admin_ui.security import csrf_token
from services.errors import Unauthenticated
from services.staff import service as staff_service
from services.staff.throttle import LoginThrottled

log = logging.getLogger(__name__)

RECENT_COMPLAINTS = 50


async def home(request: Request) -> Response:
    return RedirectResponse(path_for(request, "complaints"), status_code=303)


async def login_form(request: Request) -> Response:
    staff = await signed_in_staff(request)
    if staff is not None and may_use_console(staff):
        return RedirectResponse(path_for(request, "complaints"), status_code=303)
    csrf_token(request.session)
    return render(request, "login.html", {"username": "", "error": ""})


async def login(request: Request) -> Response:
    """Check the credentials (CSRF was checked by the middleware) and start a new session."""
    form = await request.form()
    username, password = form.get("username"), form.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        username, password = "", ""
    username = username.strip()[: staff_service.USERNAME_MAX + 1]
    locale = i18n.locale_for(request)

    def refuse(error: str, status_code: int, headers: dict[str, str] | None = None) -> Response:
        context = {"username": username, "error": error}
        return render(request, "login.html", context, status_code=status_code, headers=headers)

    if not username or not password:
        return refuse(i18n._("login.error.missing", locale), 400)
    try:
        staff = await staff_service.log_in(
            username=username,
            password=password,
            address=request.client.host if request.client else "unknown",
        )
    except LoginThrottled as exc:
        log.warning("admin login throttled")
        minutes = max(1, math.ceil(exc.retry_after_seconds / 60))
        message = i18n._("login.error.throttled", locale, minutes=minutes)
        return refuse(message, 429, {"Retry-After": str(exc.retry_after_seconds)})
    except Unauthenticated:
        log.info("admin login failed")
        return refuse(i18n._("login.error.credentials", locale), 401)

    if not may_use_console(staff):
        log.info("admin console refused to staff %s: roles %s", staff.id, staff.roles)
        return error_page(request, 403, detail_key="error.forbidden.console")
    await start_session(request, staff)
    log.info("admin login: staff %s", staff.id)
    return RedirectResponse(path_for(request, "complaints"), status_code=303)


async def logout(request: Request) -> Response:
    await end_session(request)
    return RedirectResponse(path_for(request, "login"), status_code=303)


async def set_locale(request: Request) -> Response:
    """The language switch (CSRF-checked like every POST); back to the page it was pressed on."""
    form = await request.form()
    chosen = form.get("locale")
    if chosen in i18n.LOCALES:
        request.session[i18n.SESSION_KEY] = chosen
    back = form.get("next")
    root = path_for(request, "home").rstrip("/")
    # only a path inside the console: never an absolute or protocol-relative URL
    safe = isinstance(back, str) and back.startswith("/") and not back.startswith("//")
    target = root + back if safe and isinstance(back, str) else path_for(request, "home")
    return RedirectResponse(target, status_code=303)
