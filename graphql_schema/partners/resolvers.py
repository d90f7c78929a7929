"""Partner queries and mutations: thin, and every one scoped to the caller in the query.

A dispute id, service code or cursor of another partner answers exactly as one that does not
exist: the services filter by the partner first, so there is nothing else to answer with.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_schema.errors import InputError, NotFoundError
from graphql_schema.partners.errors import (
    LimitExceededError,
    RateLimitedError,
    caller,
    refuse,
    run_partner_mutation,
)
from graphql_schema.partners.inputs import DisputeFilterInput, SubmitRefundDisputeInput
from graphql_schema.partners.types import (
    Dispute,
    DisputeConnection,
    DisputeEdge,
    PageInfo,
    PartnerAccount,
    PartnerService,
    WebhookEndpoint,
    WebhookEvent,
)
from graphql_schema.validation import limit_inputs
from services.errors import DomainError, InvalidInput
from services.partners import disputes, webhooks
from services.partners import service as partners
from services.partners.disputes import DisputeFilter
from services.partners.models import Partner

MAX_PAGE = 100


@strawberry.type(description="The dispute was taken: a complaint and a refund were opened.")
class DisputeResult:
    dispute: Dispute = strawberry.field(description="The dispute as it is now.")


SubmitRefundDisputePayload = Annotated[
    DisputeResult | InputError | NotFoundError | RateLimitedError | LimitExceededError,
    strawberry.union(
        "SubmitRefundDisputePayload",
        description="The new dispute (or, for a repeated idempotency key, the first one), or "
        "why it was refused.",
    ),
]


@strawberry.type(description="Your webhook endpoint, and its signing secret: shown only now.")
class WebhookRegistered:
    endpoint: WebhookEndpoint = strawberry.field(description="Where events go from now on.")
    signing_secret: str = strawberry.field(
        description="Verify each event's Tousu-Signature with it. Store it now: it is not "
        "shown again (register again for a new one)."
    )


RegisterWebhookPayload = Annotated[
    WebhookRegistered | InputError | RateLimitedError,
    strawberry.union(
        "RegisterWebhookPayload", description="The registered endpoint, or why it was refused."
    ),
]


def _first(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        refuse(InvalidInput(f"first must be 1 to {MAX_PAGE}.", field="first"))
    return first


@limit_inputs
@strawberry.type(description="What you can read. Every field needs your API key.")
class Query:
    @strawberry.field(description="You: the partner the API key belongs to.")
    async def me(self, info: strawberry.Info) -> PartnerAccount:
        who = await caller(info)
        partner = await Partner.get(id=who.partner_id)
        endpoint = await webhooks.endpoint_of(partner.id)
        return PartnerAccount(
            sp_code=partner.sp_code,
            name=partner.name,
            api_key_prefix=info.context.key_prefix,
            services=[
                PartnerService(service_code=s.service_code, name=s.name, monternet=s.monternet)
                for s in await partners.services_of(partner.id)
            ],
            webhook=WebhookEndpoint(url=endpoint.url, created_at=endpoint.created_at)
            if endpoint
            else None,
        )

    @strawberry.field(description="One of your disputes; null if you have none with this id.")
    async def dispute(self, info: strawberry.Info, id: strawberry.ID) -> Dispute | None:
        row = await disputes.dispute_of((await caller(info)).partner_id, str(id))
        return Dispute.from_row(row) if row else None

    @strawberry.field(description="Your disputes, newest first, a page at a time.")
    async def disputes(
        self,
        info: strawberry.Info,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="The endCursor of the previous page.")
        ] = None,
        filter: Annotated[
            DisputeFilterInput | None, strawberry.argument(description="Narrow the list.")
        ] = None,
    ) -> DisputeConnection:
        who = await caller(info)
        try:
            where = filter.to_filter() if filter else DisputeFilter()
            page = await disputes.disputes_of(
                who.partner_id, where=where, first=_first(first), after=after
            )
        except DomainError as exc:
            refuse(exc)
        edges = [DisputeEdge(cursor=row.public_id, node=Dispute.from_row(row)) for row in page.rows]
        return DisputeConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None
            ),
        )

    @strawberry.field(
        description="Your webhook events, newest occurredAt first, with every delivery attempt."
    )
    async def webhook_events(
        self,
        info: strawberry.Info,
        first: Annotated[int, strawberry.argument(description="How many, 1 to 100.")] = 20,
        dispute_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this dispute's events.")
        ] = None,
    ) -> list[WebhookEvent]:
        who = await caller(info)
        rows = await webhooks.events_of(
            who.partner_id,
            first=_first(first),
            dispute_public_id=str(dispute_id) if dispute_id is not None else None,
        )
        return [WebhookEvent.from_row(row) for row in rows]


@limit_inputs
@strawberry.type(
    description="What you can change. Each takes an idempotencyKey: send the same key to retry "
    "safely; expected failures come back as error members of the payload."
)
class Mutation:
    @strawberry.mutation(
        description="Submit a customer's dispute of charges for one of your services. It opens "
        "a complaint and a refund by the operator's rules: a Monternet service is refunded "
        "first unless the customer must be verified first."
    )
    async def submit_refund_dispute(
        self,
        info: strawberry.Info,
        input: SubmitRefundDisputeInput,
        idempotency_key: Annotated[
            str,
            strawberry.argument(
                description="Your unique id for this request (1-128 characters): the same key "
                "with the same input answers with the first dispute."
            ),
        ],
    ) -> SubmitRefundDisputePayload:
        return await run_partner_mutation(  # type: ignore[no-any-return]
            info,
            lambda who: disputes.submit(
                partner_id=who.partner_id,
                submission=input.to_submission(),
                idempotency_key=idempotency_key,
            ),
            lambda row: DisputeResult(dispute=Dispute.from_row(row)),
        )

    @strawberry.mutation(
        description="Send your dispute events to this HTTPS URL from now on, signed with a new "
        "secret (replaces any earlier endpoint)."
    )
    async def register_webhook(
        self,
        info: strawberry.Info,
        url: Annotated[str, strawberry.argument(description="https://… on a public host.")],
        idempotency_key: Annotated[
            str,
            strawberry.argument(
                description="Your unique id for this request: the same key and URL answer with "
                "the first registration."
            ),
        ],
    ) -> RegisterWebhookPayload:
        return await run_partner_mutation(  # type: ignore[no-any-return]
            info,
            lambda who: webhooks.register_once(
                partner_id=who.partner_id, url=url, idempotency_key=idempotency_key
            ),
            lambda done: WebhookRegistered(
                endpoint=WebhookEndpoint(
                    url=done.endpoint.url, created_at=done.endpoint.created_at
                ),
                signing_secret=done.secret,
            ),
        )
