"""strawberry's OpenTelemetry extension without the values it would record (C-12).

Imported only when tracing is on (graphql_schema/schema.py `extensions`): it imports
OpenTelemetry. Upstream records the document text as `query` and every resolver argument as
`graphql.param.*` (variables included, after substitution), and an exception's message on the
resolver's span; a phone number may be in any of them. Here a span has the operation's name,
the field's path and parent type, and a failure's exception type only.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from inspect import isawaitable
from typing import Any

from graphql import GraphQLResolveInfo
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from strawberry.extensions import LifecycleStep, SchemaExtension
from strawberry.extensions.tracing import OpenTelemetryExtension
from strawberry.extensions.tracing.utils import should_skip_tracing
from strawberry.types import ExecutionContext

from services import tracing
from services.config import Settings


class Traced(OpenTelemetryExtension):
    def __init__(
        self,
        *,
        execution_context: ExecutionContext | None = None,
        tracer_provider: trace.TracerProvider | None = None,
    ) -> None:
        super().__init__(
            execution_context=execution_context,
            arg_filter=lambda _args, _info: {},  # no argument, no variable
            tracer_provider=tracer_provider,
        )

    def on_operation(self) -> Generator[None, None, None]:
        """Upstream's, without the document text (a literal in it may be a phone number)."""
        name = self.execution_context.operation_name
        span = self._tracer.start_span(
            f"GraphQL Query: {name}" if name else "GraphQL Query", kind=SpanKind.SERVER
        )
        span.set_attribute("component", "graphql")
        self._span_holder[LifecycleStep.OPERATION] = span
        yield
        # an unnamed request runs the document's first operation: known once it is parsed
        if not name and self.execution_context.operation_name:
            span.update_name(f"GraphQL Query: {self.execution_context.operation_name}")
        span.end()

    async def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: GraphQLResolveInfo,
        *args: str,
        **kwargs: Any,
    ) -> Any:
        """Upstream's, with no argument on the span and a failure's type, not its message."""
        if should_skip_tracing(_next, info):
            result = _next(root, info, *args, **kwargs)
            return await result if isawaitable(result) else result
        with self._tracer.start_as_current_span(
            f"GraphQL Resolving: {info.field_name}",
            context=trace.set_span_in_context(self._span_holder[LifecycleStep.OPERATION]),
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            self.add_tags(span, info, {})
            try:
                result = _next(root, info, *args, **kwargs)
                return await result if isawaitable(result) else result
            except Exception as exc:
                tracing.failed(span, exc)
                raise


def extension(config: Settings) -> Callable[[], SchemaExtension]:
    """The factory for the schema's extension list: one provider, a fresh extension a request."""
    provider = tracing.provider(config)
    return lambda: Traced(tracer_provider=provider)
