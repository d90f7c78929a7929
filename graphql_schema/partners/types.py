"""What a partner sees: its own account, its disputes (the phone masked, C-12) and webhooks.

Only partner types: the enums here are the partner API's own (not the staff schema's), so
neither schema changes when the other does.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from services.partners import disputes as dispute_rules
from services.partners import release
from services.partners.models import DisputeStage, PartnerDispute
from services.partners.models import WebhookDelivery as DeliveryRow
from services.partners.models import WebhookEvent as EventRow
from services.phones import mask
from services.refunds import clock


@strawberry.enum(
    description="Where the dispute is: OPEN (taken; the operator is handling it: verifying, "
    "approving, confirming the amount with the customer), then REFUNDED (refundedAt set) or "
    "REFUSED (closed without a refund, closedAt set). The operator's steps in between are "
    "not shown: they are about the customer (C-12). The outcome is shown no earlier than "
    "the operator's release delay after submission (6 working days by default), however "
    "early it happened, so its timing says nothing about the customer either."
)
class DisputeStatus(Enum):
    OPEN = "open"
    REFUNDED = "refunded"
    REFUSED = "refused"


@strawberry.enum(
    description="Why the customer disputes the charge: UNKNOWING_SUBSCRIPTION (不知情定制, "
    "subscribed without knowing), SERVICE_UNUSABLE (业务无法使用), BILLING_ERROR (信息费误计)."
)
class DisputeReason(Enum):
    UNKNOWING_SUBSCRIPTION = "unknowing_subscription"
    SERVICE_UNUSABLE = "service_unusable"
    BILLING_ERROR = "billing_error"


@strawberry.enum(
    description="REFUND_FIRST (先退费、后查证): refunded before verification, as for Monternet "
    "services (R-7(a)); VERIFY_FIRST (先查证、后退费): verified before any refund."
)
class DisputeFlow(Enum):
    REFUND_FIRST = "refund_first"
    VERIFY_FIRST = "verify_first"


@strawberry.enum(
    description="PENDING: waiting for its next attempt; DELIVERED: your endpoint answered 2xx; "
    "FAILED: no 2xx within 24 hours, no more attempts; SKIPPED: no webhook was registered."
)
class WebhookEventState(Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    SKIPPED = "skipped"


@strawberry.type(description="One disputed charge.")
class ChargeLine:
    period: str = strawberry.field(description="The billing month, YYYY-MM.")
    amount_fen: int = strawberry.field(description="The amount charged, in fen (1 yuan = 100).")


@strawberry.type(description="What the operator's refund rules decided, and why.")
class DisputeDecision:
    flow: DisputeFlow = strawberry.field(description="Refund first or verify first.")
    reason: str = strawberry.field(description="Why, in words (citing the operator's rule).")


@strawberry.type(description="A refund dispute you submitted, as it is now.")
class Dispute:
    id: strawberry.ID = strawberry.field(description="The dispute's id (dsp_…).")
    status: DisputeStatus = strawberry.field(description="Where its refund is now.")
    msisdn: str = strawberry.field(description="The customer's number, always masked: 138****8000.")
    service_code: str = strawberry.field(description="Your service the charges are for.")
    reason: DisputeReason = strawberry.field(description="Why the customer disputes them.")
    description: str = strawberry.field(description="What you wrote.")
    evidence: list[str] = strawberry.field(description="Your evidence references.")
    charge_lines: list[ChargeLine] = strawberry.field(description="The disputed charges.")
    claimed_fen: int = strawberry.field(description="The sum of the disputed charges, in fen.")
    refund_fen: int = strawberry.field(
        description="What the rules refund for the charges you submitted, in fen; once "
        "REFUNDED, what was refunded (verification may change it)."
    )
    decision: DisputeDecision = strawberry.field(
        description="The rule for disputes of this service: refund first or verify first, why."
    )
    created_at: datetime = strawberry.field(description="When you submitted it.")
    updated_at: datetime = strawberry.field(
        description="When its status last changed, as you see it: an outcome shows at its "
        "release time when it happened earlier."
    )
    refunded_at: datetime | None = strawberry.field(
        description="When it shows refunded, if it does: the refund, or its release time if "
        "that is later."
    )
    closed_at: datetime | None = strawberry.field(
        description="When it shows rejected, declined or cancelled, if it does: the refusal, "
        "or its release time if that is later."
    )

    @classmethod
    def from_row(cls, row: PartnerDispute) -> Dispute:
        """From the dispute alone: its refund's steps are not the partner's to see (C-12),
        its outcome not before its release time (services.partners.release)."""
        told = dispute_rules.decision(row.service)
        at = clock.now()
        shown = release.shown(row, at)
        changed = shown.changed_at
        return cls(
            id=strawberry.ID(row.public_id),
            status=DisputeStatus(shown.stage.value),
            msisdn=mask(row.msisdn),
            service_code=row.service.service_code,
            reason=DisputeReason(row.reason.value),
            description=row.description,
            evidence=list(row.evidence),
            charge_lines=[
                ChargeLine(period=line["period"], amount_fen=line["amount_fen"])
                for line in row.charge_lines
            ],
            claimed_fen=row.claimed_fen,
            refund_fen=dispute_rules.shown_refund_fen(row, at),
            decision=DisputeDecision(flow=DisputeFlow(told.flow.value), reason=told.reason),
            created_at=row.created_at,
            updated_at=changed,
            refunded_at=changed if shown.stage is DisputeStage.REFUNDED else None,
            closed_at=changed if shown.stage is DisputeStage.REFUSED else None,
        )


@strawberry.type(description="Where the next page starts.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when another page follows.")
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` for the next page; null when the page is empty."
    )


@strawberry.type(description="A dispute on a page.")
class DisputeEdge:
    cursor: str = strawberry.field(description="Pass as `after` to get the disputes after it.")
    node: Dispute = strawberry.field(description="The dispute.")


@strawberry.type(description="A page of your disputes, newest first.")
class DisputeConnection:
    edges: list[DisputeEdge] = strawberry.field(description="The disputes on this page.")
    page_info: PageInfo = strawberry.field(description="How to get the next page.")


@strawberry.type(description="A service of your SP code that customers may dispute.")
class PartnerService:
    service_code: str = strawberry.field(description="The service code.")
    name: str = strawberry.field(description="Its name.")
    monternet: bool = strawberry.field(
        description="A Monternet (梦网) service: its disputes are refund first (R-7(a))."
    )


@strawberry.type(description="Where your webhook events go.")
class WebhookEndpoint:
    url: str = strawberry.field(description="The HTTPS URL events are POSTed to.")
    created_at: datetime = strawberry.field(description="When it was registered.")


@strawberry.type(description="One attempt to deliver an event to your endpoint.")
class WebhookDelivery:
    attempt: int = strawberry.field(description="1 for the first attempt, then 2, 3, …")
    attempted_at: datetime = strawberry.field(description="When it was sent.")
    url: str = strawberry.field(description="Where it was sent.")
    http_status: int | None = strawberry.field(
        description="Your endpoint's HTTP status; null when no answer came (see error)."
    )
    error: str = strawberry.field(description="Why it failed; empty when it succeeded.")
    duration_ms: int = strawberry.field(description="How long the attempt took, in ms.")

    @classmethod
    def from_row(cls, row: DeliveryRow) -> WebhookDelivery:
        return cls(
            attempt=row.attempt,
            attempted_at=row.attempted_at,
            url=row.url,
            http_status=row.http_status,
            error=row.error,
            duration_ms=row.duration_ms,
        )


@strawberry.type(description="An event about one of your disputes, and how its delivery went.")
class WebhookEvent:
    id: strawberry.ID = strawberry.field(description="The event id (evt_…), the same on retries.")
    type: str = strawberry.field(description="dispute.created or dispute.status_changed.")
    dispute_id: strawberry.ID = strawberry.field(description="The dispute it is about.")
    status: DisputeStatus = strawberry.field(description="The dispute's status after it.")
    previous_status: DisputeStatus | None = strawberry.field(
        description="The status before it; null for dispute.created."
    )
    occurred_at: datetime = strawberry.field(
        description="When the dispute changed, as you see it: an outcome's event is dated, "
        "sent and listed at the dispute's release time when the outcome came earlier."
    )
    state: WebhookEventState = strawberry.field(description="Where its delivery is.")
    attempts: int = strawberry.field(description="How many attempts were made.")
    next_attempt_at: datetime | None = strawberry.field(description="When it is tried next.")
    delivered_at: datetime | None = strawberry.field(description="When your endpoint took it.")
    row_id: strawberry.Private[int]

    @strawberry.field(description="Every attempt, oldest first.")
    async def deliveries(self, info: strawberry.Info) -> list[WebhookDelivery]:
        rows = await info.context.loaders.deliveries_by_event.load(self.row_id)
        return [WebhookDelivery.from_row(r) for r in rows]

    @classmethod
    def from_row(cls, row: EventRow) -> WebhookEvent:
        return cls(
            id=strawberry.ID(row.event_id),
            type=row.type,
            dispute_id=strawberry.ID(row.dispute.public_id),
            status=DisputeStatus(row.status),
            previous_status=DisputeStatus(row.previous_status) if row.previous_status else None,
            occurred_at=row.occurred_at,
            state=WebhookEventState(row.state.value),
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            delivered_at=row.delivered_at,
            row_id=row.id,
        )


@strawberry.type(description="You: the partner (SP) the API key belongs to.")
class PartnerAccount:
    sp_code: str = strawberry.field(description="Your SP code.")
    name: str = strawberry.field(description="Your name as the operator has it.")
    api_key_prefix: str = strawberry.field(description="The prefix of the key this request used.")
    services: list[PartnerService] = strawberry.field(description="Your disputable services.")
    webhook: WebhookEndpoint | None = strawberry.field(
        description="Your webhook endpoint; null when none is registered."
    )
