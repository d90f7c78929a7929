"""C-4: correcting "the same matter" (the matter key); detection runs again on both matters.

A complaint leaving matter OLD for matter NEW changes, around its time: the batch marks of
both matters (marks added in NEW, withdrawn in OLD, each with a history event), the repeat
marks of its customer on both, and the supervision of both (C-10). Lock order (locking.py):
both matters' advisory locks in sorted key order, then the complaint row, then the rows of the
complaints whose classification changed; so a correction and a concurrent intake on either
matter take turns instead of deadlocking.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from services.complaints import supervision, urgency
from services.complaints.locking import changes, lock_matters, locked_for_action
from services.complaints.models import Complaint, ComplaintEvent
from services.complaints.policy import can_handle
from services.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.staff.models import Staff

MAX_KEY_LENGTH = 200  # Complaint.matter_key
ATTEMPTS = 3  # the key read before locking changed meanwhile: read it again


class _KeyMoved(Exception):
    """The complaint's key changed between reading it and locking its matter."""


@guarded(UseCase.CORRECT_MATTER_KEY)
async def correct_matter_key(
    *, actor: Staff, complaint_id: int, matter_key: str, reason: str
) -> Complaint:
    """C-4: a handler corrects "the same matter"; batch, repeat and supervision run again for
    the old and the new matter."""
    if not can_handle(actor.roles):
        raise PermissionDenied("Only complaint-handling staff may do this.")
    key = matter_key.strip().lower()
    if not key:
        raise InvalidInput("matterKey is required.", code=ErrorCode.REQUIRED, field="matterKey")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            f"matterKey must be at most {MAX_KEY_LENGTH} characters, got {len(key)}.",
            field="matterKey",
        )
    if not reason.strip():
        raise InvalidInput("Say why the key is corrected.", code=ErrorCode.REQUIRED, field="reason")
    for _ in range(ATTEMPTS):
        try:
            return await _correct(actor, complaint_id, key, reason.strip())
        except _KeyMoved:
            continue
    raise Conflict("The matter key is being changed by someone else; try again.", field="matterKey")


async def _correct(actor: Staff, complaint_id: int, key: str, reason: str) -> Complaint:
    async with in_transaction():
        old = await Complaint.filter(id=complaint_id).values_list("matter_key", flat=True)
        if not old:
            raise NotFound("No complaint has this id.", field="id")
        old_key = str(old[0])
        await lock_matters(old_key, key)
        complaint = await locked_for_action(complaint_id, actor)
        if complaint.matter_key != old_key:
            raise _KeyMoved  # rolls back: its new matter's lock is taken first next time
        events = changes(complaint, actor, "correct_matter_key", {"matter_key": key}, reason)
        if not events:
            return complaint
        await complaint.save(update_fields=["matter_key", "updated_at"])
        await ComplaintEvent.bulk_create(events)
        changed = {complaint.id}
        # the matter left may lose marks; the new one gains them (and the moved complaint
        # loses a mark it brought along unless its new matter holds a batch around it)
        changed.update(await urgency.recheck_batch(old_key, complaint.created_at))
        changed.update(
            await urgency.recheck_batch(key, complaint.created_at, withdraw={complaint.id})
        )
        for matter in sorted({old_key, key}):
            changed.update(await urgency.recheck_repeats(complaint.customer_id, matter))
        for matter in sorted({old_key, key}):
            await supervision.recheck(matter, actor=actor, complaint_id=complaint.id)
        await urgency.refresh_classification(changed, actor=actor)
        await complaint.refresh_from_db()
    return complaint
