"""Console-wide protections as ASGI middleware: security headers and CSRF on every POST."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSRF_SESSION_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """This session's CSRF token, created on first use."""
    token = session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_SESSION_KEY] = token
    return token


def csrf_token_matches(session: MutableMapping[str, Any], submitted: object) -> bool:
    expected = session.get(CSRF_SESSION_KEY)
    if not isinstance(expected, str) or not expected or not isinstance(submitted, str):
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class SecurityHeadersMiddleware:
    """Headers on every console response; nothing but static assets may be cached."""

    def __init__(self, app: ASGIApp, *, cacheable_prefix: str = "/static/") -> None:
        self.app = app
        self.cacheable_prefix = cacheable_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = _route_path(scope).startswith(self.cacheable_prefix)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CSRFMiddleware:
    """Refuse any unsafe request whose token (form field or header) is not the session's.

    Runs inside SessionMiddleware and before routing, so no POST endpoint can forget the
    check. The body is read once (up to `max_body` bytes) and replayed to the endpoint.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        on_failure: Callable[[Request, int], Awaitable[Response]],
        max_body: int = 1024 * 1024,
    ) -> None:
        self.app = app
        self.on_failure = on_failure
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        body = await self._read_body(scope, receive)
        if body is None:
            response = await self.on_failure(Request(scope), 413)
            await response(scope, receive, send)
            return
        replay = _replaying(body, receive)
        request = Request(scope, replay)
        submitted: object = request.headers.get(CSRF_HEADER)
        if submitted is None:
            async with request.form(max_files=100) as form:
                submitted = form.get(CSRF_FIELD)
        if not csrf_token_matches(scope["session"], submitted):
            response = await self.on_failure(request, 403)
            await response(scope, receive, send)
            return
        await self.app(scope, _replaying(body, receive), send)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole request body, or None when it is larger than max_body."""
        declared = Request(scope).headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive channel that yields the buffered body once, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
