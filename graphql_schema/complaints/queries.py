"""Complaint queries: one by id, and filtered pages."""

from __future__ import annotations

import base64
from datetime import datetime

import strawberry
from graphql import GraphQLError

from graphql_schema.complaints.preload import along, preload, preloaded
from graphql_schema.complaints.types import (
    Complaint,
    ComplaintConnection,
    ComplaintEdge,
    ComplaintFilterInput,
    ComplaintOrder,
    ComplaintStatus,
    PageInfo,
)
from graphql_schema.ids import parse_id, parse_optional_id
from graphql_schema.permissions import IsAuthenticated, denied
from graphql_schema.selections import asked
from services import validation
from services.complaints import queries, reads
from services.errors import NotFound, PermissionDenied
from services.permissions.table import Actor


def encode_cursor(complaint_id: int, due: datetime | None = None) -> str:
    text = f"complaint:{complaint_id}" if due is None else f"due:{due.isoformat()}|{complaint_id}"
    return base64.urlsafe_b64encode(text.encode()).decode()


def _bad_cursor(field: str = "after") -> GraphQLError:
    return GraphQLError(
        f"`{field}` is not a cursor from this list.",
        extensions={"code": "INVALID_INPUT", "field": field},
    )


def decode_cursor(cursor: str, field: str = "after") -> int:
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "complaint":
            raise ValueError(kind)
        return parse_id(value)
    except (ValueError, UnicodeDecodeError, NotFound):
        raise _bad_cursor(field) from None


def decode_due_cursor(cursor: str, field: str = "after") -> tuple[datetime, int]:
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        due, _, complaint_id = value.partition("|")
        if kind != "due":
            raise ValueError(kind)
        at = datetime.fromisoformat(due)
        if validation.moment_problem(field, at) is not None:
            raise ValueError(due)
        return at, parse_id(complaint_id)
    except (ValueError, UnicodeDecodeError, NotFound):
        raise _bad_cursor(field) from None


# `open: true` (not yet archived, C-6) and `open: false`
OPEN_STATUSES = tuple(s for s in ComplaintStatus if s is not ComplaintStatus.ARCHIVED)
CLOSED_STATUSES = (ComplaintStatus.ARCHIVED,)


def _invalid(message: str, field: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "INVALID_INPUT", "field": field})


def _statuses(f: ComplaintFilterInput) -> list[ComplaintStatus]:
    """`status` narrowed by `open`; a contradiction is refused rather than answered empty."""
    statuses = list(f.status or ())
    if f.open is None:
        return statuses
    allowed = OPEN_STATUSES if f.open else CLOSED_STATUSES
    narrowed = [s for s in (statuses or allowed) if s in allowed]
    if not narrowed:
        raise _invalid("`open` and `status` exclude each other: nothing can match.", "open")
    return narrowed


def to_filter(
    f: ComplaintFilterInput | None,
    customer_id: int | None = None,
    viewer_id: int | None = None,
) -> queries.ComplaintFilter:
    f = f or ComplaintFilterInput()
    try:
        owner_id = parse_optional_id(f.owner_id, field="ownerId", kind="StaffMember")
        department_id = parse_optional_id(f.department_id, field="departmentId", kind="Department")
    except NotFound as exc:
        raise GraphQLError(exc.message, extensions={"code": "INVALID_INPUT"}) from None
    if f.mine and viewer_id is not None:
        if owner_id not in (None, viewer_id):
            raise _invalid("`mine` and `ownerId` name different owners.", "mine")
        owner_id = viewer_id
    return queries.ComplaintFilter(
        statuses=_statuses(f),
        urgency=f.urgency or (),
        urgent_only=bool(f.urgent),
        channels=f.channel or (),
        categories=f.category or (),
        province=f.province or "",
        city=f.city or "",
        owner_id=owner_id,
        department_id=department_id,
        customer_id=customer_id,
        created_from=f.created_from,
        created_to=f.created_to,
        warning_colours=f.warning_colour or (),
        supervised=f.supervised,
        overdue=f.overdue,
        due_within_hours=f.due_within_hours,
    )


async def complaint_connection(
    info: strawberry.Info,
    f: ComplaintFilterInput | None,
    *,
    first: int,
    after: str | None,
    customer_id: int | None = None,
    order: ComplaintOrder = ComplaintOrder.NEWEST,
    last: int | None = None,
    before: str | None = None,
) -> ComplaintConnection:
    size = first if last is None else last
    if size < 1 or size > queries.MAX_PAGE:
        raise GraphQLError(
            f"`first` and `last` must be between 1 and {queries.MAX_PAGE}.",
            extensions={"code": "INVALID_INPUT"},
        )
    criteria = to_filter(f, customer_id, viewer_id=info.context.staff.id)
    viewer = info.context.staff
    due_soonest = order == ComplaintOrder.DUE_SOONEST
    try:
        page = await reads.list_complaints(
            actor=viewer,
            criteria=criteria,
            first=size,
            due_soonest=due_soonest,
            after_due=decode_due_cursor(after) if after and due_soonest else None,
            after_id=decode_cursor(after) if after and not due_soonest else None,
            before_due=decode_due_cursor(before, "before") if before and due_soonest else None,
            before_id=decode_cursor(before, "before") if before and not due_soonest else None,
        )
    except PermissionDenied as exc:
        raise denied(exc) from None
    actor = Actor.of(viewer)  # once for the page's rows
    loaders = info.context.loaders
    edges = [
        ComplaintEdge(
            cursor=encode_cursor(row.id, getattr(row, "next_due", None)),
            node=Complaint.from_row(row, actor, loaders),
        )
        for row in page.rows
    ]
    if "edges" in asked(info):
        await preload(info, page.rows, "edges", "node")
    return ComplaintConnection(
        edges=edges,
        page_info=PageInfo.of(
            [e.cursor for e in edges], has_next=page.has_next, has_previous=page.has_previous
        ),
        # counting every match costs more than the page: only when the query asks for it
        total_count=await page.count() if "totalCount" in asked(info) else 0,
    )


@strawberry.type
class ComplaintQueries:
    @strawberry.field(
        description="One complaint by id; null if there is none.",
        permission_classes=[IsAuthenticated],
    )
    async def complaint(self, info: strawberry.Info, id: strawberry.ID) -> Complaint | None:
        try:
            complaint_id = parse_id(id, kind="Complaint")
        except NotFound:
            return None
        wanted = along(info)
        try:
            row, related = await reads.read_complaint(
                actor=info.context.staff, complaint_id=complaint_id, along=wanted
            )
        except NotFound:
            return None
        except PermissionDenied as exc:
            raise denied(exc) from None
        await preloaded(info, [row], related, wanted)
        return Complaint.from_row(row, info.context.staff, info.context.loaders)

    @strawberry.field(
        description=(
            "Complaints matching `filter`, `first` (1-100) at a time; pass the previous page's "
            "`pageInfo.endCursor` as `after` for the next page, or `last` with `before` "
            "(`pageInfo.startCursor`) for the page before. `orderBy: DUE_SOONEST` is a "
            "handler's queue: only complaints with a pending deadline, the soonest due first."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def complaints(
        self,
        info: strawberry.Info,
        filter: ComplaintFilterInput | None = None,
        first: int = 20,
        after: str | None = None,
        order_by: ComplaintOrder = ComplaintOrder.NEWEST,
        last: int | None = None,
        before: str | None = None,
    ) -> ComplaintConnection:
        return await complaint_connection(
            info, filter, first=first, after=after, order=order_by, last=last, before=before
        )
