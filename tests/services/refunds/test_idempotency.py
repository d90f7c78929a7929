"""Money-moving use cases with an idempotency key: the same key and input run once."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from services.errors import ErrorCode, InvalidInput
from services.refunds import approvals, changes, execution
from services.refunds import service as refunds
from services.refunds.compensation_service import CompensationInput, record_compensation
from services.refunds.models import (
    Compensation,
    CompensationKind,
    GiftGround,
    IdempotencyKey,
    LedgerEntry,
    Refund,
    RefundApproval,
)
from services.staff.models import Role
from tests import factories as f


async def create(handler, complaint, key: str, **request):
    return await refunds.create_refund(
        actor=handler,
        complaint_id=complaint.id,
        request=f.refund_request(**request),
        order=f.work_order(),
        idempotency_key=key,
    )


async def test_idempotent_create_with_the_same_key_and_input_returns_the_first_refund():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    first = await create(handler, complaint, "req-1")
    again = await create(handler, complaint, "req-1")

    assert again.id == first.id
    assert await Refund.all().count() == 1
    assert await IdempotencyKey.filter(key="req-1", result_id=first.id).count() == 1


async def test_idempotent_create_with_the_same_key_and_other_input_is_a_typed_error():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await create(handler, complaint, "req-1")

    with pytest.raises(InvalidInput) as mismatch:
        await create(handler, complaint, "req-1", charged_fen=9000)

    assert (mismatch.value.code, mismatch.value.field) == (
        ErrorCode.IDEMPOTENCY_MISMATCH,
        "idempotencyKey",
    )
    assert await Refund.all().count() == 1


async def test_idempotent_create_a_failed_request_does_not_use_up_its_key():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    with pytest.raises(InvalidInput):
        await create(handler, complaint, "req-1", should_have_charged_fen=3000)  # nothing due
    refund = await create(handler, complaint, "req-1")

    assert await Refund.all().count() == 1 and refund.id is not None


async def test_idempotent_twenty_concurrent_duplicate_creates_make_one_refund():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    results = await asyncio.gather(*(create(handler, complaint, "burst") for _ in range(20)))

    assert {r.id for r in results} == {results[0].id}
    assert await Refund.all().count() == 1


async def test_idempotent_concurrent_approvals_with_one_key_all_get_the_one_approval():
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler, request=f.liable_request(5000))
    lead = await f.approver(1)

    results = await asyncio.gather(
        *(
            approvals.approve(actor=lead, refund_id=refund.id, idempotency_key="approve-1")
            for _ in range(20)
        )
    )

    assert {r.id for r in results} == {refund.id}
    assert await RefundApproval.filter(refund_id=refund.id).count() == 1


async def test_idempotent_execute_retried_with_its_key_returns_the_execution_not_a_conflict():
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler, request=f.goodwill_request(2000, cause_unknown_on_spot=True))
    await execution.confirm_amount(actor=handler, refund_id=refund.id)

    results = await asyncio.gather(
        *(
            execution.execute(actor=handler, refund_id=refund.id, idempotency_key="pay-1")
            for _ in range(20)
        )
    )

    assert {r.status for r in results} == {"executed"}
    assert await LedgerEntry.filter(refund_id=refund.id).count() == 1


async def test_idempotent_change_of_amount_and_compensation_run_once():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    refund = await f.refund(handler, complaint, request=f.liable_request(5000))
    for _ in range(2):
        changed = await changes.change_amount(
            actor=handler,
            refund_id=refund.id,
            charged_fen=6000,
            should_have_charged_fen=0,
            reason="更正",
            idempotency_key="chg-1",
        )
        await record_compensation(
            actor=handler,
            complaint_id=complaint.id,
            given=CompensationInput(
                kind=CompensationKind.GIFT,
                value_fen=5000,
                description="礼品",
                gift_ground=GiftGround.VISIT,
                visited_on=date(2026, 3, 9),
            ),
            idempotency_key="gift-1",
        )

    assert (changed.refund_fen, changed.approval_round) == (6000, 2)
    assert await Compensation.all().count() == 1


async def test_idempotent_keys_are_per_use_case_and_bounded():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    with pytest.raises(InvalidInput) as too_long:
        await create(handler, complaint, "k" * 129)

    assert too_long.value.field == "idempotencyKey"


async def test_idempotent_keys_are_the_callers_own_another_handlers_key_is_a_new_request():
    dept = await f.department()
    lead = await f.staff(Role.HANDLER, Role.TEAM_LEAD, dept=dept)
    handler = await f.staff(Role.HANDLER, dept=dept)
    complaint = await f.complaint(handler)
    await complaint.__class__.filter(id=complaint.id).update(department_id=dept.id)

    mine = await create(handler, complaint, "order-1")
    theirs = await create(lead, complaint, "order-1", charged_fen=9000)
    mine_again = await create(handler, complaint, "order-1")

    assert theirs.id != mine.id and mine_again.id == mine.id
    assert theirs.requested_by_id == lead.id
    assert await Refund.all().count() == 2
    assert await IdempotencyKey.filter(key="order-1").count() == 2
