"""Refund queries: one by id, filtered pages and the approver's queue, the policy preview."""

from __future__ import annotations

import base64
from typing import Annotated

import strawberry
from graphql import GraphQLError

from graphql_schema.complaints.types import PageInfo
from graphql_schema.errors import InputError, NotFoundError, error_type
from graphql_schema.ids import parse_id, parse_optional_id
from graphql_schema.permissions import IsAuthenticated, denied
from graphql_schema.refunds.inputs import RefundPolicyPreviewInput
from graphql_schema.refunds.results import (
    Compensation,
    RefundConnection,
    RefundEdge,
    RefundFilterInput,
    RefundPolicyDecision,
)
from graphql_schema.refunds.types import Refund
from services.customers import service as customers
from services.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from services.refunds import queries, reads

PreviewPayload = Annotated[
    RefundPolicyDecision | InputError | NotFoundError,
    strawberry.union(
        "RefundPolicyPreviewPayload",
        description="What the rules would decide, or why the request cannot be judged.",
    ),
]


def encode_cursor(refund_id: int) -> str:
    return base64.urlsafe_b64encode(f"refund:{refund_id}".encode()).decode()


def decode_cursor(cursor: str, field: str = "after") -> int:
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "refund":
            raise ValueError(kind)
        return parse_id(value)
    except (ValueError, UnicodeDecodeError, NotFound):
        raise GraphQLError(
            f"`{field}` is not a cursor from this list.",
            extensions={"code": "INVALID_INPUT", "field": field},
        ) from None


async def to_filter(info: strawberry.Info, f: RefundFilterInput | None) -> queries.RefundFilter:
    f = f or RefundFilterInput()
    try:
        customer_id = parse_optional_id(f.customer_id, field="customerId", kind="Customer")
        complaint_id = parse_optional_id(f.complaint_id, field="complaintId", kind="Complaint")
        if f.msisdn:
            customer_id = (await customers.by_msisdn(f.msisdn)).id
    except (NotFound, InvalidInput) as exc:
        raise GraphQLError(exc.message, extensions={"code": exc.code.value}) from None
    return queries.RefundFilter(
        statuses=f.status or (),
        bands=f.band or (),
        track=f.track,
        customer_id=customer_id,
        complaint_id=complaint_id,
        created_from=f.created_from,
        created_to=f.created_to,
        overdue=f.overdue,
        owned_by=info.context.staff if f.mine else None,
    )


@strawberry.type
class RefundQueries:
    @strawberry.field(
        description="One refund by id; null if there is none.",
        permission_classes=[IsAuthenticated],
    )
    async def refund(self, info: strawberry.Info, id: strawberry.ID) -> Refund | None:
        try:
            refund_id = parse_id(id, kind="Refund")
        except NotFound:
            return None
        try:
            row = await reads.read_refund(actor=info.context.staff, refund_id=refund_id)
        except NotFound:
            return None
        except PermissionDenied as exc:
            raise denied(exc) from None
        return Refund.from_row(row)

    @strawberry.field(
        description=(
            "Refunds matching `filter`, newest first, `first` (1-100) at a time; pass the "
            "previous page's `pageInfo.endCursor` as `after` (or `last` with `before`, the "
            "`pageInfo.startCursor`, for the page before). `awaitingMyApproval: true` is "
            "an approver's queue: only what you may approve (R-12)."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def refunds(
        self,
        info: strawberry.Info,
        filter: RefundFilterInput | None = None,
        first: int = 20,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> RefundConnection:
        size = first if last is None else last
        if size < 1 or size > queries.MAX_PAGE:
            raise GraphQLError(
                f"`first` and `last` must be between 1 and {queries.MAX_PAGE}.",
                extensions={"code": "INVALID_INPUT"},
            )
        after_id = decode_cursor(after) if after else None
        before_id = decode_cursor(before, "before") if before else None
        queue = filter is not None and filter.awaiting_my_approval
        read = reads.approval_queue if queue else reads.list_refunds
        try:
            page = await read(
                actor=info.context.staff,
                criteria=await to_filter(info, filter),
                first=size,
                after_id=after_id,
                before_id=before_id,
            )
        except PermissionDenied as exc:
            raise denied(exc) from None
        edges = [
            RefundEdge(cursor=encode_cursor(row.id), node=Refund.from_row(row)) for row in page.rows
        ]
        return RefundConnection(
            edges=edges,
            page_info=PageInfo.of(
                [e.cursor for e in edges], has_next=page.has_next, has_previous=page.has_previous
            ),
            total_count=page.total,
        )

    @strawberry.field(
        description="What the refund rules would decide for this request (R-2..R-13, K-4), "
        "with their reasons. Writes nothing: for the console's preview and audits.",
        permission_classes=[IsAuthenticated],
    )
    async def refund_policy_preview(
        self, info: strawberry.Info, input: RefundPolicyPreviewInput
    ) -> PreviewPayload:
        try:
            customer = await customers.by_msisdn(input.msisdn) if input.msisdn else None
            decision = await reads.preview_refund_policy(
                actor=info.context.staff,
                request=input.to_request(),
                customer=customer,
                facts=None if customer else input.to_facts(),
            )
        except PermissionDenied as exc:
            raise denied(exc) from None
        except DomainError as exc:
            return error_type(exc)  # type: ignore[return-value]
        return RefundPolicyDecision.of(decision)

    @strawberry.field(
        description="The R-10 compensation recorded on a complaint, oldest first.",
        permission_classes=[IsAuthenticated],
    )
    async def compensations(
        self, info: strawberry.Info, complaint_id: strawberry.ID
    ) -> list[Compensation]:
        try:
            key = parse_id(complaint_id, field="complaintId", kind="Complaint")
        except NotFound:
            return []
        try:
            rows = await reads.read_compensations(actor=info.context.staff, complaint_id=key)
        except NotFound:
            return []
        except PermissionDenied as exc:
            raise denied(exc) from None
        return [Compensation.from_row(r) for r in rows]
