"""Telling staff: notifications, and escalation of yellow and red warnings (C-5, C-7)."""

from __future__ import annotations

from collections.abc import Iterable

from services.complaints.models import Complaint, ComplaintEvent, Notification, WarningColour
from services.staff.models import Staff

COLOUR_NAMES = {WarningColour.BLUE: "蓝色", WarningColour.YELLOW: "黄色", WarningColour.RED: "红色"}


async def department_head(department_id: int | None) -> Staff | None:
    if department_id is None:
        return None
    return (
        await Staff.filter(department_id=department_id, is_department_head=True, is_active=True)
        .order_by("id")
        .first()
    )


async def notify(
    recipient_ids: Iterable[int | None], *, complaint_id: int, kind: str, key: str, message: str
) -> None:
    """One notification per recipient and key, however often this runs."""
    for recipient_id in sorted({r for r in recipient_ids if r is not None}):
        await Notification.get_or_create(
            recipient_id=recipient_id,
            key=key,
            defaults={"complaint_id": complaint_id, "kind": kind, "message": message},
        )


async def escalate_to_department_head(
    complaint: Complaint, *, colour: WarningColour
) -> Staff | None:
    """C-5: yellow and red go to the head of the complaint's department, recorded and notified."""
    head = await department_head(complaint.department_id)
    await ComplaintEvent.create(
        complaint_id=complaint.id,
        action="escalated_to_department_head",
        field="department_head",
        to_value=str(head.id) if head else "",
        reason=f"warning colour {colour.value} (C-5)"
        + ("" if head else ": the department has no designated head"),
    )
    if head is not None:
        await notify(
            [head.id],
            complaint_id=complaint.id,
            kind="escalation",
            key=f"escalation:{complaint.id}:{colour.value}",
            message=f"投诉 {complaint.id} 预警升为{COLOUR_NAMES[colour]}",
        )
    return head
