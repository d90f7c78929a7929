"""R-12 against the database: bands on both tracks, who may approve, rejection, concurrency."""

from __future__ import annotations

import asyncio

import pytest

from services.errors import Conflict, ErrorCode, InvalidInput, PermissionDenied
from services.refunds import approvals, execution
from services.refunds.models import ApprovalDecision, RefundApproval, RefundEvent, RefundStatus
from services.staff.models import Role, Track
from tests import factories as f

TRACKS = [Track.BRANCH, Track.SERVICE_CENTRE]


async def refund_of(fen: int, *, liable: bool, track: Track = Track.BRANCH, **kw):
    handler = await f.staff(Role.HANDLER, track=track)
    request = f.liable_request(fen, **kw) if liable else f.goodwill_request(fen, **kw)
    return handler, await f.refund(handler, request=request)


async def test_r12_liable_200_yuan_needs_store_manager_and_200_01_county_supervisor():
    for track in TRACKS:
        _, at_200 = await refund_of(20000, liable=True, track=track)
        _, at_200_01 = await refund_of(20001, liable=True, track=track)
        store_manager = await f.approver(1, track)  # 厅经理 / 工单班长

        approved = await approvals.approve(actor=store_manager, refund_id=at_200.id)
        with pytest.raises(PermissionDenied) as refused:
            await approvals.approve(actor=store_manager, refund_id=at_200_01.id)
        supervisor = await f.approver(2, track)  # 区县服务主管 / 投诉主管
        approved_above = await approvals.approve(actor=supervisor, refund_id=at_200_01.id)

        assert (at_200.band, at_200_01.band) == (1, 2)
        assert approved.status == approved_above.status == RefundStatus.AWAITING_CONFIRMATION
        assert refused.value.code == ErrorCode.PERMISSION_DENIED
        assert "band 2" in refused.value.message


async def test_r12_not_liable_100_yuan_needs_store_manager_and_100_01_county_supervisor():
    for track in TRACKS:
        _, at_100 = await refund_of(10000, liable=False, track=track)
        _, at_100_01 = await refund_of(10001, liable=False, track=track)
        store_manager = await f.approver(1, track)

        await approvals.approve(actor=store_manager, refund_id=at_100.id)
        with pytest.raises(PermissionDenied):
            await approvals.approve(actor=store_manager, refund_id=at_100_01.id)
        await approvals.approve(actor=await f.approver(2, track), refund_id=at_100_01.id)

        assert (at_100.band, at_100_01.band) == (1, 2)


@pytest.mark.parametrize("track", TRACKS)
@pytest.mark.parametrize(
    ("liable", "fen", "band"),
    [
        (True, 50000, 2),
        (True, 50001, 3),
        (True, 100000, 3),
        (True, 100001, 4),
        (False, 30000, 2),
        (False, 30001, 3),
        (False, 50000, 3),
        (False, 50001, 4),
    ],
)
async def test_r12_every_band_boundary_needs_exactly_its_approver_on_both_tracks(
    track: Track, liable: bool, fen: int, band: int
):
    _, refund = await refund_of(fen, liable=liable, track=track)
    one_below = await f.approver(band - 1, track)

    with pytest.raises(PermissionDenied):
        await approvals.approve(actor=one_below, refund_id=refund.id)
    approved = await approvals.approve(actor=await f.approver(band, track), refund_id=refund.id)

    assert refund.band == band
    assert approved.status == RefundStatus.AWAITING_CONFIRMATION
    row = await RefundApproval.get(refund_id=refund.id)
    assert (row.band, row.approver_band, row.track) == (band, band, track)


async def test_r12_band0_20_yuan_first_refund_cause_unknown_is_refunded_directly():
    handler = await f.staff(Role.HANDLER)
    request = f.goodwill_request(2000, cause_unknown_on_spot=True)
    refund = await f.refund(handler, request=request)

    await execution.confirm_amount(actor=handler, refund_id=refund.id)
    done = await execution.execute(actor=handler, refund_id=refund.id)

    assert refund.band == 0 and refund.status == RefundStatus.AWAITING_CONFIRMATION
    assert done.status == RefundStatus.EXECUTED
    assert await RefundApproval.filter(refund_id=refund.id).count() == 0


async def test_r12_band0_needs_at_most_20_yuan_so_20_01_waits_for_approval():
    handler = await f.staff(Role.HANDLER)
    request = f.goodwill_request(2001, cause_unknown_on_spot=True)

    refund = await f.refund(handler, request=request)

    assert (refund.band, refund.status) == (1, RefundStatus.AWAITING_APPROVAL)


async def test_r12_nobody_approves_their_own_request():
    lead = await f.staff(Role.TEAM_LEAD)
    refund = await f.refund(lead, request=f.liable_request(5000))

    with pytest.raises(PermissionDenied) as refused:
        await approvals.approve(actor=lead, refund_id=refund.id)

    assert "own refund" in refused.value.message
    assert await RefundApproval.filter(refund_id=refund.id).count() == 0


async def test_r12_an_approver_on_the_other_track_may_not_approve():
    _, refund = await refund_of(5000, liable=True, track=Track.BRANCH)
    centre_gm = await f.approver(4, Track.SERVICE_CENTRE)

    with pytest.raises(PermissionDenied) as refused:
        await approvals.approve(actor=centre_gm, refund_id=refund.id)

    assert "branch track" in refused.value.message


async def test_r12_rejection_needs_a_reason_and_closes_the_refund():
    _, refund = await refund_of(5000, liable=True)
    lead = await f.approver(1)

    with pytest.raises(InvalidInput) as refused:
        await approvals.reject(actor=lead, refund_id=refund.id, reason="  ")
    rejected = await approvals.reject(actor=lead, refund_id=refund.id, reason="证据不足")

    assert (refused.value.code, refused.value.field) == (ErrorCode.REQUIRED, "reason")
    assert rejected.status == RefundStatus.REJECTED
    assert rejected.closed_reason == "证据不足"
    row = await RefundApproval.get(refund_id=refund.id)
    assert (row.decision, row.reason) == (ApprovalDecision.REJECTED, "证据不足")


async def test_r12_fifty_concurrent_approvals_give_one_approval_and_49_conflicts():
    _, refund = await refund_of(5000, liable=True)
    lead = await f.approver(1)

    results = await asyncio.gather(
        *(approvals.approve(actor=lead, refund_id=refund.id) for _ in range(50)),
        return_exceptions=True,
    )

    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1 and len(lost) == 49
    assert all(isinstance(e, Conflict) and e.code == ErrorCode.CONFLICT for e in lost), lost[:1]
    assert await RefundApproval.filter(refund_id=refund.id).count() == 1
    assert await RefundEvent.filter(refund_id=refund.id, action="approved").count() == 1
