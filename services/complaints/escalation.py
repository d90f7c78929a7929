"""Yellow and red warnings go to the department head automatically (C-5)."""

from __future__ import annotations

from services.complaints.models import Complaint, ComplaintEvent, WarningColour
from services.staff.models import Staff


async def escalate_to_department_head(
    complaint: Complaint, *, colour: WarningColour
) -> Staff | None:
    """Record the escalation in the history; the head is the department's designated head."""
    head = None
    if complaint.department_id is not None:
        head = (
            await Staff.filter(
                department_id=complaint.department_id, is_department_head=True, is_active=True
            )
            .order_by("id")
            .first()
        )
    await ComplaintEvent.create(
        complaint_id=complaint.id,
        action="escalated_to_department_head",
        field="department_head",
        to_value=str(head.id) if head else "",
        reason=f"warning colour {colour.value} (C-5)"
        + ("" if head else ": the department has no designated head"),
    )
    return head
