"""Every per-request rule of both GraphQL endpoints as one schema extension (issue 14).

In request order; each rule is its own module's function:
- the operation starts: the reader's locale from Accept-Language (messages.py), the parser's
  token limit, the validation rules (depth, aliases; introspection off outside dev);
- parse: the document, kept by its text (the same text gets the same document object: the
  planned executor, execution.py, keys its plans on it);
- validate: documents too big to validate cheaply refused (shape.py), then graphql-core's
  rules; both answers kept with the document;
- execute: the cost limit (cost.py; kept with the document unless a variable gives a page
  size), then, once it ran, the response-size cap (limits.py);
- the operation ends, for each top-level error: a database fault typed (limits.py), a bug
  masked as `Unexpected error.` (it was logged by Schema.process_errors), a code for every
  error (coded_errors.py), then its words in the reader's language (messages.py).

These were eleven extensions (strawberry's ParserCache, ValidationCache, AddValidationRules,
MaxTokensLimiter, MaskErrors, DisableIntrospection and five of ours). Strawberry prepares
every hook of every extension per request (44 `get_hook` calls and a contextlib wrapper each);
with the shape check redone per request that was about 0.3 ms of `me`'s 1 ms of server CPU.
`GuardRunner` drives the one extension's four hooks directly.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Generator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    OperationType,
    get_operation_ast,
    parse,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.schema import validate_document

from graphql_schema import messages
from graphql_schema.coded_errors import MASKED_MESSAGE, with_code
from graphql_schema.cost import operation_cost, too_costly
from graphql_schema.limits import refuse_oversized, typed_fault
from graphql_schema.shape import shape_problem

Hook = Generator[None, None, None]


class Prepared:
    """A document and what was learnt of it: why it is refused before validation (`problem`),
    its validation errors, and its cost per operation name where no variable goes into it."""

    __slots__ = ("costs", "document", "errors", "problem", "queries", "validated")

    def __init__(self, document: DocumentNode) -> None:
        self.document = document
        self.validated = False
        self.problem: GraphQLError | None = None
        self.errors: list[GraphQLError] = []
        self.costs: dict[str | None, int] = {}
        self.queries: dict[str | None, bool] = {}  # operation name -> is it a query

    def ready(self, operation_name: str | None, max_cost: int) -> bool:
        """Whether the operation of this name is a query that may run without the guard's
        hooks: valid, and its cost known (it ran once) and within `max_cost`."""
        cost = self.costs.get(operation_name)
        if cost is None or cost > max_cost or self.problem is not None or self.errors:
            return False
        query = self.queries.get(operation_name)
        if query is None:
            operation = get_operation_ast(self.document, operation_name)
            query = self.queries[operation_name] = (
                operation is not None and operation.operation is OperationType.QUERY
            )
        return query


class Documents:
    """Prepared documents by their text, least recently used first out (a bounded cache: a
    stream of distinct texts only churns it)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, Prepared] = OrderedDict()
        self.hits = 0

    def get(self, text: str) -> Prepared | None:
        found = self.entries.get(text)
        if found is not None:
            self.hits += 1
            self.entries.move_to_end(text)
        return found

    def put(self, text: str, document: DocumentNode) -> Prepared:
        prepared = self.entries[text] = Prepared(document)
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return prepared


@dataclass(frozen=True)
class Rules:
    """One schema's limits and its document cache, shared by its requests."""

    validation_rules: tuple[type[ASTValidationRule], ...]
    max_tokens: int
    max_fields: int
    max_repeated: int
    max_cost: int
    list_size: int
    max_response_bytes: int
    should_mask: Callable[[GraphQLError], bool]
    documents: Documents


def masked(error: GraphQLError) -> GraphQLError:
    """As strawberry's MaskErrors words a bug: its place kept, its exception dropped."""
    return GraphQLError(
        message=MASKED_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
    )


