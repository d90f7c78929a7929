"""Per-request context: who is calling, and the request's DataLoaders."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
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


class Loader(DataLoader[K, V]):
    """strawberry's DataLoader, plus `known`: values a page loaded ahead (`fill`), kept as
    they are. A field reads them at once (`now_or_later`) without a future per key; `load`
    answers from them too, so nothing is read twice."""

    def __init__(self, load_fn: Callable[[list[K]], Awaitable[Sequence[V]]]) -> None:
        super().__init__(load_fn)
        self.known: dict[K, V] = {}

    def load(self, key: K) -> Awaitable[V]:
        known = self.known
        if key in known:
            future = asyncio.get_running_loop().create_future()
            future.set_result(known[key])
            return future
        return super().load(key)


class Loaders:
    """One of each per request, so a page of complaints costs a constant number of queries.
    Each is made when a resolver first asks for it (a request uses a few of them)."""

    # customers, staff, departments, history, urgencies, deadlines: display rows, the columns
    # the types show (services.complaints.queries: Row for staff and departments, a NamedTuple
    # for the rest); a page's are read in one statement (services.complaints.related)
    @cached_property
    def customer_by_id(self) -> Loader[int, Any]:
        return Loader(_one_each(complaint_queries.customers_by_ids))

    # C-12: who handles each customer's complaints (the permission table's facts)
    @cached_property
    def customer_facts_by_id(self) -> Loader[int, CustomerFacts | None]:
        return Loader(_one_each(customers_facts))

    @cached_property
    def staff_by_id(self) -> Loader[int, Any]:
        return Loader(_one_each(complaint_queries.staff_by_ids))

    @cached_property
    def department_by_id(self) -> Loader[int, Any]:
        return Loader(_one_each(complaint_queries.departments_by_ids))

    @cached_property
    def events_by_complaint(self) -> Loader[int, list[Any]]:
        return Loader(_many_each(complaint_queries.events_for))

    @cached_property
    def urgencies_by_complaint(self) -> Loader[int, list[Any]]:
        return Loader(_many_each(complaint_queries.urgencies_for))

    @cached_property
    def deadlines_by_complaint(self) -> Loader[int, list[Any]]:
        return Loader(_many_each(complaint_queries.deadlines_for))

    @cached_property
    def complaint_by_id(self) -> Loader[int, Complaint | None]:
        return Loader(_one_each(complaint_queries.by_ids))

    @cached_property
    def refund_events_by_refund(self) -> Loader[int, list[RefundEvent]]:
        return Loader(_many_each(refund_queries.events_for))

    @cached_property
    def approvals_by_refund(self) -> Loader[int, list[RefundApproval]]:
        return Loader(_many_each(refund_queries.approvals_for))

    @cached_property
    def lines_by_refund(self) -> Loader[int, list[RefundLine]]:
        return Loader(_many_each(refund_queries.lines_for))

    @cached_property
    def credit_by_refund(self) -> Loader[int, LedgerEntry | None]:
        return Loader(_one_each(refund_queries.ledger_for))

    @cached_property
    def compensations_by_complaint(self) -> Loader[int, list[Compensation]]:
        return Loader(_many_each(refund_queries.compensations_for))

    @cached_property
    def risk_profile_by_customer(self) -> Loader[int, Profile | None]:
        return Loader(_one_each(refund_queries.profiles_for))

    @cached_property
    def tasks_by_complaint(self) -> Loader[int, list[ComplaintTask]]:
        return Loader(_many_each(complaint_queries.tasks_for))

    @cached_property
    def supervision_by_matter(self) -> Loader[str, SupervisedMatter | None]:
        return Loader(_one_each(complaint_queries.supervision_for))

    @cached_property
    def notices_by_complaint(self) -> Loader[int, list[Notice]]:
        return Loader(_many_each(notices.for_complaints))

    @cached_property
    def notices_by_refund(self) -> Loader[int, list[Notice]]:
        return Loader(_many_each(notices.for_refunds))

    @cached_property
    def attempts_by_notice(self) -> Loader[int, list[NoticeAttempt]]:
        return Loader(_many_each(notices.attempts_for))


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
    known = getattr(loader, "known", None)
    if known is not None and key in known:
        return then(known[key])
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
    known = getattr(loader, "known", None)
    wanted = [
        k
        for k in dict.fromkeys(keys)
        if k is not None and loader.cache_map.get(k) is None and (known is None or k not in known)
    ]
    if wanted:
        found: Sequence[Any] = await loader.load_fn(wanted)
        if known is not None:
            known.update(zip(wanted, found, strict=True))
        else:
            loader.prime_many(dict(zip(wanted, found, strict=True)))
