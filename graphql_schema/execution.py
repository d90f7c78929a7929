"""Execution by plan: each query document is planned once, and a request runs its plan.

graphql-core executes a document by interpreting it field by field: for every field of every
row it looks the field up in the schema, builds a resolve-info object, asks strawberry's
generic wrapper to call the resolver (converting arguments nobody passed) and dispatches on the
return type (non-null? list? leaf? object?). On the handler's page of 50 complaints that is
about 2,650 fields and 40 ms of CPU, while the rows come from PostgreSQL in 2 ms.

Everything in that work which depends only on the document and the schema is decided once here
and kept (`Plan`, one per selection of an object type, `FieldPlan`, one per field): the field
definition, the attribute a plain strawberry field reads, the resolver function to call
directly, the arguments when they are literals, and the shape of the return type. A request then
walks its plan: a plain field is one `getattr`, a resolver with no arguments is one call, a leaf
is coerced by its type, and resolve-info objects are built only for the resolvers that ask.

What it keeps from graphql-core, unchanged: the answer (the same dict, the same order), the
errors (located at the same path, nulling the same parent, the same messages), awaitable values
(a field or a list item that must wait is awaited, several at once as graphql-core gathers them,
so DataLoaders still batch), `is_type_of` and `resolve_type`. What it hands back to graphql-core:
anything it has not planned for (a document with variable-dependent `@skip`/`@include`,
`@defer`/`@stream`, fragment arguments, field middleware such as tracing, async iterables), so a
request either runs its plan or runs as before. `tests/graphql_schema/test_execution.py` runs
documents through both and compares the answers.
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time
from typing import Any, cast

import orjson
from graphql import (
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLAbstractType,
    GraphQLError,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    OperationDefinitionNode,
    OperationType,
    Undefined,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import FieldDetails, collect_subfields
from graphql.execution.executor import CollectedErrors, invalid_return_type_error
from graphql.execution.types import ExecutionResult
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.language import VariableNode, Visitor, visit
from graphql.pyutils import Path, RefMap, gather_with_cancel
from strawberry.permission import PermissionExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.types.base_scalars import isoformat
from strawberry.types.info import Info

# how a field's value is produced
ATTRIBUTE = 0  # a plain strawberry field: getattr(source, python_name)
DIRECT = 1  # a strawberry resolver without arguments or extensions: called as written
PERMITTED = 3  # as DIRECT, behind strawberry's permission extension: its checks called first
GENERIC = 2  # anything else: the field's resolve function with a resolve-info, as graphql-core

# how a value is completed
LEAF, OBJECT, LIST, ABSTRACT = 0, 1, 2, 3

PLANNED_OPERATIONS = 512  # documents kept planned (ParserCache keeps 512 parsed documents)

_PLANNING: ContextVar[bool] = ContextVar("graphql_planning", default=True)


@contextmanager
def unplanned() -> Iterator[None]:
    """Requests in this block run as graphql-core runs them (the tests compare the two)."""
    token = _PLANNING.set(False)
    try:
        yield
    finally:
        _PLANNING.reset(token)


class Shape:
    """One level of a field's return type: what to do with a value of it."""

    __slots__ = ("coerce", "gtype", "inner", "kind", "named", "nonnull")

    def __init__(self, gtype: GraphQLOutputType) -> None:
        self.gtype = gtype  # with its non-null wrapper: errors are handled by it
        self.nonnull = is_non_null_type(gtype)
        bare = cast("GraphQLNonNull[Any]", gtype).of_type if self.nonnull else gtype
        self.inner: Shape | None = None
        self.named: Any = bare
        if is_list_type(bare):
            self.kind = LIST
            self.inner = Shape(cast("GraphQLList[Any]", bare).of_type)
        elif is_leaf_type(bare):
            self.kind = LEAF
            self.coerce = _coercer(bare)
        elif is_abstract_type(bare):
            self.kind = ABSTRACT
        else:
            self.kind = OBJECT


