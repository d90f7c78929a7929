"""R-11 verification that counts: stored whole; refund first stopped before execution when
nothing is due (the customer told), re-priced when another amount is, and after execution a
recovery finding for the audit (A-1)."""

from __future__ import annotations

import asyncio

import pytest

from services.audit.models import AuditFinding, CorrectionTask, FindingSource
from services.errors import Conflict, IllegalTransition
from services.notices import service as notices
from services.notices.models import Notice
from services.refunds import approvals, changes, execution
from services.refunds.models import LedgerEntry, Refund, RefundEvent, RefundStatus
from services.refunds.policy import ChargeCategory, Flow, Liability, Multiple
from services.staff.models import Role
from tests import factories as f


def not_due(cause: str = "核实无多收") -> changes.Verification:
    return changes.Verification(
        cause=cause, measures="已向客户解释", refund_due=False, liability=Liability.NOT_LIABLE
    )


def due(should_have_charged_fen: int, cause: str = "重复话单属实") -> changes.Verification:
    return changes.Verification(
        cause=cause,
        measures="修复计费",
        refund_due=True,
        liability=Liability.COMPANY_LIABLE,
        should_have_charged_fen=should_have_charged_fen,
    )


async def actions(refund_id: int) -> list[tuple[str, str, str]]:
    rows = await RefundEvent.filter(refund_id=refund_id).order_by("id")
    return [(e.action, e.from_status, e.to_status) for e in rows]


async def test_r11_refund_first_verification_finding_nothing_due_stops_the_refund():
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler)  # refund first (R-7(c)), 35.32 yuan, waiting for approval
    assert (refund.flow, refund.status) == (Flow.REFUND_FIRST, RefundStatus.AWAITING_APPROVAL)

    stopped = await changes.verify_refund(actor=handler, refund_id=refund.id, outcome=not_due())

    assert (stopped.status, stopped.closed_reason) == (RefundStatus.DECLINED, "核实无多收")
    assert stopped.closed_at is not None
    assert (await actions(refund.id))[-1] == (
        "stopped_by_verification",
        "awaiting_approval",
        "declined",
    )
    with pytest.raises(IllegalTransition):
        await approvals.approve(actor=await f.approver(4), refund_id=refund.id)
    with pytest.raises(IllegalTransition):
        await execution.confirm_amount(actor=handler, refund_id=refund.id)
    assert await LedgerEntry.filter(refund_id=refund.id).count() == 0


async def test_r11_a_stopped_refund_tells_the_customer_once():
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler)

    stopped = await changes.verify_refund(actor=handler, refund_id=refund.id, outcome=not_due())
    customer = await stopped.customer
    again = await notices.refund_stopped(refund=stopped, customer=customer, at=stopped.closed_at)

    [notice] = await Notice.filter(refund_id=refund.id)
    assert (notice.key, notice.template) == (f"refund:{refund.id}:stopped", "refund_stopped")
    assert again.id == notice.id
    assert notice.msisdn == customer.msisdn
    assert "话费重复扣费" in notice.body and "核实无多收" in notice.body
    assert "不予退费" in notice.body


async def test_r11_verification_is_stored_whole():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(credit_standing="poor")
    await f.refund(handler, cust=customer)  # R-7(d) no longer holds: the next is verify first
    refund = await f.refund(handler, cust=customer)
    assert refund.flow is Flow.VERIFY_FIRST

    verified = await changes.verify_refund(
        actor=handler,
        refund_id=refund.id,
        outcome=changes.Verification(
            cause="时段计费错误",
            measures="已修正计费时段",
            refund_due=True,
            liability=Liability.COMPANY_LIABLE,
            charge_category=ChargeCategory.WRONG_TIME_BAND,
            charged_fen=3000,
            should_have_charged_fen=2000,
        ),
    )

    stored = await Refund.get(id=verified.id)
    assert (stored.verification_cause, stored.verification_measures) == (
        "时段计费错误",
        "已修正计费时段",
    )
    assert stored.verification_refund_due is True
    assert stored.verification_liability == Liability.COMPANY_LIABLE
    assert stored.verification_charge_category == ChargeCategory.WRONG_TIME_BAND
    assert (stored.verification_charged_fen, stored.verification_should_have_charged_fen) == (
        3000,
        2000,
    )
    assert stored.verification_due_fen == stored.refund_fen == 2000  # twice the 10-yuan overcharge
    assert (stored.verified_by_id, stored.status) == (handler.id, RefundStatus.AWAITING_APPROVAL)


async def test_r11_refund_first_verification_stores_the_liability_found():
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler)  # requested as company liable

    stopped = await changes.verify_refund(actor=handler, refund_id=refund.id, outcome=not_due())

    stored = await Refund.get(id=stopped.id)
    assert (stored.verification_liability, stored.liability) == (
        Liability.NOT_LIABLE,
        Liability.NOT_LIABLE,
    )
    assert (stored.verification_refund_due, stored.verification_due_fen) == (False, 0)


