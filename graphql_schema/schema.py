"""The schema: every query and mutation, with the limits and caches production needs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
)
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult

from graphql_schema import coded_errors
from graphql_schema.analysis.mutations import AnalysisMutations
from graphql_schema.analysis.queries import AnalysisQueries
from graphql_schema.assist.mutations import AssistMutations
from graphql_schema.assist.queries import AssistQueries
from graphql_schema.coded_errors import CodedErrors
from graphql_schema.complaints.handling import ComplaintHandlingMutations
from graphql_schema.complaints.inbox import InboxMutations
from graphql_schema.complaints.mutations import ComplaintMutations
from graphql_schema.complaints.notifications import NotificationQueries
from graphql_schema.complaints.queries import ComplaintQueries
from graphql_schema.cost import QueryCostLimiter
from graphql_schema.customers.queries import CustomerQueries
from graphql_schema.execution import PlannedExecution
from graphql_schema.limits import DatabaseFaults, ResponseSizeLimiter
from graphql_schema.messages import Localized, locale_of
from graphql_schema.node import NodeQueries
from graphql_schema.refunds.mutations import RefundMutations
from graphql_schema.refunds.queries import RefundQueries
from graphql_schema.shape import BoundedValidation
from graphql_schema.staff.directory import DirectoryQueries
from graphql_schema.staff.resolvers import StaffMutations, StaffQueries
from graphql_schema.validation import limit_inputs
from services import db
from services.config import Settings, settings

log = logging.getLogger("tousu.graphql")


@limit_inputs
@strawberry.type(description="Everything you can read. All fields need a login.")
class Query(
    NodeQueries,
    StaffQueries,
    DirectoryQueries,
    ComplaintQueries,
    CustomerQueries,
    NotificationQueries,
    RefundQueries,
    AssistQueries,
    AnalysisQueries,
):
    pass


@limit_inputs
@strawberry.type(
    description="Everything you can change. Expected failures come back as error members of "
    "each payload union, never as top-level errors."
)
class Mutation(
    StaffMutations,
    ComplaintMutations,
    ComplaintHandlingMutations,
    RefundMutations,
    InboxMutations,
    AnalysisMutations,
    AssistMutations,
):
    pass


def should_mask(error: GraphQLError) -> bool:
    """Show validation and permission errors; hide anything unexpected (it is logged)."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    return not getattr(original, "extensions", None)


def extensions(config: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories: strawberry builds a fresh extension per request (the caches are shared).

    The depth and alias limits are validation rules. Their classes are made once here: the
    validation cache is keyed by the rule classes, and QueryDepthLimiter/MaxAliasesLimiter
    would make new ones per request, so the cache would never hit (measured: 0 of 20).
    """
    limits: list[type[ASTValidationRule]] = [
        depth_rule(config.graphql_max_depth, None, None),
        alias_rule(config.graphql_max_aliases),
    ]
    chosen: list[Callable[[], SchemaExtension]] = [
        Localized,  # first: it words the errors the others raise (Chinese unless asked)
        CodedErrors,  # a code for GraphQL's own errors and masked bugs, before they are worded
        lambda: ParserCache(maxsize=512),
        lambda: BoundedValidation(  # documents that are slow to validate refused first
            max_fields=config.graphql_max_fields,
            max_repeated=config.graphql_max_repeated_fields,
            maxsize=512,
        ),
        lambda: AddValidationRules(limits),
        lambda: MaxTokensLimiter(max_token_count=config.graphql_max_tokens),
        lambda: QueryCostLimiter(
            max_cost=config.graphql_max_cost, list_size=config.graphql_cost_list_size
        ),
        lambda: ResponseSizeLimiter(max_bytes=config.graphql_max_response_bytes),
        lambda: MaskErrors(should_mask_error=should_mask, error_message="Unexpected error."),
        DatabaseFaults,  # after MaskErrors: it sees the errors first, unmasked
    ]
    if not config.dev:
        chosen.insert(0, DisableIntrospection)
    if config.tracing:  # off: OpenTelemetry is not even imported (graphql_schema/tracing.py)
        from graphql_schema import tracing

        chosen.append(tracing.extension(config))
    return chosen


class Schema(strawberry.Schema):
    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Errors that came back around the extensions get a code too (a syntax error)."""
        result = await super().execute(*args, **kwargs)
        if result.errors and not all((e.extensions or {}).get("code") for e in result.errors):
            context = kwargs.get("context_value", args[2] if len(args) > 2 else None)
            request = getattr(context, "request", None)
            header = request.headers.get("accept-language", "") if request is not None else ""
            result.errors = coded_errors.escaped(result.errors, locale_of(header))
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log what callers see masked (a bug); expected refusals are not log-worthy."""
        for error in errors:
            if error.original_error is not None and db.is_outage(error.original_error):
                log.warning("database unavailable at %s", ".".join(map(str, error.path or [])))
            elif error.original_error is not None and db.is_statement_timeout(
                error.original_error
            ):  # answered as a typed TIMEOUT (limits.DatabaseFaults): slow, not a bug
                log.warning("statement timeout at %s", ".".join(map(str, error.path or [])))
            elif should_mask(error):
                log.error(
                    "unexpected error at %s",
                    ".".join(map(str, error.path or [])) or "-",
                    exc_info=error.original_error,
                )


def build(config: Settings = settings) -> strawberry.Schema:
    return Schema(
        query=Query,
        mutation=Mutation,
        extensions=extensions(config),
        execution_context_class=PlannedExecution,  # documents run by plan (execution.py)
        config=StrawberryConfig(auto_camel_case=True),
    )


schema = build()