class FieldPlan:
    """One field of a selection, decided once."""

    __slots__ = (
        "args",
        "attribute",
        "call",
        "details",
        "field_def",
        "key",
        "kind",
        "leaf",
        "name",
        "nodes",
        "parent",
        "parent_name",
        "pass_info",
        "pass_self",
        "permissions",
        "plans",
        "shape",
        "strawberry_field",
    )

    def __init__(
        self,
        key: str,
        parent: GraphQLObjectType,
        details: list[FieldDetails],
        field_def: Any,
        args: dict[str, Any] | None,
    ) -> None:
        self.key = key
        self.parent = parent
        self.parent_name = parent.name
        self.details = details
        self.nodes = [d.node for d in details]
        self.name = self.nodes[0].name.value
        self.field_def = field_def
        self.args = args  # None: they hold variables, coerced per request
        self.shape = Shape(field_def.type)
        self.leaf = self.shape.kind == LEAF
        self.plans: dict[GraphQLObjectType, Plan | None] = {}  # sub-selection per object type
        self.kind = GENERIC
        self.attribute = ""
        self.call: Callable[..., Any] | None = None
        self.pass_self = False
        self.pass_info: str | None = None
        self.permissions: tuple[Any, ...] = ()
        self.strawberry_field: Any = None
        resolve = field_def.resolve
        sfield = (field_def.extensions or {}).get("strawberry-definition")
        if resolve is None or sfield is None:
            return
        self.strawberry_field = sfield
        if getattr(resolve, "_is_default", False):  # strawberry's plain-field resolver
            self.kind = ATTRIBUTE
            self.attribute = sfield.python_name
            return
        resolver = sfield.base_resolver
        permissions = _sync_permissions(sfield.extensions)
        if (
            resolver is None
            or (sfield.extensions and permissions is None)
            or sfield.arguments
            or sfield.is_async
            or resolver.parent_parameter is not None
            or resolver.root_parameter is not None
            or field_def.args
            or not callable(resolver.wrapped_func)
        ):
            return
        self.kind = DIRECT if permissions is None else PERMITTED
        self.permissions = permissions or ()
        self.call = resolver.wrapped_func
        self.pass_self = resolver.self_parameter is not None
        info = resolver.info_parameter
        self.pass_info = info.name if info is not None else None


class Plan:
    """The planned selection of one object type: its fields in response order, and for each
    what `_run` reads without looking into the field: (a plain field of a leaf type?, the
    response key, the attribute, the leaf's coercion, non-null?, the field)."""

    __slots__ = ("fields", "steps", "type", "type_name")

    def __init__(self, object_type: GraphQLObjectType, fields: list[FieldPlan]) -> None:
        self.type = object_type
        self.type_name = object_type.name
        self.fields = fields
        self.steps = tuple(
            (
                f.kind == ATTRIBUTE and f.leaf,
                f.key,
                f.attribute,
                f.shape.coerce if f.leaf else None,
                f.shape.nonnull,
                f,
            )
            for f in fields
        )


class _Dynamic(Visitor):
    """Finds what makes a document's selections depend on the request: directives that read
    variables or defer/stream, and fragments with arguments."""

    found = False

    def enter_directive(self, node: DirectiveNode, *_: Any) -> Any:
        name = node.name.value
        if name in ("defer", "stream") or (
            name in ("skip", "include")
            and any(isinstance(a.value, VariableNode) for a in node.arguments or ())
        ):
            self.found = True
            return self.BREAK
        return None

    def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: Any) -> Any:
        if node.variable_definitions:
            self.found = True
            return self.BREAK
        return None


def _static(document_nodes: Sequence[Any]) -> bool:
    for node in document_nodes:
        visitor = _Dynamic()
        visit(node, visitor)
        if visitor.found:
            return False
    return True


def _has_variables(node: FieldNode) -> bool:
    found = False

    class Finder(Visitor):
        def enter_variable(self, *_: Any) -> Any:
            nonlocal found
            found = True
            return self.BREAK

    for argument in node.arguments or ():
        visit(argument, Finder())
    return found


def _ids(subject: Any) -> Any:
    return tuple(_ids(x) for x in subject) if isinstance(subject, tuple) else id(subject)


