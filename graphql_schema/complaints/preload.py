"""A page of complaints loads what its query asks for before the fields resolve: one query per
relation for the whole page (the loaders' own batch functions), kept in the request's loaders.
The fields then resolve from memory, without a coroutine or a future per field per row
(`graphql_schema.context.now_or_later`); a field this misses still loads through its loader.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql_schema.context import Loaders, fill
from graphql_schema.selections import asked
from services.complaints.models import Complaint as ComplaintRow
from services.complaints.queries import staff_with_departments

# a complaint's field -> (its loader, the row attribute that is the key)
_BY_FIELD: dict[str, tuple[str, str]] = {
    "customer": ("customer_by_id", "customer_id"),
    "urgency": ("urgencies_by_complaint", "id"),
    "urgent": ("urgencies_by_complaint", "id"),
    "deadlines": ("deadlines_by_complaint", "id"),
    "tasks": ("tasks_by_complaint", "id"),
    "supervision": ("supervision_by_matter", "matter_key"),
    "history": ("events_by_complaint", "id"),
    "notices": ("notices_by_complaint", "id"),
}
_STAFF_FIELDS = {"owner": "owner_id", "firstHandler": "first_handler_id"}


async def preload(info: Any, rows: Sequence[ComplaintRow], *path: str) -> None:
    """Fill the loaders for the complaints `rows`, which the query reads at `path` below the
    current field (("edges", "node") for a connection, () for one complaint)."""
    if not rows:
        return
    loaders: Loaders = info.context.loaders
    node = asked(info, *path)
    for name, (loader, attr) in _BY_FIELD.items():
        if name in node:
            await fill(getattr(loaders, loader), (getattr(row, attr) for row in rows))
    staff_ids: list[int | None] = []
    staff_paths: list[tuple[str, ...]] = []
    for name, attr in _STAFF_FIELDS.items():
        if name in node:
            staff_ids += [getattr(row, attr) for row in rows]
            staff_paths.append((*path, name))
    ids = [row.id for row in rows]
    if "history" in node and "actor" in asked(info, *path, "history"):
        events = (await loaders.events_by_complaint.load_many(ids)) if ids else []
        staff_ids += [e.actor_id for rows_of in events for e in rows_of]
        staff_paths.append((*path, "history", "actor"))
    if "tasks" in node and "owner" in asked(info, *path, "tasks"):
        tasks = await loaders.tasks_by_complaint.load_many(ids)
        staff_ids += [t.owner_id for rows_of in tasks for t in rows_of]
        staff_paths.append((*path, "tasks", "owner"))
    if staff_ids:
        if any("department" in asked(info, *p) for p in staff_paths):
            await _fill_staff_with_departments(loaders, staff_ids)
        else:
            await fill(loaders.staff_by_id, staff_ids)
    if "department" in node:  # the complaints' own departments (those known are not read)
        await fill(loaders.department_by_id, [row.department_id for row in rows])


async def _fill_staff_with_departments(loaders: Loaders, ids: list[int | None]) -> None:
    """The staff a page names and their departments, in one statement instead of two."""
    staff = loaders.staff_by_id
    wanted = [k for k in dict.fromkeys(ids) if k is not None and k not in staff.known]
    if not wanted:
        return
    found, departments = await staff_with_departments(wanted)
    staff.known.update((k, found.get(k)) for k in wanted)
    loaders.department_by_id.known.update(departments)
