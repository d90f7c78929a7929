"""Per-request context: who is calling, and the request's DataLoaders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from strawberry.dataloader import DataLoader

from services.complaints import queries as complaint_queries
from services.complaints.models import (
    Complaint,
    ComplaintTask,
    SupervisedMatter,
)
from services.errors import Unauthenticated
from services.notices import service as notices
from services.notices.models import Notice, NoticeAttempt
from services.permissions.guard import customers_facts
from services.permissions.table import CustomerFacts
from services.refunds import queries as refund_queries
from services.refunds.models import (
    Compensation,
    LedgerEntry,
    RefundApproval,
    RefundEvent,
    RefundLine,
)
from services.refunds.risk_profiles import Profile
from services.staff.models import Staff
from services.staff.service import staff_for_token

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _one_each(
    fetch: Callable[[Sequence[K]], Awaitable[Mapping[K, V]]],
) -> Callable[[list[K]], Awaitable[list[V | None]]]:
    async def load(keys: list[K]) -> list[V | None]:
        found = await fetch(keys)
        return [found.get(k) for k in keys]

    return load


def _many_each(
    fetch: Callable[[Sequence[K]], Awaitable[Mapping[K, list[V]]]],
) -> Callable[[list[K]], Awaitable[list[list[V]]]]:
    async def load(keys: list[K]) -> list[list[V]]:
        found = await fetch(keys)
        return [found.get(k, []) for k in keys]

    return load


@dataclass
class Loaders:
    """One of each per request, so a page of complaints costs a constant number of queries."""

    # customers, staff, departments, history, urgencies, deadlines: display rows
    # (services.complaints.queries.Row), the columns the types show
    customer_by_id: DataLoader[int, Any] = field(
        default_factory=lambda: DataLoader(_one_each(complaint_queries.customers_by_ids))
    )
    # C-12: who handles each customer's complaints (the permission table's facts)
    customer_facts_by_id: DataLoader[int, CustomerFacts | None] = field(
        default_factory=lambda: DataLoader(_one_each(customers_facts))
    )
    staff_by_id: DataLoader[int, Any] = field(
        default_factory=lambda: DataLoader(_one_each(complaint_queries.staff_by_ids))
    )
    department_by_id: DataLoader[int, Any] = field(
        default_factory=lambda: DataLoader(_one_each(complaint_queries.departments_by_ids))
    )
    events_by_complaint: DataLoader[int, list[Any]] = field(
        default_factory=lambda: DataLoader(_many_each(complaint_queries.events_for))
    )
    urgencies_by_complaint: DataLoader[int, list[Any]] = field(
        default_factory=lambda: DataLoader(_many_each(complaint_queries.urgencies_for))
    )
    deadlines_by_complaint: DataLoader[int, list[Any]] = field(
        default_factory=lambda: DataLoader(_many_each(complaint_queries.deadlines_for))
    )
    complaint_by_id: DataLoader[int, Complaint | None] = field(
        default_factory=lambda: DataLoader(_one_each(complaint_queries.by_ids))
    )
    refund_events_by_refund: DataLoader[int, list[RefundEvent]] = field(
        default_factory=lambda: DataLoader(_many_each(refund_queries.events_for))
    )
    approvals_by_refund: DataLoader[int, list[RefundApproval]] = field(
        default_factory=lambda: DataLoader(_many_each(refund_queries.approvals_for))
    )
    lines_by_refund: DataLoader[int, list[RefundLine]] = field(
        default_factory=lambda: DataLoader(_many_each(refund_queries.lines_for))
    )
    credit_by_refund: DataLoader[int, LedgerEntry | None] = field(
        default_factory=lambda: DataLoader(_one_each(refund_queries.ledger_for))
    )
    compensations_by_complaint: DataLoader[int, list[Compensation]] = field(
        default_factory=lambda: DataLoader(_many_each(refund_queries.compensations_for))
    )
    risk_profile_by_customer: DataLoader[int, Profile | None] = field(
        default_factory=lambda: DataLoader(_one_each(refund_queries.profiles_for))
    )
    tasks_by_complaint: DataLoader[int, list[ComplaintTask]] = field(
        default_factory=lambda: DataLoader(_many_each(complaint_queries.tasks_for))
    )
    supervision_by_matter: DataLoader[str, SupervisedMatter | None] = field(
        default_factory=lambda: DataLoader(_one_each(complaint_queries.supervision_for))
    )
    notices_by_complaint: DataLoader[int, list[Notice]] = field(
        default_factory=lambda: DataLoader(_many_each(notices.for_complaints))
    )
    notices_by_refund: DataLoader[int, list[Notice]] = field(
        default_factory=lambda: DataLoader(_many_each(notices.for_refunds))
    )
    attempts_by_notice: DataLoader[int, list[NoticeAttempt]] = field(
        default_factory=lambda: DataLoader(_many_each(notices.attempts_for))
    )


@dataclass
class Context:
    request: Request
    response: Response | None
    staff: Staff | None
    auth_error: str | None
    loaders: Loaders
    logins_tried: int = 0  # `login` runs once per request: aliases cannot batch guesses


async def build_context(request: Request, response: Response | None) -> Context:
    """Read the bearer token; the roles behind it come fresh from the database."""
    staff: Staff | None = None
    auth_error: str | None = None
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            auth_error = "Send the token as `Authorization: Bearer <token>`."
        else:
            try:
                staff = await staff_for_token(token.strip())
            except Unauthenticated as exc:
                auth_error = exc.message
    return Context(
        request=request, response=response, staff=staff, auth_error=auth_error, loaders=Loaders()
    )


def viewer(info: Any) -> Staff | None:
    ctx: Context = info.context
    return ctx.staff


def now_or_later(loader: DataLoader[K, V], key: K, then: Callable[[V], Any]) -> Any:
    """`then(value)` at once when the loader holds the value already (a page preloaded it), so
    the field resolves without a coroutine; otherwise an awaitable that loads it (batched)."""
    future = loader.cache_map.get(key)
    if (
        future is not None
        and future.done()
        and not future.cancelled()
        and future.exception() is None
    ):
        return then(future.result())
    return _later(loader.load(key), then)


async def _later(pending: Awaitable[V], then: Callable[[V], Any]) -> Any:
    return then(await pending)


async def fill(loader: DataLoader[K, V], keys: Iterable[K | None]) -> None:
    """Load these keys in one batch now and keep them in the loader (what is there stays)."""
    wanted = [k for k in dict.fromkeys(keys) if k is not None and loader.cache_map.get(k) is None]
    if wanted:
        found: Sequence[Any] = await loader.load_fn(wanted)
        loader.prime_many(dict(zip(wanted, found, strict=True)))