class _Cache:
    """What is decided once per schema and document part (an operation; a payload's type and
    field nodes): ParserCache hands back the same parsed document for the same text, to either
    schema, so its nodes are the key. Least recently used first out. An entry keeps its schema
    and subject alive, so their ids cannot be reused while it is here."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[int, Any], tuple[Any, Any, Any]] = OrderedDict()

    def get(self, schema: Any, subject: Any) -> tuple[bool, Any]:
        key = (id(schema), _ids(subject))
        entry = self.entries.get(key)
        if entry is None:
            return False, None
        self.entries.move_to_end(key)
        return True, entry[2]

    def put(self, schema: Any, subject: Any, value: Any) -> None:
        key = (id(schema), _ids(subject))
        self.entries[key] = (schema, subject, value)
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


ROOT_PLANS = _Cache(PLANNED_OPERATIONS)  # a query's plan (None: runs as graphql-core runs it)
PAYLOAD_PLANS = _Cache(4 * PLANNED_OPERATIONS)  # a mutation's payload plans
STATIC = _Cache(PLANNED_OPERATIONS)  # whether an operation's selections ignore its variables
PREPARED = _Cache(PLANNED_OPERATIONS)  # a prepared query's executor state, and its root plan

# An executor's state that a prepared query's requests share: what graphql-core's `build`
# derives from the schema and the document (the operation, its fragments), the options the
# prepared lane always passes (no middleware, no abort signal, no hooks), and what this class
# decides per operation. Everything else an executor holds is the request's (FRESH, and the
# values it is given), set afresh by `_fresh`. A test checks that the two lists name every
# attribute a built executor has, so a graphql-core or strawberry upgrade that adds state
# fails it rather than sharing that state between requests.
SHARED = frozenset(
    {
        "schema",
        "fragment_definitions",
        "fragments",
        "operation",
        "field_resolver",
        "type_resolver",
        "subscribe_field_resolver",
        "enable_early_execution",
        "hide_suggestions",
        "abort_signal",
        "hooks",
        "middleware_manager",
        "error_propagation",
        "is_awaitable",
        "is_async_iterable",
        "defer_usage_set",
        "_info_class",
        "_handlers",
        "_static",
        "_prepared",
    }
)
FRESH = frozenset(
    {
        "root_value",
        "context_value",
        "variable_values",
        "operation_extensions",
        "collected_errors",
        "pending_incremental_futures",
        "background_futures",
        "async_work_finished_hook_task",
        "_relevant_sub_fields",
        "_stream_usages",
        "groups",
        "tasks",
        "streams",
        "_initial_execution_plans",
        "_deferred_execution_plans",
        "_payload_plans",
    }
)


class PlannedExecution(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, running planned documents by their plans."""

    def __init__(self, *args: Any, prepared: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepared = prepared  # run for Schema._run_prepared: its state may be kept
        self._payload_plans: dict[tuple[GraphQLObjectType, int], tuple[Any, Plan | None]] = {}
        self._static: bool | None = None
        strawberry_schema = getattr(self.schema, "_strawberry_schema", None)
        self._info_class = strawberry_schema.config.info_class if strawberry_schema else Info
        self._handlers = bool(getattr(strawberry_schema, "exception_handlers", ()))

    @property  # type: ignore[override]
    def async_helpers(self) -> GraphQLResolveInfoHelpers:
        """Made when a resolve-info asks for it, never kept: graphql-core keeps it, and its
        two bound methods tie the executor into a reference cycle that holds the request's
        context, its loaders and every row they read until the cyclic collector finds them.
        Without the cycle a request's objects go when it ends (issue 14: the collector's
        full passes had cost the page 7% of its CPU, and stalled the loop 35 ms each)."""
        return GraphQLResolveInfoHelpers(gather=self.gather_async_work, track=self.track_async_work)

    @async_helpers.setter
    def async_helpers(self, _made: GraphQLResolveInfoHelpers) -> None:
        """graphql-core's `__init__` sets it: made when asked instead."""

    # --- entry points ------------------------------------------------------------------

    def execute_root_grouped_field_set(  # type: ignore[override]
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: Any,
        serially: bool,
        position_context: Any,
    ) -> Any:
        plan = None if serially else self._root_plan(root_type, grouped_field_set)
        if plan is None:
            return super().execute_root_grouped_field_set(
                root_type, root_value, grouped_field_set, serially, position_context
            )
        if self._prepared and self._plannable():
            shared = {k: v for k, v in vars(self).items() if k in SHARED}
            PREPARED.put(self.schema, self.operation, (shared, plan))
        return self._run(plan, root_value, None)

    @classmethod
    def run_prepared(
        cls,
        schema: Any,
        document: Any,
        operation_name: str | None,
        root_value: Any,
        context_value: Any,
        variables: dict[str, Any] | None,
        operation_extensions: dict[str, Any] | None,
    ) -> Any:
        """A prepared query that ran planned before, run again without graphql-core's
        `execute`: what `build` derives from the document is kept (`SHARED`), the variables
        are coerced as `build` coerces them, and the root plan runs as `execute_operation`
        runs the root fields: `me`'s `schema.execute` 47.5 -> 25.9 us in process (issue
        14). None: not known yet (the caller executes as before, which keeps it)."""
        operation = _operation(document, operation_name) if _PLANNING.get() else None
        if operation is None:
            return None
        known, kept = PREPARED.get(schema, operation)
        if not known:
            return None
        shared, plan = kept
        values = get_variable_values(
            schema, operation.variable_definitions or (), variables or {}, max_errors=50
        )
        if isinstance(values, list):  # as `build`: the coercion's errors, nothing run
            return ExecutionResult(None, errors=values)
        executor = cls.__new__(cls)
        executor.__dict__.update(shared)
        executor._fresh(root_value, context_value, values, operation_extensions)
        try:
            data = executor._run(plan, root_value, None)
        except GraphQLError as error:
            executor.collected_errors.add(error, None)
            return executor.build_response(None)
        if executor.is_awaitable(data):
            return executor._respond_later(data)
        return executor.build_response(data)

    def _fresh(self, root_value: Any, context_value: Any, values: Any, extensions: Any) -> None:
        """The request's own state (FRESH), as graphql-core's and strawberry's `__init__`
        make it."""
        self.root_value = root_value
        self.context_value = context_value
        self.variable_values = values
        self.operation_extensions = extensions
        self.collected_errors = CollectedErrors()
        self.pending_incremental_futures = set()
        self.background_futures = set()
        self.async_work_finished_hook_task = None
        self._relevant_sub_fields = {}
        self._stream_usages = RefMap()
        self.groups = []
        self.tasks = []
        self.streams = []
        self._initial_execution_plans = RefMap()
        self._deferred_execution_plans = RefMap()
        self._payload_plans = {}

    async def _respond_later(self, data: Awaitable[dict[str, Any]]) -> Any:
        """`execute_operation`'s wait for the root fields, without an abort signal."""
        try:
            done = await data
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.build_response(None)
        except Exception:
            await self.cancel_incremental_work()
            self.run_async_work_finished_hook()
            raise
        return self.build_response(done)

    def collect_and_execute_subfields(  # type: ignore[override]
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """A mutation's payload (its root fields run serially, by graphql-core): planned from
        here down."""
        if self._plannable():
            plan = self._payload_plan(return_type, field_details_list)
            if plan is not None:
                return self._run(plan, result, path)
        return super().collect_and_execute_subfields(
            return_type, field_details_list, path, result, position_context
        )

    # --- planning ----------------------------------------------------------------------

    def _payload_plan(self, return_type: GraphQLObjectType, details: Any) -> Plan | None:
        """The plan of a payload, kept across requests by the field nodes it completes (nodes
        of a cached document) and the type; within a request by the list graphql-core hands."""
        key = (return_type, id(details))
        found = self._payload_plans.get(key)
        if found is not None:
            return found[1]
        nodes = tuple(d.node for d in details)
        known, plan = PAYLOAD_PLANS.get(self.schema, (return_type, nodes))
        if not known:
            collected = self.collect_subfields(return_type, details)
            plan = (
                None
                if collected.new_defer_usages
                else self._plan(return_type, collected.grouped_field_set)
            )
            PAYLOAD_PLANS.put(self.schema, (return_type, nodes), plan)
        self._payload_plans[key] = (details, plan)  # the list kept: its id stays its own
        return plan

    def _plannable(self) -> bool:
        if not _PLANNING.get():
            return False
        middleware = self.middleware_manager
        if self._handlers or (
            middleware is not None and middleware._middleware_resolvers is not None
        ):
            return False  # field middleware (tracing) or exception handlers see every field
        if self._static is None:
            known, static = STATIC.get(self.schema, self.operation)
            if not known:
                nodes = [self.operation, *(f.definition for f in self.fragments.values())]
                static = _static(nodes)
                STATIC.put(self.schema, self.operation, static)
            self._static = bool(static)
        return self._static

    def _root_plan(self, root_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        if self.operation.operation is not OperationType.QUERY or not _PLANNING.get():
            return None
        known, plan = ROOT_PLANS.get(self.schema, self.operation)
        if known:
            return plan
        plan = self._plan(root_type, grouped_field_set) if self._plannable() else None
        ROOT_PLANS.put(self.schema, self.operation, plan)
        return plan

    def _plan(self, object_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        fields: list[FieldPlan] = []
        for key, details in grouped_field_set.items():
            if any(d.fragment_variable_values is not None for d in details):
                return None
            node = details[0].node
            field_def = self.schema.get_field(object_type, node.name.value)
            if field_def is None:
                continue  # graphql-core leaves it out too
            args: dict[str, Any] | None = {}
            if field_def.args or node.arguments:
                args = None  # coerced per request, where an error is the field's
                if not _has_variables(node):
                    try:
                        args = get_argument_values(field_def, node, self.variable_values)
                    except Exception:
                        args = None
            fields.append(FieldPlan(key, object_type, list(details), field_def, args))
        return Plan(object_type, fields)

    def _sub_plan(self, field: FieldPlan, object_type: GraphQLObjectType) -> Plan | None:
        try:
            return field.plans[object_type]
        except KeyError:
            pass
        collected = collect_subfields(
            self.schema,
            self.fragments,
            self.variable_values,
            self.operation,
            object_type,
            field.details,
            self.hide_suggestions,
        )
        plan = (
            None
            if collected.new_defer_usages
            else self._plan(object_type, collected.grouped_field_set)
        )
        field.plans[object_type] = plan
        return plan

    # --- running -----------------------------------------------------------------------

    def _info(self, field: FieldPlan, path: Path) -> GraphQLResolveInfo:
        return self.build_resolve_info(field.field_def, field.nodes, field.parent, path)

    def _awaitable(self, value: Any) -> bool:
        """`is_awaitable`, answered from the value's type for the types known never to be
        awaitable: plain values, and the types of this project's own modules once one of
        their values was not (asking an object with `__getattr__` costs a call each time)."""
        kind = type(value)
        if kind in _NEVER_AWAITABLE:
            return False
        if self.is_awaitable(value):
            return True
        if kind.__module__.startswith(_OWN_MODULES):
            _NEVER_AWAITABLE.add(kind)
        return False

    def _run(self, plan: Plan, source: Any, path: Path | None) -> Any:
        """The object's fields, as `execute_fields` gives them: a dict, or an awaitable of it
        when a field must wait. A plain field with a leaf value (most of them) is read and
        coerced here; every other field goes through `_field`."""
        results: dict[str, Any] = {}
        waiting: list[str] | None = None
        never = _NEVER_AWAITABLE
        is_awaitable = self._awaitable
        type_name = plan.type_name
        try:
            for leaf, key, attribute, coerce, nonnull, field in plan.steps:
                if leaf:
                    try:
                        value = getattr(source, attribute)
                        if value is None:
                            if nonnull:
                                raise TypeError(
                                    "Cannot return null for non-nullable field"
                                    f" {type_name}.{field.name}."
                                )
                            results[key] = None
                            continue
                        if type(value) in never or not is_awaitable(value):
                            results[key] = coerce(value)  # type: ignore[misc]
                            continue
                    except Exception as raw_error:
                        self.handle_field_error(
                            raw_error,
                            field.field_def.type,
                            field.details,
                            Path(path, key, type_name),
                        )
                        results[key] = None
                        continue
                    result, waits = (
                        self._await_field(field, value, Path(path, key, type_name)),
                        True,
                    )
                else:
                    result, waits = self._field(field, source, path)
                results[key] = result
                if waits:
                    (waiting := waiting or []).append(key)
        except Exception:
            if waiting:
                self.settle_in_background([results[k] for k in waiting])
            raise
        if not waiting:
            return results
        return self._gather_fields(results, waiting)

    def _field(self, field: FieldPlan, source: Any, path: Path | None) -> tuple[Any, bool]:
        """One field other than a plain leaf: its completed value, or an awaitable of it
        (True). A field error is handled here (a null), or raised on to the parent."""
        key = field.key
        field_path = _new(Path, (path, key, field.parent_name))  # Path(…) without its __new__
        is_awaitable = self._awaitable
        never = _NEVER_AWAITABLE
        try:
            kind = field.kind
            if kind == ATTRIBUTE:
                value = getattr(source, field.attribute)
            elif kind == DIRECT or (kind == PERMITTED and self._permitted(field, source, path)):
                kwargs = {}
                if field.pass_info is not None:
                    kwargs[field.pass_info] = self._resolver_info(field, field_path)
                call: Any = field.call  # not `cast`: a call per field (2,000 on the page)
                value = call(source, **kwargs) if field.pass_self else call(**kwargs)
            else:  # GENERIC, or a permission refused: strawberry's own refusal
                args = field.args
                if args is None:
                    args = get_argument_values(
                        field.field_def,
                        field.nodes[0],
                        self.variable_values,
                        None,
                        self.hide_suggestions,
                    )
                resolve = field.field_def.resolve or self.field_resolver
                value = resolve(source, self._info(field, field_path), **args)
            if type(value) not in never and is_awaitable(value):
                return self._await_field(field, value, field_path), True
            completed = self._complete(field, field.shape, value, field_path)
            if type(completed) not in never and is_awaitable(completed):
                return self._await_completed(field, completed, field_path), True
            return completed, False
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.field_def.type, field.details, field_path)
            return None, False

    def _permitted(self, field: FieldPlan, source: Any, path: Path | None) -> bool:
        """Whether every permission of the field grants it: then its resolver is called as
        written; otherwise (or on anything but True) strawberry's extension runs as ever and
        words the refusal (the checks are asked again: they only read)."""
        info = self._resolver_info(field, Path(path, field.key, field.parent_name))
        return all(p.has_permission(source, info) is True for p in field.permissions)

    def _resolver_info(self, field: FieldPlan, path: Path) -> Any:
        """The `info` a planned resolver or permission is given: strawberry's Info, or (the
        schema's Info being strawberry's own) a `_ContextInfo` standing for it."""
        if self._info_class is Info:
            return _ContextInfo(self, field, path)
        return self._info_class(
            _raw_info=_LazyInfo(self, field, path),  # type: ignore[arg-type]
            _field=field.strawberry_field,
        )

    async def _gather_fields(self, results: dict[str, Any], waiting: list[str]) -> Any:
        if len(waiting) == 1:
            results[waiting[0]] = await results[waiting[0]]
        else:
            done = await gather_with_cancel(*(results[k] for k in waiting))
            results.update(zip(waiting, done, strict=True))
        return results

    async def _await_field(self, field: FieldPlan, value: Awaitable[Any], path: Path) -> Any:
        try:
            resolved = await self.with_abort_signal(value)
            completed = self._complete(field, field.shape, resolved, path)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.field_def.type, field.details, path)
            return None
        return completed

    async def _await_completed(self, field: FieldPlan, completed: Any, path: Path) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.field_def.type, field.details, path)
            return None

    def _complete(self, field: FieldPlan, shape: Shape, value: Any, path: Path) -> Any:
        """graphql-core's `complete_value` for one planned field: the same checks, in the same
        order, with the same messages."""
        if isinstance(value, Exception):
            raise value
        if value is None or value is Undefined:
            if shape.nonnull:
                raise TypeError(
                    f"Cannot return null for non-nullable field {field.parent_name}.{field.name}."
                )
            return None
        kind = shape.kind
        if kind == LEAF:
            return shape.coerce(value)
        if kind == OBJECT:
            return self._complete_object(field, shape.named, value, path)
        if kind == LIST:
            if not isinstance(value, list | tuple):  # generators, async iterables: as before
                return self._as_before(field, shape, value, path)
            inner: Any = shape.inner  # a list's item shape
            return self._complete_list(field, inner, value, path)
        return self._complete_abstract(field, shape, value, path)

    def _as_before(self, field: FieldPlan, shape: Shape, value: Any, path: Path) -> Any:
        return super().complete_value(
            shape.gtype, field.details, self._info(field, path), path, value, None
        )

    def _complete_object(
        self, field: FieldPlan, object_type: GraphQLObjectType, value: Any, path: Path
    ) -> Any:
        is_type_of = object_type.is_type_of
        if is_type_of is not None:
            kind = type(value)
            checked = _TYPE_OF.get((object_type, kind))
            if checked is None:
                ignores_info = _ignores_info(is_type_of)
                info = None if ignores_info else self._info(field, path)
                checked = is_type_of(value, info)  # type: ignore[arg-type,assignment]
                if self.is_awaitable(checked):
                    return super().complete_object_value(
                        object_type, field.details, self._info(field, path), path, value, None
                    )
                if ignores_info and kind.__module__.startswith(_OWN_MODULES):
                    _TYPE_OF[(object_type, kind)] = bool(checked)
            if not checked:
                raise invalid_return_type_error(object_type, value, field.details)
        found = field.plans.get(object_type, _UNPLANNED)
        plan: Any = self._sub_plan(field, object_type) if found is _UNPLANNED else found
        if plan is None:
            return super().collect_and_execute_subfields(
                object_type, field.details, path, value, None
            )
        return self._run(plan, value, path)

    def _complete_abstract(self, field: FieldPlan, shape: Shape, value: Any, path: Path) -> Any:
        abstract = cast("GraphQLAbstractType", shape.named)
        info = self._info(field, path)
        resolve_type = abstract.resolve_type or self.type_resolver
        runtime = resolve_type(value, info, abstract)
        if self.is_awaitable(runtime):
            return super().complete_abstract_value(abstract, field.details, info, path, value, None)
        object_type = self.ensure_valid_runtime_type(runtime, abstract, field.details, info, value)
        return self._complete_object(field, object_type, value, path)

    def _complete_list(self, field: FieldPlan, item: Shape, items: Any, path: Path) -> Any:
        completed: list[Any] = []
        append = completed.append
        waiting: list[int] | None = None
        is_awaitable = self._awaitable
        never = _NEVER_AWAITABLE
        leaf = item.kind == LEAF and not item.nonnull
        try:
            for index, value in enumerate(items):
                known = type(value) in never  # never awaitable
                if leaf and value is not None and (known or not is_awaitable(value)):
                    try:
                        append(item.coerce(value))
                    except Exception as raw_error:
                        self.handle_field_error(
                            raw_error, item.gtype, field.details, Path(path, index, None)
                        )
                        append(None)
                    continue
                item_path = _new(Path, (path, index, None))
                if not known and is_awaitable(value):
                    append(self._await_item(field, item, value, item_path))
                    (waiting := waiting or []).append(index)
                    continue
                try:
                    done = self._complete(field, item, value, item_path)
                    if type(done) not in never and is_awaitable(done):
                        append(self._await_completed_item(field, item, done, item_path))
                        (waiting := waiting or []).append(index)
                        continue
                    append(done)
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item.gtype, field.details, item_path)
                    append(None)
        except Exception:
            if waiting:
                self.settle_in_background([completed[i] for i in waiting])
            raise
        if not waiting:
            return completed
        return self._gather_items(completed, waiting)

    async def _gather_items(self, completed: list[Any], waiting: list[int]) -> Any:
        if len(waiting) == 1:
            completed[waiting[0]] = await completed[waiting[0]]
        else:
            done = await gather_with_cancel(*(completed[i] for i in waiting))
            for index, value in zip(waiting, done, strict=True):
                completed[index] = value
        return completed

    async def _await_item(self, field: FieldPlan, item: Shape, value: Any, path: Path) -> Any:
        try:
            resolved = await self.with_abort_signal(value)
            done = self._complete(field, item, resolved, path)
            if self.is_awaitable(done):
                done = await done
        except Exception as raw_error:
            self.handle_field_error(raw_error, item.gtype, field.details, path)
            return None
        return done

    async def _await_completed_item(
        self, field: FieldPlan, item: Shape, done: Any, path: Path
    ) -> Any:
        try:
            return await done
        except Exception as raw_error:
            self.handle_field_error(raw_error, item.gtype, field.details, path)
            return None


