"""R-10 compensation against the database: gifts within the tier's allowance, travel fares on
an invoice, fee waivers; recorded on the complaint and never in place of a due refund."""

from __future__ import annotations

import asyncio
import importlib
from datetime import UTC, date, datetime

import pytest

from services import clock as domain_clock
from services.complaints.models import (
    Category,
    ComplaintEvent,
    ComplaintUrgency,
    UrgencyReason,
)
from services.customers.models import Tier
from services.errors import Conflict, ErrorCode, IllegalTransition, InvalidInput, PermissionDenied
from services.notices.models import Notice, NoticeStatus
from services.refunds import clock
from services.refunds.compensation_service import CompensationInput, record_compensation
from services.refunds.models import (
    Compensation,
    CompensationKind,
    CompensationStatus,
    FeeWaiver,
    GiftGround,
    LedgerEntry,
    LedgerKind,
    OutageCause,
    RefundStatus,
    Transport,
)
from services.refunds.special_compensation import (
    approve_special_compensation,
    reject_special_compensation,
)
from services.staff.models import Role, Track
from services.thresholds import service as thresholds
from tests import factories as f


def gift(value_fen: int) -> CompensationInput:
    return CompensationInput(
        kind=CompensationKind.GIFT,
        value_fen=value_fen,
        description="上门礼品",
        gift_ground=GiftGround.VISIT,
        visited_on=date(2026, 3, 9),
    )


def missed_call_waiver(cause: OutageCause | None) -> CompensationInput:
    return CompensationInput(
        kind=CompensationKind.FEE_WAIVER,
        value_fen=3600,
        description="减免一年来电提醒",
        waiver=FeeWaiver.MISSED_CALL_ALERT_YEAR,
        outage_cause=cause,
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
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler, category=Category.NETWORK_FAULT)
    waiver = missed_call_waiver(OutageCause.COMPANY)
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


def fare(invoice: str = "INV-0001", value_fen: int = 5000, **kw) -> CompensationInput:
    return CompensationInput(
        kind=CompensationKind.TRAVEL_FARE,
        value_fen=value_fen,
        description="往返车费",
        invoice_ref=invoice,
        transport=Transport.COACH,
        **kw,
    )


async def escalated_liable_complaint(handler, customer=None):
    complaint = await f.complaint(handler, customer or await f.customer())
    await ComplaintUrgency.create(complaint=complaint, reason=UrgencyReason.ESCALATED, note="升级")
    await f.refund(handler, complaint, request=f.liable_request(5000))
    return complaint


async def test_r10_one_travel_invoice_is_credited_once_per_customer():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    first = await escalated_liable_complaint(handler, customer)
    second = await escalated_liable_complaint(handler, customer)
    await record_compensation(actor=handler, complaint_id=first.id, given=fare("INV-0001"))

    refusals = []
    for complaint_id, invoice in ((first.id, "INV-0001"), (second.id, " inv-0001 ")):
        with pytest.raises(Conflict) as again:
            await record_compensation(actor=handler, complaint_id=complaint_id, given=fare(invoice))
        refusals.append((again.value.code, again.value.field))

    assert refusals == [(ErrorCode.CONFLICT, "invoiceRef")] * 2
    credits = await LedgerEntry.filter(kind=LedgerKind.TRAVEL_FARE).values_list(
        "amount_fen", flat=True
    )
    assert credits == [5000]


async def test_r10_an_invoice_typed_in_full_width_is_the_same_invoice():
    handler = await f.staff(Role.HANDLER)
    complaint = await escalated_liable_complaint(handler)
    await record_compensation(actor=handler, complaint_id=complaint.id, given=fare("INV-0001"))

    with pytest.raises(Conflict) as again:  # typed with a Chinese input method's full width
        await record_compensation(
            actor=handler, complaint_id=complaint.id, given=fare("ｉｎｖ－０００１\u3000")
        )

    assert again.value.field == "invoiceRef"
    assert await LedgerEntry.filter(kind=LedgerKind.TRAVEL_FARE).count() == 1


