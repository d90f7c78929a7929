"""Query cost (issue 11): how much a document asks of the server, counted before it runs.

Every field costs 1. A field with a `first` argument is a page: its subtree counts `first`
times (the argument's schema default when the document leaves it out), and the list right
under it (`edges`) is that page, not a second multiplication. Any other list of objects counts
`list_size` times. Each alias counts on its own, fragments are expanded, `__typename` is free.
So the issue's 23 GB query, 15 aliases of `complaints(first: 100)` each reading
`customer { complaints(first: 100) { … summary } }`, costs about 460,000.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.utilities import get_operation_ast

PAGE_ARGUMENT = "first"


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
        list_size: int,
    ):
        self.schema = schema
        self.list_size = list_size
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        defaults = {
            v.variable.name.value: int(v.default_value.value)
            for v in operation.variable_definitions or ()
            if isinstance(v.default_value, IntValueNode)
        }
        self.variables = {**defaults, **variables}
        self.variable_sized = False  # a variable gave a page size: the cost depends on it

    def selections(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode, page: bool
    ) -> int:
        return sum(
            self.field(owner, node, page) for owner, node in self._fields(parent, selection_set)
        )

    def _fields(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode
    ) -> Iterator[tuple[GraphQLNamedType, FieldNode]]:
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                yield parent, node
            elif isinstance(node, InlineFragmentNode):
                owner = (
                    self._type(node.type_condition.name.value) if node.type_condition else parent
                )
                yield from self._fields(owner, node.selection_set)
            elif isinstance(node, FragmentSpreadNode) and node.name.value in self.fragments:
                fragment = self.fragments[node.name.value]
                yield from self._fields(
                    self._type(fragment.type_condition.name.value), fragment.selection_set
                )

    def _type(self, name: str) -> GraphQLNamedType:
        found = self.schema.get_type(name)
        assert found is not None  # the document was validated against this schema
        return found

    def field(self, parent: GraphQLNamedType, node: FieldNode, page: bool) -> int:
        """1 for the field, plus its subtree as many times as the field returns items."""
        if node.name.value.startswith("__") or node.selection_set is None:
            return 0 if node.name.value == "__typename" else 1
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 1
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 1
        paged = PAGE_ARGUMENT in definition.args
        listed = is_list_type(get_nullable_type(definition.type))  # type: ignore[arg-type]
        if paged:
            size = self._page_size(definition, node)
        else:
            size = self.list_size if listed and not page else 1
        inner_page = paged and not listed  # a connection: its `edges` are the page just counted
        inner = self.selections(get_named_type(definition.type), node.selection_set, inner_page)
        return 1 + size * inner

    def _page_size(self, definition: GraphQLField, node: FieldNode) -> int:
        value: Any = definition.args[PAGE_ARGUMENT].default_value
        for argument in node.arguments or ():
            if argument.name.value != PAGE_ARGUMENT:
                continue
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                self.variable_sized = True
                value = self.variables.get(argument.value.name.value, value)
        if not isinstance(value, int) or isinstance(value, bool):
            return self.list_size
        return max(value, 1)


def document_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    list_size: int,
) -> int:
    """The cost of the operation that would run; 0 when there is none (execution refuses it)."""
    cost, _ = operation_cost(
        schema, document, operation_name=operation_name, variables=variables, list_size=list_size
    )
    return cost


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    list_size: int,
) -> tuple[int, bool]:
    """`document_cost`, and whether a variable's value went into it (a `first: $n`): when none
    did, the cost is the document's and may be kept with it (graphql_schema/guard.py)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0, False
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0, False
    walk = _Walk(schema, document, operation, variables or {}, list_size)
    return walk.selections(root, operation.selection_set, page=False), walk.variable_sized


def too_costly(cost: int, limit: int) -> GraphQLError:
    return GraphQLError(
        f"Query cost {cost} exceeds the limit of {limit} (查询代价 {cost} 超过上限 {limit}): "
        "ask for fewer items with `first`, or fewer fields.",
        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": limit},
    )
