"""Reading complaints: filtered keyset pages and batch look-ups for loaders."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby
from operator import itemgetter
from types import SimpleNamespace
from typing import Any, NamedTuple, TypeVar

from tortoise import connections
from tortoise.models import Model
from tortoise.queryset import QuerySet

from services import clock
from services.complaints.models import (
    Category,
    Channel,
    Complaint,
    ComplaintTask,
    Status,
    SupervisedMatter,
    UrgencyReason,
    WarningColour,
)
from services.db import group_by, replica_safe

MAX_PAGE = 100
M = TypeVar("M", bound=Model)
R = TypeVar("R", bound=tuple[Any, ...])


@dataclass(frozen=True)
class ComplaintFilter:
    statuses: Sequence[Status] = ()
    urgency: Sequence[UrgencyReason] = ()
    urgent_only: bool = False
    channels: Sequence[Channel] = ()
    categories: Sequence[Category] = ()
    province: str = ""
    city: str = ""
    owner_id: int | None = None
    department_id: int | None = None
    customer_id: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    warning_colours: Sequence[WarningColour] = ()
    supervised: bool | None = None
    overdue: bool | None = None
    due_within_hours: int | None = None
    at: datetime | None = None  # "now" for overdue / due-within; the domain clock by default


@dataclass
class Page:
    rows: list[Complaint]
    has_next: bool
    where: _Sql | None = None  # the filter, for `count()`
    has_previous: bool = False
    extra: dict[str, int] = field(default_factory=dict)

    async def count(self) -> int:
        """How many complaints match the filter in all: counted only when asked for."""
        return await _count(self.where) if self.where is not None else len(self.rows)


class _Sql:
    """A WHERE clause built from a filter, its values numbered $1, $2, ... (prepared by asyncpg,
    so one statement per filter shape, planned once per connection)."""

    def __init__(self) -> None:
        self.where: list[str] = []
        self.values: list[Any] = []

    def value(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"

    def add(self, clause: str) -> None:
        self.where.append(clause)

    def copy(self) -> _Sql:
        made = _Sql()
        made.where, made.values = list(self.where), list(self.values)
        return made

    def clause(self) -> str:
        return " AND ".join(self.where) if self.where else "true"


def _where(f: ComplaintFilter) -> _Sql:
    """The filter as SQL over `complaints c`. Overdue and due-within read the next pending due
    time kept on the row (migration 0016), so the queue's indexes serve them."""
    sql = _Sql()
    for column, chosen in (
        ("status", f.statuses),
        ("channel", f.channels),
        ("category", f.categories),
        ("warning_colour", f.warning_colours),
    ):
        if chosen:
            sql.add(f"c.{column} = ANY({sql.value(_texts(chosen))}::text[])")
    for column, text in (("province", f.province), ("city", f.city)):
        if text:
            sql.add(f"c.{column} = {sql.value(text)}")
    for column, key in (
        ("owner_id", f.owner_id),
        ("department_id", f.department_id),
        ("customer_id", f.customer_id),
    ):
        if key is not None:
            sql.add(f"c.{column} = {sql.value(key)}")
    if f.created_from is not None:
        sql.add(f"c.created_at >= {sql.value(f.created_from)}")
    if f.created_to is not None:
        sql.add(f"c.created_at < {sql.value(f.created_to)}")
    if f.supervised is not None:
        sql.add(
            ("" if f.supervised else "NOT ")
            + "EXISTS (SELECT 1 FROM supervised_matters s WHERE s.matter_key = c.matter_key"
            + " AND s.ended_at IS NULL)"  # supervised now: an open period (C-10)
        )
    at = f.at or clock.now()
    if f.overdue is not None:
        moment = sql.value(at)
        sql.add(
            f"(c.breach_open OR c.next_due_at <= {moment})"
            if f.overdue
            else f"(NOT c.breach_open AND (c.next_due_at IS NULL OR c.next_due_at > {moment}))"
        )
    if f.due_within_hours is not None:
        sql.add(f"c.next_due_at <= {sql.value(at + timedelta(hours=f.due_within_hours))}")
    if f.urgency or f.urgent_only:
        reasons = ""
        if f.urgency:
            reasons = f" AND u.reason = ANY({sql.value([str(r.value) for r in f.urgency])}::text[])"
        sql.add(
            f"EXISTS (SELECT 1 FROM complaint_urgencies u WHERE u.complaint_id = c.id{reasons})"
        )
    return sql


def _texts(values: Sequence[Any]) -> list[str]:
    return [str(getattr(v, "value", v)) for v in values]


def complaint_columns() -> str:
    return ", ".join(f"c.{column}" for column in Complaint._meta.fields_db_projection.values())


async def _rows(query: str, values: list[Any]) -> list[dict[str, Any]]:
    return list(await connections.get("default").execute_query_dict(query, values))