class Guard(SchemaExtension):
    """The limits, caches and error handling of one request (the module's docstring)."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.prepared: Prepared | None = None
        self.executed = False  # parsed and valid: what fails now is the variables (or a bug)

    def on_operation(self) -> Hook:
        context = self.execution_context
        rules = self.rules
        context.validation_rules = context.validation_rules + rules.validation_rules
        context.parse_options["max_tokens"] = rules.max_tokens
        token = messages.locale.set(messages.locale_of_context(context.context))
        try:
            yield
            result = context.result
            if result is not None and result.errors:
                parsed = context.graphql_document is not None
                result.errors = [self.finished(error, parsed=parsed) for error in result.errors]
        finally:
            messages.locale.reset(token)

    def finished(self, error: GraphQLError, *, parsed: bool) -> GraphQLError:
        """A top-level error as the caller reads it: typed, masked, coded, worded."""
        error = typed_fault(error)
        if self.rules.should_mask(error):
            error = masked(error)
        error = with_code(error, parsed=parsed, executed=self.executed)
        messages.reword(error)
        return error

    def on_parse(self) -> Hook:
        context = self.execution_context
        text = context.query
        assert text is not None  # strawberry refuses a request without one before parsing
        prepared = self.rules.documents.get(text)
        if prepared is None:  # a syntax error raises here, as strawberry's ParserCache did
            prepared = self.rules.documents.put(text, parse(text, **context.parse_options))
        self.prepared = prepared
        context.graphql_document = prepared.document
        yield

    def on_validate(self) -> Hook:
        context = self.execution_context
        prepared = self.prepared
        assert prepared is not None and context.graphql_document is prepared.document
        if not prepared.validated:
            prepared.problem = shape_problem(
                prepared.document,
                max_fields=self.rules.max_fields,
                max_repeated=self.rules.max_repeated,
            )
            if prepared.problem is None:
                prepared.errors = validate_document(
                    context.schema._schema, prepared.document, context.validation_rules
                )
            prepared.validated = True
        problem = prepared.problem
        if problem is not None:  # a copy: its message is worded per request, in place
            context.pre_execution_errors = [
                GraphQLError(problem.message, extensions=dict(problem.extensions or {}))
            ]
        else:  # graphql-core's own errors have no code: they are copied before any change
            context.pre_execution_errors = list(prepared.errors)
        yield

    def on_execute(self) -> Hook:
        context = self.execution_context
        self.executed = True
        if context.graphql_document is not None and context.result is None:
            cost = self.cost()
            if cost > self.rules.max_cost:
                context.result = GraphQLExecutionResult(
                    data=None, errors=[too_costly(cost, self.rules.max_cost)]
                )
        yield
        refuse_oversized(context.result, self.rules.max_response_bytes)

    def cost(self) -> int:
        context = self.execution_context
        prepared = self.prepared
        assert prepared is not None
        name = context.operation_name
        known = prepared.costs.get(name)
        if known is not None:
            return known
        cost, variable_sized = operation_cost(
            context.schema._schema,
            prepared.document,
            operation_name=name,
            variables=context.variables,
            list_size=self.rules.list_size,
        )
        if not variable_sized:
            prepared.costs[name] = cost
        return cost


class _Step:
    """One hook of the guard around a step of the request, run as contextlib would run it
    (exceptions thrown into the generator), without making a wrapper per request."""

    __slots__ = ("hook", "running")

    def __init__(self, hook: Callable[[], Hook]) -> None:
        self.hook = hook

    def __enter__(self) -> None:
        self.running = self.hook()
        next(self.running)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if error is None:
            try:
                next(self.running)
            except StopIteration:
                return False
            raise RuntimeError("a guard hook yielded twice")
        try:
            self.running.throw(error)
        except StopIteration as stopped:
            return stopped is not error  # the hook swallowed it
        except BaseException as raised:
            if raised is error:
                return False  # the same exception goes on, with its own traceback
            raise
        raise RuntimeError("a guard hook yielded after an exception")

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        return self.__exit__(kind, error, traceback)


class GuardRunner(SchemaExtensionsRunner):
    """Strawberry's runner for a schema whose only extension is the guard (tracing off)."""

    def __init__(self, execution_context: Any, guard: Guard) -> None:
        super().__init__(execution_context, [guard])
        self.guard = guard

    def operation(self) -> Any:
        return _Step(self.guard.on_operation)

    def parsing(self) -> Any:
        return _Step(self.guard.on_parse)

    def validation(self) -> Any:
        return _Step(self.guard.on_validate)

    def executing(self) -> Any:
        return _Step(self.guard.on_execute)
