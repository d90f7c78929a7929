"""R-10: compensation beyond the refund, recorded on the complaint.

A fee waiver, a visit gift within the allowance of the customer's tier (configurable: 200 /
150 / 100 yuan by default; the gifts of one complaint add up), or travel fares credited on an
invoice (one invoice once per customer). Compensation is its own record and its own ledger
entry (travel fares); it never changes, replaces or settles a refund, which stays due as the
rules make it. A demand beyond the rules is recorded only with a documented special decision,
and waits for an approver of the band above (special_compensation.py).

Each record is one transaction that locks what it decides on: the complaint for its gifts'
sum, the customer for its invoices (a partial unique index is the last line of defence).
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from tortoise.transactions import in_transaction

from services import events
from services.complaints.models import (
    UNRESOLVED,
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintUrgency,
    UrgencyReason,
)
from services.customers.models import Customer
from services.errors import Conflict, ErrorCode, InvalidInput
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.refunds import clock, compensation, idempotency, limits, policy
from services.refunds.common import complaint_for, require_handler, require_handling
from services.refunds.events import CompensationGranted
from services.refunds.kinds import Liability
from services.refunds.models import (
    Compensation,
    CompensationKind,
    CompensationStatus,
    FeeWaiver,
    GiftGround,
    LedgerEntry,
    LedgerKind,
    OutageCause,
    Refund,
    RefundStatus,
    Transport,
)
from services.staff.models import Staff

VOICE = frozenset({Category.NETWORK_FAULT})  # voice service affected: a network fault complaint

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
    gift_ground: GiftGround | None = None
    visited_on: date | None = None
    exposed_problem: str = ""  # settled on site: the real problem the customer's input exposed
    outage_cause: OutageCause | None = None  # fee waivers: who made the service unusable
    special_reason: str = ""  # a demand beyond the rules: the documented special decision


async def by_id(compensation_id: int) -> Compensation:
    return await Compensation.get(id=compensation_id)


@guarded(UseCase.RECORD_COMPENSATION)
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
    invoice = _require_shape(given)
    today = clock.local_date(clock.now())
    async with in_transaction():
        if given.kind is CompensationKind.GIFT:  # the complaint's gifts add up under this lock
            complaint = await Complaint.select_for_update().get(id=complaint.id)
        customer = await Customer.get(id=complaint.customer_id)
        if given.kind is CompensationKind.TRAVEL_FARE:  # one invoice once per customer
            customer = await Customer.select_for_update().get(id=complaint.customer_id)
            await _require_new_invoice(customer.id, invoice)
        facts = await _facts(complaint)
        status, band = CompensationStatus.RECORDED, None
        try:
            reasons, period = await _check(complaint, customer, given, value, facts, today)
        except compensation.BeyondRules as beyond:
            if not given.special_reason.strip():
                raise
            band = compensation.special_decision_band(
                value_fen=value,
                liability=Liability.COMPANY_LIABLE
                if facts.company_liable
                else Liability.NOT_LIABLE,
                bands=await limits.bands(),
            )
            status, period = (
                CompensationStatus.AWAITING_APPROVAL,
                (given.period_from, given.period_to),
            )
            reasons = (
                f"Beyond the rules: {beyond.message}",
                f"Special decision documented, waiting for a band {band} approver: "
                f"{given.special_reason.strip()}",
            )
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
            invoice_ref=invoice,
            reasons=list(reasons),
            gift_ground=given.gift_ground if given.kind is CompensationKind.GIFT else None,
            visited_on=given.visited_on,
            outage_cause=given.outage_cause,
            exposed_problem=given.exposed_problem.strip(),
            status=status,
            special_reason=given.special_reason.strip() if band is not None else "",
            special_band=band,
            recorded_by=actor,
        )
        told = await grant(row) if status is CompensationStatus.RECORDED else None
        await ComplaintEvent.create(
            complaint=complaint,
            actor=actor,
            action="compensation_recorded"
            if band is None
            else "compensation_special_decision_requested",
            field="compensation",
            to_value=f"{given.kind.value}:{value}",
            reason=f"{row.description} ({reasons[0]})",
        )
    await events.after_commit(told)
    return row


async def grant(row: Compensation) -> events.Published:
    """The compensation is given (recorded within the rules, or its special decision
    approved): a travel fare is credited, and the customer is told in writing (C-9). Inside the
    caller's transaction; pass the result to `events.after_commit` after it."""
    await credit_fare(row)
    return await events.publish(CompensationGranted(compensation=row, at=clock.now()))


async def credit_fare(row: Compensation) -> None:
    """R-10: a travel fare is credited to the account (at once, or once its decision passes)."""
    if row.kind is CompensationKind.TRAVEL_FARE:
        await LedgerEntry.create(
            customer_id=row.customer_id,
            kind=LedgerKind.TRAVEL_FARE,
            amount_fen=row.value_fen,
            applies_on=clock.local_date(clock.now()),
            compensation=row,
            note=f"travel fare, invoice {row.invoice_ref}",
        )