class _ContextInfo:
    """strawberry's `Info` for a planned resolver, as one object: its `context` (the one
    thing this project's resolvers and permissions read) is set, and anything else is asked of
    a strawberry Info made then. The page's ~700 resolvers with `info` made an Info and a
    `_LazyInfo` each, and reading `context` went through three properties (issue 14)."""

    __slots__ = ("_executor", "_field", "_full", "_path", "context")

    def __init__(self, executor: PlannedExecution, field: FieldPlan, path: Path) -> None:
        self.context = executor.context_value
        self._executor = executor
        self._field = field
        self._path = path
        self._full: Info[Any, Any] | None = None

    def __getattr__(self, name: str) -> Any:
        full = self._full
        if full is None:
            full = self._full = Info(
                _raw_info=_LazyInfo(self._executor, self._field, self._path),  # type: ignore[arg-type]
                _field=self._field.strawberry_field,
            )
        return getattr(full, name)


class _LazyInfo:
    """The resolve-info of a resolver that asks for `info`: our resolvers read its `context`;
    anything else it is asked for comes from the full resolve-info, made then."""

    __slots__ = ("_executor", "_field", "path")

    def __init__(self, executor: PlannedExecution, field: FieldPlan, path: Path) -> None:
        self._executor = executor
        self._field = field
        self.path = path

    @property
    def context(self) -> Any:
        return self._executor.context_value

    def __getattr__(self, name: str) -> Any:
        return getattr(self._executor._info(self._field, self.path), name)


