"""Relay: `node(id:)` and `nodes(ids:)` fetch any object by its global id.

Each type is read as its own query reads it: through the request's DataLoaders (a list of ids
costs one query per type, not one per id), after the permission table's read rule, with the
same C-12 masking.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry

from graphql_schema.complaints.notifications import StaffNotification
from graphql_schema.complaints.types import Complaint, ComplaintTask
from graphql_schema.customers.types import Customer
from graphql_schema.frontend_loaders import by_id, refund_by_id
from graphql_schema.ids import Node, decode_global
from graphql_schema.notices.types import Notice
from graphql_schema.permissions import IsAuthenticated, denied, sees_complaint_private
from graphql_schema.refunds.results import Compensation
from graphql_schema.refunds.types import Refund
from graphql_schema.staff.types import Department, StaffMember
from services.complaints.models import ComplaintTask as TaskRow
from services.complaints.models import Notification as NotificationRow
from services.errors import PermissionDenied
from services.notices.models import Notice as NoticeRow
from services.permissions.table import TABLE, Actor, UseCase, check
from services.privacy import Viewer
from services.refunds.models import Compensation as CompensationRow

MAX_IDS = 100


@dataclass(frozen=True)
class Kind:
    read: UseCase  # the permission table's rule for reading it
    load: Callable[[Any, int], Awaitable[Any]]  # (info, number) -> row or None
    show: Callable[[Any, Any], Awaitable[Node | None]]  # (info, row) -> the GraphQL object


async def _customer(info: Any, row: Any) -> Node:
    facts = await info.context.loaders.customer_facts_by_id.load(row.id)
    private = TABLE[UseCase.SEE_CUSTOMER_PRIVATE].rule(Actor.of(info.context.staff), facts)
    return Customer.from_row(row, phone_visible=private, private=private)


async def _private(info: Any, complaint_id: int | None) -> bool:
    """C-12: whether the reader sees the private data of this complaint."""
    if complaint_id is None:
        return False
    complaint = await info.context.loaders.complaint_by_id.load(complaint_id)
    return complaint is not None and sees_complaint_private(info.context.staff, complaint)


async def _task(info: Any, row: Any) -> Node:
    return ComplaintTask.from_row(row, Viewer(await _private(info, row.complaint_id)))


async def _notice(info: Any, row: Any) -> Node:
    return Notice.from_row(row, visible=await _private(info, row.complaint_id))


async def _notification(info: Any, row: Any) -> Node | None:
    """One's own notifications only: anyone else's is not found."""
    if row.recipient_id != info.context.staff.id:
        return None
    return StaffNotification.from_row(row)


async def _plain(show: Callable[[Any], Node], info: Any, row: Any) -> Node:
    return show(row)


KINDS: dict[str, Kind] = {
    "Complaint": Kind(
        UseCase.READ_COMPLAINT,
        lambda info, n: info.context.loaders.complaint_by_id.load(n),
        lambda info, row: _plain(
            lambda r: Complaint.from_row(r, info.context.staff, info.context.loaders), info, row
        ),
    ),
    "Refund": Kind(
        UseCase.READ_REFUND,
        lambda info, n: refund_by_id(info).load(n),
        lambda info, row: _plain(Refund.from_row, info, row),
    ),
    "Customer": Kind(
        UseCase.READ_CUSTOMER,
        lambda info, n: info.context.loaders.customer_by_id.load(n),
        _customer,
    ),
    "StaffMember": Kind(
        UseCase.LIST_STAFF,
        lambda info, n: info.context.loaders.staff_by_id.load(n),
        lambda info, row: _plain(StaffMember.from_row, info, row),
    ),
    "Department": Kind(
        UseCase.LIST_STAFF,
        lambda info, n: info.context.loaders.department_by_id.load(n),
        lambda info, row: _plain(Department.from_row, info, row),
    ),
    "ComplaintTask": Kind(
        UseCase.READ_COMPLAINT, lambda info, n: by_id(info, TaskRow).load(n), _task
    ),
    "Compensation": Kind(
        UseCase.READ_COMPENSATIONS,
        lambda info, n: by_id(info, CompensationRow).load(n),
        lambda info, row: _plain(Compensation.from_row, info, row),
    ),
    "Notice": Kind(UseCase.READ_COMPLAINT, lambda info, n: by_id(info, NoticeRow).load(n), _notice),
    "StaffNotification": Kind(
        UseCase.MARK_NOTIFICATIONS_READ,
        lambda info, n: by_id(info, NotificationRow).load(n),
        _notification,
    ),
}


def register(name: str, kind: Kind) -> None:
    """A type defined elsewhere becomes fetchable by `node(id:)`."""
    KINDS[name] = kind


async def fetch(info: Any, value: str) -> Node | None:
    """The object behind a global id, or None when there is none (or it is not a global id)."""
    found = decode_global(value)
    if found is None or found[0] not in KINDS:
        return None
    kind = KINDS[found[0]]
    # every read rule of these types holds for the reader alone (staff, not a partner account)
    check(kind.read, Actor.of(info.context.staff))
    row = await kind.load(info, found[1])
    return None if row is None else await kind.show(info, row)


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description="Any object by its global id (Relay); null if there is none.",
        permission_classes=[IsAuthenticated],
    )
    async def node(self, info: strawberry.Info, id: strawberry.ID) -> Node | None:
        try:
            return await fetch(info, id)
        except PermissionDenied as exc:
            raise denied(exc) from None

    @strawberry.field(
        description="Objects by their global ids (at most 100), in the order asked; null for "
        "each that does not exist.",
        permission_classes=[IsAuthenticated],
    )
    async def nodes(self, info: strawberry.Info, ids: list[strawberry.ID]) -> list[Node | None]:
        try:
            return list(await asyncio.gather(*(fetch(info, i) for i in ids[:MAX_IDS])))
        except PermissionDenied as exc:
            raise denied(exc) from None
