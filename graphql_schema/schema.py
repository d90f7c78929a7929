"""The schema: every query and mutation, with the limits and caches production needs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from graphql import ASTValidationRule, DocumentNode, GraphQLError, execute
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES, _coerce_error
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from graphql_schema import coded_errors, messages
from graphql_schema.analysis.mutations import AnalysisMutations
from graphql_schema.analysis.queries import AnalysisQueries
from graphql_schema.assist.mutations import AssistMutations
from graphql_schema.assist.queries import AssistQueries
from graphql_schema.complaints.handling import ComplaintHandlingMutations
from graphql_schema.complaints.inbox import InboxMutations
from graphql_schema.complaints.mutations import ComplaintMutations
from graphql_schema.complaints.notifications import NotificationQueries
from graphql_schema.complaints.queries import ComplaintQueries
from graphql_schema.customers.queries import CustomerQueries
from graphql_schema.execution import PlannedExecution
from graphql_schema.guard import Documents, Guard, GuardRunner, Rules
from graphql_schema.limits import refuse_oversized
from graphql_schema.node import NodeQueries
from graphql_schema.refunds.mutations import RefundMutations
from graphql_schema.refunds.queries import RefundQueries
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


def extensions(config: Settings, *, documents: int = 512) -> list[Callable[[], SchemaExtension]]:
    """Factories: strawberry builds a fresh extension per request (the caches are shared).

    One guard holds every per-request rule (graphql_schema/guard.py): the token, shape,
    depth, alias, cost and response-size limits, the parsed and validated documents, the
    masking, codes and wording of errors. The depth and alias rules' classes are made once
    here: the validated documents are kept for these rules. `documents`: how many are kept
    (0: none, every request parsed and validated afresh, as bench_graphql's baseline).
    """
    limits: list[type[ASTValidationRule]] = [
        depth_rule(config.graphql_max_depth, None, None),
        alias_rule(config.graphql_max_aliases),
    ]
    if not config.dev:
        limits.insert(0, NoSchemaIntrospectionCustomRule)
    rules = Rules(
        validation_rules=tuple(limits),
        max_tokens=config.graphql_max_tokens,
        max_fields=config.graphql_max_fields,
        max_repeated=config.graphql_max_repeated_fields,
        max_cost=config.graphql_max_cost,
        list_size=config.graphql_cost_list_size,
        max_response_bytes=config.graphql_max_response_bytes,
        should_mask=should_mask,
        documents=Documents(documents),
    )
    chosen: list[Callable[[], SchemaExtension]] = [lambda: Guard(rules)]
    if config.tracing:  # off: OpenTelemetry is not even imported (graphql_schema/tracing.py)
        from graphql_schema import tracing

        chosen.append(tracing.extension(config))
    return chosen


class Schema(strawberry.Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        """The guard alone (tracing off) runs without strawberry's per-hook machinery."""
        if len(extensions) == 1 and isinstance(extensions[0], Guard):
            return GuardRunner(execution_context, extensions[0])
        return super().create_extensions_runner(execution_context, extensions)

    _lane_rules: Rules | bool | None = False  # False: not known yet

    def _rules(self) -> Rules | None:
        """The guard's rules when the guard is the schema's one extension (tracing off)."""
        if self._lane_rules is False:
            made = self.get_extensions() if len(self.extensions) == 1 else []  # + directives'
            only = made[0] if len(made) == 1 else None
            self._lane_rules = only.rules if isinstance(only, Guard) else None
        return self._lane_rules  # type: ignore[return-value]

    async def execute(  # type: ignore[override]
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """A query already parsed, validated and costed runs by `_run_prepared`; anything
        else as strawberry runs it, the guard's hooks around each step. Errors that came back
        around the extensions get a code too (a syntax error)."""
        rules = self._rules()
        if rules is not None and query:
            prepared = rules.documents.get(query)
            if (
                prepared is not None
                and prepared.ready(operation_name, rules.max_cost)
                and (
                    OperationType.QUERY
                    in (allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
                )
            ):
                return await self._run_prepared(
                    rules,
                    prepared.document,
                    variable_values,
                    context_value,
                    root_value,
                    operation_name,
                    operation_extensions,
                )
        result = await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )
        return self._coded(result, context_value)

    async def _run_prepared(
        self,
        rules: Rules,
        document: DocumentNode,
        variable_values: dict[str, Any] | None,
        context_value: Any,
        root_value: Any,
        operation_name: str | None,
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult:
        """What strawberry's `execute` and the guard's hooks do for a query whose document
        is prepared (parsed, valid, its cost known and within the limit): the locale, the
        execution, the response-size cap, the errors logged, then typed, masked, coded and
        worded. Strawberry's per-request steps around it (an execution context, the hooks'
        runner, a middleware manager, the operation's look-up) cost `me` 0.04 ms of CPU."""
        token = messages.locale.set(messages.locale_of_context(context_value))
        try:
            try:
                planned = issubclass(self.execution_context_class, PlannedExecution)
                kept: dict[str, Any] = {"prepared": True} if planned else {}
                done: Any = (
                    PlannedExecution.run_prepared(
                        self._schema,
                        document,
                        operation_name,
                        root_value,
                        context_value,
                        variable_values,
                        operation_extensions,
                    )
                    if planned
                    else None
                )
                if done is None:  # not run by plan before: as graphql-core runs it
                    done = execute(
                        self._schema,
                        document,
                        root_value=root_value,
                        variable_values=variable_values,
                        operation_name=operation_name,
                        context_value=context_value,
                        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                        executor_class=self.execution_context_class,
                        operation_extensions=operation_extensions,
                        **kept,
                    )
                if optimized_is_awaitable(done):
                    done = await done
                refuse_oversized(done, rules.max_response_bytes)
                data, errors = done.data, done.errors
            except Exception as exc:  # as strawberry answers what escapes the execution
                data, errors = None, [_coerce_error(exc)]
            if errors:
                self.process_errors(errors)
                guard = Guard(rules)
                guard.executed = True
                errors = [guard.finished(error, parsed=True) for error in errors]
        finally:
            messages.locale.reset(token)
        result = ExecutionResult(data=data, errors=errors, extensions={})
        return self._coded(result, context_value)

    def _coded(self, result: ExecutionResult, context_value: Any) -> ExecutionResult:
        if result.errors and not all((e.extensions or {}).get("code") for e in result.errors):
            result.errors = coded_errors.escaped(
                result.errors, messages.locale_of_context(context_value)
            )
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
            ):  # answered as a typed TIMEOUT (limits.typed_fault): slow, not a bug
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
