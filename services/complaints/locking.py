"""Locks and history shared by every complaint use case.

Lock order (every use case takes them in this order, never the reverse):
1. matter advisory locks (`lock_matter`), several in sorted key order (`lock_matters`);
   then, at intake only, the customer's advisory lock (`lock_customer`);
2. complaint rows (`locked_for_action`, SELECT … FOR UPDATE), several in id order;
3. deadline, urgency and history rows of those complaints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.connection import get_connection

from services.complaints.models import Complaint, ComplaintEvent
from services.errors import NotFound, PermissionDenied
from services.permissions import table
from services.permissions.guard import complaint_facts
from services.permissions.table import Actor
from services.staff.models import Staff


@dataclass(frozen=True)
class Lock:
    """An advisory lock held until the transaction ends, as a call another statement can
    make (`inserts.write` takes the intake's in the statement that writes its rows)."""

    call: str  # the function call, its parameters {0}, {1} …
    args: tuple[Any, ...]

    def numbered_from(self, first: int) -> str:
        """The call with its parameters numbered $first, $first+1 …"""
        return self.call.format(*(f"${first + i}" for i in range(len(self.args))))

    async def take(self) -> None:
        await get_connection("default").execute_query(
            f"SELECT {self.numbered_from(1)}", list(self.args)
        )


def matter_lock(matter_key: str) -> Lock:
    """The lock that serialises the work on one matter (intake, key correction, supervision)
    until the transaction ends. Re-entrant: taking it again in the same transaction does not
    wait."""
    return Lock("pg_advisory_xact_lock(hashtext({0}))", (matter_key,))


async def lock_matter(matter_key: str) -> None:
    await matter_lock(matter_key).take()


# the class of the customer locks: the two-key advisory locks are a key space of their own,
# apart from the one-key matter locks (PostgreSQL: "these two key spaces do not overlap")
_CUSTOMER_LOCKS = 1


def customer_lock(customer_id: int) -> Lock:
    """The lock that serialises the intakes of one customer until the transaction ends, so
    that of two complaints taken at once on different matters the second sees the first
    (C-5: a customer's second unresolved complaint is yellow, and so is the first then)."""
    return Lock("pg_advisory_xact_lock({0}::int, {1}::int)", (_CUSTOMER_LOCKS, customer_id))


async def lock_customer(customer_id: int) -> None:
    await customer_lock(customer_id).take()


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
