"""Partner disputes (R-2): a complaint and a partner refund through the same refund rules."""

from __future__ import annotations

import pytest

from services.complaints.models import Category, Channel, Complaint
from services.customers.models import CreditStanding
from services.errors import ErrorCode, InvalidInput, NotFound
from services.partners import disputes
from services.partners.disputes import ChargeLine, DisputeFilter
from services.partners.models import DisputeStage, PartnerDispute
from services.refunds.models import Refund, RefundStatus
from services.refunds.policy import BusinessType, ChargeCategory, Flow
from services.staff.models import Role
from tests import factories as f


async def submit(partner, sub, key="k-1"):
    """The submission, then what the worker does right after its commit (`open_dispute`)."""
    dispute = await disputes.submit(partner_id=partner.id, submission=sub, idempotency_key=key)
    await disputes.open_dispute(dispute.id)
    return await PartnerDispute.get(id=dispute.id).select_related("refund", "service")


async def test_r2_partner_dispute_creates_a_partner_refund():
    partner = await f.partner()
    customer = await f.customer()

    dispute = await submit(partner, f.submission(customer.msisdn))

    refund = await Refund.get(id=dispute.refund_id)
    complaint = await Complaint.get(id=dispute.complaint_id)
    assert (refund.business_type, refund.sp_code, refund.service_code) == (
        BusinessType.PARTNER,
        partner.sp_code,
        "MUSIC-VIP",
    )
    assert refund.complaint_id == complaint.id and refund.customer_id == customer.id
    assert (refund.charge_category, refund.charged_fen, refund.refund_fen) == (
        ChargeCategory.UNKNOWING_SUBSCRIPTION,
        2000,
        2000,
    )
    assert (complaint.channel, complaint.category, complaint.sp_code) == (
        Channel.APP_WEB,
        Category.VALUE_ADDED_SERVICE,
        partner.sp_code,
    )
    assert dispute.public_id.startswith("dsp_") and dispute.claimed_fen == 2000


async def test_c2_the_partner_intake_account_takes_the_complaint_and_requests_the_refund():
    partner = await f.partner()
    customer = await f.customer()

    dispute = await submit(partner, f.submission(customer.msisdn))

    complaint = await Complaint.get(id=dispute.complaint_id)
    refund = await Refund.get(id=dispute.refund_id)
    assert complaint.first_handler_id == complaint.owner_id == partner.intake_staff_id
    assert refund.requested_by_id == partner.intake_staff_id
    assert partner.sp_code in complaint.details and "ticket:A-1001" in complaint.details


async def test_r7a_monternet_dispute_is_refund_first():
    partner = await f.partner(monternet=True)
    customer = await f.customer()

    dispute = await submit(partner, f.submission(customer.msisdn))

    refund = await Refund.get(id=dispute.refund_id)
    assert (refund.flow, refund.flow_clause) == (Flow.REFUND_FIRST, "R-7(a)")
    assert refund.status == RefundStatus.AWAITING_CONFIRMATION  # band 0: 20 yuan, first refund
    assert disputes.decision(dispute.service).flow is Flow.REFUND_FIRST


async def test_r9_special_customer_dispute_is_verify_first():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(credit_standing=CreditStanding.GOOD)
    for _ in range(3):  # K-1: three counted refunds in the month
        await f.executed_refund(
            handler, await f.refund(handler, cust=customer, request=f.goodwill_request(500))
        )
    partner = await f.partner(monternet=True)

    dispute = await submit(partner, f.submission(customer.msisdn))

    refund = await Refund.get(id=dispute.refund_id)
    assert (refund.flow, refund.flow_clause, refund.status) == (
        Flow.VERIFY_FIRST,
        "R-9",
        RefundStatus.VERIFYING,
    )
    told = disputes.decision(dispute.service)
    assert told.flow is Flow.REFUND_FIRST  # the service's rule, as for anyone (C-12)
    assert "special" not in told.reason and "R-9" not in told.reason  # C-12: no customer facts


async def test_r8_dispute_of_a_service_that_is_not_monternet_is_verify_first():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    await f.refund(handler, cust=customer)  # not the first fee dispute this year: no R-7(d)
    partner = await f.partner(monternet=False)

    dispute = await submit(partner, f.submission(customer.msisdn))

    refund = await Refund.get(id=dispute.refund_id)
    assert (refund.flow, refund.flow_clause) == (Flow.VERIFY_FIRST, "R-8")


async def test_r2_a_partner_disputes_only_its_own_services():
    mine = await f.partner(services=("MINE",))
    await f.partner(services=("THEIRS",))
    customer = await f.customer()

    with pytest.raises(NotFound) as theirs:
        await submit(mine, f.submission(customer.msisdn, service_code="THEIRS"))
    with pytest.raises(NotFound) as nobodys:
        await submit(mine, f.submission(customer.msisdn, service_code="NOBODYS"))

    assert (
        (theirs.value.code, theirs.value.field, theirs.value.message)
        == (
            nobodys.value.code,
            nobodys.value.field,
            nobodys.value.message,
        )
        == (ErrorCode.NOT_FOUND, "serviceCode", nobodys.value.message)
    )
    assert await PartnerDispute.all().count() == 0


async def test_c12_an_unknown_number_is_accepted_opens_nothing_and_is_never_echoed():
    partner = await f.partner()

    dispute = await submit(partner, f.submission("13912345678"))

    assert (dispute.stage, dispute.customer_id, dispute.refund_id) == (
        DisputeStage.OPEN,
        None,
        None,
    )
    assert dispute.msisdn == "13912345678" and dispute.refuse_at is not None
    assert await Refund.all().count() == 0