def _require_shape(given: CompensationInput) -> str:
    """What each kind must name, whatever is decided; the fare's invoice, normalised."""
    if given.kind is CompensationKind.GIFT and given.gift_ground is None:
        raise InvalidInput(
            "R-10: say why the gift is given (a visit, or settled on site).",
            code=ErrorCode.REQUIRED,
            field="giftGround",
        )
    if given.kind is CompensationKind.FEE_WAIVER and given.waiver is None:
        raise InvalidInput("Name the fee waived.", code=ErrorCode.REQUIRED, field="waiver")
    if given.kind is not CompensationKind.TRAVEL_FARE:
        return ""
    invoice = normalise_invoice(given.invoice_ref)
    if not invoice:
        raise InvalidInput(
            "R-10: travel fares are credited on presentation of an invoice.",
            code=ErrorCode.REQUIRED,
            field="invoiceRef",
        )
    if given.transport is None:
        raise InvalidInput("Name the fare's transport.", code=ErrorCode.REQUIRED, field="transport")
    return invoice


def normalise_invoice(ref: str) -> str:
    """One invoice, however it is typed: full-width letters and digits (a Chinese input
    method's) as the plain ones (NFKC), no spaces, upper case; migration 0022 does the same."""
    return "".join(unicodedata.normalize("NFKC", ref).split()).upper()


async def _require_new_invoice(customer_id: int, invoice: str) -> None:
    first = (
        await Compensation.filter(
            customer_id=customer_id, kind=CompensationKind.TRAVEL_FARE, invoice_ref=invoice
        )
        .exclude(status=CompensationStatus.REJECTED)
        .first()
    )
    if first is not None:
        raise Conflict(
            f"R-10: invoice {invoice} was already claimed for this customer "
            f"(compensation {first.id}); an invoice is credited once.",
            field="invoiceRef",
        )


async def _facts(complaint: Complaint) -> compensation.ComplaintFacts:
    escalated = await ComplaintUrgency.exists(
        complaint_id=complaint.id, reason=UrgencyReason.ESCALATED
    )
    liable = (
        await Refund.filter(complaint_id=complaint.id, liability=policy.Liability.COMPANY_LIABLE)
        .exclude(status__in=REFUSED)
        .exists()
    )
    return compensation.ComplaintFacts(
        escalated=escalated,
        company_liable=liable,
        voice=complaint.category in VOICE,
        unresolved=complaint.status in UNRESOLVED,
        lodged_on=clock.local_date(complaint.created_at),
    )


async def _check(
    complaint: Complaint,
    customer: Customer,
    given: CompensationInput,
    value: int,
    facts: compensation.ComplaintFacts,
    today: date,
) -> tuple[tuple[str, ...], tuple[date | None, date | None]]:
    """R-10's conditions of this kind; raises BeyondRules when they do not hold."""
    none: tuple[date | None, date | None] = (None, None)
    if given.kind is CompensationKind.GIFT:
        if given.gift_ground is GiftGround.VISIT:
            why = compensation.check_visit_gift(visited_on=given.visited_on, today=today)
        else:
            why = compensation.check_settled_on_site_gift(
                facts=facts, exposed_problem=given.exposed_problem
            )
        given_before = await _gifts_fen(complaint.id)
        within = policy.check_gift(
            tier=policy.CustomerTier(customer.tier),
            value_fen=value,
            allowances=await limits.gift_allowances(),
            already_given_fen=given_before,
        ).reasons
        return within + why, none
    if given.kind is CompensationKind.TRAVEL_FARE:
        return compensation.check_travel_fare(
            facts=facts, transport_is_city_bus=given.transport is Transport.CITY_BUS
        ), none
    return _check_waiver(given, facts, today)


async def _gifts_fen(complaint_id: int) -> int:
    """What the complaint's gifts are worth so far, pending special decisions included."""
    values: list[int] = await (
        Compensation.filter(complaint_id=complaint_id, kind=CompensationKind.GIFT)
        .exclude(status=CompensationStatus.REJECTED)
        .values_list("value_fen", flat=True)
    )  # type: ignore[assignment]
    return sum(values)


def _check_waiver(
    given: CompensationInput, facts: compensation.ComplaintFacts, today: date
) -> tuple[tuple[str, ...], tuple[date | None, date | None]]:
    if given.waiver is FeeWaiver.MISSED_CALL_ALERT_YEAR:
        why = compensation.check_missed_call_waiver(
            facts=facts,
            caused_by_company=given.outage_cause is OutageCause.COMPANY,
            today=today,
            three_months_on=_add_months(facts.lodged_on, 3),
        )
        return why, (today, _add_months(today, 12) - timedelta(days=1))
    if not given.service_code.strip() or not given.period_from or not given.period_to:
        raise InvalidInput(
            "R-10: name the service and the affected period whose function fee is waived.",
            code=ErrorCode.REQUIRED,
            field="serviceCode" if not given.service_code.strip() else "periodFrom",
        )
    if given.period_to < given.period_from:
        raise InvalidInput("The period ends before it starts.", field="periodTo")
    why = compensation.check_function_fee_waiver(caused=given.outage_cause is not None)
    return why, (given.period_from, given.period_to)


def _add_months(day: date, months: int) -> date:
    first = clock.month_start(day, -months)
    following = clock.next_month_start(first)
    return first.replace(day=min(day.day, (following - timedelta(days=1)).day))
