"""What a complaint page shows beside its complaints (customers, urgency, deadlines, history,
the staff named and their departments), read in ONE statement: each relation an array of
anonymous records, which asyncpg decodes as tuples, made into display rows here (issue 14:
a statement per relation was a round trip each, and a third of a complaint's CPU).

`related_to` reads them for a page of complaints already read; `complaint_with` reads one
complaint's row and its relations together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from functools import cache, cached_property
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
    columns,
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
    statement has only the parameters it reads)."""

    def __init__(self, rows: Sequence[Complaint]) -> None:
        self.rows = rows
        self.values: list[list[int]] = []

    def _value(self, keys: list[int]) -> str:
        self.values.append(keys)
        return f"${len(self.values)}::int[]"

    @cached_property
    def complaints(self) -> str:
        return self._value([row.id for row in self.rows])

    @cached_property
    def customers(self) -> str:
        return self._value([row.customer_id for row in self.rows])

    @cached_property
    def staff(self) -> str:
        return self._value(
            [row.owner_id for row in self.rows] + [row.first_handler_id for row in self.rows]
        )

    @cached_property
    def departments(self) -> str:
        return self._value([r.department_id for r in self.rows if r.department_id is not None])


def _arrays(along: Along, keys: _Keys) -> list[str]:
    """One array column per relation asked for, named as `Related`'s field."""
    found: list[str] = []
    if along.customers:
        found.append(
            f"ARRAY(SELECT ROW({columns('cu', CustomerRow)}) FROM customers cu"
            f" WHERE cu.id = ANY({keys.customers})) AS customers"
        )
    for name, table, row, order in (
        ("urgencies", "complaint_urgencies", UrgencyRow, "id"),
        ("deadlines", "complaint_deadlines", DeadlineRow, "due_at, r.id"),
        ("events", "complaint_events", EventRow, "id"),
    ):
        if getattr(along, name):
            found.append(
                f"ARRAY(SELECT ROW({columns('r', row)}) FROM {table} r"
                f" WHERE r.complaint_id = ANY({keys.complaints})"
                f" ORDER BY r.complaint_id, r.{order}) AS {name}"
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
        staff = ", ".join(f"s.{name}" for name in STAFF_COLUMNS)
        joined = "staff s"
        if along.staff_departments:
            staff += ", d.code, d.name"
            joined += " LEFT JOIN departments d ON d.id = s.department_id"
        found.append(
            f"ARRAY(SELECT ROW({staff}) FROM {joined} WHERE s.id = ANY({' || '.join(named)}))"
            " AS staff"
        )
    if along.departments:
        found.append(
            "ARRAY(SELECT ROW(d.id, d.code, d.name) FROM departments d"
            f" WHERE d.id = ANY({keys.departments})) AS departments"
        )
    return found


def _related(record: Any, along: Along) -> Related:
    """The display rows of the arrays `_arrays` selected."""
    related = Related()
    if along.customers:
        related.customers = {t[0]: CustomerRow._make(t) for t in record["customers"]}
    if along.urgencies:
        related.urgencies = by_complaint(map(UrgencyRow._make, record["urgencies"]))
    if along.deadlines:
        related.deadlines = by_complaint(map(DeadlineRow._make, record["deadlines"]))
    if along.events:
        related.events = by_complaint(map(EventRow._make, record["events"]))
    if along.staff or along.actors or along.task_owners:
        width = len(STAFF_COLUMNS)
        for t in record["staff"]:
            row = related.staff[t[0]] = staff_row(dict(zip(STAFF_COLUMNS, t, strict=False)))
            if along.staff_departments and row.department_id is not None and t[width] is not None:
                related.departments[row.department_id] = Row(
                    id=row.department_id, code=t[width], name=t[width + 1]
                )
    if along.departments:
        for t in record["departments"]:
            related.departments[t[0]] = Row(id=t[0], code=t[1], name=t[2])
    return related


@replica_safe
async def related_to(rows: Sequence[Complaint], along: Along) -> Related:
    """The relations of these complaints (display rows of a page), in one statement."""
    if not rows or along == NOTHING:
        return Related()
    keys = _OfPage(rows)
    query = f"SELECT {', '.join(_arrays(along, keys))}"
    (record,) = await records(query, keys.values)
    return _related(record, along)


@replica_safe
async def complaint_with(complaint_id: int, along: Along) -> tuple[Complaint, Related] | None:
    """One complaint's row (a display row, as a page's) and its relations, in one statement;
    None when there is no such complaint."""
    found = await records(_one_complaint(along), [complaint_id])
    if not found:
        return None
    values = dict(found[0])
    related = _related(values, along)
    for name in _RELATED:
        values.pop(name, None)
    row: Any = Row(**values)
    return row, related


@cache
def _one_complaint(along: Along) -> str:
    arrays = "".join(f", {a}" for a in _arrays(along, _OfOne()))
    return f"SELECT {complaint_columns()}{arrays} FROM complaints c WHERE c.id = $1"


_RELATED = [f.name for f in fields(Related)]
