"""The customer notices (R-14, C-7, C-9), and what a person may do next.

Which event writes which notice is decided by the life-cycle table
(services.complaints.lifecycle) and the refund use cases; the writers here run inside the
transaction of the event, called by the reactions (reactions.py), and return the notice (or
None when the event sends none); the reaction wakes the outbox after the commit. Keys are
deterministic, one per event: `refund:{id}:executed`, `refund:{id}:stopped`,
`complaint:{id}:acknowledged`, `complaint:{id}:plan_extended`,
`complaint:{id}:result:{round}`, `complaint:{id}:revisit:{round}`, `complaint:{id}:promise:{n}`.

Urgency: only a plan-extension notice can be urgent: C-7 wants the customer told before the
plan deadline, so when quiet hours would hold it past that deadline it goes at once. Every
other notice, the refund notice included (a service notice), waits for the morning.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.transactions import in_transaction

from services.complaints.models import (
    Complaint,
    ContactPreference,
    Deadline,
    DeadlineKind,
    DeadlineState,
)
from services.customers.models import Customer
from services.db import group_by
from services.errors import IllegalTransition, NotFound
from services.notices import outbox, policy, rules
from services.notices.models import Notice, NoticeAttempt, NoticeStatus
from services.notices.templates import TemplateKind
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.refunds.models import Compensation, Refund
from services.refunds.notice_text import yuan_digits
from services.staff.models import Staff

kick = outbox.kick
MATTER_CHARS = 30


def refund_key(refund_id: int) -> str:
    return f"refund:{refund_id}:executed"


async def refund_executed(*, refund: Refund, customer: Customer, at: datetime) -> Notice:
    """R-14: exactly one notice per executed refund, in the words of the rulebook."""
    values = {
        "matter": refund.matter,
        **policy.date_parts(at, rules.zone()),
        "amount": yuan_digits(refund.refund_fen),
    }
    return await outbox.write(
        key=refund_key(refund.id),
        kind=TemplateKind.REFUND_EXECUTED,
        values=values,
        msisdn=customer.msisdn,
        at=at,
        customer_id=customer.id,
        complaint_id=refund.complaint_id,
        refund_id=refund.id,
    )


async def refund_stopped(*, refund: Refund, customer: Customer, at: datetime) -> Notice:
    """R-11: verification found nothing due before execution; the customer is told, once."""
    return await outbox.write(
        key=f"refund:{refund.id}:stopped",
        kind=TemplateKind.REFUND_STOPPED,
        values={"matter": refund.matter, "cause": refund.verification_cause},
        msisdn=customer.msisdn,
        at=at,
        customer_id=customer.id,
        complaint_id=refund.complaint_id,
        refund_id=refund.id,
    )


def _matter(complaint: Complaint) -> str:
    text = " ".join(complaint.summary.split())
    return text if len(text) <= MATTER_CHARS else text[: MATTER_CHARS - 1] + "…"


async def _to_customer(
    complaint: Complaint,
    kind: TemplateKind,
    key: str,
    at: datetime,
    urgent: bool = False,
    not_before: datetime | None = None,
    via: ContactPreference | None = None,
    **values: str,
) -> Notice:
    """A notice about a complaint, by the channel the step names (`via`), else the
    complaint's preferred one (the outbox falls back to SMS without an e-mail address)."""
    customer = await Customer.get(id=complaint.customer_id).only("id", "msisdn")
    return await outbox.write(
        key=f"complaint:{complaint.id}:{key}",
        kind=kind,
        values={"matter": _matter(complaint), "complaint_no": str(complaint.id), **values},
        msisdn=customer.msisdn,
        at=at,
        customer_id=customer.id,
        complaint_id=complaint.id,
        urgent=urgent,
        not_before=not_before,
        via=via,
    )


WRITTEN = (ContactPreference.SMS, ContactPreference.EMAIL)


async def _pending(complaint_id: int, kind: DeadlineKind) -> Deadline | None:
    return (
        await Deadline.filter(complaint_id=complaint_id, kind=kind, state=DeadlineState.PENDING)
        .order_by("-id")
        .first()
    )


async def complaint_acknowledged(complaint: Complaint, *, at: datetime) -> Notice:
    """C-7: "investigation started", with the date the initial plan is due."""
    plan = await _pending(complaint.id, DeadlineKind.INITIAL_PLAN)
    due = policy.customer_time(plan.due_at, rules.zone()) if plan else ""
    return await _to_customer(
        complaint, TemplateKind.COMPLAINT_ACKNOWLEDGED, "acknowledged", at, plan_due=due
    )


