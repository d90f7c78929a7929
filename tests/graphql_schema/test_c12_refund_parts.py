"""C-12 on the parts of refunds and on compensation: a number typed into a verification, a
history reason, an approver's note, a picked charge line or a compensation's texts shows only
to those who handle the complaint; every other member of staff sees it masked."""

from __future__ import annotations

import json
from datetime import date

from services.complaints.models import ComplaintUrgency, UrgencyReason
from services.refunds import approvals, changes
from services.refunds import service as refunds
from services.refunds.compensation_service import CompensationInput, record_compensation
from services.refunds.models import CompensationKind, GiftGround, RefundStatus
from services.refunds.policy import ChargeCategory, Liability
from services.refunds.service import ChargeLine
from services.staff.models import Role
from tests import factories as f

NUMBERS = ("13800138000", "13900139000", "13700137000", "13600136000", "13500135000")
PARTS = """query($id: ID!) { refund(id: $id) {
  phoneVisible
  verification { cause measures }
  history { action reason }
  approvals { reason }
  lines { description }
} }"""
COMPENSATIONS = """query($id: ID!) { compensations(complaintId: $id) {
  description exposedProblem specialReason decisionNote reasons
} }"""


async def two_handlers():
    owner = await f.staff(Role.HANDLER, dept=await f.department())
    stranger = await f.staff(Role.HANDLER, dept=await f.department())
    return owner, stranger


def typed_numbers(answer: object) -> set[str]:
    text = json.dumps(answer, ensure_ascii=False)
    return {n for n in NUMBERS if n in text}


async def test_c12_numbers_in_a_verification_and_the_history_show_only_to_the_handler(gql):
    owner, stranger = await two_handlers()
    customer = await f.customer(credit_standing="poor", joined_on=date(2026, 1, 1))
    complaint = await f.complaint(owner, customer)
    await f.refund(owner, complaint)  # the first fee dispute this year (R-7(d))
    refund = await f.refund(owner, complaint)  # the second: verify first
    assert refund.status is RefundStatus.VERIFYING
    await changes.verify_refund(
        actor=owner,
        refund_id=refund.id,
        outcome=changes.Verification(
            cause="客户 13800138000 称未收到短信",
            measures="已回拨 13900139000",
            refund_due=False,
            liability=Liability.NOT_LIABLE,
        ),
    )

    mine = (await gql.data(PARTS, {"id": str(refund.id)}, as_=owner))["refund"]
    theirs = (await gql.data(PARTS, {"id": str(refund.id)}, as_=stranger))["refund"]

    assert mine["verification"]["cause"] == "客户 13800138000 称未收到短信"
    assert typed_numbers(mine) == {"13800138000", "13900139000"}
    assert theirs["phoneVisible"] is False and typed_numbers(theirs) == set()
    assert theirs["verification"] == {
        "cause": "客户 138****8000 称未收到短信",
        "measures": "已回拨 139****9000",
    }
    declined = [e["reason"] for e in theirs["history"] if e["action"] == "verified"]
    assert declined == ["客户 138****8000 称未收到短信"]  # the history's copy is masked too


async def test_c12_numbers_in_an_approvers_reason_and_a_quick_refunds_lines_are_masked(gql):
    owner, stranger = await two_handlers()
    complaint = await f.complaint(owner)
    big = await f.refund(owner, complaint, f.goodwill_request(40000))
    assert big.status is RefundStatus.AWAITING_APPROVAL
    await approvals.reject(
        actor=await f.approver(4), refund_id=big.id, reason="请核实 13700137000 的订购记录"
    )
    quick = await refunds.quick_refund(
        actor=owner,
        complaint_id=complaint.id,
        lines=[ChargeLine("13600136000 彩铃包月", 500, service_code="CRBT")],
        matter="彩铃扣费",
        charge_category=ChargeCategory.UNKNOWING_SUBSCRIPTION,
    )

    rejected = (await gql.data(PARTS, {"id": str(big.id)}, as_=stranger))["refund"]
    lines = (await gql.data(PARTS, {"id": str(quick.id)}, as_=stranger))["refund"]
    own = (await gql.data(PARTS, {"id": str(quick.id)}, as_=owner))["refund"]

    assert rejected["approvals"] == [{"reason": "请核实 137****7000 的订购记录"}]
    assert typed_numbers(rejected) == set()
    assert lines["lines"] == [{"description": "136****6000 彩铃包月"}]
    assert own["lines"] == [{"description": "13600136000 彩铃包月"}]


async def test_c12_numbers_typed_into_compensation_show_only_to_the_handler(gql):
    owner, stranger = await two_handlers()
    complaint = await f.complaint(owner)
    await ComplaintUrgency.create(complaint=complaint, reason=UrgencyReason.ESCALATED, note="升级")
    await f.refund(owner, complaint, f.liable_request(5000))
    await record_compensation(
        actor=owner,
        complaint_id=complaint.id,
        given=CompensationInput(
            kind=CompensationKind.GIFT,
            value_fen=30000,  # beyond the 100 yuan of an ordinary customer: a special decision
            description="送给 13800138000 的礼品",
            gift_ground=GiftGround.SETTLED_ON_SITE,
            exposed_problem="客户 13900139000 发现计费漏洞",
            special_reason="客户 13500135000 坚持要求",
        ),
    )
    variables = {"id": str(complaint.id)}

    mine = (await gql.data(COMPENSATIONS, variables, as_=owner))["compensations"]
    theirs = (await gql.data(COMPENSATIONS, variables, as_=stranger))["compensations"]

    assert typed_numbers(mine) == {"13800138000", "13900139000", "13500135000"}
    assert typed_numbers(theirs) == set()
    assert theirs[0]["description"] == "送给 138****8000 的礼品"
    assert theirs[0]["specialReason"] == "客户 135****5000 坚持要求"
    assert any("135****5000" in reason for reason in theirs[0]["reasons"])
