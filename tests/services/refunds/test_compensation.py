"""R-10 compensation against the database: gifts within the tier's allowance, travel fares on
an invoice, fee waivers; recorded on the complaint and never in place of a due refund."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services import clock as domain_clock
from services.complaints.models import ComplaintEvent, ComplaintUrgency, UrgencyReason
from services.customers.models import Tier
from services.errors import ErrorCode, InvalidInput
from services.refunds import clock
from services.refunds.compensation_service import CompensationInput, record_compensation
from services.refunds.models import (
    Compensation,
    CompensationKind,
    FeeWaiver,
    LedgerEntry,
    LedgerKind,
    RefundStatus,
    Transport,
)
from services.staff.models import Role
from services.thresholds import service as thresholds
from tests import factories as f


def gift(value_fen: int) -> CompensationInput:
    return CompensationInput(
        kind=CompensationKind.GIFT, value_fen=value_fen, description="上门礼品"
    )


async def complaint_of(tier: Tier):
    handler = await f.staff(Role.HANDLER)
    return handler, await f.complaint(handler, await f.customer(tier=tier))


@pytest.mark.parametrize(
    ("tier", "allowance"),
    [
        (Tier.MID_HIGH_END, 20000),
        (Tier.GOLD_AND_ABOVE, 20000),
        (Tier.GROUP_CONTACT, 15000),
        (Tier.ORDINARY, 10000),
    ],
)
async def test_r10_a_gift_may_be_worth_the_tiers_allowance_and_not_a_fen_more(tier, allowance):
    handler, complaint = await complaint_of(tier)

    given = await record_compensation(
        actor=handler, complaint_id=complaint.id, given=gift(allowance)
    )
    with pytest.raises(InvalidInput) as over:
        await record_compensation(
            actor=handler, complaint_id=complaint.id, given=gift(allowance + 1)
        )

    assert given.value_fen == allowance
    assert (over.value.code, over.value.field) == (ErrorCode.INVALID_INPUT, "value_fen")
    assert "R-10" in over.value.message
    assert await Compensation.filter(complaint_id=complaint.id).count() == 1


async def test_r10_gift_allowances_are_configurable():
    admin = await f.staff(Role.ADMIN)
    await thresholds.change(
        key="refund.gift_allowances",
        value={"mid_high_end_fen": 20000, "group_fen": 15000, "ordinary_fen": 5000},
        reason="预算收紧",
        changed_by_id=admin.id,
    )
    handler, complaint = await complaint_of(Tier.ORDINARY)

    with pytest.raises(InvalidInput):
        await record_compensation(actor=handler, complaint_id=complaint.id, given=gift(5001))


async def test_r10_a_gift_is_recorded_on_the_complaint_and_never_replaces_a_due_refund():
    handler, complaint = await complaint_of(Tier.ORDINARY)
    refund = await f.refund(handler, complaint, request=f.liable_request(5000))

    await record_compensation(actor=handler, complaint_id=complaint.id, given=gift(8000))
    done = await f.executed_refund(handler, refund)

    event = await ComplaintEvent.get(complaint_id=complaint.id, action="compensation_recorded")
    assert (event.to_value, event.actor_id) == ("gift:8000", handler.id)  # type: ignore[attr-defined]
    assert (done.status, done.refund_fen) == (RefundStatus.EXECUTED, 5000)
    assert await LedgerEntry.filter(refund_id=refund.id, amount_fen=5000).count() == 1


async def test_r10_travel_fares_need_an_invoice_and_are_never_city_bus_fares():
    handler, complaint = await complaint_of(Tier.ORDINARY)
    fare = CompensationInput(
        kind=CompensationKind.TRAVEL_FARE, value_fen=3600, description="往返长途汽车"
    )

    with pytest.raises(InvalidInput) as no_invoice:
        await record_compensation(actor=handler, complaint_id=complaint.id, given=fare)
    with pytest.raises(InvalidInput) as bus:
        await record_compensation(
            actor=handler,
            complaint_id=complaint.id,
            given=CompensationInput(
                **{**fare.__dict__, "invoice_ref": "No.1", "transport": Transport.CITY_BUS}
            ),
        )

    assert (no_invoice.value.code, no_invoice.value.field) == (ErrorCode.REQUIRED, "invoiceRef")
    assert bus.value.field == "transport"


async def test_r10_travel_fares_of_an_escalated_company_liable_complaint_are_credited():
    handler, complaint = await complaint_of(Tier.ORDINARY)
    fare = CompensationInput(
        kind=CompensationKind.TRAVEL_FARE,
        value_fen=3600,
        description="往返长途汽车",
        invoice_ref="FP-2024-001",
        transport=Transport.COACH,
    )
    with pytest.raises(InvalidInput) as not_escalated:
        await record_compensation(actor=handler, complaint_id=complaint.id, given=fare)
    await ComplaintUrgency.create(complaint=complaint, reason=UrgencyReason.ESCALATED)
    await f.refund(handler, complaint, request=f.liable_request(5000))

    row = await record_compensation(actor=handler, complaint_id=complaint.id, given=fare)

    assert "escalated, company-liable" in not_escalated.value.message
    entry = await LedgerEntry.get(compensation_id=row.id)
    assert (entry.kind, entry.amount_fen) == (LedgerKind.TRAVEL_FARE, 3600)


async def test_r10_a_year_of_missed_call_alert_is_waived_only_3_months_on(monkeypatch):
    handler, complaint = await complaint_of(Tier.ORDINARY)
    waiver = CompensationInput(
        kind=CompensationKind.FEE_WAIVER,
        value_fen=3600,
        description="减免一年来电提醒",
        waiver=FeeWaiver.MISSED_CALL_ALERT_YEAR,
    )
    with pytest.raises(InvalidInput) as too_early:
        await record_compensation(actor=handler, complaint_id=complaint.id, given=waiver)
    later = clock.local_date(complaint.created_at)
    later = clock.month_start(later, -4)
    monkeypatch.setattr(
        domain_clock, "now", lambda: datetime(later.year, later.month, 1, 4, tzinfo=UTC)
    )

    row = await record_compensation(actor=handler, complaint_id=complaint.id, given=waiver)

    assert too_early.value.field == "waiver"
    assert row.period_from == later and row.period_to is not None
    assert (row.period_to - row.period_from).days in (364, 365)


async def test_r10_a_function_fee_waiver_names_the_service_and_period():
    handler, complaint = await complaint_of(Tier.ORDINARY)
    waiver = CompensationInput(
        kind=CompensationKind.FEE_WAIVER,
        value_fen=1000,
        description="业务不可用期间功能费",
        waiver=FeeWaiver.FUNCTION_FEE,
    )

    with pytest.raises(InvalidInput) as missing:
        await record_compensation(actor=handler, complaint_id=complaint.id, given=waiver)

    assert (missing.value.code, missing.value.field) == (ErrorCode.REQUIRED, "serviceCode")
