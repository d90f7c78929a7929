"""Reading complaints and customers, as use cases: the permission table first (C-12 masks
what the reader is not entitled to; see graphql_schema and admin_ui for how it reads)."""

from __future__ import annotations

from datetime import datetime

from services.complaints import queries, related
from services.complaints.models import Complaint
from services.customers import service as customers
from services.customers.models import Customer
from services.errors import NotFound
from services.permissions.guard import check_facts, complaint_facts, guarded
from services.permissions.table import UseCase
from services.staff.models import Staff


@guarded(UseCase.READ_COMPLAINT, checked_inside=True)
async def read_complaint(
    *, actor: Staff, complaint_id: int, along: related.Along = related.NOTHING
) -> tuple[Complaint, related.Related]:
    """One complaint (NotFound when there is none) as a display row, with the relations `along`
    names, in one statement; the table asked on the row's facts before anything is returned
    (the guard's own look would read it twice)."""
    found = await related.complaint_with(complaint_id, along)
    if found is None:
        raise NotFound("No complaint has this id.", field="complaintId")
    check_facts(UseCase.READ_COMPLAINT, actor, complaint_facts(found[0]))
    return found


@guarded(UseCase.LIST_COMPLAINTS)
async def list_complaints(
    *,
    actor: Staff,
    criteria: queries.ComplaintFilter,
    first: int,
    after_id: int | None = None,
    due_soonest: bool = False,
    after_due: tuple[datetime, int] | None = None,
    before_id: int | None = None,
    before_due: tuple[datetime, int] | None = None,
) -> queries.Page:
    """A page of complaints, newest first, or the handler's queue (due soonest first); the
    `before_*` keys page backward from a row."""
    if due_soonest:
        return await queries.page_due_soonest(
            criteria, first=first, after=after_due, before=before_due
        )
    return await queries.page(criteria, first=first, after_id=after_id, before_id=before_id)


@guarded(UseCase.READ_CUSTOMER)
async def read_customer(*, actor: Staff, msisdn: str) -> Customer:
    """The customer with this number (NotFound when none; InvalidInput for a bad number)."""
    return await customers.by_msisdn(msisdn)


@guarded(UseCase.READ_CUSTOMER)
async def read_customer_by_id(*, actor: Staff, customer_id: int) -> Customer:
    """The customer with this id (NotFound when none): a customer page's link."""
    row = await Customer.get_or_none(id=customer_id)
    if row is None:
        raise NotFound("No customer has this id.", field="id")
    return row