def _complaints(rows: Sequence[Any]) -> list[Complaint]:
    """A page's complaints (asyncpg records) as display rows (`Row`): the columns as
    PostgreSQL sends them, enums as their stored text, with `next_due` (the queue's key) when
    read; read only. Not model objects: building one per row converted each of its 43
    columns (issue 14: half of the due-soonest page's CPU). They read like the model for what
    a page reads. Each row's values are paired with the names by position: a record looked
    up by name per column (Tortoise's dict rows, or `**record`) cost 0.36 ms a page of 51
    rows, against 0.16 ms."""
    if not rows:
        return []
    names = list(rows[0].keys())
    made: list[Any] = []
    for row in rows:
        values = dict(zip(names, row, strict=True))
        values.setdefault("next_due", None)
        made.append(Row(**values))
    return made


@replica_safe
async def page(
    f: ComplaintFilter, *, first: int, after_id: int | None, before_id: int | None = None
) -> Page:
    """Newest first; `after_id` is the last id of the previous page (keyset, no OFFSET).
    `before_id` pages backward: the `first` complaints just newer than that one, newest first."""
    first = max(1, min(first, MAX_PAGE))
    sql = _where(f)
    counted = sql.copy()
    window = sql.clause()
    if after_id is not None:
        window += f" AND c.id < {sql.value(after_id)}"
    if before_id is not None:
        window += f" AND c.id > {sql.value(before_id)}"
    order = "ASC" if before_id is not None else "DESC"
    rows = await records(
        f"SELECT {complaint_columns()} FROM complaints c WHERE {window} ORDER BY c.id {order}"
        f" LIMIT {sql.value(first + 1)}",
        sql.values,
    )
    more = len(rows) > first
    if before_id is not None:  # the row `before_id` itself follows this page
        found = _complaints(list(reversed(rows[:first])))
        return Page(rows=found, has_next=True, has_previous=more, where=counted)
    found = _complaints(rows[:first])
    return Page(rows=found, has_next=more, has_previous=after_id is not None, where=counted)


@replica_safe
async def page_due_soonest(
    f: ComplaintFilter,
    *,
    first: int,
    after: tuple[datetime, int] | None,
    before: tuple[datetime, int] | None = None,
) -> Page:
    """A handler's queue: complaints with a pending deadline, the soonest due first.

    Keyset on (next due time, id); `after` is the pair of the previous page's last row. The
    next due time is a column with its own indexes (alone, and after owner or department),
    so the page is an index scan that stops after `first` rows.
    """
    first = max(1, min(first, MAX_PAGE))
    sql = _where(f)
    sql.add("c.next_due_at IS NOT NULL")
    counted = sql.copy()
    window = sql.clause()
    if after is not None:
        due, last_id = after
        window += f" AND (c.next_due_at, c.id) > ({sql.value(due)}, {sql.value(last_id)})"
    if before is not None:  # backward: the rows just before `before`, read from it down
        due, first_id = before
        window += f" AND (c.next_due_at, c.id) < ({sql.value(due)}, {sql.value(first_id)})"
    order = "DESC" if before is not None else "ASC"
    rows = await records(
        f"SELECT {complaint_columns()}, c.next_due_at AS next_due FROM complaints c WHERE {window}"
        f" ORDER BY c.next_due_at {order}, c.id {order} LIMIT {sql.value(first + 1)}",
        sql.values,
    )
    more = len(rows) > first
    if before is not None:
        found = _complaints(list(reversed(rows[:first])))
        return Page(rows=found, has_next=True, has_previous=more, where=counted)
    found = _complaints(rows[:first])
    return Page(rows=found, has_next=more, has_previous=after is not None, where=counted)


async def _count(sql: _Sql) -> int:
    found = await _rows(f"SELECT count(*) AS n FROM complaints c WHERE {sql.clause()}", sql.values)
    return int(found[0]["n"])


async def tasks_for(complaint_ids: Sequence[int]) -> dict[int, list[ComplaintTask]]:
    return await _by_complaint(
        ComplaintTask.filter(complaint_id__in=list(complaint_ids)).order_by("id")
    )


async def supervision_for(matter_keys: Sequence[str]) -> dict[str, SupervisedMatter]:
    """Each matter's latest supervision period (C-10): the open one, else the last ended."""
    rows = SupervisedMatter.filter(matter_key__in=list(matter_keys)).order_by("id")
    return {s.matter_key: s for s in await rows}


async def _by_complaint(rows: QuerySet[M]) -> dict[int, list[M]]:
    """Rows grouped by their complaint, in the query's order: one query for a whole page."""
    return group_by(await rows, "complaint_id")


async def by_ids(ids: Sequence[int]) -> dict[int, Complaint]:
    return {c.id: c for c in await Complaint.filter(id__in=list(ids))}


