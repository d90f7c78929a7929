"""R-12 approvals: an approver whose band covers the refund, on its track, never the requester.

Each decision is one transaction that locks the refund; the unique (refund, round) index on
refund_approvals is the last line of defence against two decisions on one round. Fifty
concurrent approvals give one approval and forty-nine Conflicts.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from services.errors import ErrorCode, InvalidInput
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.refunds import (
    clock,
    enforcement,
    idempotency,
    limit_rows,
    policy,
    workflow,
    writes,
)
from services.refunds.common import event, locked_for
from services.refunds.models import ApprovalDecision, Refund, RefundApproval, RefundStatus
from services.refunds.service import by_id
from services.staff.models import Staff


def _authorise(actor: Staff, refund: Refund) -> int:
    """R-12: raise PermissionDenied unless `actor` may decide this refund; their band."""
    policy.check_approver(
        requester_id=refund.requested_by_id,
        approver_id=actor.id,
        approver_roles=actor.roles,
        approver_track=policy.Track(actor.track),
        refund_band=refund.band,
        refund_track=policy.Track(refund.track),
    )
    band = policy.highest_band(actor.roles)
    assert band is not None  # check_approver refuses staff without an approving role
    return band


@guarded(UseCase.APPROVE_REFUND, checked_inside=True)
async def approve(
    *, actor: Staff, refund_id: int, note: str = "", idempotency_key: str | None = None
) -> Refund:
    """AWAITING_APPROVAL → AWAITING_CONFIRMATION."""
    return await idempotency.once(
        scope="approve_refund",
        key=idempotency_key,
        actor_id=actor.id,
        request={"refund_id": refund_id, "note": note},
        run=lambda: _decide(actor, refund_id, ApprovalDecision.APPROVED, note.strip()),
        result_id=lambda refund: refund.id,
        replay=by_id,
    )


@guarded(UseCase.REJECT_REFUND)
async def reject(*, actor: Staff, refund_id: int, reason: str) -> Refund:
    """AWAITING_APPROVAL → REJECTED; the reason is required and told to the requester."""
    if not reason.strip():
        raise InvalidInput("Say why it is rejected.", code=ErrorCode.REQUIRED, field="reason")
    return await _decide(actor, refund_id, ApprovalDecision.REJECTED, reason.strip())


async def _decide(actor: Staff, refund_id: int, decision: ApprovalDecision, reason: str) -> Refund:
    at = clock.now()
    approved = decision is ApprovalDecision.APPROVED
    async with in_transaction():
        use = UseCase.APPROVE_REFUND if approved else UseCase.REJECT_REFUND
        refund = await locked_for(use, refund_id, actor)
        workflow.check("approve" if approved else "reject", refund.status, band=refund.band)
        approver_band = _authorise(actor, refund)
        before = refund.status
        limits = limit_rows.inputs(refund)
        approval = RefundApproval(
            refund_id=refund.id,
            round=refund.approval_round,
            approver_id=actor.id,
            decision=decision,
            band=refund.band,
            approver_band=approver_band,
            track=refund.track,
            amount_fen=refund.refund_fen,
            reason=reason,
            decided_at=at,
        )
        if approved:
            refund.status = RefundStatus.AWAITING_CONFIRMATION
            refund.approved_by_id = actor.id
            refund.approved_at = at
            changed = ["status", "approved_by_id", "approved_at"]
        else:
            refund.status = RefundStatus.REJECTED
            refund.closed_reason = reason
            refund.closed_at = at
            changed = ["status", "closed_reason", "closed_at"]
        history = event(
            refund,
            actor,
            "approved" if approved else "rejected",
            before=before,
            reason=reason,
            data={
                "band": refund.band,
                "approver_band": approver_band,
                "round": refund.approval_round,
            },
        )
        limits_done = await limit_rows.reconciled(refund, before=limits)  # a rejection waives
        await writes.write(
            updated=[
                (refund, changed),
                *((row, ("state", "met_at")) for row in limits_done.changed),
            ],
            created=[[approval], [history], limits_done.created],
            unless_present=limits_done.unless_present,
        )
        await enforcement.after_write(refund, limits_done)
    return refund
