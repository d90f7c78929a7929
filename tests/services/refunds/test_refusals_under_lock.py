"""Issue 14: the refund steps ask the permission table with the rows they lock
(`guarded(checked_inside=True)`): a refused caller gets the guard's refusal word for word, for
an object that exists or not, before anything is written."""

from __future__ import annotations

import pytest

from services.errors import NotFound, PermissionDenied
from services.permissions import guard
from services.permissions.table import UseCase
from services.refunds import approvals, execution
from services.refunds import service as refunds
from services.refunds.models import Refund, RefundEvent, RefundStatus
from services.staff.models import Role
from tests import factories as f


async def _refused(use: UseCase, actor, key: int) -> str:
    """What the guard alone says to `actor` (the refusal before issue 14)."""
    with pytest.raises(PermissionDenied) as refused:
        await guard.require(use, actor, key)
    return refused.value.message


async def test_c2_a_stranger_confirming_or_executing_gets_the_guards_refusal_and_nothing_moves():
    owner = await f.staff(Role.HANDLER, dept=await f.department())
    stranger = await f.staff(Role.HANDLER, dept=await f.department())
    lead = await f.staff(Role.TEAM_LEAD, dept=await f.department())
    refund = await f.refund(owner)
    await approvals.approve(actor=await f.approver(4), refund_id=refund.id)
    history = await RefundEvent.filter(refund_id=refund.id).count()

    for use, step in (
        (UseCase.CONFIRM_REFUND_AMOUNT, execution.confirm_amount),
        (UseCase.EXECUTE_REFUND, execution.execute),
    ):
        for actor in (stranger, lead):  # a lead of another department is a stranger too
            with pytest.raises(PermissionDenied) as refused:
                await step(actor=actor, refund_id=refund.id)
            assert refused.value.message == await _refused(use, actor, refund.id)

    after = await Refund.get(id=refund.id)
    assert after.status == RefundStatus.AWAITING_CONFIRMATION
    assert await RefundEvent.filter(refund_id=refund.id).count() == history


async def test_r12_the_requester_approving_gets_the_guards_refusal():
    lead = await f.staff(Role.TEAM_LEAD, dept=await f.department())
    refund = await f.refund(lead)  # band 1: a team lead's band, but the lead asked for it

    with pytest.raises(PermissionDenied) as refused:
        await approvals.approve(actor=lead, refund_id=refund.id)

    assert refused.value.message == await _refused(UseCase.APPROVE_REFUND, lead, refund.id)
    assert (await Refund.get(id=refund.id)).status == RefundStatus.AWAITING_APPROVAL


async def test_r1_a_stranger_asking_for_a_refund_gets_the_guards_refusal_and_no_refund():
    owner = await f.staff(Role.HANDLER, dept=await f.department())
    stranger = await f.staff(Role.HANDLER, dept=await f.department())
    complaint = await f.complaint(owner, await f.customer(credit_standing="good"))

    with pytest.raises(PermissionDenied) as refused:
        await refunds.create_refund(
            actor=stranger,
            complaint_id=complaint.id,
            request=f.refund_request(),
            order=f.work_order(matter=""),  # bad input too: the refusal comes first
        )

    assert refused.value.message == await _refused(UseCase.CREATE_REFUND, stranger, complaint.id)
    assert await Refund.all().count() == 0


async def test_a_missing_refund_or_complaint_is_not_found_as_before():
    handler = await f.staff(Role.HANDLER)

    with pytest.raises(NotFound) as missing:
        await execution.execute(actor=handler, refund_id=999_999)
    assert (missing.value.message, missing.value.field) == ("No refund has this id.", "id")
    with pytest.raises(NotFound) as missing:
        await refunds.create_refund(
            actor=handler,
            complaint_id=999_999,
            request=f.refund_request(),
            order=f.work_order(),
        )
    assert (missing.value.message, missing.value.field) == (
        "No complaint has this id.",
        "complaintId",
    )
