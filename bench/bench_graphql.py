"""GraphQL requests per second, in process over ASGI: the production schema against a baseline
built the same way but keeping no document (every request parsed, checked and validated
afresh), measured in the same run.

Both apps come from `create_app(with_lifespan=False)`; each request goes through httpx's
ASGITransport, Starlette, the bearer-token context (one staff look-up), strawberry and the
DataLoaders, so the ratio is of whole requests, not of parsing alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import strawberry
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from bench import common
from services.config import settings

QUERY_ME = "{ me { username } }"
# the page of tests/graphql_schema/test_complaints_api.py: customer, owner, history and more
QUERY_PAGE = """{ complaints(first: 50) { totalCount edges { node {
    id customer { name msisdn } owner { username department { name } }
    firstHandler { username } urgency { reason } deadlines { kind }
    history { action actor { username } } } } } }"""
COMPLAINTS = 60

PRODUCTION = "production"
BASELINE = "baseline (no caches)"

Factory = Callable[[], SchemaExtension]


def _schema(factories: list[Factory]) -> strawberry.Schema:
    from graphql_schema.schema import Mutation, Query, Schema

    return Schema(
        query=Query,
        mutation=Mutation,
        extensions=factories,
        config=StrawberryConfig(auto_camel_case=True),
    )


def baseline_schema() -> strawberry.Schema:
    """The production extension (same limits, masking, introspection rule) keeping no
    document, on the same Schema class and config."""
    from graphql_schema.schema import extensions

    return _schema(extensions(settings, documents=0))


@contextlib.contextmanager
def _serving(schema: strawberry.Schema) -> Iterator[None]:
    """create_app() mounts the module's schema; swap it in for the app being built."""
    import graphql_schema.app as app_module

    saved = app_module.default_schema
    app_module.default_schema = schema
    try:
        yield
    finally:
        app_module.default_schema = saved


def make_app(schema: strawberry.Schema | None = None) -> Any:
    from graphql_schema.app import create_app

    if schema is None:
        return create_app(with_lifespan=False)
    with _serving(schema):
        return create_app(with_lifespan=False)


async def _seed() -> Any:
    from services.complaints import service
    from services.complaints.models import Channel
    from services.customers.models import Tier

    dept = await common.make_department()
    handler = await common.make_staff(department=dept)
    for i in range(COMPLAINTS):
        tier = Tier.GOLD_AND_ABOVE if i % 5 == 0 else Tier.ORDINARY
        customer = await common.make_customer(tier=tier)
        channel = Channel.ABOVE_LEVEL if i % 7 == 0 else Channel.HOTLINE
        complaint = await service.create_complaint(
            actor=handler, intake=common.intake(customer.msisdn, channel=channel)
        )
        if i % 3 == 0:
            await service.acknowledge(actor=handler, complaint_id=complaint.id, note="called")
    return handler


