"""Complaints walked to a result with a root cause, and rows moved to other months: the
hand-counted fixtures of the C-11 and A-3 tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.complaints import service as complaints
from services.complaints.models import Complaint, Deadline
from services.staff.models import Staff

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


async def resolve(
    actor: Staff, complaint: Complaint, root_cause: str | None = "billing_system_error"
) -> Complaint:
    """Walk a complaint to RESOLVED with its root cause (recorded in the resolve step)."""
    cid = complaint.id
    await complaints.acknowledge(actor=actor, complaint_id=cid)
    await complaints.start_investigation(actor=actor, complaint_id=cid)
    await complaints.propose_plan(actor=actor, complaint_id=cid, plan="核查计费记录")
    await complaints.start_resolution(actor=actor, complaint_id=cid)
    row = await complaints.resolve(
        actor=actor,
        complaint_id=cid,
        cause="计费系统重复出账",
        solution="退还多扣费用",
        prevention="修复出账程序",
        root_cause=root_cause,
    )
    return row


async def move_to(complaint: Complaint, when: datetime) -> None:
    """The complaint was received at `when`; its deadlines fell due that day too."""
    await Complaint.filter(id=complaint.id).update(created_at=when)
    await Deadline.filter(complaint_id=complaint.id).update(due_at=when)
