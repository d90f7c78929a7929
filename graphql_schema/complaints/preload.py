"""A page of complaints loads what its query asks for before the fields resolve, and keeps it in
the request's loaders: what a page shows beside its complaints (customers, urgency, deadlines,
history, the staff named and their departments) in one statement
(`services.complaints.related`; one complaint's comes with its row, `read_complaint`), tasks,
supervision and notices one query each through the loaders' own batch functions.
The fields then resolve from memory, without a coroutine or a future per field per row
(`graphql_schema.context.now_or_later`); a field this misses still loads through its loader.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from graphql_schema.context import Loader, Loaders, fill
from graphql_schema.selections import asked
from services.complaints.models import Complaint as ComplaintRow
from services.complaints.related import Along, Related, related_to

# a complaint's field -> (its loader, the row attribute that is the key): read by the ORM
_BY_FIELD: dict[str, tuple[str, str]] = {
    "tasks": ("tasks_by_complaint", "id"),
    "supervision": ("supervision_by_matter", "matter_key"),
    "notices": ("notices_by_complaint", "id"),
}
# the relations read by complaint (`Along`'s and `Related`'s names) -> their loaders
_BY_COMPLAINT = {
    "urgencies": "urgencies_by_complaint",
    "deadlines": "deadlines_by_complaint",
    "events": "events_by_complaint",
}


def along(info: Any, *path: str) -> Along:
    """The relations the query reads of the complaints at `path` below the current field
    (("edges", "node") for a connection, () for one complaint)."""
    node = asked(info, *path)
    history = asked(info, *path, "history") if "history" in node else set()
    tasks = asked(info, *path, "tasks") if "tasks" in node else set()
    staff = [(*path, name) for name in ("owner", "firstHandler") if name in node]
    if "actor" in history:
        staff.append((*path, "history", "actor"))
    if "owner" in tasks:
        staff.append((*path, "tasks", "owner"))
    return Along(
        customers="customer" in node,
        urgencies=not node.isdisjoint(("urgency", "urgent")),
        deadlines=not node.isdisjoint(("deadlines", "nextDeadline", "viewerCan")),
        events="history" in node,
        staff=not node.isdisjoint(("owner", "firstHandler")),
        actors="actor" in history,
        task_owners="owner" in tasks,
        staff_departments=any("department" in asked(info, *p) for p in staff),
        departments="department" in node,
    )


async def preload(info: Any, rows: Sequence[ComplaintRow], *path: str) -> None:
    """Fill the loaders for the complaints `rows`, which the query reads at `path`."""
    if not rows:
        return
    wanted = along(info, *path)
    await preloaded(info, rows, await related_to(rows, wanted), wanted, *path)


async def preloaded(
    info: Any, rows: Sequence[ComplaintRow], related: Related, wanted: Along, *path: str
) -> None:
    """Keep the relations read (`wanted`, found as `related`) in the loaders, and load what
    the query reads besides (tasks, supervision, notices)."""
    loaders: Loaders = info.context.loaders
    ids = [row.id for row in rows]
    for name, loader in _BY_COMPLAINT.items():
        if getattr(wanted, name):
            _keep(getattr(loaders, loader), ids, getattr(related, name), [])
    _keep(loaders.customer_by_id, related.customers, related.customers, None)
    _keep(loaders.staff_by_id, related.staff, related.staff, None)
    _keep(loaders.department_by_id, related.departments, related.departments, None)
    node = asked(info, *path)
    for name, (loader, attr) in _BY_FIELD.items():
        if name in node:
            await fill(getattr(loaders, loader), (getattr(row, attr) for row in rows))


def _keep(
    loader: Loader[Any, Any], keys: Iterable[Any], found: Mapping[Any, Any], none: Any
) -> None:
    """Each key's value found (`none` when not found) kept in the loader; what it knew stays."""
    known = loader.known
    for key in keys:
        if key not in known:
            known[key] = found.get(key, none)
