"""OpenTelemetry tracing of the GraphQL API and the worker's jobs: off unless
OTEL_EXPORTER_OTLP_ENDPOINT is set, and then it needs the `tracing` extra installed.

Nothing here imports OpenTelemetry until tracing is asked for, so when it is off no part of
it is loaded and no request pays for it (graphql_schema/schema.py leaves the extension out).
Spans carry names, paths and types, never values: no GraphQL document text, no arguments or
variables, no job arguments, no exception messages, since any of them may hold a phone number
(C-12). The spans go to one tracer provider of our own (the global one is left alone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.config import Settings

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer, TracerProvider

_provider: TracerProvider | None = None

INSTALL_HINT = (
    "OTEL_EXPORTER_OTLP_ENDPOINT is set but the tracing packages are not installed: "
    "pip install 'tousu[tracing]' (opentelemetry-api, -sdk, -exporter-otlp-proto-http), "
    "or leave OTEL_EXPORTER_OTLP_ENDPOINT empty"
)


def provider(config: Settings) -> TracerProvider:
    """The process's tracer provider: batches spans to the OTLP/HTTP collector of `config`."""
    global _provider
    if _provider is None:
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ImportError as exc:
            raise SystemExit(f"tousu will not start: {INSTALL_HINT}") from exc
        resource = Resource.create({"service.name": config.otel_service_name})
        sdk = SdkTracerProvider(resource=resource)
        # as the standard variable means it: the base URL, the signal's path added
        endpoint = config.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
        sdk.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        _provider = sdk
    return _provider


def use(tracer_provider: TracerProvider | None) -> TracerProvider | None:
    """Send spans to `tracer_provider` from now on (tests: the SDK's in-memory exporter);
    returns the one used before. None: the next `provider` call builds the OTLP one."""
    global _provider
    before, _provider = _provider, tracer_provider
    return before


def tracer(config: Settings, name: str) -> Tracer:
    return provider(config).get_tracer(name)


def failed(span: Span, exc: BaseException) -> None:
    """Marks `span` failed with the exception's type only: its message may hold a number."""
    from opentelemetry.trace import Status, StatusCode

    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
    span.set_attribute("error.type", type(exc).__name__)
