"""R-10: compensation beyond the refund, recorded on the complaint.

A fee waiver, a visit gift within the allowance of the customer's tier (configurable: 200 /
150 / 100 yuan by default), or travel fares credited on an invoice. Compensation is its own
record and its own ledger entry (travel fares); it never changes, replaces or settles a
refund, which stays due as the rules make it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from tortoise.transactions import in_transaction

from services.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintUrgency,
    Status,
    UrgencyReason,
)
from services.customers.models import Customer
from services.errors import ErrorCode, InvalidInput
from services.refunds import clock, idempotency, limits, policy
from services.refunds.common import complaint_for, require_handler, require_handling
from services.refunds.models import (
    Compensation,
    CompensationKind,
    FeeWaiver,
    LedgerEntry,
    LedgerKind,
    Refund,
    RefundStatus,
    Transport,
)
from services.staff.models import Staff

UNRESOLVED = frozenset(
    {
        Status.RECEIVED,
        Status.ACKNOWLEDGED,
        Status.INVESTIGATING,
        Status.PLAN_PROPOSED,
        Status.RESOLVING,
    }
)
REFUSED = (RefundStatus.REJECTED, RefundStatus.DECLINED, RefundStatus.CANCELLED)


@dataclass(frozen=True)
class CompensationInput:
    kind: CompensationKind
    value_fen: int
    description: str
    waiver: FeeWaiver | None = None
    service_code: str = ""
    period_from: date | None = None
    period_to: date | None = None
    invoice_ref: str = ""
    transport: Transport | None = None


async def by_id(compensation_id: int) -> Compensation:
    return await Compensation.get(id=compensation_id)


async def record_compensation(
    *,
    actor: Staff,
    complaint_id: int,
    given: CompensationInput,
    idempotency_key: str | None = None,
) -> Compensation:
    """Record one R-10 compensation on the complaint (travel fares are credited at once)."""
    return await idempotency.once(
        scope="record_compensation",
        key=idempotency_key,
        actor_id=actor.id,
        request={"complaint_id": complaint_id, **asdict(given)},
        run=lambda: _record(actor, complaint_id, given),
        result_id=lambda row: row.id,
        replay=by_id,
    )


async def _record(actor: Staff, complaint_id: int, given: CompensationInput) -> Compensation:
    require_handler(actor)
    complaint = await complaint_for(complaint_id)
    require_handling(actor, complaint)
    value = policy.require_fen(given.value_fen, "valueFen", rule="R-10")
    if not given.description.strip():
        raise InvalidInput("Say what is given.", code=ErrorCode.REQUIRED, field="description")
    customer = await Customer.get(id=complaint.customer_id)
    today = clock.local_date(clock.now())
    period = (given.period_from, given.period_to)
    if given.kind is CompensationKind.GIFT:
        reasons = policy.check_gift(
            tier=policy.CustomerTier(customer.tier),
            value_fen=value,
            allowances=await limits.gift_allowances(),
        ).reasons
    elif given.kind is CompensationKind.TRAVEL_FARE:
        reasons = await _check_travel_fare(complaint, given)
    else:
        reasons, period = _check_waiver(complaint, given, today)
    async with in_transaction():
        row = await Compensation.create(
            complaint=complaint,
            customer=customer,
            kind=given.kind,
            waiver=given.waiver if given.kind is CompensationKind.FEE_WAIVER else None,
            transport=given.transport if given.kind is CompensationKind.TRAVEL_FARE else None,
            value_fen=value,
            description=given.description.strip(),
            service_code=given.service_code.strip(),
            period_from=period[0],
            period_to=period[1],
            invoice_ref=given.invoice_ref.strip(),
            reasons=list(reasons),
            recorded_by=actor,
        )
        if given.kind is CompensationKind.TRAVEL_FARE:
            await LedgerEntry.create(
                customer=customer,
                kind=LedgerKind.TRAVEL_FARE,
                amount_fen=value,
                applies_on=today,
                compensation=row,
                note=f"travel fare, invoice {row.invoice_ref}",
            )
        await ComplaintEvent.create(
            complaint=complaint,
            actor=actor,
            action="compensation_recorded",
            field="compensation",
            to_value=f"{given.kind.value}:{value}",
            reason=f"{row.description} ({reasons[0]})",
        )
    return row


async def _check_travel_fare(complaint: Complaint, given: CompensationInput) -> tuple[str, ...]:
    if not given.invoice_ref.strip():
        raise InvalidInput(
            "R-10: travel fares are credited on presentation of an invoice.",
            code=ErrorCode.REQUIRED,
            field="invoiceRef",
        )
    if given.transport is None or given.transport is Transport.CITY_BUS:
        raise InvalidInput(
            "R-10: city bus fares are excepted; name the coach, taxi or metro fare.",
            field="transport",
        )
    escalated = await ComplaintUrgency.exists(
        complaint_id=complaint.id, reason=UrgencyReason.ESCALATED
    )
    liable = (
        await Refund.filter(complaint_id=complaint.id, liability=policy.Liability.COMPANY_LIABLE)
        .exclude(status__in=REFUSED)
        .exists()
    )
    if not (escalated and liable):
        raise InvalidInput(
            "R-10: travel fares are credited only for an escalated, company-liable complaint.",
            field="kind",
        )
    return ("R-10: travel fare of an escalated, company-liable complaint, on invoice.",)


def _check_waiver(
    complaint: Complaint, given: CompensationInput, today: date
) -> tuple[tuple[str, ...], tuple[date | None, date | None]]:
    if given.waiver is None:
        raise InvalidInput("Name the fee waived.", code=ErrorCode.REQUIRED, field="waiver")
    if given.waiver is FeeWaiver.MISSED_CALL_ALERT_YEAR:
        lodged = clock.local_date(complaint.created_at)
        three_months_on = _add_months(lodged, 3)
        if today < three_months_on or complaint.status not in UNRESOLVED:
            raise InvalidInput(
                "R-10: a year of missed-call alert is waived only when voice service is still "
                f"unresolved 3 months after the complaint (from {three_months_on.isoformat()}).",
                field="waiver",
            )
        end = _add_months(today, 12) - timedelta(days=1)
        return ("R-10: voice unresolved 3 months on: one year of missed-call alert waived.",), (
            today,
            end,
        )
    if not given.service_code.strip() or not given.period_from or not given.period_to:
        raise InvalidInput(
            "R-10: name the service and the affected period whose function fee is waived.",
            code=ErrorCode.REQUIRED,
            field="serviceCode" if not given.service_code.strip() else "periodFrom",
        )
    if given.period_to < given.period_from:
        raise InvalidInput("The period ends before it starts.", field="periodTo")
    return ("R-10: function fee of an unusable subscribed service waived for the period.",), (
        given.period_from,
        given.period_to,
    )


def _add_months(day: date, months: int) -> date:
    first = clock.month_start(day, -months)
    following = clock.next_month_start(first)
    return first.replace(day=min(day.day, (following - timedelta(days=1)).day))
