"""Locks and history shared by every complaint use case.

Lock order (every use case takes them in this order, never the reverse):
1. matter advisory locks (`lock_matter`), several in sorted key order (`lock_matters`);
   then, at intake only, the customer's advisory lock (`lock_customer`);
2. complaint rows (`locked_for_action`, SELECT … FOR UPDATE), several in id order;
3. deadline, urgency and history rows of those complaints.
"""

from __future__ import annotations

from typing import Any

from tortoise.connection import get_connection

from services.complaints.models import Complaint, ComplaintEvent
from services.errors import NotFound, PermissionDenied
from services.permissions import table
from services.permissions.guard import complaint_facts
from services.permissions.table import Actor
from services.staff.models import Staff


async def lock_matter(matter_key: str) -> None:
    """Serialise the work on one matter (intake, key correction, supervision) until the
    transaction ends. Re-entrant: taking it again in the same transaction does not wait."""
    await get_connection("default").execute_query(
        "SELECT pg_advisory_xact_lock(hashtext($1))", [matter_key]
    )


# the class of the customer locks: the two-key advisory locks are a key space of their own,
# apart from the one-key matter locks (PostgreSQL: "these two key spaces do not overlap")
_CUSTOMER_LOCKS = 1


async def lock_customer(customer_id: int) -> None:
    """Serialise the intakes of one customer until the transaction ends, so that of two
    complaints taken at once on different matters the second sees the first (C-5: a
    customer's second unresolved complaint is yellow, and so is the first then)."""
    await get_connection("default").execute_query(
        "SELECT pg_advisory_xact_lock($1::int, $2::int)", [_CUSTOMER_LOCKS, customer_id]
    )


async def lock_matters(*matter_keys: str) -> None:
    """Several matters' locks, in sorted key order (rule 1 of the lock order)."""
    for key in sorted(set(matter_keys)):
        await lock_matter(key)


async def locked_for_action(complaint_id: int, actor: Staff) -> Complaint:
    complaint = await Complaint.select_for_update().get_or_none(id=complaint_id)
    if complaint is None:
        raise NotFound("No complaint has this id.", field="id")
    # checked again under the lock: the owner may have changed since the guard looked
    if not table.handles(Actor.of(actor), complaint_facts(complaint)):
        raise PermissionDenied(f"Only {table.OWNER_OR_LEAD} may do this.")
    return complaint


def changes(
    complaint: Complaint, actor: Staff, action: str, values: dict[str, Any], reason: str
) -> list[ComplaintEvent]:
    events = []
    for field, value in values.items():
        before = getattr(complaint, field)
        if before == value:
            continue
        setattr(complaint, field, value)
        events.append(
            ComplaintEvent(
                complaint=complaint,
                actor=actor,
                action=action,
                field=field,
                from_value="" if before is None else str(before),
                to_value=str(value),
                reason=reason,
            )
        )
    return events
