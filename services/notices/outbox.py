"""The outbox: a notice is a row written in the transaction of the event that causes it.

`write` runs inside the caller's transaction; its key (e.g. "refund:42:executed") is unique in
the database, so one event can never produce two notices, and writing the same key again gives
the first row back. After the commit, `kick` asks the queue for a prompt delivery; if that is
lost (Redis flushed, worker killed) the relay's `due` finds the row again, because PostgreSQL,
not Redis, holds what must be sent and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from tortoise.expressions import Q

from services import scheduling
from services.complaints.models import ContactPreference
from services.notices import channels, policy, rules, templates
from services.notices.models import Channel, Notice, NoticeStatus
from services.notices.templates import TemplateKind
from services.refunds import limits

DELIVER_NOTICE_JOB = "deliver_notice"
RELAY_BATCH = 2000


def job_key(notice_id: int, attempts: int) -> str:
    """One queue job per notice and attempt: a retry is a new job, a repeat is the same one."""
    return f"notice:{notice_id}:{attempts}"


async def write(
    *,
    key: str,
    kind: TemplateKind,
    values: Mapping[str, str],
    msisdn: str,
    at: datetime,
    customer_id: int | None,
    complaint_id: int | None = None,
    refund_id: int | None = None,
    urgent: bool = False,
    not_before: datetime | None = None,
    via: ContactPreference | None = None,
) -> Notice:
    """Render the kind's current template and queue it (inside the caller's transaction).

    The channel is the customer's (C-9, `channels.choose`): the complaint's contact
    preference unless `via` says otherwise; an e-mail notice carries its address and subject.
    A non-urgent notice that would fall in quiet hours waits until they end (the refund notice
    of R-14 is a service notice and waits too; so does an e-mail, it is a notice all the same)."""
    existing = await Notice.get_or_none(key=key)
    if existing is not None:
        return existing
    template = await templates.current(kind)
    body = templates.render(template.body, {**values, "signature": await limits.sms_signature()})
    route = await channels.choose(
        kind=kind, customer_id=customer_id, complaint_id=complaint_id, via=via
    )
    hold = max(at, not_before) if not_before else at
    if not urgent:
        hold = policy.release_at(hold, await rules.quiet_hours(), rules.zone())
    return await Notice.create(
        key=key,
        template=kind.value,
        template_version=template.version,
        customer_id=customer_id,
        complaint_id=complaint_id,
        refund_id=refund_id,
        msisdn=msisdn,
        channel=route.channel,
        email=route.email,
        subject=channels.subject(kind, values) if route.channel == Channel.EMAIL else "",
        body=body,
        urgent=urgent,
        not_before=hold,
        next_attempt_at=hold,
    )


async def kick(*notices: Notice | None) -> None:
    """After the commit: a delivery job at each notice's due time (best effort; see `due`)."""
    for notice in notices:
        if notice is not None and notice.status == NoticeStatus.PENDING:
            assert notice.next_attempt_at is not None
            await scheduling.schedule(
                DELIVER_NOTICE_JOB,
                key=job_key(notice.id, notice.attempts),
                run_at=notice.next_attempt_at,
                notice_id=notice.id,
            )


async def due(
    *, at: datetime, limit: int = RELAY_BATCH, after: tuple[datetime, int] | None = None
) -> list[tuple[int, int, datetime]]:
    """(id, attempts, due time) of notices that should go now and that no worker holds,
    earliest first; pass the last (due time, id) as `after` for the next page."""
    query = Notice.filter(status=NoticeStatus.PENDING, next_attempt_at__lte=at).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=at)
    )
    if after is not None:
        query = query.filter(
            Q(next_attempt_at__gt=after[0]) | Q(next_attempt_at=after[0], id__gt=after[1])
        )
    if policy.in_quiet_hours(at, await rules.quiet_hours(), rules.zone()):
        query = query.filter(urgent=True)
    rows = await (
        query.order_by("next_attempt_at", "id")
        .limit(limit)
        .values_list("id", "attempts", "next_attempt_at")
    )
    return [(int(i), int(n), due_at) for i, n, due_at in rows]
