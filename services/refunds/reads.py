"""Reading refunds, the approver's queue, compensation and risk profiles, as use cases: the
permission table first. The K-1 status is private (C-12): only the customer's handlers,
auditors and admins read a risk profile."""

from __future__ import annotations

from dataclasses import replace

from services.customers.models import Customer
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.refunds import queries, risk_profiles
from services.refunds import service as refunds
from services.refunds.decisions import CustomerFacts, RefundDecision, RefundRequest
from services.refunds.models import Compensation, Refund
from services.staff.models import Staff


@guarded(UseCase.READ_REFUND)
async def read_refund(*, actor: Staff, refund_id: int) -> Refund:
    """One refund (NotFound when there is none)."""
    return await Refund.get(id=refund_id)


@guarded(UseCase.LIST_REFUNDS)
async def list_refunds(
    *,
    actor: Staff,
    criteria: queries.RefundFilter,
    first: int,
    after_id: int | None = None,
    before_id: int | None = None,
) -> queries.Page:
    return await queries.page(criteria, first=first, after_id=after_id, before_id=before_id)


@guarded(UseCase.APPROVAL_QUEUE)
async def approval_queue(
    *,
    actor: Staff,
    criteria: queries.RefundFilter,
    first: int,
    after_id: int | None = None,
    before_id: int | None = None,
) -> queries.Page:
    """R-12: what `actor` may approve now (their band and track, not their own requests)."""
    mine = replace(criteria, awaiting_approval_by=actor)
    return await queries.page(mine, first=first, after_id=after_id, before_id=before_id)


@guarded(UseCase.PREVIEW_REFUND_POLICY)
async def preview_refund_policy(
    *,
    actor: Staff,
    request: RefundRequest,
    customer: Customer | None,
    facts: CustomerFacts | None,
) -> RefundDecision:
    return await refunds.preview(request=request, customer=customer, facts=facts)


@guarded(UseCase.READ_COMPENSATIONS)
async def read_compensations(*, actor: Staff, complaint_id: int) -> list[Compensation]:
    return (await queries.compensations_for([complaint_id])).get(complaint_id, [])


@guarded(UseCase.READ_RISK_PROFILE)
async def read_risk_profile(*, actor: Staff, customer_id: int) -> risk_profiles.Profile | None:
    return (await queries.profiles_for([customer_id])).get(customer_id)