async def test_r10_the_migrations_invoice_normalisation_is_the_services():
    """Migration 0022 normalises stored invoices in SQL as the service does in Python."""
    from tortoise import connections

    from services.refunds.compensation_service import normalise_invoice

    spelled = ["inv-0001", " ＩＮＶ－０００１ ", "发票　No. 12 34", "Ａ１\tb"]
    db = connections.get("default")
    sql = importlib.import_module("services.migrations.0022_issue12").NORMALISED
    found = [
        (
            await db.execute_query_dict(
                f"SELECT {sql} AS n FROM (SELECT $1::text AS invoice_ref) x", [v]
            )
        )[0]["n"]
        for v in spelled
    ]

    assert found == [normalise_invoice(v) for v in spelled]
    assert found[:2] == ["INV-0001", "INV-0001"]


async def test_r10_migration_0022_normalises_stored_invoices_and_marks_a_repeat():
    """Stored before 0022: one invoice claimed twice, once typed in full width."""
    from tortoise import connections

    handler = await f.staff(Role.HANDLER)
    complaint = await escalated_liable_complaint(handler)
    rows = [
        await Compensation.create(
            complaint=complaint,
            customer_id=complaint.customer_id,
            kind=CompensationKind.TRAVEL_FARE,
            value_fen=5000,
            description="往返车费",
            invoice_ref=invoice,
            recorded_by=handler,
        )
        for invoice in ("ｉｎｖ－０００１", "INV-0001", "inv 0002")
    ]
    migration = importlib.import_module("services.migrations.0022_issue12").Migration

    for statement in migration.operations[0].sql:
        await connections.get("default").execute_query(statement)

    stored = [(await Compensation.get(id=row.id)).invoice_ref for row in rows]
    assert stored == ["INV-0001", f"INV-0001 DUP#{rows[1].id}", "INV0002"]


async def test_r10_another_customers_invoice_of_the_same_number_is_credited():
    handler = await f.staff(Role.HANDLER)
    for _ in range(2):
        complaint = await escalated_liable_complaint(handler)
        await record_compensation(actor=handler, complaint_id=complaint.id, given=fare("INV-7"))

    assert await LedgerEntry.filter(kind=LedgerKind.TRAVEL_FARE).count() == 2


async def test_r10_ten_concurrent_claims_of_one_invoice_credit_it_once():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    complaints = [await escalated_liable_complaint(handler, customer) for _ in range(2)]

    results = await asyncio.gather(
        *(
            record_compensation(
                actor=handler, complaint_id=complaints[i % 2].id, given=fare("INV-9")
            )
            for i in range(10)
        ),
        return_exceptions=True,
    )

    won = [r for r in results if isinstance(r, Compensation)]
    lost = [r for r in results if not isinstance(r, Compensation)]
    assert len(won) == 1 and len(lost) == 9
    assert all(isinstance(e, Conflict) for e in lost), lost[:1]
    assert await LedgerEntry.filter(kind=LedgerKind.TRAVEL_FARE).count() == 1


async def test_r10_two_gifts_each_within_the_allowance_cannot_exceed_it():
    handler, complaint = await complaint_of(Tier.ORDINARY)
    await record_compensation(actor=handler, complaint_id=complaint.id, given=gift(6000))

    with pytest.raises(InvalidInput) as over:
        await record_compensation(actor=handler, complaint_id=complaint.id, given=gift(6000))
    rest = await record_compensation(actor=handler, complaint_id=complaint.id, given=gift(4000))

    assert (over.value.code, over.value.field) == (ErrorCode.INVALID_INPUT, "value_fen")
    assert "60.00 yuan already given" in over.value.message
    assert rest.value_fen == 4000
    gifts = await Compensation.filter(complaint_id=complaint.id).values_list("value_fen", flat=True)
    assert sum(gifts) == 10000


async def test_r10_ten_concurrent_gifts_never_exceed_the_allowance():
    handler, complaint = await complaint_of(Tier.ORDINARY)  # 100 yuan allowed

    results = await asyncio.gather(
        *(
            record_compensation(actor=handler, complaint_id=complaint.id, given=gift(6000))
            for _ in range(10)
        ),
        return_exceptions=True,
    )

    won = [r for r in results if isinstance(r, Compensation)]
    assert len(won) == 1
    assert all(isinstance(r, InvalidInput) for r in results if r not in won)
    gifts = await Compensation.filter(complaint_id=complaint.id).values_list("value_fen", flat=True)
    assert sum(gifts) == 6000


