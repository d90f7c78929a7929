"""POST /notices/receipts: the HTTP SMS gateway's delivery receipts (services.notices.callbacks
says what is accepted). Off (404) until NOTICE_RECEIPT_SECRET is set.

Answers: 200 {"recorded": n, "kept": m}; otherwise {"error": {"code", "message"}} with 401
BAD_SIGNATURE or STALE_TIMESTAMP, 409 REPLAYED (this signature was seen before), 400 MALFORMED,
413 TOO_MANY or TOO_LARGE, 503 UNAVAILABLE (Redis, which remembers the signatures, or the
database is down: send again later)."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services import db
from services.config import settings
from services.notices import callbacks

log = logging.getLogger(__name__)
PATH = "/notices/receipts"
REPLAY_PREFIX = "notice-receipt-signature:"


def _error(code: str, message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


class ReceiptCallback:
    def __init__(
        self,
        *,
        secret: str | None = None,
        redis_url: str | None = None,
        gateway: str = "http",
        wall_clock: Callable[[], float] = time.time,
    ):
        self.secret = secret if secret is not None else str(settings.notice_receipt_secret)
        self.redis_url = redis_url or settings.redis_url
        self.gateway = gateway
        self.wall_clock = wall_clock  # the signature's timestamp is transport time
        self._redis: Redis | None = None

    async def handle(self, request: Request) -> Response:
        if not self.secret:
            return _error("NOT_FOUND", "Receipt callbacks are off.", 404)
        body = await _body(request, callbacks.MAX_BODY_BYTES)
        if body is None:
            return _error("TOO_LARGE", f"At most {callbacks.MAX_BODY_BYTES} bytes.", 413)
        try:
            seen = callbacks.verify(
                self.secret,
                request.headers.get(callbacks.SIGNATURE_HEADER, ""),
                body,
                now=self.wall_clock(),
            )
            reports = callbacks.parse(body, gateway=self.gateway)
        except callbacks.CallbackRefused as refused:
            return _error(refused.code, refused.message, refused.status)
        try:
            fresh = await self._remember(seen)
        except RedisError:
            log.warning("receipt callback refused: Redis unavailable")
            return _error("UNAVAILABLE", "Try again later.", 503)
        if not fresh:
            return _error("REPLAYED", "This request was received before.", 409)
        try:
            outcome = await callbacks.record(reports)
        except Exception as exc:
            if not db.is_outage(exc):
                raise
            await self._forget(seen)  # not recorded: the same request may come again
            return _error("UNAVAILABLE", "Try again later.", 503)
        return JSONResponse({"recorded": outcome.recorded, "kept": outcome.kept})

    async def _remember(self, seen: str) -> bool:
        if self._redis is None:
            self._redis = Redis.from_url(self.redis_url)
        ttl = 2 * callbacks.TOLERANCE_SECONDS
        return bool(await self._redis.set(REPLAY_PREFIX + seen, 1, nx=True, ex=ttl))

    async def _forget(self, seen: str) -> None:
        if self._redis is not None:
            with contextlib.suppress(RedisError):
                await self._redis.delete(REPLAY_PREFIX + seen)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


async def _body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to pass `limit` bytes: never read further (a
    100 MB body was read whole before it was refused)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def route(endpoint: ReceiptCallback | None = None) -> Route:
    """The route to mount in the API app (graphql_schema/app.py)."""
    return Route(PATH, (endpoint or ReceiptCallback()).handle, methods=["POST"])
