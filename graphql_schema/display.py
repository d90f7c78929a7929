"""Display objects made from rows for a page: their fields made when first read, and enum
members found by value (issue 14: a page of 50 complaints makes some 600 such objects)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from enum import Enum
from operator import attrgetter
from typing import Any, ClassVar, TypeVar

from services.complaints.queries import Row

E = TypeVar("E", bound=Enum)
M = TypeVar("M", bound="MadeFromRow")
T = TypeVar("T")


class MadeFromRow:
    """A display object whose `from_row` keeps its row (`_row`) and what the viewer may see
    (`_see`): each field is made from them when first read, by the class's `_made` table
    (field name -> maker), and kept."""

    _made: ClassVar[dict[str, Callable[[Any, Any], Any]]] = {}

    @classmethod
    def made(cls: type[M], row: Any, see: Any, **now: Any) -> M:
        """An instance for `row` as the viewer may `see` it: the fields in `now` set at
        once, the rest (`_made`) made when first read. No dataclass `__init__` is run."""
        made = cls.__new__(cls)
        made.__dict__.update(_row=row, _see=see, **now)
        return made

    def __getattr__(self, name: str) -> Any:
        made = self.__dict__
        make = type(self)._made.get(name)
        if make is None or "_row" not in made:
            raise AttributeError(name)
        value = made[name] = make(made["_row"], made["_see"])
        return value


class ByValue(dict[Any, E]):
    """The members of an enum by value: `Kind(value)` as a dict look-up. `EnumType.__call__`
    costs ~1 µs a value, and a page turns some 700 stored values into members; anything
    not found here (a member itself, a value that is none) goes through the enum as before,
    so it answers or raises exactly as `Kind(value)` does."""

    def __init__(self, enum: type[E]) -> None:
        super().__init__((member.value, member) for member in enum)
        self.enum = enum

    def __missing__(self, value: Any) -> E:
        return self.enum(value)


def stored(name: str) -> Callable[[Any, Any], Any]:
    """A maker for a field shown as stored: the row's attribute `name`."""
    read = attrgetter(name)
    return lambda row, see: read(row)


def member(enum: type[E], name: str) -> Callable[[Any, Any], E]:
    """A maker for a field whose stored value is a member of `enum`."""
    members, read = ByValue(enum), attrgetter(name)
    return lambda row, see: members[read(row)]


def made_in_full(cls: type[MadeFromRow], eager: set[str]) -> None:
    """Raise unless each field of `cls` (strawberry's dataclass) is made by its `from_row`:
    copied at once (`eager`) or made when first read (`_made`). The fields with resolvers
    are not: strawberry calls their methods."""
    if {f.name for f in dataclasses.fields(cls) if f.init} != eager | set(cls._made):  # type: ignore[arg-type]
        raise TypeError(f"every field of {cls.__name__} is made by its from_row")


def once_per_row(row: Any, slot: str, make: Callable[[Any], T]) -> T | None:
    """`make(row)`, kept on a display `Row` under `slot`, so that a request makes it once per
    row (a page names the same few people and departments hundreds of times); made afresh for
    any other row; None for no row."""
    if not row:
        return None
    if not isinstance(row, Row):
        return make(row)
    made: T | None = row.__dict__.get(slot)
    if made is None:
        made = make(row)
        setattr(row, slot, made)
    return made
