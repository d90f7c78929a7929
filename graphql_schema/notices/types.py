"""Customer notices (SMS) as a frontend sees them: delivery state, attempts, and the text only
for the people who may see the customer's number (C-12)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graphql_schema.ids import Node, global_id
from services.notices import models as n
from services.notices.templates import TemplateKind
from services.phones import mask

strawberry.enum(
    n.NoticeStatus,
    name="NoticeStatus",
    description=(
        "PENDING: waiting for its time (quiet hours, the next attempt) or a worker; SENT: the "
        "gateway took it; FAILED: refused for good or out of attempts, flagged for a person; "
        "CANCELLED: no longer due (a revisit invitation after a re-opening)."
    ),
)
strawberry.enum(
    n.Receipt,
    name="NoticeReceipt",
    description=(
        "What the delivery receipt said: NONE yet (or e-mail, which has none), DELIVERED, "
        "UNDELIVERED (refused, unknown or barred handset), EXPIRED (the SMS centre gave up)."
    ),
)
strawberry.enum(
    n.Channel,
    name="NoticeChannel",
    description="How the notice reaches the customer (C-9): SMS, or EMAIL when they prefer it.",
)
strawberry.enum(
    n.AttemptOutcome,
    name="NoticeAttemptOutcome",
    description=(
        "STARTED: in progress; SENT; TRANSIENT: failed, tried again later; PERMANENT: refused "
        "for good; LOST: the worker stopped mid-attempt, the gateway may have the message."
    ),
)
strawberry.enum(
    TemplateKind,
    name="NoticeTemplateKind",
    description=(
        "Which text: REFUND_EXECUTED (R-14), COMPLAINT_ACKNOWLEDGED, PLAN_EXTENDED, "
        "RESULT_FEEDBACK, REVISIT_INVITATION (C-7), PROMISE_CONFIRMED (C-9), REFUND_STOPPED "
        "(R-11: verification found nothing due before the refund was executed), "
        "COMPENSATION_CONFIRMED (C-9, R-10: a compensation given, in writing)."
    ),
)


@strawberry.type(description="One try at handing a notice to the SMS gateway.")
class NoticeAttempt:
    number: int = strawberry.field(description="1 for the first attempt, then 2, 3 …")
    gateway: str = strawberry.field(description="The gateway used: outbox, http.")
    started_at: datetime = strawberry.field(description="When the attempt began.")
    finished_at: datetime | None = strawberry.field(description="When it ended; null if running.")
    outcome: n.AttemptOutcome = strawberry.field(description="How it went.")
    code: str = strawberry.field(description="The gateway's reply code, or e.g. HTTP-503, timeout.")
    message_id: str = strawberry.field(description="The gateway's message id, when accepted.")
    error: str = strawberry.field(description="What went wrong, in words; empty if sent.")

    @classmethod
    def from_row(cls, row: n.NoticeAttempt) -> NoticeAttempt:
        return cls(
            number=row.number,
            gateway=row.gateway,
            started_at=row.started_at,
            finished_at=row.finished_at,
            outcome=n.AttemptOutcome(row.outcome),
            code=row.code,
            message_id=row.message_id,
            error=row.error,
        )


@strawberry.type(description="An SMS to the customer, written with the event that caused it.")
class Notice(Node):
    id: strawberry.ID = strawberry.field(
        description="Global id (Relay); pass it to any id argument."
    )
    pk: strawberry.Private[int]
    key: str = strawberry.field(
        description="One per event, e.g. `refund:42:executed`: the same event never sends twice."
    )
    template: TemplateKind = strawberry.field(description="Which text it was written from.")
    template_version: int = strawberry.field(description="Which version of that text.")
    status: n.NoticeStatus = strawberry.field(description="Where delivery stands.")
    receipt: n.Receipt = strawberry.field(description="The gateway's delivery receipt.")
    receipt_at: datetime | None = strawberry.field(description="When the receipt came.")
    urgent: bool = strawberry.field(description="May go out in quiet hours (see `notBefore`).")
    not_before: datetime | None = strawberry.field(
        description="Held until then: quiet hours (21:00-08:00 by default) or the revisit window."
    )
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is (or was) due next; later after each failed attempt."
    )
    attempt_count: int = strawberry.field(description="How many attempts were made.")
    last_error: str = strawberry.field(description="The last failure, in words; empty if none.")
    needs_attention: bool = strawberry.field(
        description="Flagged for a person: refused for good, out of attempts, or undelivered."
    )
    flagged_at: datetime | None = strawberry.field(description="When it was flagged.")
    channel: n.Channel = strawberry.field(
        description="SMS or EMAIL: the customer's written channel, chosen when it was written."
    )
    parts: int = strawberry.field(
        description="SMS parts it went as (70 characters in one, 67 each when split); 0 until sent."
    )
    subject: str = strawberry.field(description="The e-mail's subject; empty for SMS.")
    gateway: str = strawberry.field(
        description="The gateway that took it: outbox, http, smpp, smtp."
    )
    gateway_message_id: str = strawberry.field(description="The gateway's message id.")
    created_at: datetime = strawberry.field(description="When the event wrote it.")
    sent_at: datetime | None = strawberry.field(description="When the gateway took it.")
    body_visible: bool = strawberry.field(
        description="Whether you may read the text and the full number (C-12: its handlers)."
    )
    raw_body: strawberry.Private[str]
    raw_msisdn: strawberry.Private[str]

    @strawberry.field(description="The text the customer gets; null unless `bodyVisible`.")
    def body(self) -> str | None:
        return self.raw_body if self.body_visible else None

    raw_email: strawberry.Private[str]

    @strawberry.field(description="The number it goes to; masked as 138****1234 unless visible.")
    def recipient(self) -> str:
        return self.raw_msisdn if self.body_visible else mask(self.raw_msisdn)

    @strawberry.field(
        description=(
            "The e-mail address it goes to; null for SMS, and null unless `bodyVisible` (C-12)."
        )
    )
    def email(self) -> str | None:
        return self.raw_email if self.body_visible and self.raw_email else None

    @strawberry.field(description="Every attempt, first first.")
    async def attempts(self, info: strawberry.Info) -> list[NoticeAttempt]:
        rows = await info.context.loaders.attempts_by_notice.load(self.pk)
        return [NoticeAttempt.from_row(r) for r in rows]

    @classmethod
    def from_row(cls, row: n.Notice, *, visible: bool) -> Notice:
        return cls(
            id=global_id("Notice", row.id),
            pk=row.id,
            key=row.key,
            template=TemplateKind(row.template),
            template_version=row.template_version,
            status=n.NoticeStatus(row.status),
            receipt=n.Receipt(row.receipt),
            receipt_at=row.receipt_at,
            urgent=row.urgent,
            not_before=row.not_before,
            next_attempt_at=row.next_attempt_at,
            attempt_count=row.attempts,
            last_error=row.last_error,
            needs_attention=row.flagged_at is not None,
            flagged_at=row.flagged_at,
            channel=n.Channel(row.channel),
            parts=row.parts,
            subject=row.subject,
            raw_email=row.email,
            gateway=row.gateway,
            gateway_message_id=row.gateway_message_id,
            created_at=row.created_at,
            sent_at=row.sent_at,
            body_visible=visible,
            raw_body=row.body,
            raw_msisdn=row.msisdn,
        )
