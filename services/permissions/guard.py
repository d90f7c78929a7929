"""The guard every use case passes first: load the facts of what it acts on, ask the table.

`@guarded(UseCase.X)` on a use case (keyword-only, `actor=` a Staff) checks before the body
runs and records the function in REGISTRY, which the permission matrix test walks.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ParamSpec, Protocol, TypeVar

from services.errors import NotFound
from services.permissions.table import (
    TABLE,
    Actor,
    ComplaintFacts,
    CustomerFacts,
    StaffLike,
    Subject,
    UseCase,
    check,
)

P = ParamSpec("P")
R = TypeVar("R")

# every guarded use case, by "module.function": the use case it is and the function
REGISTRY: dict[str, tuple[UseCase, Callable[..., Awaitable[Any]]]] = {}

Loader = Callable[[int], Awaitable[Any]]
CustomersLoader = Callable[[Sequence[int]], Awaitable[dict[int, CustomerFacts]]]

# how the facts of each subject are read: filled at start-up by services.wiring (the packages
# that own the rows register their loaders), so this package imports none of them
_LOADERS: dict[Subject, Loader] = {}
_CUSTOMERS: list[CustomersLoader] = []


def register(subject: Subject, loader: Loader) -> None:
    _LOADERS[subject] = loader


def register_customers(loader: CustomersLoader) -> None:
    """The batch loader of customers' facts (one query for a page of customers)."""
    _CUSTOMERS[:] = [loader]


class _ComplaintRow(Protocol):
    owner_id: int
    first_handler_id: int
    department_id: int | None


def complaint_facts(row: _ComplaintRow) -> ComplaintFacts:
    return ComplaintFacts(
        owner_id=row.owner_id,
        first_handler_id=row.first_handler_id,
        department_id=row.department_id,
    )


async def customers_facts(customer_ids: Sequence[int]) -> dict[int, CustomerFacts]:
    """Who handles each customer's complaints: one query for a whole page of customers."""
    return await _CUSTOMERS[0](customer_ids)


async def customer_facts(customer_id: int) -> CustomerFacts:
    return (await customers_facts([customer_id]))[customer_id]


async def facts_of(subject: Subject, key: int | None) -> Any:
    if subject is Subject.NONE:
        return None
    if key is None:
        raise NotFound(f"No {subject.value} given.", field=f"{subject.value}Id")
    if subject is Subject.CUSTOMER:
        return await customer_facts(key)
    return await _LOADERS[subject](key)


def check_facts(use: UseCase, staff: StaffLike, facts: Any) -> None:
    """The table's answer on facts the use case read itself (`guarded(checked_inside=True)`):
    the same refusal as `require`'s."""
    check(use, Actor.of(staff), facts)


async def require(use: UseCase, staff: StaffLike, key: int | None = None) -> None:
    """Raise PermissionDenied unless the table lets `staff` do `use` on the object `key`."""
    check(use, Actor.of(staff), await facts_of(TABLE[use].subject, key))


async def allowed(use: UseCase, staff: StaffLike, key: int | None = None) -> bool:
    entry = TABLE[use]
    return entry.rule(Actor.of(staff), await facts_of(entry.subject, key))


def guarded(
    use: UseCase, *, actor: str = "actor", checked_inside: bool = False
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Check the table before the use case runs; the object is the `<subject>_id` argument.

    `checked_inside`: the use case reads the facts with the rows it locks and asks the table
    itself (`check`) before it writes anything: one read instead of a read and a locked read.
    The guard still looks first when the call carries an idempotency key, which is read (and
    may be replayed) and written before the use case's own read."""
    subject = TABLE[use].subject

    def wrap(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(fn)
        async def run(*args: P.args, **kwargs: P.kwargs) -> R:
            if not checked_inside or kwargs.get("idempotency_key") is not None:
                key = kwargs.get(f"{subject.value}_id") if subject is not Subject.NONE else None
                await require(use, kwargs[actor], key)  # type: ignore[arg-type]
            return await fn(*args, **kwargs)

        REGISTRY[f"{fn.__module__}.{fn.__name__}"] = (use, run)
        return run

    return wrap
