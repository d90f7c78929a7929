"""R-10 beyond the rules: "a customer demanding more than the rules allow gets the single/double
refund only, unless a documented special decision is approved".

A compensation recorded beyond the rules waits in AWAITING_APPROVAL with the band above the
one its value would fall in (compensation.special_decision_band). An approver decides it as a
refund is decided (R-12, bands.check_approver): up to their own band, on the recorder's
track, never their own request. Approval credits a travel fare; each decision is one
transaction that locks the compensation.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from services import events
from services.complaints.models import ComplaintEvent
from services.errors import ErrorCode, IllegalTransition, InvalidInput, NotFound
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.refunds import clock, policy
from services.refunds.compensation_service import grant
from services.refunds.models import Compensation, CompensationStatus
from services.staff.models import Staff


@guarded(UseCase.APPROVE_SPECIAL_COMPENSATION)
async def approve_special_compensation(
    *, actor: Staff, compensation_id: int, note: str = ""
) -> Compensation:
    """AWAITING_APPROVAL → APPROVED (a travel fare is credited now)."""
    return await _decide(actor, compensation_id, CompensationStatus.APPROVED, note.strip())


@guarded(UseCase.REJECT_SPECIAL_COMPENSATION)
async def reject_special_compensation(
    *, actor: Staff, compensation_id: int, reason: str
) -> Compensation:
    """AWAITING_APPROVAL → REJECTED; the reason is required."""
    if not reason.strip():
        raise InvalidInput("Say why it is rejected.", code=ErrorCode.REQUIRED, field="reason")
    return await _decide(actor, compensation_id, CompensationStatus.REJECTED, reason.strip())


async def _decide(
    actor: Staff, compensation_id: int, to: CompensationStatus, note: str
) -> Compensation:
    async with in_transaction():
        row = await Compensation.select_for_update().get_or_none(id=compensation_id)
        if row is None:
            raise NotFound("No compensation has this id.", field="id")
        if row.status is not CompensationStatus.AWAITING_APPROVAL or row.special_band is None:
            raise IllegalTransition(
                "Only a special decision waiting for approval can be approved or rejected.",
                current=row.status.value,
                attempted=to.value,
            )
        requester = await Staff.get(id=row.recorded_by_id)
        policy.check_approver(
            requester_id=requester.id,
            approver_id=actor.id,
            approver_roles=actor.roles,
            approver_track=policy.Track(actor.track),
            refund_band=row.special_band,
            refund_track=policy.Track(requester.track),
        )
        row.status, row.decided_by, row.decided_at = to, actor, clock.now()
        row.decision_note = note
        await row.save(update_fields=["status", "decided_by_id", "decided_at", "decision_note"])
        told = await grant(row) if to is CompensationStatus.APPROVED else None
        await ComplaintEvent.create(
            complaint_id=row.complaint_id,
            actor=actor,
            action=f"compensation_special_decision_{to.value}",
            field="compensation",
            to_value=f"{row.kind.value}:{row.value_fen}",
            reason=note or f"band {row.special_band} special decision {to.value}",
        )
    await events.after_commit(told)
    return row
