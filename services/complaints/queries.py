"""Reading complaints: filtered keyset pages and batch look-ups for loaders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from services.complaints.models import (
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintUrgency,
    Deadline,
    Status,
    UrgencyReason,
)

MAX_PAGE = 100


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


async def by_ids(ids: Sequence[int]) -> dict[int, Complaint]:
    return {c.id: c for c in await Complaint.filter(id__in=list(ids))}


async def events_for(complaint_ids: Sequence[int]) -> dict[int, list[ComplaintEvent]]:
    grouped: dict[int, list[ComplaintEvent]] = defaultdict(list)
    for e in await ComplaintEvent.filter(complaint_id__in=list(complaint_ids)).order_by("id"):
        grouped[e.complaint_id].append(e)
    return grouped


async def urgencies_for(complaint_ids: Sequence[int]) -> dict[int, list[ComplaintUrgency]]:
    grouped: dict[int, list[ComplaintUrgency]] = defaultdict(list)
    for u in await ComplaintUrgency.filter(complaint_id__in=list(complaint_ids)).order_by("id"):
        grouped[u.complaint_id].append(u)
    return grouped


async def deadlines_for(complaint_ids: Sequence[int]) -> dict[int, list[Deadline]]:
    grouped: dict[int, list[Deadline]] = defaultdict(list)
    for d in await Deadline.filter(complaint_id__in=list(complaint_ids)).order_by("due_at", "id"):
        grouped[d.complaint_id].append(d)
    return grouped
