"""What a complaint page shows beside its complaints (customers, urgency, deadlines, history,
the staff named and their departments), read in ONE statement: for a page each relation one
typed array per column, for one complaint an array of records (`_as_arrays`, `_as_records`),
made into display rows here (issue 14: a statement per relation was a round trip each, and a
third of a complaint's CPU).

`related_to` reads them for a page of complaints already read; `complaint_with` reads one
complaint's row and its relations together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, partial
from typing import Any, Protocol

from services.complaints.models import Complaint
from services.complaints.queries import (
    STAFF_COLUMNS,
    CustomerRow,
    DeadlineRow,
    EventRow,
    Row,
    UrgencyRow,
    by_complaint,
    complaint_columns,
    records,
    staff_row,
)
from services.db import replica_safe


@dataclass(frozen=True)
class Along:
    """Which relations to read along with complaints."""

    customers: bool = False
    urgencies: bool = False
    deadlines: bool = False
    events: bool = False
    staff: bool = False  # the owners and first handlers
    actors: bool = False  # the staff named in the history
    task_owners: bool = False  # the staff owning the complaints' tasks
    staff_departments: bool = False  # the departments of the staff read
    departments: bool = False  # the complaints' own departments


NOTHING = Along()


@dataclass
class Related:
    """The relations read, by key: customers, staff and departments by id, the rest by complaint
    (a complaint with none has no entry)."""

    customers: dict[int, CustomerRow] = field(default_factory=dict)
    urgencies: dict[int, list[UrgencyRow]] = field(default_factory=dict)
    deadlines: dict[int, list[DeadlineRow]] = field(default_factory=dict)
    events: dict[int, list[EventRow]] = field(default_factory=dict)
    staff: dict[int, Row] = field(default_factory=dict)
    departments: dict[int, Row] = field(default_factory=dict)


class _Keys(Protocol):
    """The SQL expressions (int arrays) naming what the relations belong to."""

    @property
    def complaints(self) -> str: ...
    @property
    def customers(self) -> str: ...
    @property
    def staff(self) -> str: ...
    @property
    def departments(self) -> str: ...


class _OfOne:
    """The keys of the complaint `c` the statement reads."""

    complaints = "ARRAY[c.id]"
    customers = "ARRAY[c.customer_id]"
    staff = "ARRAY[c.owner_id, c.first_handler_id]"
    departments = "ARRAY[c.department_id]"


class _OfPage:
    """The keys of a page's complaints, as parameters: each numbered when first used (a
    statement has only the parameters it reads), `used` naming them in order (`_KEYS`)."""

    def __init__(self) -> None:
        self.used: list[str] = []

    def _parameter(self, name: str) -> str:
        self.used.append(name)
        return f"${len(self.used)}::int[]"

    @cached_property
    def complaints(self) -> str:
        return self._parameter("complaints")

    @cached_property
    def customers(self) -> str:
        return self._parameter("customers")

    @cached_property
    def staff(self) -> str:
        return self._parameter("staff")

    @cached_property
    def departments(self) -> str:
        return self._parameter("departments")


# the values of `_OfPage`'s parameters for a page's complaints
_KEYS: dict[str, Callable[[Sequence[Complaint]], list[int]]] = {
    "complaints": lambda rows: [row.id for row in rows],
    "customers": lambda rows: [row.customer_id for row in rows],
    "staff": lambda rows: [row.owner_id for row in rows] + [row.first_handler_id for row in rows],
    "departments": lambda rows: [r.department_id for r in rows if r.department_id is not None],
}


@dataclass(frozen=True)
class _Relation:
    """One relation as the statement reads it: its columns (in its rows' order) from
    `source` (FROM and WHERE), its rows in `order` (none: any)."""

    columns: tuple[str, ...]
    source: str
    order: str = ""


def _relations(along: Along, keys: _Keys) -> list[_Relation]:
    """The relations asked for, in `Related`'s order."""
    found: list[_Relation] = []
    if along.customers:
        found.append(
            _Relation(
                _qualified("cu", CustomerRow._fields),
                f"customers cu WHERE cu.id = ANY({keys.customers})",
            )
        )
    for name, table, row, order in (
        ("urgencies", "complaint_urgencies", UrgencyRow, "r.complaint_id, r.id"),
        ("deadlines", "complaint_deadlines", DeadlineRow, "r.complaint_id, r.due_at, r.id"),
        ("events", "complaint_events", EventRow, "r.complaint_id, r.id"),
    ):
        if getattr(along, name):
            found.append(
                _Relation(
                    _qualified("r", row._fields),
                    f"{table} r WHERE r.complaint_id = ANY({keys.complaints})",
                    order,
                )
            )
    named = [keys.staff] if along.staff else []
    for asked, column, table in (
        (along.actors, "actor_id", "complaint_events"),
        (along.task_owners, "owner_id", "complaint_tasks"),
    ):
        if asked:
            named.append(
                f"ARRAY(SELECT x.{column} FROM {table} x"
                f" WHERE x.complaint_id = ANY({keys.complaints}))"
            )
    if named:
        staff = _qualified("s", STAFF_COLUMNS)
        joined = "staff s"
        if along.staff_departments:
            staff += _qualified("d", ("code", "name"))
            joined += " LEFT JOIN departments d ON d.id = s.department_id"
        found.append(_Relation(staff, f"{joined} WHERE s.id = ANY({' || '.join(named)})"))
    if along.departments:
        found.append(
            _Relation(
                _qualified("d", ("id", "code", "name")),
                f"departments d WHERE d.id = ANY({keys.departments})",
            )
        )
    return found


def _qualified(alias: str, names: Sequence[str]) -> tuple[str, ...]:
    return tuple(f"{alias}.{name}" for name in names)


def _as_arrays(relations: list[_Relation]) -> tuple[str, str]:
    """The relations as one typed array per column (`array_agg`, NULL when there are no
    rows, all of a relation's in its order: PostgreSQL sorts its rows once for them all):
    the select list and the FROM items (one row each, lateral so that they may name `c`).

    A page reads them so, not as arrays of anonymous records (`_as_records`): asyncpg
    decodes a record's fields through a per-field type look-up, and a page's 600 related
    rows cost 1.55 ms of client CPU as record arrays against 0.75 ms as typed arrays
    (PostgreSQL's own time 0.39 -> 0.50 ms)."""
    items = []
    for i, relation in enumerate(relations):
        by = f" ORDER BY {relation.order}" if relation.order else ""
        arrays = ", ".join(f"array_agg({column}{by})" for column in relation.columns)
        items.append(f"LATERAL (SELECT {arrays} FROM {relation.source}) a{i}")
    return ", ".join(f"a{i}.*" for i in range(len(relations))), ", ".join(items)


def _as_records(relations: list[_Relation]) -> str:
    """The relations as one array of anonymous records each (asyncpg decodes them as
    tuples). One complaint reads them so: for its few rows the typed arrays save no client
    CPU, and cost PostgreSQL more (0.10 -> 0.16 ms a statement)."""
    return ", ".join(
        f"ARRAY(SELECT ROW({', '.join(r.columns)}) FROM {r.source}"
        f"{f' ORDER BY {r.order}' if r.order else ''})"
        for r in relations
    )


def _from_arrays(values: Iterator[Any], width: int) -> Iterator[tuple[Any, ...]]:
    """The rows of the next relation read by `_as_arrays`: `width` arrays, one per column."""
    arrays = [next(values) for _ in range(width)]
    return zip(*arrays, strict=True) if arrays[0] is not None else iter(())


def _from_records(values: Iterator[Any], width: int) -> Iterator[tuple[Any, ...]]:
    """The rows of the next relation read by `_as_records`: one array of records."""
    return iter(next(values))


def _related(
    values: Sequence[Any],
    along: Along,
    rows_of: Callable[[Iterator[Any], int], Iterator[tuple[Any, ...]]],
) -> Related:
    """The display rows of the relations `_relations` selected (`values`, in its order),
    each read by `rows_of` (`_from_arrays` or `_from_records`)."""
    related = Related()
    found = iter(values)

    def read(width: int) -> Iterator[tuple[Any, ...]]:
        return rows_of(found, width)

    if along.customers:
        make_customer = partial(tuple.__new__, CustomerRow)
        related.customers = {t[0]: make_customer(t) for t in read(len(CustomerRow._fields))}
    for name, kind in (("urgencies", UrgencyRow), ("deadlines", DeadlineRow), ("events", EventRow)):
        if getattr(along, name):
            made = map(partial(tuple.__new__, kind), read(len(kind._fields)))
            setattr(related, name, by_complaint(made))
    if along.staff or along.actors or along.task_owners:
        width = len(STAFF_COLUMNS)
        for t in read(width + 2 if along.staff_departments else width):
            row = related.staff[t[0]] = staff_row(dict(zip(STAFF_COLUMNS, t, strict=False)))
            if along.staff_departments and row.department_id is not None and t[width] is not None:
                related.departments[row.department_id] = Row(
                    id=row.department_id, code=t[width], name=t[width + 1]
                )
    if along.departments:
        for t in read(3):
            related.departments[t[0]] = Row(id=t[0], code=t[1], name=t[2])
    return related


@replica_safe
async def related_to(rows: Sequence[Complaint], along: Along) -> Related:
    """The relations of these complaints (display rows of a page), in one statement."""
    if not rows or along == NOTHING:
        return Related()
    query, used = _page_statement(along)
    (record,) = await records(query, [_KEYS[name](rows) for name in used])
    return _related(record, along, _from_arrays)


@cache
def _page_statement(along: Along) -> tuple[str, tuple[str, ...]]:
    """The statement reading these relations of a page, and the keys its parameters are
    (`_KEYS`): written once per set of relations."""
    keys = _OfPage()
    selected, items = _as_arrays(_relations(along, keys))
    return f"SELECT {selected} FROM {items}", tuple(keys.used)


@replica_safe
async def complaint_with(complaint_id: int, along: Along) -> tuple[Complaint, Related] | None:
    """One complaint's row (a display row, as a page's) and its relations, in one statement;
    None when there is no such complaint."""
    found = await records(_one_complaint(along), [complaint_id])
    if not found:
        return None
    values = tuple(found[0])
    names = Complaint._meta.fields_db_projection.values()
    row: Any = Row(**dict(zip(names, values, strict=False)))
    return row, _related(values[len(names) :], along, _from_records)


@cache
def _one_complaint(along: Along) -> str:
    relations = _relations(along, _OfOne())
    arrays = f", {_as_records(relations)}" if relations else ""
    return f"SELECT {complaint_columns()}{arrays} FROM complaints c WHERE c.id = $1"
