"""What an admin looks at every day: complaints and refunds by status with their deadlines.

Each list is the newest 50 of one status (or of all), with the count of every status above it;
a page costs a fixed handful of queries whatever it shows. Phone numbers are always masked:
console users never handle complaints (C-12).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.functions import Count
from tortoise.models import Model

from admin_ui.auth import console_page
from admin_ui.rendering import localtime, render
from services import clock, phones, privacy
from services.complaints.models import Complaint, Deadline, DeadlineState, Status
from services.refunds.models import Refund, RefundStatus
from services.staff.models import Staff

PAGE = 50


async def status_counts(model: type[Model], statuses: type[StrEnum]) -> list[tuple[str, int]]:
    """Every status in life-cycle order with its count (zero included), in one query."""
    rows = await model.annotate(n=Count("id")).group_by("status").values("status", "n")
    found = {str(row["status"]): row["n"] for row in rows}
    return [(status.value, found.get(status.value, 0)) for status in statuses]


def chosen_status(request: Request, statuses: type[StrEnum]) -> str | None:
    wanted = request.query_params.get("status", "")
    return wanted if wanted in {s.value for s in statuses} else None


@dataclass(frozen=True)
class Due:
    """The next time limit of a row: what, when, and whether it has passed."""

    what: str
    at: str
    overdue: bool
    # counted on a calendar year computed by rule, not yet confirmed (C-7): an estimate
    provisional: bool = False


def due(what: str, at: datetime | None, now: datetime, provisional: bool = False) -> Due | None:
    return Due(what, localtime(at), at < now, provisional) if at is not None else None


@dataclass(frozen=True)
class ComplaintRow:
    """What the list shows of one complaint; the phone number is already masked (C-12)."""

    id: int
    created_at: str
    channel: str
    category: str
    status: str
    colour: str
    customer_name: str
    customer_phone: str
    owner_name: str
    next_due: Due | None


@console_page
async def complaints(request: Request, staff: Staff) -> Response:
    status = chosen_status(request, Status)
    counts = await status_counts(Complaint, Status)
    query = Complaint.all() if status is None else Complaint.filter(status=status)
    recent = await query.order_by("-id").limit(PAGE).select_related("customer", "owner")
    pending = await Deadline.filter(
        complaint_id__in=[c.id for c in recent], state=DeadlineState.PENDING
    ).order_by("due_at")
    first_due: dict[int, Deadline] = {}
    for deadline in pending:
        first_due.setdefault(deadline.complaint_id, deadline)
    now = clock.now()
    rows = [
        ComplaintRow(
            id=c.id,
            created_at=localtime(c.created_at),
            channel=c.channel.value,
            category=c.category.value,
            status=c.status.value,
            colour=c.warning_colour.value,
            customer_name=privacy.mask_name(c.customer.name),
            # console users (admins, auditors) never handle complaints: the permission
            # table's SEE_* views never entitle them, so names and numbers are masked (C-12)
            customer_phone=phones.mask(c.customer.msisdn),
            owner_name=c.owner.display_name,
            next_due=due(
                first_due[c.id].kind.value,
                first_due[c.id].due_at,
                now,
                first_due[c.id].provisional,
            )
            if c.id in first_due
            else None,
        )
        for c in recent
    ]
    context: dict[str, Any] = {
        "staff": staff,
        "nav": "complaints",
        "complaints": rows,
        "counts": counts,
        "status": status,
        "total": sum(n for _, n in counts),
    }
    return render(request, "complaints.html", context)


@dataclass(frozen=True)
class RefundRow:
    id: int
    complaint_id: int
    created_at: str
    customer_name: str
    customer_phone: str
    matter: str
    refund_fen: int
    band: int
    track: str
    flow: str
    status: str
    next_due: Due | None


def refund_due(refund: Refund, now: datetime) -> Due | None:
    """R-13: the limit that runs in the refund's present state."""
    if refund.status == RefundStatus.VERIFYING:
        return due("verify", refund.verify_due_at, now)
    if refund.status == RefundStatus.CONFIRMED:
        return due("execute", refund.execute_due_at, now)
    if refund.status in (RefundStatus.AWAITING_APPROVAL, RefundStatus.AWAITING_CONFIRMATION):
        return due("agree", refund.agree_due_at, now)
    return None


@console_page
async def refunds(request: Request, staff: Staff) -> Response:
    status = chosen_status(request, RefundStatus)
    counts = await status_counts(Refund, RefundStatus)
    query = Refund.all() if status is None else Refund.filter(status=status)
    recent = await query.order_by("-id").limit(PAGE).select_related("customer")
    now = clock.now()
    rows = [
        RefundRow(
            id=r.id,
            complaint_id=r.complaint_id,
            created_at=localtime(r.created_at),
            customer_name=privacy.mask_name(r.customer.name),
            customer_phone=phones.mask(r.customer.msisdn),
            matter=phones.mask_in_text(r.matter),
            refund_fen=r.refund_fen,
            band=r.band,
            track=r.track.value,
            flow=r.flow.value,
            status=r.status.value,
            next_due=refund_due(r, now),
        )
        for r in recent
    ]
    context: dict[str, Any] = {
        "staff": staff,
        "nav": "refunds",
        "refunds": rows,
        "counts": counts,
        "status": status,
        "total": sum(n for _, n in counts),
    }
    return render(request, "refunds.html", context)


routes = [
    Route("/complaints", complaints, name="complaints"),
    Route("/refunds", refunds, name="refunds"),
]