def _operation(document: Any, name: str | None) -> OperationDefinitionNode | None:
    """The operation `build` would choose; None where it would answer an error instead."""
    chosen = None
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            if name is None:
                if chosen is not None:
                    return None  # several, and no name: graphql-core's error
                chosen = definition
            elif definition.name is not None and definition.name.value == name:
                chosen = definition
    return chosen


def _sync_permissions(extensions: Sequence[Any]) -> tuple[Any, ...] | None:
    """The permissions of a field whose one extension is strawberry's permission extension,
    when they are the project's own classes checking synchronously and refusing with an error
    (not silently): their checks read the context and answer a bool. None otherwise."""
    if len(extensions) != 1 or type(extensions[0]) is not PermissionExtension:
        return None
    extension = extensions[0]
    permissions = tuple(extension.permissions)
    if extension.fail_silently or not all(
        type(p).__module__.startswith(_OWN_MODULES)
        and not inspect.iscoroutinefunction(p.has_permission)
        for p in permissions
    ):
        return None
    return permissions


def _ignores_info(is_type_of: Callable[..., Any]) -> bool:
    """Strawberry's own `is_type_of` (an isinstance check) never reads its info argument."""
    return getattr(is_type_of, "__module__", "") == "strawberry.schema.schema_converter"


_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_TIMES = (datetime, date, time)
# types whose values are never awaitable: plain values, and (added as met) the classes of
# this project's modules, which define no `__await__` and make no generators
_NEVER_AWAITABLE: set[type] = {str, int, bool, float, datetime, date, time, type(None), list, dict}
_OWN_MODULES = ("graphql_schema.", "services.")
# a NamedTuple made by tuple's own constructor: Path(…) goes through a Python-level __new__
# (0.23 against 0.12 us; about 1,400 paths a page)
_new = tuple.__new__
_UNPLANNED = object()  # a field's sub-plan for an object type not made yet (None: not plannable)
# (object type, class) -> strawberry's `is_type_of` answer for a value of that class: for the
# classes of this project's modules it depends on the class alone (an isinstance check; the
# project never uses `strawberry.cast`, which marks single objects), and asking it reads the
# cast mark, which on a display object with `__getattr__` costs a raised AttributeError
_TYPE_OF: dict[tuple[GraphQLObjectType, type], bool] = {}


