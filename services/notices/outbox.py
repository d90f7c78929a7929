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

from tortoise.connection import get_connection
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
    template = await templates.current(kind)
    body = templates.render(template.body, {**values, "signature": await limits.sms_signature()})
    route = await channels.choose(
        kind=kind, customer_id=customer_id, complaint_id=complaint_id, via=via
    )
    hold = max(at, not_before) if not_before else at
    if not urgent:
        hold = policy.release_at(hold, await rules.quiet_hours(), rules.zone())
    return await _insert_once(
        Notice(
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
    )


_INSERT_ONCE_SQL = ""


async def _insert_once(notice: Notice) -> Notice:
    """Insert the notice unless its key is taken (one statement); the first row otherwise.
    A concurrent writer of the same key makes this one wait for its commit, then read its row."""
    global _INSERT_ONCE_SQL
    meta = Notice._meta
    names = [n for n in meta.fields_db_projection if n != meta.pk_attr]
    if not _INSERT_ONCE_SQL:
        columns = ", ".join(f'"{meta.fields_db_projection[n]}"' for n in names)
        marks = ", ".join(f"${i + 1}" for i in range(len(names)))
        _INSERT_ONCE_SQL = (
            f'INSERT INTO "notices" ({columns}) VALUES ({marks}) '
            'ON CONFLICT ("key") DO NOTHING RETURNING "id"'
        )
    values = [meta.fields_map[n].to_db_value(getattr(notice, n), notice) for n in names]
    rows = await get_connection("default").execute_query_dict(_INSERT_ONCE_SQL, values)
    if not rows:
        return await Notice.get(key=notice.key)
    notice.id = rows[0]["id"]
    notice._saved_in_db = True
    return notice


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
