"""Reading complaints: filtered keyset pages and batch look-ups for loaders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from services import clock
from services.complaints.models import (
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintTask,
    ComplaintUrgency,
    Deadline,
    Status,
    SupervisedMatter,
    UrgencyReason,
    WarningColour,
)
from services.db import group_by

MAX_PAGE = 100
M = TypeVar("M", bound=Model)


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
    total: int
    has_next: bool
    extra: dict[str, int] = field(default_factory=dict)


def _filtered(f: ComplaintFilter) -> QuerySet[Complaint]:
    qs = Complaint.all()
    if f.statuses:
        qs = qs.filter(status__in=list(f.statuses))
    if f.channels:
        qs = qs.filter(channel__in=list(f.channels))
    if f.categories:
        qs = qs.filter(category__in=list(f.categories))
    if f.province:
        qs = qs.filter(province=f.province)
    if f.city:
        qs = qs.filter(city=f.city)
    if f.owner_id is not None:
        qs = qs.filter(owner_id=f.owner_id)
    if f.department_id is not None:
        qs = qs.filter(department_id=f.department_id)
    if f.customer_id is not None:
        qs = qs.filter(customer_id=f.customer_id)
    if f.created_from is not None:
        qs = qs.filter(created_at__gte=f.created_from)
    if f.created_to is not None:
        qs = qs.filter(created_at__lt=f.created_to)
    if f.warning_colours:
        qs = qs.filter(warning_colour__in=list(f.warning_colours))
    if f.supervised is not None:
        supervised = Subquery(SupervisedMatter.all().values("matter_key"))
        qs = (
            qs.filter(matter_key__in=supervised)
            if f.supervised
            else qs.exclude(matter_key__in=supervised)
        )
    at = f.at or clock.now()
    if f.overdue is not None:
        qs = qs.annotate(overdue=RawSQL(_OVERDUE.format(at=_literal(at)))).filter(overdue=f.overdue)
    if f.due_within_hours is not None:
        qs = qs.annotate(next_due=RawSQL(_NEXT_DUE)).filter(
            next_due__lte=at + timedelta(hours=f.due_within_hours)
        )
    if f.urgency or f.urgent_only:
        urgencies = ComplaintUrgency.all()
        if f.urgency:
            urgencies = urgencies.filter(reason__in=list(f.urgency))
        qs = qs.filter(id__in=Subquery(urgencies.values("complaint_id")))
    return qs


async def page(f: ComplaintFilter, *, first: int, after_id: int | None) -> Page:
    """Newest first; `after_id` is the last id of the previous page (keyset, no OFFSET)."""
    first = max(1, min(first, MAX_PAGE))
    qs = _filtered(f)
    total = await qs.count()
    window = qs.filter(id__lt=after_id) if after_id is not None else qs
    rows = await window.order_by("-id").limit(first + 1)
    return Page(rows=rows[:first], total=total, has_next=len(rows) > first)


async def page_due_soonest(
    f: ComplaintFilter, *, first: int, after: tuple[datetime, int] | None
) -> Page:
    """A handler's queue: complaints with a pending deadline, the soonest due first.

    Keyset on (next due time, id); `after` is the pair of the previous page's last row.
    """
    first = max(1, min(first, MAX_PAGE))
    qs = _filtered(f).annotate(next_due=RawSQL(_NEXT_DUE)).filter(next_due__isnull=False)
    total = await qs.count()
    if after is not None:
        due, last_id = after
        qs = qs.filter(Q(next_due__gt=due) | Q(next_due=due, id__gt=last_id))
    rows = await qs.order_by("next_due", "id").limit(first + 1)
    return Page(rows=rows[:first], total=total, has_next=len(rows) > first)


# the soonest pending limit a handler can miss (the revisit floor is not one)
_NEXT_DUE = (
    "(SELECT min(d.due_at) FROM complaint_deadlines d WHERE d.complaint_id = complaints.id"
    " AND d.state = 'pending' AND d.kind <> 'revisit_opens')"
)
_OVERDUE = (
    "EXISTS (SELECT 1 FROM complaint_deadlines d WHERE d.complaint_id = complaints.id"
    " AND d.kind <> 'revisit_opens' AND d.met_at IS NULL AND (d.state = 'breached'"
    " OR (d.state = 'pending' AND d.due_at <= {at})))"
)


def _literal(moment: datetime) -> str:
    """A timestamp we produced ourselves, as SQL (never user text)."""
    return f"'{moment.isoformat()}'::timestamptz"


async def tasks_for(complaint_ids: Sequence[int]) -> dict[int, list[ComplaintTask]]:
    return await _by_complaint(
        ComplaintTask.filter(complaint_id__in=list(complaint_ids)).order_by("id")
    )


async def supervision_for(matter_keys: Sequence[str]) -> dict[str, SupervisedMatter]:
    return {
        s.matter_key: s for s in await SupervisedMatter.filter(matter_key__in=list(matter_keys))
    }


async def _by_complaint(rows: QuerySet[M]) -> dict[int, list[M]]:
    """Rows grouped by their complaint, in the query's order: one query for a whole page."""
    return group_by(await rows, "complaint_id")


async def by_ids(ids: Sequence[int]) -> dict[int, Complaint]:
    return {c.id: c for c in await Complaint.filter(id__in=list(ids))}


async def events_for(complaint_ids: Sequence[int]) -> dict[int, list[ComplaintEvent]]:
    return await _by_complaint(
        ComplaintEvent.filter(complaint_id__in=list(complaint_ids)).order_by("id")
    )


async def urgencies_for(complaint_ids: Sequence[int]) -> dict[int, list[ComplaintUrgency]]:
    return await _by_complaint(
        ComplaintUrgency.filter(complaint_id__in=list(complaint_ids)).order_by("id")
    )


async def deadlines_for(complaint_ids: Sequence[int]) -> dict[int, list[Deadline]]:
    return await _by_complaint(
        Deadline.filter(complaint_id__in=list(complaint_ids)).order_by("due_at", "id")
    )