async def test_every_problem_of_a_submission_is_named():
    partner = await f.partner()

    with pytest.raises(InvalidInput) as refused:
        await submit(
            partner,
            f.submission(
                "12345",
                charge_lines=(ChargeLine("2026-13", 100), ChargeLine("2025-12", 0)),
                evidence=("",),
            ),
        )

    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("msisdn", ErrorCode.INVALID_MSISDN),
        ("chargeLines[0].period", ErrorCode.INVALID_INPUT),
        ("chargeLines[1].amountFen", ErrorCode.INVALID_INPUT),
        ("evidence", ErrorCode.INVALID_INPUT),
    ]


async def test_a_period_in_the_future_and_no_lines_are_refused():
    partner = await f.partner()
    customer = await f.customer()

    with pytest.raises(InvalidInput) as future:
        await submit(
            partner, f.submission(customer.msisdn, charge_lines=(ChargeLine("2999-01", 1),))
        )
    with pytest.raises(InvalidInput) as empty:
        await submit(partner, f.submission(customer.msisdn, charge_lines=()))

    assert future.value.field == "chargeLines[0].period"
    assert (empty.value.field, empty.value.code) == ("chargeLines", ErrorCode.REQUIRED)


async def test_a_partner_reads_only_its_own_disputes():
    a, b = await f.partner(), await f.partner()
    customer = await f.customer()
    theirs = await submit(b, f.submission(customer.msisdn))
    mine = await submit(a, f.submission(customer.msisdn))

    assert await disputes.dispute_of(a.id, theirs.public_id) is None
    assert (await disputes.dispute_of(a.id, mine.public_id)).id == mine.id  # type: ignore[union-attr]
    page = await disputes.disputes_of(a.id, where=DisputeFilter(), first=10)
    assert [d.id for d in page.rows] == [mine.id]
    after_theirs = await disputes.disputes_of(
        a.id, where=DisputeFilter(), first=10, after=theirs.public_id
    )
    assert after_theirs.rows == []


async def test_disputes_page_newest_first_and_filter_by_status_service_and_number():
    partner = await f.partner(services=("A", "B"))
    c1, c2 = await f.customer(), await f.customer()
    first = await submit(partner, f.submission(c1.msisdn, service_code="A"), key="1")
    second = await submit(partner, f.submission(c2.msisdn, service_code="B"), key="2")
    third = await submit(partner, f.submission(c1.msisdn, service_code="B"), key="3")

    page1 = await disputes.disputes_of(partner.id, where=DisputeFilter(), first=2)
    page2 = await disputes.disputes_of(
        partner.id, where=DisputeFilter(), first=2, after=page1.rows[-1].public_id
    )
    by_b = await disputes.disputes_of(partner.id, where=DisputeFilter(service_code="B"), first=9)
    by_number = await disputes.disputes_of(
        partner.id, where=DisputeFilter(msisdn=c1.msisdn), first=9
    )
    by_status = await disputes.disputes_of(
        partner.id, where=DisputeFilter(stages=(DisputeStage.REFUNDED,)), first=9
    )

    assert ([d.id for d in page1.rows], page1.has_next) == ([third.id, second.id], True)
    assert ([d.id for d in page2.rows], page2.has_next) == ([first.id], False)
    assert [d.id for d in by_b.rows] == [third.id, second.id]
    assert [d.id for d in by_number.rows] == [third.id, first.id]
    assert by_status.rows == []


async def test_r2_the_submission_writes_the_dispute_and_the_worker_opens_its_complaint():
    partner = await f.partner()
    customer = await f.customer()

    dispute = await disputes.submit(
        partner_id=partner.id, submission=f.submission(customer.msisdn), idempotency_key="w"
    )
    waiting = await PartnerDispute.get(id=dispute.id)
    # the job was lost (no queue here): the sweep opens it once it is OPEN_AFTER old
    too_soon = await disputes.open_waiting(at=waiting.created_at)
    opened = await disputes.open_waiting(at=waiting.created_at + disputes.OPEN_AFTER)
    again = await disputes.open_waiting(at=waiting.created_at + 2 * disputes.OPEN_AFTER)

    assert (waiting.stage, waiting.complaint_id, waiting.refund_id) == (
        DisputeStage.OPEN,
        None,
        None,
    )
    assert (too_soon, opened, again) == (0, 1, 0)
    done = await PartnerDispute.get(id=dispute.id)
    refund = await Refund.get(id=done.refund_id)
    assert (done.stage, refund.complaint_id) == (DisputeStage.OPEN, done.complaint_id)
    assert await Complaint.filter(id=done.complaint_id).count() == 1


async def test_r2_a_submission_sends_at_most_15_sql_statements(caplog):
    partner = await f.partner()
    customer = await f.customer()
    await submit(partner, f.submission(customer.msisdn), key="warm")  # caches filled
    caplog.set_level("DEBUG", logger="tortoise.db_client")
    caplog.clear()

    await disputes.submit(
        partner_id=partner.id, submission=f.submission(customer.msisdn), idempotency_key="n"
    )

    statements = [r for r in caplog.records if r.name == "tortoise.db_client"]
    assert 0 < len(statements) <= 15, [r.getMessage()[:80] for r in statements]
