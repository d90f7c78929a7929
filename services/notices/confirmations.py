"""C-7, C-9: what a delivered notice proves. The result told in writing meets the complaint's
result deadline when its notice is delivered (not when it was written): the delivery layer
calls `on_delivered` after it recorded the delivery (its own transaction: the complaint row is
locked first, as every complaint step does; calling it twice changes nothing)."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from services.complaints import deadlines
from services.complaints.models import Complaint, DeadlineKind
from services.notices.models import Notice
from services.notices.templates import TemplateKind


async def on_delivered(notice: Notice, *, at: datetime) -> None:
    """A notice reached the customer at `at` (the receipt's time when there is one)."""
    if notice.template != TemplateKind.RESULT_FEEDBACK.value or notice.complaint_id is None:
        return
    round_ = notice.key.rsplit(":", 1)[-1]  # complaint:{id}:result:{round}
    async with in_transaction():
        await Complaint.select_for_update().get(id=notice.complaint_id)
        await deadlines.meet(
            notice.complaint_id,
            DeadlineKind.RESULT_FEEDBACK,
            at=at,
            key=f"{DeadlineKind.RESULT_FEEDBACK.value}:{round_}",
        )
