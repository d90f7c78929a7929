"""Documents too big to validate cheaply (issue 11), refused in linear time before validation.

Validation itself can be the slow part of a request, and it runs on the event loop. Within the
token limit (2,000):
- fragments that each spread the one before twice expand to 2^n fields: the depth and alias
  rules and the cost walk expand them (2 s at n = 16, half a minute at n = 20, hours at 30);
- graphql-core's overlapping-fields rule compares same-named fields pairwise: 495 copies of
  `me { id }` took 1.8 s, then a RecursionError ("Validation aborted"); four such requests at
  once held every other request back for 3 s.

So before validation two counts are taken, each fragment expanded once (memoised):
- fields: every field of the operation with its fragments written out. At most `max_fields`,
  the token limit by default: fragments may not make a document bigger than its tokens could
  spell out.
- repeated pairs: fields that share a response name in one selection set (each fragment
  opened once per level, as GraphQL collects fields, and sub-selections merged level by level)
  are what the overlap rule compares, pair by pair; at most `max_repeated` pairs. 150 distinct
  fragments of `me { id }` took it 0.6 s. A usual document has none or a few.

Either refusal is one top-level error with `extensions.code` QUERY_TOO_COMPLEX, the count
(`fields` or `repeatedPairs`) and the `limit`, before any rule or resolver runs.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

CODE = "QUERY_TOO_COMPLEX"


class _Shape:
    def __init__(self, document: DocumentNode):
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.sizes: dict[str, int] = {}

    def size(self, selection_set: SelectionSetNode) -> int:
        """Fields under `selection_set` with every fragment written out."""
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += 1 + (self.size(node.selection_set) if node.selection_set else 0)
            elif isinstance(node, InlineFragmentNode):
                total += self.size(node.selection_set)
            elif isinstance(node, FragmentSpreadNode):
                total += self._fragment_size(node.name.value)
        return total

    def _fragment_size(self, name: str) -> int:
        if name not in self.sizes:
            self.sizes[name] = 0  # unknown or cyclic: validation names it, and it counts 0
            fragment = self.fragments.get(name)
            if fragment is not None:
                self.sizes[name] = self.size(fragment.selection_set)
        return self.sizes[name]

    def repeated_pairs(self, selection_sets: list[SelectionSetNode], limit: int) -> int:
        """Pairs of same-named fields in these selection sets (one merged level), and below;
        stops counting past `limit`. Linear in the expanded document, which `size` bounds."""
        groups: dict[str, list[SelectionSetNode | None]] = {}
        opened: set[str] = set()  # a fragment spread twice on one level adds nothing
        for selection_set in selection_sets:
            for field in self._fields(selection_set, opened):
                name = (field.alias or field.name).value
                groups.setdefault(name, []).append(field.selection_set)
        total = 0
        for below in groups.values():
            total += len(below) * (len(below) - 1) // 2
            children = [s for s in below if s is not None]
            if children and total <= limit:
                total += self.repeated_pairs(children, limit - total)
            if total > limit:
                break
        return total

    def _fields(self, selection_set: SelectionSetNode, opened: set[str]) -> Iterator[FieldNode]:
        """The fields of one level: inline fragments and fragment spreads opened, each
        fragment once (as GraphQL collects them; it also ends a cycle)."""
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                yield node
            elif isinstance(node, InlineFragmentNode):
                yield from self._fields(node.selection_set, opened)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in opened:
                    opened.add(name)
                    yield from self._fields(fragment.selection_set, opened)


def too_complex(what: str, found: int, limit: int, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": CODE, what: found, "limit": limit})


def shape_problem(
    document: DocumentNode, *, max_fields: int, max_repeated: int
) -> GraphQLError | None:
    """Why the document is refused before validation, or None."""
    shape = _Shape(document)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    try:
        for operation in operations:
            fields = shape.size(operation.selection_set)
            if fields > max_fields:
                return too_complex(
                    "fields",
                    fields,
                    max_fields,
                    f"The document has {fields} fields once its fragments are written out; "
                    f"the limit is {max_fields} (文档展开后字段过多).",
                )
        for operation in operations:
            pairs = shape.repeated_pairs([operation.selection_set], max_repeated)
            if pairs > max_repeated:
                return too_complex(
                    "repeatedPairs",
                    pairs,
                    max_repeated,
                    f"The document repeats fields: {pairs} pairs of same-named fields in one "
                    f"selection, the limit is {max_repeated} (字段重复过多): ask for each "
                    "field once.",
                )
    except RecursionError:  # the parser limits nesting; this is a second line
        return too_complex(
            "fields", max_fields + 1, max_fields, "The document is nested too deeply (嵌套过深)."
        )
    return None
