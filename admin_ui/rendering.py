"""Templates, links and error pages of the console."""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from admin_ui import i18n
from admin_ui.security import CSRF_FIELD, CSRF_SESSION_KEY
from services import phones, privacy, wording
from services.config import settings
from services.staff.models import Role, Staff

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"

_ROOT_PATH = "admin_ui.root_path"
_FLASH = "flash"
_ERROR_TITLES = {
    403: "error.forbidden.title",
    404: "error.not_found.title",
    405: "error.method.title",
    413: "error.too_large.title",
}


class ConsoleRootMiddleware:
    """Remember where the console is mounted before inner mounts (/static) extend root_path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault(_ROOT_PATH, scope.get("root_path", ""))
        await self.app(scope, receive, send)


def path_for(request: Request, name: str, /, **params: Any) -> str:
    """The path of a console route, under whatever prefix the console is mounted at.

    Resolved against the console's own routes (not the outer app's, whose names could clash),
    and path-only, so links never depend on the Host header or on the scheme a proxy terminated.
    """
    root = request.scope.get(_ROOT_PATH, request.scope.get("root_path", ""))
    return root + str(request.app.url_path_for(name, **params))


def console_path(request: Request) -> str:
    """This request's path relative to the console, with its query: where to come back to."""
    root = request.scope.get(_ROOT_PATH, request.scope.get("root_path", ""))
    path = request.url.path
    relative = path[len(root) :] if root and path.startswith(root) else path
    query = request.url.query
    return relative + (f"?{query}" if query else "")


def flash(request: Request, key: str, /, *, problem: bool = False, **params: str | int) -> None:
    """A one-off notice ("saved as version 3") shown on the next page this session renders."""
    request.session[_FLASH] = [key, params, problem]


def _template_context(request: Request) -> dict[str, Any]:
    locale = i18n.locale_for(request)

    def translate(key: str, /, **params: Any) -> str:
        return i18n._(key, locale, **params)

    def label(kind: str, value: str) -> str:
        return i18n.label(kind, value, locale)

    session = request.scope.get("session") or {}
    notice = session.pop(_FLASH, None) if request.method == "GET" else None
    return {
        "locale": locale,
        "locales": i18n.LOCALES,
        "_": translate,
        "label": label,
        "yuan": i18n.yuan,
        "mask": phones.mask,
        "mask_name": privacy.mask_name,  # console users never handle complaints (C-12)
        "mask_text": phones.mask_in_text,
        # a text the system may have written in English (A-3 history), in the reader's language
        "worded": functools.partial(wording.localize, where=locale),
        "month_title": functools.partial(i18n.month_title, locale=locale),
        "path_for": functools.partial(path_for, request),
        "here": console_path(request),
        "csrf_field": CSRF_FIELD,
        "csrf_token": session.get(CSRF_SESSION_KEY, ""),
        "flash": translate(notice[0], **notice[1]) if notice else "",
        "flash_problem": bool(notice and notice[2]),
    }


def localtime(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant on the operator's wall clock (Asia/Shanghai by default)."""
    if at is None:
        return "—"
    return at.astimezone(ZoneInfo(settings.timezone)).strftime(fmt)


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_env.filters["localtime"] = localtime
templates = Jinja2Templates(env=_env, context_processors=[_template_context])


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    context = {"staff": None, "nav": "", **(context or {})}
    staff = context["staff"]
    context["can_edit"] = isinstance(staff, Staff) and staff.has_role(Role.ADMIN)
    context["can_audit"] = isinstance(staff, Staff) and staff.has_role(Role.AUDITOR)
    # set by console_page for admins while the confirmed calendar ends within 60 days (C-7)
    context.setdefault("calendar_warning", getattr(request.state, "calendar_warning", None))
    return templates.TemplateResponse(
        request, template, context, status_code=status_code, headers=headers
    )


def error_page(
    request: Request,
    status_code: int,
    *,
    title_key: str | None = None,
    detail_key: str | None = None,
) -> Response:
    locale = i18n.locale_for(request)
    title = i18n._(title_key or _ERROR_TITLES.get(status_code, "error.generic.title"), locale)
    detail = i18n._(detail_key, locale) if detail_key else ""
    context = {"title": title, "detail": detail}
    return render(request, "error.html", context, status_code=status_code)


async def csrf_failure(request: Request, status_code: int) -> Response:
    """What CSRFMiddleware answers: 403 for a bad token, 413 for an oversized body."""
    if status_code == 403:
        return error_page(request, 403, title_key="error.csrf.title", detail_key="error.csrf.body")
    return error_page(request, status_code)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    response = error_page(request, exc.status_code)
    if exc.headers:
        response.headers.update(exc.headers)
    return response