async def plan_extended(
    complaint: Complaint,
    *,
    before: datetime,
    after: datetime,
    via: ContactPreference,
    at: datetime,
) -> Notice | None:
    """C-7: told before the plan deadline (in writing when the handler told the customer by SMS
    or e-mail); urgent if quiet hours would hold it past `before`."""
    if via not in WRITTEN:
        return None
    morning = policy.release_at(at, await rules.quiet_hours(), rules.zone())
    return await _to_customer(
        complaint,
        TemplateKind.PLAN_EXTENDED,
        "plan_extended",
        at,
        urgent=morning >= before,
        via=via,
        plan_due=policy.customer_time(after, rules.zone()),
    )


async def result_told(
    complaint: Complaint, *, via: ContactPreference, at: datetime
) -> Notice | None:
    """C-7: the result in writing (SMS or e-mail, the outbox picks the customer's channel) when
    that is how it is told: cause, solution, prevention. Its delivery meets the result
    deadline (confirmations.on_delivered)."""
    if via not in WRITTEN:
        return None
    return await _to_customer(
        complaint,
        TemplateKind.RESULT_FEEDBACK,
        f"result:{complaint.reopen_count}",
        at,
        via=via,
        cause=complaint.result_cause,
        solution=complaint.result_solution,
        prevention=complaint.result_prevention,
    )


async def promise_made(complaint: Complaint, promise: Deadline, *, at: datetime) -> Notice:
    """C-9: a promise made to the customer is confirmed in writing."""
    return await _to_customer(
        complaint,
        TemplateKind.PROMISE_CONFIRMED,
        promise.key,
        at,
        promise=promise.note,
        due=policy.customer_time(promise.due_at, rules.zone()),
    )


async def compensation_confirmed(compensation: Compensation, *, at: datetime) -> Notice:
    """C-9: a compensation given (R-10) is confirmed to the customer in writing, once."""
    complaint = await Complaint.get(id=compensation.complaint_id)
    return await _to_customer(
        complaint,
        TemplateKind.COMPENSATION_CONFIRMED,
        f"compensation:{compensation.id}",
        at,
        compensation=compensation.description,
        amount=yuan_digits(compensation.value_fen),
    )


async def revisit_invitation(
    complaint: Complaint, *, opens: Deadline | None, at: datetime
) -> Notice:
    """C-7: the invitation to the revisit, held until the revisit window opens."""
    return await _to_customer(
        complaint,
        TemplateKind.REVISIT_INVITATION,
        f"revisit:{complaint.reopen_count}",
        at,
        not_before=opens.due_at if opens else None,
    )


@guarded(UseCase.RESEND_NOTICE)
async def resend(*, actor: Staff, notice_id: int, at: datetime) -> Notice:
    """A person fixed what made a notice fail (a number, the gateway's account): send it again."""
    async with in_transaction():
        notice = await Notice.select_for_update().get_or_none(id=notice_id)
        if notice is None:
            raise NotFound("No notice has this id.", field="id")
        if notice.flagged_at is None or notice.status == NoticeStatus.PENDING:
            raise IllegalTransition(
                "Only a notice flagged for a person (failed or undelivered) is sent again.",
                current=notice.status.value,
                attempted="resend",
            )
        notice.status = NoticeStatus.PENDING
        notice.flagged_at = None
        notice.next_attempt_at = (
            policy.release_at(at, await rules.quiet_hours(), rules.zone())
            if not notice.urgent
            else at
        )
        await notice.save(update_fields=["status", "flagged_at", "next_attempt_at"])
    await kick(notice)
    return notice


# reads for the API --------------------------------------------------------------------------


async def for_complaints(ids: Sequence[int]) -> dict[int, list[Notice]]:
    rows = await Notice.filter(complaint_id__in=list(ids)).order_by("id")
    return group_by(rows, "complaint_id")


async def for_refunds(ids: Sequence[int]) -> dict[int, list[Notice]]:
    rows = await Notice.filter(refund_id__in=list(ids)).order_by("id")
    return group_by(rows, "refund_id")


async def attempts_for(ids: Sequence[int]) -> dict[int, list[NoticeAttempt]]:
    rows = await NoticeAttempt.filter(notice_id__in=list(ids)).order_by("notice_id", "number")
    return group_by(rows, "notice_id")


async def flagged(*, limit: int = 100) -> list[Notice]:
    """Notices a person must look at: refused for good, out of attempts, or undelivered."""
    return await Notice.filter(flagged_at__isnull=False).order_by("-flagged_at").limit(limit)
