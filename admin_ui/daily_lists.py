"""The notice outbox (what customers were sent, R-14) and the special-customer list (K-1/K-2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin_ui.auth import console_page
from admin_ui.daily_views import PAGE, chosen_status, status_counts
from admin_ui.rendering import localtime, render
from services import phones, privacy
from services.customers.models import Customer, CustomerStatus
from services.notices.models import Notice, NoticeStatus
from services.refunds import clock, risk_profiles
from services.refunds.models import RiskProfile
from services.staff.models import Staff

SPECIAL_LIMIT = 200


@dataclass(frozen=True)
class NoticeRow:
    id: int
    created_at: str
    sent_at: str
    phone: str
    template: str
    body: str
    status: str
    attempts: int
    last_error: str


@console_page
async def notices(request: Request, staff: Staff) -> Response:
    status = chosen_status(request, NoticeStatus)
    counts = await status_counts(Notice, NoticeStatus)
    query = Notice.all() if status is None else Notice.filter(status=status)
    rows = [
        NoticeRow(
            id=n.id,
            created_at=localtime(n.created_at),
            sent_at=localtime(n.sent_at),
            phone=phones.mask(n.msisdn),
            template=n.template,
            body=phones.mask_in_text(n.body),  # a body may quote a number (C-12)
            status=n.status.value,
            attempts=n.attempts,
            last_error=phones.mask_in_text(n.last_error),
        )
        for n in await query.order_by("-id").limit(PAGE)
    ]
    context: dict[str, Any] = {
        "staff": staff,
        "nav": "notices",
        "notices": rows,
        "counts": counts,
        "status": status,
        "total": sum(n for _, n in counts),
    }
    return render(request, "notices.html", context)


@dataclass(frozen=True)
class SpecialRow:
    customer_id: int
    name: str
    phone: str
    tier: str
    since: str
    leaves_on: str
    triggered_by: tuple[str, ...]
    trigger_count: int
    trigger_month_fen: int
    trigger_quarter_fen: int
    month_count: int
    month_fen: int
    quarter_fen: int


@console_page
async def special_customers(request: Request, staff: Staff) -> Response:
    """K-1: who is special today and why; K-2's exits (quiet months, cancelled) applied."""
    today = clock.local_date(clock.now())
    stored = (
        await RiskProfile.filter(special=True, leaves_on__gt=today)
        .order_by("-since", "customer_id")
        .limit(SPECIAL_LIMIT)
        .select_related("customer")
    )
    customers: list[Customer] = [
        p.customer for p in stored if p.customer.status != CustomerStatus.CANCELLED
    ]
    profiles = await risk_profiles.current_many(customers, today=today)
    rows = []
    for customer in customers:
        profile = profiles[customer.id]
        if not profile.special:
            continue
        trigger = profile.trigger_figures
        rows.append(
            SpecialRow(
                customer_id=customer.id,
                name=privacy.mask_name(customer.name),
                phone=phones.mask(customer.msisdn),
                tier=customer.tier.value,
                since=profile.since.isoformat() if profile.since else "—",
                leaves_on=profile.leaves_on.isoformat() if profile.leaves_on else "—",
                triggered_by=profile.triggered_by,
                trigger_count=trigger.month_count if trigger else 0,
                trigger_month_fen=trigger.month_sum_fen if trigger else 0,
                trigger_quarter_fen=trigger.three_month_sum_fen if trigger else 0,
                month_count=profile.current.month_count,
                month_fen=profile.current.month_sum_fen,
                quarter_fen=profile.current.three_month_sum_fen,
            )
        )
    context: dict[str, Any] = {"staff": staff, "nav": "special", "rows": rows, "today": today}
    return render(request, "special_customers.html", context)


routes = [
    Route("/notices", notices, name="notices"),
    Route("/special-customers", special_customers, name="special_customers"),
]