def _poster(
    http: httpx.AsyncClient, query: str, token: str
) -> Callable[[], Awaitable[httpx.Response]]:
    payload = {"query": query, "variables": {}}
    headers = {"Authorization": f"Bearer {token}"}

    async def post() -> httpx.Response:
        response = await http.post("/graphql", json=payload, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")
        return response

    return post


def _executor(schema: strawberry.Schema, query: str, staff: Any) -> Callable[[], Awaitable[Any]]:
    """The schema alone: no HTTP, no token check (the context is made here), no SQL for `me`."""
    from graphql_schema.context import Context, Loaders

    async def execute() -> Any:
        context = Context(
            request=None, response=None, staff=staff, auth_error=None, loaders=Loaders()
        )  # type: ignore[arg-type]
        result = await schema.execute(query, context_value=context)
        if result.errors:
            raise RuntimeError(f"GraphQL errors: {result.errors}")
        return result

    return execute


async def _check(call: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    """The data of one call, or an exception if the call failed."""
    result = await call()
    if isinstance(result, httpx.Response):
        body = result.json()
        if body.get("errors"):
            raise RuntimeError(f"GraphQL errors: {body['errors']}")
        return dict(body["data"])
    return dict(result.data)


def _document_hits() -> int:
    from graphql_schema.guard import Guard
    from graphql_schema.schema import schema

    guard = schema.get_extensions()[0]
    assert isinstance(guard, Guard)
    return guard.rules.documents.hits


async def _cache_hits(call: Callable[[], Awaitable[Any]], n: int) -> dict[str, str]:
    """Hits of the production schema's documents (parsed, validated, costed) over n identical
    requests."""
    before = _document_hits()
    for _ in range(n):
        await call()
    return {"document_cache_hits": f"{_document_hits() - before}/{n}"}


async def run() -> dict[str, Any]:
    from graphql_schema.schema import schema as production_schema
    from services.staff.service import issue_token

    handler = await _seed()
    token = issue_token(handler)
    schemas = {
        PRODUCTION: production_schema,
        BASELINE: baseline_schema(),
    }
    clients = {
        name: httpx.AsyncClient(
            transport=httpx.ASGITransport(app=make_app(None if name == PRODUCTION else schema)),
            base_url="http://bench",
        )
        for name, schema in schemas.items()
    }
    # label: (calls per schema, rounds, requests per round)
    workloads: dict[str, tuple[dict[str, Callable[[], Awaitable[Any]]], int, int]] = {
        "me": (
            {name: _poster(http, QUERY_ME, token) for name, http in clients.items()},
            common.scale(11, 3),
            common.scale(300, 150),
        ),
        "page of 50": (
            {name: _poster(http, QUERY_PAGE, token) for name, http in clients.items()},
            common.scale(7, 3),
            common.scale(30, 10),
        ),
        "me, schema.execute only": (
            {name: _executor(schema, QUERY_ME, handler) for name, schema in schemas.items()},
            common.scale(7, 3),
            common.scale(1000, 300),
        ),
    }
    rows: list[dict[str, Any]] = []
    statements: dict[str, int] = {}
    caches: dict[str, dict[str, str]] = {}
    raw: dict[str, Any] = {}
    try:
        for label, (calls, rounds, per_round) in workloads.items():
            for call in calls.values():
                data = await _check(call)
                if label == "page of 50":
                    assert len(data["complaints"]["edges"]) == 50, data
            with common.count_queries() as counter:
                await calls[PRODUCTION]()
            statements[label] = len(counter.queries)
            raw[f"statements.{label}"] = [q[:200] for q in counter.queries]
            caches[label] = await _cache_hits(calls[PRODUCTION], 20)

            common.note(f"graphql {label}: {rounds} rounds x {per_round} requests x 2 schemas")
            runs = await common.interleaved_throughput(
                calls, rounds=rounds, per_round=per_round, warmup=common.scale(30, 10)
            )
            base = runs[BASELINE].rate.median
            for name, result in runs.items():
                rows.append(
                    {
                        "query": label,
                        "schema": name,
                        "req/s median": result.rate.median,
                        "ms median": result.latency.median * 1000,
                        "ms p90": result.latency.p90 * 1000,
                        "x baseline": common.ratio(result.rate.median, base),
                    }
                )
                raw[f"{label}.{name}"] = {
                    "rates": result.rates,
                    "latency_ms": result.latency.summary(1000),
                }
    finally:
        for http in clients.values():
            await http.aclose()
    ratios = {r["query"]: round(r["x baseline"], 2) for r in rows if r["schema"] == PRODUCTION}
    return {
        "rows": rows,
        "production_vs_baseline": ratios,
        "sql_statements_per_request": statements,
        "production_caches_over_20_requests": caches,
        "notes": [
            "x baseline = median req/s of the schema / median req/s of the baseline schema "
            "(no document kept), rounds interleaved in the same run",
            "ms = latency of single sequential requests, over every request of every round",
            "`me, schema.execute only` = schema.execute() with a ready context: no HTTP, "
            "no token check, no SQL",
        ],
        "raw": raw,
    }