class Row(SimpleNamespace):
    """A row read for display: its columns as attributes (what the types' `from_row` read),
    without building a model object per row (attribute reads at C speed)."""

    def __getitem__(self, name: str) -> Any:
        return self.__dict__[name]


# The rows a page reads many of, as tuples with named fields: made from an asyncpg record or
# an anonymous record's tuple without a dict or a namespace per row (`_make`). The columns are
# selected in the fields' order (`columns`).


class CustomerRow(NamedTuple):
    """What a complaint page shows of its customers (no e-mail, no notes)."""

    id: int
    msisdn: str
    name: str
    tier: str
    province: str
    city: str
    joined_on: date
    credit_standing: str
    status: str
    sensitive: bool


class UrgencyRow(NamedTuple):
    """`evidence` as PostgreSQL sends it (JSON text): decoded by whoever shows it."""

    complaint_id: int
    reason: str
    note: str
    evidence: Any
    created_at: datetime


class DeadlineRow(NamedTuple):
    complaint_id: int
    id: int
    kind: str
    key: str
    due_at: datetime
    state: str
    met_at: datetime | None
    breached_at: datetime | None
    provisional: bool
    note: str


class EventRow(NamedTuple):
    complaint_id: int
    id: int
    at: datetime
    action: str
    field: str
    from_value: str
    to_value: str
    reason: str
    actor_id: int | None


# what a page shows of staff: never the password hash
STAFF_COLUMNS = (
    "id",
    "username",
    "display_name",
    "roles",
    "track",
    "is_department_head",
    "department_id",
)


def columns(alias: str, row: type[tuple[Any, ...]]) -> str:
    """The select list of a row type over the table aliased `alias`, in its fields' order."""
    return ", ".join(f"{alias}.{name}" for name in row._fields)  # type: ignore[attr-defined]


def staff_row(values: dict[str, Any]) -> Row:
    """A staff row for display, its roles decoded (PostgreSQL sends JSON as text)."""
    row = Row(**values)
    if isinstance(row.roles, str):
        row.roles = json.loads(row.roles)
    return row


def by_complaint(rows: Iterable[R]) -> dict[int, list[R]]:
    """Rows ordered by their complaint first (its id their first field), grouped by it, order
    kept."""
    return {key: list(group) for key, group in groupby(rows, itemgetter(0))}


async def records(query: str, values: list[Any]) -> list[Any]:
    """asyncpg records as they come (no dict per row); prepared and cached per connection."""
    return list((await connections.get("default").execute_query(query, values))[1])


async def _rows_of(
    row: type[R], table: str, order: str, complaint_ids: Sequence[int]
) -> dict[int, list[R]]:
    """The rows of `table` (as `row`, a NamedTuple of its columns) of these complaints, grouped
    by complaint, in `order` within each."""
    found = await records(
        f"SELECT {columns('r', row)} FROM {table} r"
        f" WHERE r.complaint_id = ANY($1::int[]) ORDER BY r.complaint_id, {order}",
        [list(complaint_ids)],
    )
    make: Any = row._make  # type: ignore[attr-defined]
    return by_complaint(map(make, found))


@replica_safe
async def events_for(complaint_ids: Sequence[int]) -> dict[int, list[EventRow]]:
    return await _rows_of(EventRow, "complaint_events", "r.id", complaint_ids)


@replica_safe
async def urgencies_for(complaint_ids: Sequence[int]) -> dict[int, list[UrgencyRow]]:
    return await _rows_of(UrgencyRow, "complaint_urgencies", "r.id", complaint_ids)


@replica_safe
async def deadlines_for(complaint_ids: Sequence[int]) -> dict[int, list[DeadlineRow]]:
    """Each complaint's deadlines, the soonest due first."""
    return await _rows_of(DeadlineRow, "complaint_deadlines", "r.due_at, r.id", complaint_ids)


@replica_safe
async def customers_by_ids(ids: Sequence[int]) -> dict[int, CustomerRow]:
    found = await records(
        f"SELECT {columns('c', CustomerRow)} FROM customers c WHERE c.id = ANY($1::int[])",
        [list(ids)],
    )
    return {r["id"]: CustomerRow._make(r) for r in found}


@replica_safe
async def staff_by_ids(ids: Sequence[int]) -> dict[int, Row]:
    found = await records(
        f"SELECT {', '.join(STAFF_COLUMNS)} FROM staff WHERE id = ANY($1::int[])", [list(ids)]
    )
    return {r["id"]: staff_row(dict(r)) for r in found}


@replica_safe
async def departments_by_ids(ids: Sequence[int]) -> dict[int, Row]:
    found = await records(
        "SELECT id, code, name FROM departments WHERE id = ANY($1::int[])", [list(ids)]
    )
    return {r["id"]: Row(**r) for r in found}