async def test_r10_a_gift_says_why_and_a_visit_gift_names_the_visit():
    handler, complaint = await complaint_of(Tier.ORDINARY)
    no_ground = CompensationInput(kind=CompensationKind.GIFT, value_fen=5000, description="礼品")
    no_visit = CompensationInput(**{**no_ground.__dict__, "gift_ground": GiftGround.VISIT})
    future = CompensationInput(**{**no_visit.__dict__, "visited_on": date(2026, 3, 11)})

    fields = []
    for given in (no_ground, no_visit, future):
        with pytest.raises(InvalidInput) as refused:
            await record_compensation(actor=handler, complaint_id=complaint.id, given=given)
        fields.append((refused.value.code, refused.value.field))

    assert fields == [
        (ErrorCode.REQUIRED, "giftGround"),
        (ErrorCode.REQUIRED, "visitedOn"),
        (ErrorCode.INVALID_INPUT, "visitedOn"),
    ]
    assert await Compensation.all().count() == 0


async def test_r10_a_gift_settled_on_site_needs_an_escalated_company_liable_complaint():
    handler, plain = await complaint_of(Tier.ORDINARY)
    escalated = await escalated_liable_complaint(handler)
    on_site = CompensationInput(
        kind=CompensationKind.GIFT,
        value_fen=5000,
        description="现场处理礼品",
        gift_ground=GiftGround.SETTLED_ON_SITE,
        exposed_problem="客户发现计费系统漏洞",
    )

    with pytest.raises(InvalidInput) as refused:
        await record_compensation(actor=handler, complaint_id=plain.id, given=on_site)
    row = await record_compensation(actor=handler, complaint_id=escalated.id, given=on_site)

    assert "escalated, company-liable" in refused.value.message
    assert (row.status, row.exposed_problem) == (
        CompensationStatus.RECORDED,
        "客户发现计费系统漏洞",
    )


async def test_r10_the_missed_call_waiver_only_when_the_company_caused_the_voice_outage(
    monkeypatch,
):
    handler = await f.staff(Role.HANDLER)
    voice = await f.complaint(handler, category=Category.NETWORK_FAULT)
    billing = await f.complaint(handler)  # a billing complaint: no voice outage
    monkeypatch.setattr(domain_clock, "now", lambda: datetime(2026, 7, 1, 4, tzinfo=UTC))

    refusals = []
    for complaint, cause in (
        (voice, OutageCause.PARTNER),
        (voice, None),
        (billing, OutageCause.COMPANY),
    ):
        with pytest.raises(InvalidInput) as refused:
            await record_compensation(
                actor=handler, complaint_id=complaint.id, given=missed_call_waiver(cause)
            )
        refusals.append(refused.value.field)
    row = await record_compensation(
        actor=handler, complaint_id=voice.id, given=missed_call_waiver(OutageCause.COMPANY)
    )

    assert refusals == ["outageCause"] * 3
    assert row.outage_cause is OutageCause.COMPANY


async def test_r10_a_function_fee_waiver_needs_the_company_or_a_partner_to_have_caused_it():
    handler, complaint = await complaint_of(Tier.ORDINARY)
    waiver = CompensationInput(
        kind=CompensationKind.FEE_WAIVER,
        value_fen=1000,
        description="业务不可用期间功能费",
        waiver=FeeWaiver.FUNCTION_FEE,
        service_code="MUSIC-VIP",
        period_from=date(2026, 2, 1),
        period_to=date(2026, 2, 28),
    )

    with pytest.raises(InvalidInput) as uncaused:
        await record_compensation(actor=handler, complaint_id=complaint.id, given=waiver)
    row = await record_compensation(
        actor=handler,
        complaint_id=complaint.id,
        given=CompensationInput(**{**waiver.__dict__, "outage_cause": OutageCause.PARTNER}),
    )

    assert uncaused.value.field == "outageCause"
    assert row.status is CompensationStatus.RECORDED


