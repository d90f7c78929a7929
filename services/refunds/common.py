"""What every refund use case shares: the row lock, who may act, history, R-13 due dates."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise.connection import get_connection

from services.calendar.service import add_working_days
from services.complaints.models import Complaint
from services.customers.models import Customer
from services.errors import NotFound, PermissionDenied
from services.permissions import guard, table
from services.permissions.guard import complaint_facts
from services.permissions.table import Actor, ComplaintFacts, RefundFacts, UseCase
from services.refunds import clock, policy
from services.refunds.models import Refund, RefundEvent, RefundStatus
from services.staff.models import Staff


async def locked(refund_id: int) -> Refund:
    """The refund, locked until the transaction ends (every transition takes this lock)."""
    refund = await Refund.select_for_update().get_or_none(id=refund_id)
    if refund is None:
        raise NotFound("No refund has this id.", field="id")
    return refund


_LOCKED_SQL: dict[bool, str] = {}


def _locked_sql(with_customer: bool) -> str:
    columns = ", ".join(f'r."{c}"' for c in Refund._meta.fields_db_projection.values())
    more, join = "", ""
    if with_customer:
        more = "".join(
            f', cu."{c}" AS "customer {c}"' for c in Customer._meta.fields_db_projection.values()
        )
        more += ", nextval(pg_get_serial_sequence('credit_ledger', 'id')) AS \"next ledger id\""
        join = 'JOIN "customers" cu ON cu."id" = r."customer_id" '
    return (
        f'SELECT {columns}, c."owner_id" AS "complaint owner", c."first_handler_id" AS '
        f'"complaint first handler", c."department_id" AS "complaint department"{more} '
        f'FROM "refunds" r JOIN "complaints" c ON c."id" = r."complaint_id" {join}'
        'WHERE r."id" = $1 FOR UPDATE OF r'
    )


async def _locked(
    use: UseCase, refund_id: int, actor: Staff, *, with_customer: bool
) -> tuple[Refund, dict[str, Any]]:
    sql = _LOCKED_SQL.get(with_customer) or _LOCKED_SQL.setdefault(
        with_customer, _locked_sql(with_customer)
    )
    rows = await get_connection("default").execute_query_dict(sql, [refund_id])
    if not rows:
        raise NotFound("No refund has this id.", field="id")
    row = rows[0]
    complaint = ComplaintFacts(
        owner_id=row.pop("complaint owner"),
        first_handler_id=row.pop("complaint first handler"),
        department_id=row.pop("complaint department"),
    )
    more = {k: row.pop(k) for k in [k for k in row if k.startswith(("customer ", "next "))]}
    refund = Refund._init_from_db(**row)
    facts = RefundFacts(
        complaint=complaint,
        requester_id=refund.requested_by_id,
        band=refund.band,
        track=str(refund.track),
    )
    guard.check_facts(use, actor, facts)
    return refund, more


async def locked_for(use: UseCase, refund_id: int, actor: Staff) -> Refund:
    """The refund, locked until the transaction ends, after the table let `actor` do `use`
    on it (`guarded(checked_inside=True)`): the permission facts, the refund's and its
    complaint's, come with the locked row in one statement, and a refusal comes before
    anything is written, in the guard's words."""
    return (await _locked(use, refund_id, actor, with_customer=False))[0]


async def locked_for_execution(
    use: UseCase, refund_id: int, actor: Staff
) -> tuple[Refund, Customer, int]:
    """`locked_for`, with the refund's customer and the id its credit will have (taken from
    the sequence: a gap when the step then fails, as with any sequence) in the same
    statement."""
    refund, more = await _locked(use, refund_id, actor, with_customer=True)
    ledger_id = int(more.pop("next ledger id"))
    customer = Customer._init_from_db(**{k.removeprefix("customer "): v for k, v in more.items()})
    return refund, customer, ledger_id


async def complaint_for(complaint_id: int) -> Complaint:
    complaint = await Complaint.get_or_none(id=complaint_id)
    if complaint is None:
        raise NotFound("No complaint has this id.", field="complaintId")
    return complaint


def require_handling(actor: Staff, complaint: Complaint) -> None:
    """The complaint's owner, or a lead of its department, acts on its refunds (C-2).

    Checked again under the refund's lock: the guard looked before the lock was taken."""
    if not table.handles(Actor.of(actor), complaint_facts(complaint)):
        raise PermissionDenied(f"Only {table.OWNER_OR_LEAD} may do this.")


def require_handler(actor: Staff) -> None:
    if not table.handling(Actor.of(actor)):
        raise PermissionDenied("Only complaint-handling staff may do this.")


def event(
    refund: Refund,
    actor: Staff | None,
    action: str,
    *,
    to: RefundStatus | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    before: RefundStatus | None = None,
    new: bool = False,
) -> RefundEvent:
    """One history row; `before` is the status the refund had when the step began."""
    start = before if before is not None else refund.status
    return RefundEvent(
        refund_id=refund.id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        from_status="" if new else start.value,
        to_status=(to or refund.status).value,
        reason=reason,
        data=data or {},
    )


async def due(deadline: policy.Deadline, start: datetime) -> datetime:
    """R-13: when a time limit measured from `start` falls due."""
    if deadline.unit is policy.DeadlineUnit.HOURS:
        return start + timedelta(hours=deadline.amount)
    if deadline.unit is policy.DeadlineUnit.WORKING_DAYS:
        return await add_working_days(start, deadline.amount)
    day = clock.local_date(start)
    for _ in range(deadline.amount):
        day = clock.next_month_start(day)
    return clock.local_midnight(day)


async def due_from(
    rule: policy.DeadlineRule, *starts: policy.DeadlineStart, at: datetime
) -> datetime | None:
    """The first of the rule's limits measured from any of `starts`, counted from `at`."""
    for deadline in rule.deadlines:
        if deadline.measured_from in starts:
            return await due(deadline, at)
    return None