def _coercer(leaf_type: GraphQLLeafType) -> Callable[[Any], Any]:
    """`_leaf` for one type, with the answer for the common values decided without the type's
    generic checks: a `str` for String and ID, an `int` in range for Int, a `bool` for Boolean
    (graphql-core returns these unchanged), a member of a strawberry enum (its name, kept)."""
    name = leaf_type.name
    if name in ("String", "ID"):
        return lambda value: value if type(value) is str else _leaf(leaf_type, value)
    if name == "Boolean":
        return lambda value: value if type(value) is bool else _leaf(leaf_type, value)
    if name == "Int":
        return lambda value: (
            value
            if type(value) is int and _INT_MIN <= value <= _INT_MAX
            else _leaf(leaf_type, value)
        )
    if leaf_type.coerce_output_value is isoformat:  # strawberry's Date, DateTime, Time
        return lambda value: (
            orjson.dumps(value)[1:-1].decode()  # UTC, as asyncpg reads a timestamptz
            if type(value) is datetime and value.tzinfo is UTC
            else value.isoformat()
            if type(value) in _TIMES
            else _leaf(leaf_type, value)
        )
    wrapped = getattr(leaf_type, "wrapped_cls", None)
    if wrapped is not None:  # strawberry's enum: a member is answered by its name
        names: dict[Any, Any] = {}

        def enum(value: Any) -> Any:
            if type(value) is not wrapped:
                return _leaf(leaf_type, value)
            try:
                return names[value]
            except KeyError:
                names[value] = coerced = _leaf(leaf_type, value)
                return coerced

        return enum
    return lambda value: _leaf(leaf_type, value)


# A UTC datetime (every timestamp read from PostgreSQL: asyncpg gives timestamptz in UTC) is
# written by orjson, whose text is `isoformat()`'s for UTC (tested over years 1-9999, with and
# without microseconds) at a third of its cost: the handler's page writes about 1,000 of them
# (`isoformat` was 6% of its CPU, issue 14).


def _leaf(leaf_type: GraphQLLeafType, value: Any) -> Any:
    """graphql-core's `complete_leaf_value`."""
    coerced = leaf_type.coerce_output_value(value)
    if coerced is Undefined or coerced is None:
        from graphql.pyutils import inspect

        raise TypeError(
            f"Expected `{inspect(leaf_type)}.coerce_output_value({inspect(value)})` to return"
            f" non-nullable value, returned: {inspect(coerced)}"
        )
    return coerced
