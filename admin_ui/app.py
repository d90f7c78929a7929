"""The admin console: a server-rendered Starlette app, mounted by the API at /admin.

It has no lifespan: the outer app's lifespan initialises the database. Middleware, outermost
first: the console's mount path noted for links, security headers, the signed session cookie,
CSRF on every unsafe request.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from admin_ui import (
    assist_views,
    audit_views,
    calendar_views,
    config_templates,
    config_views,
    daily_lists,
    daily_views,
    overview_views,
    sample_views,
    staff_views,
    summary_views,
    views,
)
from admin_ui.analysis import views as analysis_views
from admin_ui.rendering import STATIC_DIR, ConsoleRootMiddleware, csrf_failure, http_error
from admin_ui.security import CSRFMiddleware, SecurityHeadersMiddleware
from services.config import settings

SESSION_COOKIE = "tousu_admin"


def create_admin(*, mount_path: str = "/admin") -> Starlette:
    """The console app; `mount_path` is where it is mounted, and scopes the session cookie."""
    app = Starlette(
        routes=[
            Route("/", views.home, name="home"),
            Route("/login", views.login_form, methods=["GET"], name="login"),
            Route("/login", views.login, methods=["POST"], name="login_submit"),
            Route("/logout", views.logout, methods=["POST"], name="logout"),
            Route("/locale", views.set_locale, methods=["POST"], name="set_locale"),
            *daily_views.routes,
            *daily_lists.routes,
            *overview_views.routes,
            *analysis_views.routes,
            *config_templates.routes,
            *assist_views.routes,
            *config_views.routes,
            *calendar_views.routes,
            *audit_views.routes,
            *sample_views.routes,
            *summary_views.routes,
            *staff_views.routes,
            Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[
            Middleware(ConsoleRootMiddleware),
            Middleware(SecurityHeadersMiddleware),
            Middleware(
                SessionMiddleware,
                secret_key=str(settings.secret_key),
                session_cookie=SESSION_COOKIE,
                max_age=settings.admin_session_ttl_seconds,
                path=mount_path,
                same_site="strict",
                https_only=not settings.dev,
            ),
            Middleware(CSRFMiddleware, on_failure=csrf_failure),
        ],
        exception_handlers={HTTPException: http_error},
    )
    return app
