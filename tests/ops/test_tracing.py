"""OpenTelemetry tracing (issue 17): off by default, and then not even imported; on, the GraphQL
API and the worker's jobs make spans that carry no phone number (C-12), seen through the SDK's
in-memory exporter."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette
from starlette.routing import Route

from graphql_schema.app import TousuGraphQL
from graphql_schema.partners import schema as partner_schema
from graphql_schema.schema import build, extensions
from graphql_schema.tracing import Traced
from services import tracing
from services.config import settings
from services.staff.models import Role
from services.staff.service import issue_token
from tests import factories as f
from workers import metrics

ROOT = Path(__file__).resolve().parents[2]
PHONE = "13912345678"
TRACED = dataclasses.replace(settings, otel_exporter_otlp_endpoint="http://127.0.0.1:4318")


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    before = tracing.use(provider)
    try:
        yield exporter
    finally:
        tracing.use(before)


def _values(span: ReadableSpan) -> list[Any]:
    """Every value a span carries: its attributes, its events' and its status text."""
    values = [span.name, *(span.attributes or {}).values()]
    for event in span.events:
        values.extend((event.attributes or {}).values())
    if span.status.description:
        values.append(span.status.description)
    return values


def _carries(span: ReadableSpan, phone: str) -> bool:
    return any(phone in str(value) for value in _values(span))


def test_i17_tracing_is_off_by_default_and_then_not_in_the_extensions():
    assert settings.otel_exporter_otlp_endpoint == "" and not settings.tracing
    made = [factory() for factory in extensions(settings)]
    assert not any(isinstance(e, Traced) for e in made)
    assert any(isinstance(factory(), Traced) for factory in extensions(TRACED))


def test_i17_with_tracing_off_the_app_imports_nothing_of_opentelemetry():
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    probe = (
        "import sys; from graphql_schema.app import create_app; from workers import __main__; "
        "create_app(with_lifespan=False); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'opentelemetry'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**env, "ENV": "test"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]", out.stdout


async def test_i17_both_graphql_endpoints_are_traced_when_tracing_is_on(spans):
    for schema in (build(TRACED), partner_schema.build(TRACED)):
        assert any(isinstance(factory(), Traced) for factory in schema.extensions)


async def test_c12_i17_a_traced_query_has_spans_named_after_it_and_no_phone_number(spans):
    dept = await f.department("A")
    handler = await f.staff(Role.HANDLER, dept=dept)
    await f.customer(msisdn=PHONE)
    app = Starlette(routes=[Route("/graphql", TousuGraphQL(build(TRACED)), methods=["POST"])])
    headers = {"Authorization": f"Bearer {issue_token(handler)}", "Accept-Language": "en"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        by_variable = await http.post(
            "/graphql",
            json={
                "query": "query CustomerByNumber($m: String!) { customer(msisdn: $m) { msisdn } }",
                "variables": {"m": PHONE},
            },
            headers=headers,
        )
        inline = await http.post(
            "/graphql",
            json={"query": f'query CustomerInline {{ customer(msisdn: "{PHONE}") {{ msisdn }} }}'},
            headers=headers,
        )
    # the handler typed the number: they see it; the trace does not
    assert by_variable.json()["data"]["customer"]["msisdn"] == PHONE, by_variable.text
    assert inline.json()["data"]["customer"]["msisdn"] == PHONE, inline.text

    finished = spans.get_finished_spans()
    names = [span.name for span in finished]
    assert "GraphQL Query: CustomerByNumber" in names
    assert "GraphQL Query: CustomerInline" in names
    assert names.count("GraphQL Resolving: customer") == 2
    assert {"GraphQL Parsing", "GraphQL Validation"} <= set(names)
    resolving = next(s for s in finished if s.name == "GraphQL Resolving: customer")
    assert (resolving.attributes or {}).get("graphql.path") == "customer"
    assert [s.name for s in finished if _carries(s, PHONE)] == []


async def test_c12_i17_a_worker_job_is_a_span_without_its_arguments_or_error_text(spans):
    async def deliver(ctx: dict[str, Any], msisdn: str) -> str:
        if ctx.get("fail"):
            raise ValueError(f"gateway refused {msisdn}")
        return "sent"

    job = metrics.timed("deliver_notice", deliver, tracing.tracer(TRACED, "tousu.worker"))
    assert await job({}, PHONE) == "sent"
    with pytest.raises(ValueError):
        await job({"fail": True}, PHONE)

    ok, failed = spans.get_finished_spans()
    assert ok.name == failed.name == "job deliver_notice"
    assert failed.status.description == "ValueError"
    assert not _carries(ok, PHONE) and not _carries(failed, PHONE)
