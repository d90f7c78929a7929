"""Reading refunds: filtered keyset pages, the approvers' queue, batch look-ups for loaders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.queryset import QuerySet

from services.customers.models import Customer
from services.db import group_by
from services.refunds import clock, enforcement, policy, risk_profiles
from services.refunds.models import (
    Compensation,
    LedgerEntry,
    Refund,
    RefundApproval,
    RefundEvent,
    RefundLine,
    RefundStatus,
)
from services.staff.models import Staff, Track

MAX_PAGE = 100


@dataclass(frozen=True)
class RefundFilter:
    statuses: Sequence[RefundStatus] = ()
    bands: Sequence[int] = ()
    track: Track | None = None
    customer_id: int | None = None
    complaint_id: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    awaiting_approval_by: Staff | None = None  # the approver's queue
    overdue: bool | None = None  # a step overdue now (True) or not (False)
    owned_by: Staff | None = None  # the handler's queue: refunds on complaints they own


@dataclass
class Page:
    rows: list[Refund]
    total: int
    has_next: bool
    has_previous: bool = False


def approver_queue(qs: QuerySet[Refund], approver: Staff) -> QuerySet[Refund]:
    """R-12: what this approver may approve now: waiting, on their track, within their band,
    and not requested by themselves."""
    band = policy.highest_band(approver.roles)
    if band is None or band == 0:
        return qs.filter(id__lt=0)  # approves nothing
    return qs.filter(
        status=RefundStatus.AWAITING_APPROVAL,
        track=approver.track,
        band__gte=1,
        band__lte=band,
    ).exclude(requested_by_id=approver.id)


def _filtered(f: RefundFilter) -> QuerySet[Refund]:
    qs = Refund.all()
    if f.statuses:
        qs = qs.filter(status__in=list(f.statuses))
    if f.bands:
        qs = qs.filter(band__in=list(f.bands))
    if f.track is not None:
        qs = qs.filter(track=f.track)
    if f.customer_id is not None:
        qs = qs.filter(customer_id=f.customer_id)
    if f.complaint_id is not None:
        qs = qs.filter(complaint_id=f.complaint_id)
    if f.created_from is not None:
        qs = qs.filter(created_at__gte=f.created_from)
    if f.created_to is not None:
        qs = qs.filter(created_at__lt=f.created_to)
    if f.awaiting_approval_by is not None:
        qs = approver_queue(qs, f.awaiting_approval_by)
    if f.owned_by is not None:
        qs = qs.filter(complaint__owner_id=f.owned_by.id)
    if f.overdue is not None:
        late = enforcement.overdue_q(clock.now())
        qs = qs.filter(late if f.overdue else ~late)
    return qs


async def page(
    f: RefundFilter, *, first: int, after_id: int | None, before_id: int | None = None
) -> Page:
    """Newest first; `after_id` is the last id of the previous page (keyset, no OFFSET).
    `before_id` pages backward: the `first` refunds just newer than that one, newest first."""
    first = max(1, min(first, MAX_PAGE))
    qs = _filtered(f)
    total = await qs.count()
    window = qs.filter(id__lt=after_id) if after_id is not None else qs
    if before_id is not None:
        rows = await window.filter(id__gt=before_id).order_by("id").limit(first + 1)
        found = list(reversed(rows[:first]))
        return Page(rows=found, total=total, has_next=True, has_previous=len(rows) > first)
    rows = await window.order_by("-id").limit(first + 1)
    more = len(rows) > first
    return Page(rows=rows[:first], total=total, has_next=more, has_previous=after_id is not None)


async def by_ids(ids: Sequence[int]) -> dict[int, Refund]:
    return {r.id: r for r in await Refund.filter(id__in=list(ids))}


async def for_complaints(complaint_ids: Sequence[int]) -> dict[int, list[Refund]]:
    """Each complaint's refunds, oldest first: one query for a whole page of complaints."""
    return group_by(
        await Refund.filter(complaint_id__in=list(complaint_ids)).order_by("id"), "complaint_id"
    )


async def events_for(refund_ids: Sequence[int]) -> dict[int, list[RefundEvent]]:
    return group_by(
        await RefundEvent.filter(refund_id__in=list(refund_ids)).order_by("id"), "refund_id"
    )


async def approvals_for(refund_ids: Sequence[int]) -> dict[int, list[RefundApproval]]:
    return group_by(
        await RefundApproval.filter(refund_id__in=list(refund_ids)).order_by("id"), "refund_id"
    )


async def lines_for(refund_ids: Sequence[int]) -> dict[int, list[RefundLine]]:
    return group_by(
        await RefundLine.filter(refund_id__in=list(refund_ids)).order_by("id"), "refund_id"
    )


async def ledger_for(refund_ids: Sequence[int]) -> dict[int, LedgerEntry]:
    rows = await LedgerEntry.filter(refund_id__in=list(refund_ids))
    return {e.refund_id: e for e in rows if e.refund_id is not None}


async def compensations_for(complaint_ids: Sequence[int]) -> dict[int, list[Compensation]]:
    return group_by(
        await Compensation.filter(complaint_id__in=list(complaint_ids)).order_by("id"),
        "complaint_id",
    )


async def profiles_for(customer_ids: Sequence[int]) -> dict[int, risk_profiles.Profile]:
    """Current risk profiles (K-1..K-3) of several customers in three queries."""
    customers = await Customer.filter(id__in=list(customer_ids))
    return await risk_profiles.current_many(customers)
