"""The guard every use case passes first: load the facts of what it acts on, ask the table.

`@guarded(UseCase.X)` on a use case (keyword-only, `actor=` a Staff) checks before the body
runs and records the function in REGISTRY, which the permission matrix test walks.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ParamSpec, TypeVar

from services.complaints.models import Complaint, ComplaintTask
from services.errors import NotFound
from services.notices.models import Notice
from services.permissions.table import (
    TABLE,
    Actor,
    ComplaintFacts,
    CustomerFacts,
    RefundFacts,
    Subject,
    TaskFacts,
    UseCase,
    check,
)
from services.refunds import bands
from services.refunds.models import Compensation, Refund
from services.staff.models import Staff

P = ParamSpec("P")
R = TypeVar("R")

# every guarded use case, by "module.function": the use case it is and the function
REGISTRY: dict[str, tuple[UseCase, Callable[..., Awaitable[Any]]]] = {}


def complaint_facts(row: Complaint) -> ComplaintFacts:
    return ComplaintFacts(
        owner_id=row.owner_id,
        first_handler_id=row.first_handler_id,
        department_id=row.department_id,
    )


async def _complaint(complaint_id: int) -> ComplaintFacts:
    row = await Complaint.get_or_none(id=complaint_id)
    if row is None:
        raise NotFound("No complaint has this id.", field="complaintId")
    return complaint_facts(row)


async def _refund(refund_id: int) -> RefundFacts:
    row = await Refund.get_or_none(id=refund_id)
    if row is None:
        raise NotFound("No refund has this id.", field="id")
    return RefundFacts(
        complaint=await _complaint(row.complaint_id),
        requester_id=row.requested_by_id,
        band=row.band,
        track=str(row.track),
    )


async def _compensation(compensation_id: int) -> RefundFacts:
    """R-10 special decision: decided like a refund of its band, on its recorder's track."""
    row = await Compensation.filter(id=compensation_id).select_related("recorded_by").first()
    if row is None:
        raise NotFound("No compensation has this id.", field="id")
    return RefundFacts(
        complaint=await _complaint(row.complaint_id),
        requester_id=row.recorded_by_id,
        band=row.special_band if row.special_band is not None else bands.HIGHEST_BAND,
        track=str(row.recorded_by.track),
    )


async def _task(task_id: int) -> TaskFacts:
    row = await ComplaintTask.get_or_none(id=task_id)
    if row is None:
        raise NotFound("No task has this id.", field="id")
    return TaskFacts(complaint=await _complaint(row.complaint_id), owner_id=row.owner_id)


async def _notice(notice_id: int) -> ComplaintFacts:
    row = await Notice.get_or_none(id=notice_id)
    if row is None:
        raise NotFound("No notice has this id.", field="id")
    if row.complaint_id is None:  # nobody handles a notice that belongs to no complaint
        return ComplaintFacts(owner_id=0, first_handler_id=0, department_id=-1)
    return await _complaint(row.complaint_id)


async def customers_facts(customer_ids: Sequence[int]) -> dict[int, CustomerFacts]:
    """Who handles each customer's complaints: one query for a whole page of customers."""
    rows = await Complaint.filter(customer_id__in=list(customer_ids)).values(
        "customer_id", "owner_id", "first_handler_id", "department_id"
    )
    found: dict[int, list[ComplaintFacts]] = {key: [] for key in customer_ids}
    for row in rows:
        found[row.pop("customer_id")].append(ComplaintFacts(**row))
    return {key: CustomerFacts(complaints=tuple(facts)) for key, facts in found.items()}


async def customer_facts(customer_id: int) -> CustomerFacts:
    return (await customers_facts([customer_id]))[customer_id]


_LOADERS: dict[Subject, Callable[[int], Awaitable[Any]]] = {
    Subject.COMPLAINT: _complaint,
    Subject.REFUND: _refund,
    Subject.TASK: _task,
    Subject.NOTICE: _notice,
    Subject.CUSTOMER: customer_facts,
    Subject.COMPENSATION: _compensation,
}


async def facts_of(subject: Subject, key: int | None) -> Any:
    if subject is Subject.NONE:
        return None
    if key is None:
        raise NotFound(f"No {subject.value} given.", field=f"{subject.value}Id")
    return await _LOADERS[subject](key)


async def require(use: UseCase, staff: Staff, key: int | None = None) -> None:
    """Raise PermissionDenied unless the table lets `staff` do `use` on the object `key`."""
    check(use, Actor.of(staff), await facts_of(TABLE[use].subject, key))


async def allowed(use: UseCase, staff: Staff, key: int | None = None) -> bool:
    entry = TABLE[use]
    return entry.rule(Actor.of(staff), await facts_of(entry.subject, key))


def guarded(
    use: UseCase, *, actor: str = "actor"
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Check the table before the use case runs; the object is the `<subject>_id` argument."""
    subject = TABLE[use].subject

    def wrap(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(fn)
        async def run(*args: P.args, **kwargs: P.kwargs) -> R:
            key = kwargs.get(f"{subject.value}_id") if subject is not Subject.NONE else None
            await require(use, kwargs[actor], key)  # type: ignore[arg-type]
            return await fn(*args, **kwargs)

        REGISTRY[f"{fn.__module__}.{fn.__name__}"] = (use, run)
        return run

    return wrap
