"""The notices written in reaction to what complaints and refunds publish (services.events).

Each reaction runs in the publisher's transaction and returns the notices' ids for its history
and the outbox's wake-up for after the commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.complaints.events import StepTaken
from services.complaints.lifecycle import CustomerNotice
from services.complaints.models import DeadlineKind
from services.events import Reaction
from services.notices import outbox
from services.notices import service as notices
from services.notices.models import Notice, NoticeStatus
from services.notices.templates import TemplateKind
from services.refunds.events import CompensationGranted, RefundExecuted, RefundStopped

WITHDRAWN_TEMPLATES = {CustomerNotice.REVISIT_INVITATION: TemplateKind.REVISIT_INVITATION}


def _reaction(written: list[Notice | None], key: str = "notice_ids") -> Reaction:
    notices_ = [n for n in written if n is not None]
    ids: Any = [n.id for n in notices_]
    if key == "notice_id":
        ids = ids[0] if ids else None
    return Reaction(
        records={key: ids} if notices_ else {},
        after_commit=[lambda: outbox.kick(*notices_)] if notices_ else [],
    )


async def _write(event: StepTaken, what: CustomerNotice) -> Notice | None:
    complaint, at, context = event.complaint, event.at, event.context
    if what is CustomerNotice.ACKNOWLEDGED:
        return await notices.complaint_acknowledged(complaint, at=at)
    if what is CustomerNotice.REVISIT_INVITATION:
        opens = next((d for d in event.created if d.kind == DeadlineKind.REVISIT_OPENS), None)
        return await notices.revisit_invitation(complaint, opens=opens, at=at)
    if what is CustomerNotice.RESULT:
        return await notices.result_told(complaint, via=context["via"], at=at)
    if what is CustomerNotice.PLAN_EXTENDED:
        return await notices.plan_extended(
            complaint,
            before=context["before"],
            after=context["after"],
            via=context["via"],
            at=at,
        )
    if what is CustomerNotice.PROMISE_CONFIRMED:
        (promise,) = (d for d in event.created if d.kind == DeadlineKind.PROMISE)
        return await notices.promise_made(complaint, promise, at=at)
    raise AssertionError(f"no writer for {what}")


async def on_step(event: StepTaken) -> Reaction:
    for what in event.withdraws:
        await Notice.filter(
            complaint_id=event.complaint.id,
            template=WITHDRAWN_TEMPLATES[what].value,
            status=NoticeStatus.PENDING,
        ).update(status=NoticeStatus.CANCELLED)
    return _reaction([await _write(event, what) for what in event.sends])


async def on_refund_executed(event: RefundExecuted) -> Reaction:
    notice = await notices.refund_executed(
        refund=event.refund, customer=event.customer, at=event.at
    )
    return _reaction([notice], "notice_id")


async def on_refund_stopped(event: RefundStopped) -> Reaction:
    notice = await notices.refund_stopped(refund=event.refund, customer=event.customer, at=event.at)
    return _reaction([notice], "notice_id")


async def on_compensation_granted(event: CompensationGranted) -> Reaction:
    notice = await notices.compensation_confirmed(event.compensation, at=event.at)
    return _reaction([notice], "notice_id")


def subscribe_all(subscribe: Callable[..., None]) -> None:
    subscribe(StepTaken, on_step)
    subscribe(RefundExecuted, on_refund_executed)
    subscribe(RefundStopped, on_refund_stopped)
    subscribe(CompensationGranted, on_compensation_granted)
