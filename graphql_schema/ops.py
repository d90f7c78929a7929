"""What an operator watches: /healthz, /readyz, /metrics, and a request id on every request.

- `/healthz`: the process is alive and serving (no dependency is asked: a liveness probe must
  not restart the API because PostgreSQL is down). Always 200 `{"status": "ok"}`.
- `/readyz`: whether it can do its work: PostgreSQL answers, Redis answers, a worker recorded
  its heartbeat lately (arq's health key, every 10 s), and how far the confirmed working-day
  calendar reaches (C-7: a warning from 60 days before its end, never unready: the years after
  it are computed by rule, provisional, so complaints are still taken). 200 `{"status":
  "ready", "checks": …}`, or 503 with `Retry-After`, `status` `unready` (`unavailable` when
  PostgreSQL is down) and an `UNAVAILABLE` error, each check with its details.
- `/metrics`: Prometheus text. GraphQL requests and latency by endpoint and operation name,
  errors by code (top-level errors, and the `code` of a mutation's error member), HTTP answers
  by status, and, read from PostgreSQL at each scrape, the customer-notice outbox (due,
  held, the oldest due one's age) and deadlines breached and overdue. The worker's job
  durations are the worker's own /metrics (`WORKER_METRICS_PORT`).
- `RequestId`: every request gets an id (the caller's `X-Request-ID` when it is a plain token
  of at most 64 characters, else a new one), answered in `X-Request-ID`, carried on every log
  line made for the request and into the jobs it queues (`services.logs.request_id`).
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise import Tortoise

from services import clock, db, logs
from services.calendar.service import calendar_status
from services.config import settings

disable_created_metrics()  # no `_created` series beside every counter
REGISTRY = CollectorRegistry(auto_describe=True)
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
REQUESTS = Counter(
    "tousu_graphql_requests",
    "GraphQL operations executed, by endpoint, operation name and outcome (ok, error).",
    ["endpoint", "operation", "outcome"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "tousu_graphql_request_seconds",
    "Time to execute a GraphQL operation, by endpoint and operation name.",
    ["endpoint", "operation"],
    buckets=BUCKETS,
    registry=REGISTRY,
)
ERRORS = Counter(
    "tousu_graphql_errors",
    "Errors answered, by endpoint and code: top-level errors (kind=top) and the error member "
    "of a payload union (kind=payload).",
    ["endpoint", "code", "kind"],
    registry=REGISTRY,
)
HTTP = Counter(
    "tousu_http_responses",
    "HTTP answers by path group and status.",
    ["path", "status"],
    registry=REGISTRY,
)
OUTBOX_DUE = Gauge(
    "tousu_notice_outbox_due",
    "Customer notices pending and due now (waiting for a worker to send them).",
    registry=REGISTRY,
)
OUTBOX_HELD = Gauge(
    "tousu_notice_outbox_held",
    "Customer notices pending but not due yet (quiet hours, back-off, revisit window).",
    registry=REGISTRY,
)
OUTBOX_AGE = Gauge(
    "tousu_notice_outbox_oldest_due_seconds",
    "How long the oldest due notice has been due (0 when none is).",
    registry=REGISTRY,
)
BREACHED = Gauge(
    "tousu_deadlines_breached",
    "Deadlines breached so far (breached, or met late after a breach), by kind.",
    ["kind"],
    registry=REGISTRY,
)
OVERDUE = Gauge(
    "tousu_deadlines_overdue",
    "Deadlines pending past their due time, by kind (the worker marks them within a minute).",
    ["kind"],
    registry=REGISTRY,
)

# each series' child looked up once (prometheus_client's `labels` checks and locks per call);
# the label values are bounded (operation names to MAX_OPERATIONS, codes to the API's own)
_requests = lru_cache(maxsize=4096)(REQUESTS.labels)
_latency = lru_cache(maxsize=4096)(LATENCY.labels)
_errors = lru_cache(maxsize=4096)(ERRORS.labels)
_http = lru_cache(maxsize=1024)(HTTP.labels)

ENDPOINTS = {"/graphql": "staff", "/partner/graphql": "partner"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_NAMED = re.compile(r"^\s*(?:#[^\n]*\n\s*)*(?:query|mutation|subscription)\s+([A-Za-z_]\w*)")
_FIRST_FIELD = re.compile(
    r"^\s*(?:(?:query|mutation|subscription)\b[^{(]*(?:\([^)]*\))?\s*)?\{\s*"
    r"(?:[A-Za-z_]\w*\s*:\s*)?([A-Za-z_]\w*)"
)
MAX_OPERATIONS = 500  # distinct operation labels kept; later ones are counted as "other"
_seen_operations: set[tuple[str, str]] = set()


def operation_label(endpoint: str, name: str | None, query: str | None) -> str:
    """The operation's name (given, or the document's first); unnamed, its first root field
    (`createComplaint`); a name that is not a plain GraphQL name, or one past the first
    MAX_OPERATIONS, is `other` (callers choose names: the label set must stay bounded)."""
    label = name or ""
    if not label and query:
        match = _NAMED.match(query) or _FIRST_FIELD.match(query)
        label = match.group(1) if match else ""
    if not label:
        return "anonymous"
    if not _NAME.fullmatch(label):
        return "other"
    key = (endpoint, label)
    if key not in _seen_operations:
        if len(_seen_operations) >= MAX_OPERATIONS:
            return "other"
        _seen_operations.add(key)
    return label


def _code(error: Any) -> str:
    extensions = getattr(error, "extensions", None) or {}
    code = extensions.get("code") if isinstance(extensions, dict) else None
    return str(code) if code else "INTERNAL"


class Measured:
    """Mixin for a strawberry view: each operation counted and timed, its errors counted by
    code. Needs `metrics_endpoint` (staff, partner)."""

    metrics_endpoint = "staff"

    async def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        data = kwargs.get("request_data")
        if isinstance(data, list) or data is None:  # batches are refused before this
            return await super().execute_operation(*args, **kwargs)  # type: ignore[misc]
        endpoint = self.metrics_endpoint
        operation = operation_label(endpoint, data.operation_name, data.query)
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await super().execute_operation(*args, **kwargs)  # type: ignore[misc]
            errors = getattr(result, "errors", None) or []
            for error in errors:
                _errors(endpoint, _code(error), "top").inc()
            for value in (getattr(result, "data", None) or {}).values():
                if isinstance(value, dict) and isinstance(value.get("code"), str):
                    _errors(endpoint, value["code"], "payload").inc()
            outcome = "error" if errors else "ok"
            return result
        finally:
            _latency(endpoint, operation).observe(time.perf_counter() - started)
            _requests(endpoint, operation, outcome).inc()


_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def _path_group(path: str) -> str:
    for prefix in ("/graphql", "/partner/graphql", "/admin", "/graphiql", "/healthz", "/readyz"):
        if path == prefix or path.startswith(prefix + "/"):
            return prefix
    return "/metrics" if path == "/metrics" else "other"


class RequestId:
    """ASGI middleware: the request's id (see the module's docstring) and the HTTP counter."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = ""
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                given = value.decode("latin-1").strip()
        # a new one: 16 hex digits from the process's generator (seeded from the OS, again
        # after a fork); os.urandom's system call was 1% of `me` (issue 14). Not a secret: a
        # caller may choose its own.
        rid = given if given and _REQUEST_ID.fullmatch(given) else f"{random.getrandbits(64):016x}"
        token = logs.request_id.set(rid)
        path = _path_group(scope.get("path", ""))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
                _http(path, str(message["status"])).inc()
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logs.request_id.reset(token)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _timed(check: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = await check()
    except Exception as exc:
        if db.is_outage(exc) or _is_redis_down(exc):
            return {"ok": False, "error": type(exc).__name__}
        raise
    return {**result, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _is_redis_down(exc: BaseException) -> bool:
    from redis.exceptions import RedisError

    return isinstance(exc, RedisError | OSError | TimeoutError)


async def _postgresql() -> dict[str, Any]:
    await Tortoise.get_connection("default").execute_query("SELECT 1")
    return {"ok": True}


HEALTH_KEY = "arq:queue:health-check"  # arq's default queue name and health key suffix
HEALTH_TTL_SECONDS = 11  # the worker's health_check_interval (10 s) + 1: arq's expiry


async def _redis_and_worker() -> tuple[dict[str, Any], dict[str, Any]]:
    from redis.asyncio import Redis

    client = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    started = time.perf_counter()
    try:
        await client.ping()
        redis = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
        ttl_ms = await client.pttl(HEALTH_KEY)
        beat = await client.get(HEALTH_KEY)
    except Exception as exc:
        if not _is_redis_down(exc):
            raise
        down = {"ok": False, "error": type(exc).__name__}
        return down, {"ok": False, "error": "Redis is unavailable"}
    finally:
        await client.aclose()
    if beat is None:
        return redis, {"ok": False, "error": "no worker heartbeat in the last 11 s"}
    worker = {
        "ok": True,
        "secondsSinceHeartbeat": round(max(HEALTH_TTL_SECONDS - ttl_ms / 1000, 0.0), 1),
        "heartbeat": beat.decode(errors="replace")[:200],
    }
    return redis, worker


async def _calendar() -> dict[str, Any]:
    status = await calendar_status()
    last = status.last_confirmed_day
    # a warning, never a reason to stop serving: a year nobody confirmed is computed by rule
    # (provisional) when a date first needs it, so a load balancer must keep sending traffic
    return {
        "ok": True,
        "lastConfirmedDay": last.isoformat() if last else None,
        "daysLeft": status.days_left,
        "provisionalYears": list(status.provisional_years),
        "warning": status.warning,
    }


async def readyz(request: Request) -> Response:
    from graphql_schema.transport import RETRY_AFTER_SECONDS, unavailable_message

    checks: dict[str, Any] = {"postgresql": await _timed(_postgresql)}
    checks["redis"], checks["worker"] = await _redis_and_worker()
    if checks["postgresql"]["ok"]:
        checks["calendar"] = await _timed(_calendar)
    else:
        checks["calendar"] = {"ok": False, "error": "PostgreSQL is unavailable"}
    if all(check["ok"] for check in checks.values()):
        return JSONResponse({"status": "ready", "checks": checks})
    down = [name for name, check in checks.items() if not check["ok"]]
    message = (
        unavailable_message()
        if not checks["postgresql"]["ok"]
        else f"Not ready: {', '.join(down)} (未就绪)."
    )
    return JSONResponse(
        {
            "status": "unavailable" if not checks["postgresql"]["ok"] else "unready",
            "checks": checks,
            "errors": [{"message": message, "extensions": {"code": "UNAVAILABLE"}}],
        },
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


OUTBOX_SQL = """
SELECT count(*) FILTER (WHERE due <= $1) AS due,
       count(*) FILTER (WHERE due > $1) AS held,
       min(due) FILTER (WHERE due <= $1) AS oldest
FROM (SELECT coalesce(next_attempt_at, not_before, created_at) AS due
      FROM notices WHERE status = 'pending') AS pending
"""
DEADLINES_SQL = """
SELECT 'complaint' AS kind, count(*) FILTER (WHERE breached_at IS NOT NULL) AS breached,
       count(*) FILTER (WHERE state = 'pending' AND due_at < $1) AS overdue
FROM complaint_deadlines
UNION ALL
SELECT 'refund', count(*) FILTER (WHERE breached_at IS NOT NULL),
       count(*) FILTER (WHERE state = 'pending' AND due_at < $1)
FROM refund_deadlines
"""


async def _read_gauges(now: datetime) -> None:
    conn = Tortoise.get_connection("default")
    _, rows = await conn.execute_query(OUTBOX_SQL, [now])
    outbox = rows[0]
    OUTBOX_DUE.set(outbox["due"])
    OUTBOX_HELD.set(outbox["held"])
    oldest = outbox["oldest"]
    OUTBOX_AGE.set((now - oldest).total_seconds() if oldest else 0)
    _, rows = await conn.execute_query(DEADLINES_SQL, [now])
    for row in rows:
        BREACHED.labels(row["kind"]).set(row["breached"])
        OVERDUE.labels(row["kind"]).set(row["overdue"])


async def metrics(request: Request) -> Response:
    """Prometheus text; the database's gauges are left as they were when it is down."""
    try:
        await _read_gauges(clock.now())
    except Exception as exc:
        if not db.is_outage(exc):
            raise
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
