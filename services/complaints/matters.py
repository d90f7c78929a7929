"""C-4: correcting "the same matter" (the matter key); batch and repeat detection run again."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from services.complaints import urgency
from services.complaints.locking import changes, locked_for_action
from services.complaints.models import Complaint, ComplaintEvent
from services.complaints.policy import can_handle
from services.errors import ErrorCode, InvalidInput, PermissionDenied
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.staff.models import Staff


@guarded(UseCase.CORRECT_MATTER_KEY)
async def correct_matter_key(
    *, actor: Staff, complaint_id: int, matter_key: str, reason: str
) -> Complaint:
    """C-4: a handler corrects "the same matter"; batch and repeat detection run again."""
    if not can_handle(actor.roles):
        raise PermissionDenied("Only complaint-handling staff may do this.")
    key = matter_key.strip().lower()
    if not key:
        raise InvalidInput("matterKey is required.", code=ErrorCode.REQUIRED, field="matterKey")
    if not reason.strip():
        raise InvalidInput("Say why the key is corrected.", code=ErrorCode.REQUIRED, field="reason")
    async with in_transaction():
        await urgency.lock_matter(key)
        complaint = await locked_for_action(complaint_id, actor)
        events = changes(complaint, actor, "correct_matter_key", {"matter_key": key}, reason)
        if not events:
            return complaint
        await complaint.save(update_fields=["matter_key", "updated_at"])
        await ComplaintEvent.bulk_create(events)
        await urgency.clear_detected(complaint.id)
        batch = await urgency.detect_batch(complaint)
        await urgency.detect_repeat(complaint)
        await urgency.refresh_classification([complaint.id, *batch], actor=actor)
        await complaint.refresh_from_db()
    return complaint