async def test_r11_refund_first_verification_finding_another_amount_needs_a_new_approval():
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler)  # charged 30.00, due 12.34: double 35.32
    await approvals.approve(actor=await f.approver(1), refund_id=refund.id)

    verified = await changes.verify_refund(actor=handler, refund_id=refund.id, outcome=due(2500))

    assert (verified.refund_fen, verified.multiple) == (1000, Multiple.DOUBLE)  # 2 x 5.00
    assert (verified.status, verified.approval_round) == (RefundStatus.AWAITING_APPROVAL, 2)
    assert verified.verification_due_fen == 1000
    assert (await actions(refund.id))[-1] == (
        "verified",
        "awaiting_confirmation",
        "awaiting_approval",
    )


async def test_r11_refund_first_verification_finding_the_same_amount_changes_nothing_else():
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler)
    await approvals.approve(actor=await f.approver(1), refund_id=refund.id)

    verified = await changes.verify_refund(actor=handler, refund_id=refund.id, outcome=due(1234))

    assert (verified.refund_fen, verified.status) == (3532, RefundStatus.AWAITING_CONFIRMATION)
    assert verified.approval_round == 1
    done = await f.executed_refund(handler, verified)
    assert done.status == RefundStatus.EXECUTED


async def test_r11_a1_verification_after_execution_finding_nothing_due_opens_a_recovery():
    handler = await f.staff(Role.HANDLER)
    paid = await f.executed_refund(handler, await f.refund(handler))

    verified = await changes.verify_refund(actor=handler, refund_id=paid.id, outcome=not_due())

    assert verified.status == RefundStatus.EXECUTED  # the money moved: recovered, not reversed
    assert verified.liability == Liability.COMPANY_LIABLE  # what was paid on stays as it was
    assert verified.verification_liability == Liability.NOT_LIABLE
    [finding] = await AuditFinding.filter(refund_id=paid.id)
    assert (finding.rule, finding.code, finding.source) == (
        "R-11",
        "recover_after_verification",
        FindingSource.AUTOMATIC,
    )
    assert finding.params == {"paid_fen": 3532, "due_fen": 0, "recover_fen": 3532}
    assert finding.responsible_id == paid.requested_by_id
    assert await CorrectionTask.exists(finding_id=finding.id, assignee_id=handler.id)
    last = await RefundEvent.filter(refund_id=paid.id).order_by("-id").first()
    assert last is not None and last.action == "verified_after_refund"
    assert (last.data["recover_fen"], last.data["finding_id"]) == (3532, finding.id)


async def test_r11_a1_verification_after_execution_finding_less_due_recovers_the_difference():
    handler = await f.staff(Role.HANDLER)
    paid = await f.executed_refund(handler, await f.refund(handler))  # 35.32 paid

    await changes.verify_refund(actor=handler, refund_id=paid.id, outcome=due(2000))

    [finding] = await AuditFinding.filter(refund_id=paid.id, code="recover_after_verification")
    assert finding.params == {"paid_fen": 3532, "due_fen": 2000, "recover_fen": 1532}


async def test_r11_verification_after_execution_confirming_the_amount_opens_no_finding():
    handler = await f.staff(Role.HANDLER)
    paid = await f.executed_refund(handler, await f.refund(handler))

    verified = await changes.verify_refund(actor=handler, refund_id=paid.id, outcome=due(1234))

    assert verified.verification_due_fen == 3532
    assert await AuditFinding.filter(refund_id=paid.id).count() == 0


async def test_r5_verification_finding_no_overcharge_stops_a_refund_first_refund():
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler)

    stopped = await changes.verify_refund(actor=handler, refund_id=refund.id, outcome=due(3000))

    assert stopped.status == RefundStatus.DECLINED
    assert stopped.closed_reason.startswith("R-5")
    assert await Notice.filter(key=f"refund:{refund.id}:stopped").count() == 1


async def test_r11_a_refund_is_verified_once():
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler)
    await changes.verify_refund(actor=handler, refund_id=refund.id, outcome=due(1234))

    with pytest.raises(Conflict):
        await changes.verify_refund(actor=handler, refund_id=refund.id, outcome=not_due())

    assert (await Refund.get(id=refund.id)).status == RefundStatus.AWAITING_APPROVAL


async def test_r11_a_cancelled_refund_is_not_verified():
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler)
    await changes.cancel_refund(actor=handler, refund_id=refund.id, reason="客户撤回")

    with pytest.raises(IllegalTransition) as refused:
        await changes.verify_refund(actor=handler, refund_id=refund.id, outcome=not_due())

    assert (refused.value.current, refused.value.attempted) == ("cancelled", "verify")


async def test_r11_two_verifications_at_once_give_one_result():
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler)

    results = await asyncio.gather(
        changes.verify_refund(actor=handler, refund_id=refund.id, outcome=not_due()),
        changes.verify_refund(actor=handler, refund_id=refund.id, outcome=due(1234)),
        return_exceptions=True,
    )

    won = [r for r in results if isinstance(r, Refund)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], Conflict), results
    stored = await Refund.get(id=refund.id)
    assert stored.status == won[0].status
    assert stored.verification_refund_due == won[0].verification_refund_due
    verifications = [a for a, _, _ in await actions(refund.id) if a != "requested"]
    assert len(verifications) == 1
    stopped = stored.status == RefundStatus.DECLINED
    assert await Notice.filter(refund_id=refund.id).count() == (1 if stopped else 0)
