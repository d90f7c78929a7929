"""Where the permission table's facts come from: the rows of complaints, tasks, notices,
refunds, special decisions and customers, read for services.permissions.guard.

The permission package imports none of the packages whose use cases it guards; services.wiring
registers these loaders at start-up (`install`), as it subscribes the reactions to events.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.approval_bands import HIGHEST_BAND
from services.complaints.models import Complaint, ComplaintTask
from services.errors import NotFound
from services.notices.models import Notice
from services.permissions import guard
from services.permissions.table import (
    ComplaintFacts,
    CustomerFacts,
    RefundFacts,
    Subject,
    TaskFacts,
)
from services.refunds.models import Compensation, Refund


async def complaint(complaint_id: int) -> ComplaintFacts:
    row = await Complaint.get_or_none(id=complaint_id)
    if row is None:
        raise NotFound("No complaint has this id.", field="complaintId")
    return guard.complaint_facts(row)


async def refund(refund_id: int) -> RefundFacts:
    """The refund's facts and its complaint's in one statement (a join): every refund step
    asks for them first."""
    rows = await Refund.filter(id=refund_id).values(
        "requested_by_id",
        "band",
        "track",
        "complaint__owner_id",
        "complaint__first_handler_id",
        "complaint__department_id",
    )
    if not rows:
        raise NotFound("No refund has this id.", field="id")
    row = rows[0]
    return RefundFacts(
        complaint=ComplaintFacts(
            owner_id=row["complaint__owner_id"],
            first_handler_id=row["complaint__first_handler_id"],
            department_id=row["complaint__department_id"],
        ),
        requester_id=row["requested_by_id"],
        band=row["band"],
        track=str(row["track"]),
    )


async def compensation(compensation_id: int) -> RefundFacts:
    """R-10 special decision: decided like a refund of its band, on its recorder's track."""
    row = await Compensation.filter(id=compensation_id).select_related("recorded_by").first()
    if row is None:
        raise NotFound("No compensation has this id.", field="id")
    return RefundFacts(
        complaint=await complaint(row.complaint_id),
        requester_id=row.recorded_by_id,
        band=row.special_band if row.special_band is not None else HIGHEST_BAND,
        track=str(row.recorded_by.track),
    )


async def task(task_id: int) -> TaskFacts:
    row = await ComplaintTask.get_or_none(id=task_id)
    if row is None:
        raise NotFound("No task has this id.", field="id")
    return TaskFacts(complaint=await complaint(row.complaint_id), owner_id=row.owner_id)


async def notice(notice_id: int) -> ComplaintFacts:
    row = await Notice.get_or_none(id=notice_id)
    if row is None:
        raise NotFound("No notice has this id.", field="id")
    if row.complaint_id is None:  # nobody handles a notice that belongs to no complaint
        return ComplaintFacts(owner_id=0, first_handler_id=0, department_id=-1)
    return await complaint(row.complaint_id)


async def customers(customer_ids: Sequence[int]) -> dict[int, CustomerFacts]:
    """Who handles each customer's complaints: one query for a whole page of customers."""
    rows = await Complaint.filter(customer_id__in=list(customer_ids)).values(
        "customer_id", "owner_id", "first_handler_id", "department_id"
    )
    found: dict[int, list[ComplaintFacts]] = {key: [] for key in customer_ids}
    for row in rows:
        found[row.pop("customer_id")].append(ComplaintFacts(**row))
    return {key: CustomerFacts(complaints=tuple(facts)) for key, facts in found.items()}


def install() -> None:
    """Register every loader with the guard (idempotent)."""
    guard.register(Subject.COMPLAINT, complaint)
    guard.register(Subject.REFUND, refund)
    guard.register(Subject.TASK, task)
    guard.register(Subject.NOTICE, notice)
    guard.register(Subject.COMPENSATION, compensation)
    guard.register_customers(customers)