async def test_r10_a_demand_beyond_the_rules_waits_for_an_approver_of_the_band_above():
    handler, complaint = await complaint_of(Tier.ORDINARY)
    demand = CompensationInput(
        **{**gift(30000).__dict__, "special_reason": "客户长期投诉未决,经部门会议决定特批"}
    )

    row = await record_compensation(actor=handler, complaint_id=complaint.id, given=demand)
    # 300 yuan not liable is band 2; the special decision needs band 3
    denied = []
    for who in (await f.approver(2), await f.approver(3, track=Track.SERVICE_CENTRE)):
        with pytest.raises(PermissionDenied) as refused:
            await approve_special_compensation(actor=who, compensation_id=row.id)
        denied.append(refused.value.code)
    done = await approve_special_compensation(
        actor=await f.approver(3), compensation_id=row.id, note="同意特批"
    )

    assert (row.status, row.special_band) == (CompensationStatus.AWAITING_APPROVAL, 3)
    assert denied == [ErrorCode.PERMISSION_DENIED] * 2
    assert (done.status, done.decision_note) == (CompensationStatus.APPROVED, "同意特批")
    events = await ComplaintEvent.filter(complaint_id=complaint.id).values_list("action", flat=True)
    assert "compensation_special_decision_requested" in events
    assert "compensation_special_decision_approved" in events


async def test_r10_without_a_documented_special_decision_a_demand_beyond_the_rules_is_refused():
    handler, complaint = await complaint_of(Tier.ORDINARY)

    with pytest.raises(InvalidInput) as refused:
        await record_compensation(actor=handler, complaint_id=complaint.id, given=gift(30000))

    assert refused.value.field == "value_fen"
    assert await Compensation.all().count() == 0


async def test_r10_a_special_travel_fare_is_credited_only_once_approved_and_never_by_its_recorder():
    handler = await f.staff(Role.HANDLER, Role.DEPUTY_GM)
    complaint = await f.complaint(handler)  # not escalated: beyond the rules
    row = await record_compensation(
        actor=handler,
        complaint_id=complaint.id,
        given=fare("INV-55", special_reason="客户专程来厅三次,特批报销"),
    )
    credited_before = await LedgerEntry.filter(compensation_id=row.id).count()

    with pytest.raises(PermissionDenied):
        await approve_special_compensation(actor=handler, compensation_id=row.id)
    rejected = await reject_special_compensation(
        actor=await f.approver(4), compensation_id=row.id, reason="不符合条件"
    )
    with pytest.raises(IllegalTransition):
        await approve_special_compensation(actor=await f.approver(4), compensation_id=row.id)

    assert (credited_before, rejected.status) == (0, CompensationStatus.REJECTED)
    assert await LedgerEntry.filter(compensation_id=row.id).count() == 0


async def test_c9_a_compensation_given_is_confirmed_to_the_customer_in_writing_once():
    handler, complaint = await complaint_of(Tier.ORDINARY)

    row = await record_compensation(
        actor=handler, complaint_id=complaint.id, given=gift(8000), idempotency_key="g-1"
    )
    again = await record_compensation(
        actor=handler, complaint_id=complaint.id, given=gift(8000), idempotency_key="g-1"
    )

    (notice,) = await Notice.filter(complaint_id=complaint.id, template="compensation_confirmed")
    assert again.id == row.id and notice.key == f"complaint:{complaint.id}:compensation:{row.id}"
    assert "上门礼品" in notice.body and "80.00元" in notice.body
    assert notice.status == NoticeStatus.PENDING  # in the outbox, sent by the worker


async def test_c9_a_special_compensation_is_confirmed_when_approved_not_when_asked():
    handler, complaint = await complaint_of(Tier.ORDINARY)
    demand = CompensationInput(
        **{**gift(30000).__dict__, "special_reason": "客户长期投诉未决,经部门会议决定特批"}
    )
    row = await record_compensation(actor=handler, complaint_id=complaint.id, given=demand)
    asked = await Notice.filter(
        complaint_id=complaint.id, template="compensation_confirmed"
    ).count()

    await approve_special_compensation(actor=await f.approver(3), compensation_id=row.id)

    told = await Notice.filter(complaint_id=complaint.id, template="compensation_confirmed").count()
    assert (asked, told) == (0, 1)
