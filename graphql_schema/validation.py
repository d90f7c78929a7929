"""Every argument checked against `services.validation`'s limits before its resolver runs.

`@limit_inputs` on a type gives each of its fields that takes arguments the `InputLimits`
extension. When the schema is built, the extension plans a check for every string, whole
number, date and list the field can receive, however deep in its inputs; an input the table
forgets to name gets a strict default and is remembered in `UNLISTED`, which a test keeps
empty. Per request it walks the arguments along that plan: a
mutation whose payload has an `InputError` member answers with it, anything else with a
top-level error whose `extensions` carry the code and the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from graphql import GraphQLError
from strawberry.extensions.field_extension import FieldExtension
from strawberry.scalars import ID
from strawberry.types.base import StrawberryList, StrawberryOptional, get_object_definition
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.field import StrawberryField
from strawberry.types.lazy_type import LazyType

from graphql_schema.errors import InputError, camel, error_type
from services import validation
from services.errors import InvalidInput, Problem

T = TypeVar("T")


@dataclass(frozen=True)
class Text:
    limit: int


@dataclass(frozen=True)
class Whole:
    bounds: tuple[int, int]


@dataclass(frozen=True)
class Moment:
    pass


@dataclass(frozen=True)
class Items:
    of: Check | None


@dataclass(frozen=True)
class Fields:
    """An input object: (python name, API name, check) for each field worth checking."""

    fields: tuple[tuple[str, str, Check], ...]


Check = Text | Whole | Moment | Items | Fields


def _api_name(field: Any) -> str:
    return field.graphql_name or camel(field.python_name) or field.python_name


UNLISTED: set[str] = set()  # inputs the table does not name (a test keeps it empty)


def _listed(limit: Callable[[str, str], T], owner: str, name: str, default: T) -> T:
    """The table's limit; a strict default, remembered, for an input someone forgot to list."""
    try:
        return limit(owner, name)
    except KeyError:
        UNLISTED.add(f"{owner}.{name}")
        return default


def plan(annotation: Any, owner: str, name: str) -> Check | None:
    """What to check of a value of this type; None for what needs no check (enums, booleans)."""
    if isinstance(annotation, LazyType):
        return plan(annotation.resolve_type(), owner, name)
    if isinstance(annotation, StrawberryOptional):
        return plan(annotation.of_type, owner, name)
    if isinstance(annotation, StrawberryList):
        return Items(plan(annotation.of_type, owner, name))
    if annotation is ID:
        return Text(validation.ID_LENGTH)
    if annotation is str:
        return Text(_listed(validation.length_of, owner, name, validation.NOTE))
    if annotation is int:
        return Whole(_listed(validation.range_of, owner, name, (0, validation.MAX_ITEMS)))
    if annotation is bool or isinstance(annotation, StrawberryEnumDefinition):
        return None
    if isinstance(annotation, type) and issubclass(annotation, date):
        return Moment()
    definition = get_object_definition(annotation)
    if definition is None or not definition.is_input:
        raise TypeError(f"no input limit can be planned for {owner}.{name}: {annotation!r}")
    checks = (
        (f.python_name, _api_name(f), plan(f.type, definition.name, _api_name(f)))
        for f in definition.fields
    )
    return Fields(tuple((py, api, c) for py, api, c in checks if c is not None))


def problems(check: Check, value: Any, path: str) -> Iterator[Problem]:
    """Every problem with `value` at `path` (`contactName`, `lines[2].description`)."""
    found: Problem | None = None
    if value is None:
        return
    if isinstance(check, Text):
        found = validation.text_problem(path, value, check.limit)
    elif isinstance(check, Whole):
        found = validation.number_problem(path, value, check.bounds)
    elif isinstance(check, Moment):
        found = validation.moment_problem(path, value)
    elif isinstance(check, Items):
        found = validation.items_problem(path, len(value))
        if found is None and check.of is not None:
            for i, item in enumerate(value):
                yield from problems(check.of, item, f"{path}[{i}]")
    else:
        for python_name, api_name, inner in check.fields:
            yield from problems(inner, getattr(value, python_name, None), _join(path, api_name))
    if found is not None:
        yield found


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _start(check: Check, name: str) -> str:
    """A top-level input object's fields are named bare (`contactName`), as the rules name them."""
    return "" if isinstance(check, Fields) else name


class InputLimits(FieldExtension):
    """Refuses a field's arguments that break a limit, before its resolver runs."""

    def apply(self, field: StrawberryField) -> None:
        owner = _api_name(field)
        self.checks = tuple(
            (arg.python_name, _start(check, _api_name(arg)), check)
            for arg in field.arguments
            if (check := plan(arg.type, owner, _api_name(arg))) is not None
        )
        self.answers_in_payload = InputError in getattr(field.type, "types", ())

    def refusal(self, kwargs: dict[str, Any]) -> Any:
        found = [
            problem
            for python_name, path, check in self.checks
            for problem in problems(check, kwargs.get(python_name), path)
        ]
        if not found:
            return None
        first = found[0]
        if self.answers_in_payload:
            return error_type(InvalidInput(first.message, field=first.field, problems=found))
        raise GraphQLError(
            first.message,
            extensions={"code": first.code.value, "field": first.field},
        )

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        refused = self.refusal(kwargs)
        return refused if refused is not None else next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        refused = self.refusal(kwargs)
        return refused if refused is not None else await next_(source, info, **kwargs)


def limit_inputs(cls: type[T]) -> type[T]:
    """Give every field of a strawberry type that takes arguments the `InputLimits` check.

    It goes first in the field's extensions, so it runs after them (permissions included):
    a caller without a login hears that, not what is wrong with the input.
    """
    definition = get_object_definition(cls, strict=True)
    for field in definition.fields:
        if field.arguments and not any(isinstance(e, InputLimits) for e in field.extensions):
            field.extensions.insert(0, InputLimits())
    return cls
