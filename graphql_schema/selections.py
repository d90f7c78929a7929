"""What a query asks for below the field being resolved: read from the query's syntax tree, so
a resolver can skip work nobody asked for (a `totalCount`) and load in one go what will be
read for every row of a page (the customer, the owner, the history).

Over-reporting is safe (more is loaded than shown); under-reporting is not, so fragments are
followed and `@skip` / `@include` are ignored (a skipped field still counts as asked).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode


def _fields(
    selection_set: SelectionSetNode | None, fragments: dict[str, Any]
) -> Iterator[FieldNode]:
    if selection_set is None:
        return
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            yield node
        elif isinstance(node, InlineFragmentNode):
            yield from _fields(node.selection_set, fragments)
        elif isinstance(node, FragmentSpreadNode):
            fragment = fragments.get(node.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, fragments)


def _below(nodes: Iterable[FieldNode], name: str, fragments: dict[str, Any]) -> list[FieldNode]:
    return [
        child
        for node in nodes
        for child in _fields(node.selection_set, fragments)
        if child.name.value == name
    ]


def asked(info: Any, *path: str) -> set[str]:
    """The names of the fields selected at `path` below the current field, e.g.
    `asked(info)` → {"edges", "totalCount"}, `asked(info, "edges", "node")` → the node's
    fields, `asked(info, "edges", "node", "owner")` → the owner's."""
    raw = getattr(info, "_raw_info", info)
    fragments = raw.fragments
    nodes: list[FieldNode] = list(raw.field_nodes)
    for name in path:
        nodes = _below(nodes, name, fragments)
    return {child.name.value for node in nodes for child in _fields(node.selection_set, fragments)}
