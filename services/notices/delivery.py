"""Deliver one notice: claim it, send it outside any transaction, record what happened.

1. Claim, in one statement: only a pending, due notice that no live worker holds (its lease
   expired or it has none), and outside quiet hours unless urgent; the claim takes a lease,
   counts the attempt and writes the attempt row. An attempt left "started" by a worker that
   died is marked lost by the next claim: the gateway may or may not have had it.
2. Send through the gateway, with no transaction open.
3. Record, in one statement: the attempt's outcome, and the notice sent, retried later
   (exponential backoff with jitter, moved out of quiet hours) or failed and flagged for a
   person (a permanent refusal, or the last attempt allowed).

Running it twice for a sent notice does nothing. A crash between 2 and 3 sends the notice again
once the lease runs out: at least once, and in practice at most twice.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from services import clock
from services.config import settings
from services.logs import scrub
from services.notices import policy, rules
from services.notices.gateways.base import (
    Gateway,
    Gateways,
    Message,
    ReceiptReport,
    ReceiptState,
    SendResult,
    SendStatus,
)
from services.notices.models import (
    AttemptOutcome,
    Channel,
    Notice,
    NoticeMessage,
    NoticeStatus,
    Receipt,
)

log = logging.getLogger(__name__)


class Result(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"  # not claimable now: sent already, not due, quiet hours, or held


@dataclass(frozen=True)
class Outcome:
    notice_id: int
    result: Result
    attempt: int = 0
    next_attempt_at: datetime | None = None


_CLAIM = """
WITH claimed AS (
    UPDATE "notices" SET "attempts" = "attempts" + 1, "lease_until" = $2
    WHERE "id" = $1 AND "status" = 'pending' AND "next_attempt_at" <= $3
      AND ("lease_until" IS NULL OR "lease_until" < $3) AND ("urgent" OR $4)
    RETURNING "id", "key", "msisdn", "body", "attempts", "urgent", "channel", "email", "subject"
), lost AS (
    UPDATE "notice_attempts" SET "outcome" = 'lost', "finished_at" = $3,
        "error" = 'the worker stopped during this attempt; the gateway may have the message'
    WHERE "notice_id" = $1 AND "outcome" = 'started' AND EXISTS (SELECT 1 FROM claimed)
), attempt AS (
    INSERT INTO "notice_attempts"
        ("notice_id", "number", "gateway", "started_at", "outcome", "code", "message_id", "error")
    SELECT "id", "attempts", CASE WHEN "channel" = 'email' THEN $6 ELSE $5 END, $3, 'started',
        '', '', '' FROM claimed
)
SELECT * FROM claimed
"""

_FINISH_ATTEMPT = """
    UPDATE "notice_attempts" SET "outcome" = $3, "finished_at" = $4, "code" = $5,
        "message_id" = $6, "error" = $7
    WHERE "notice_id" = $1 AND "number" = $2
"""

# a late success still counts, whoever holds the lease now: the customer has the message. Its
# message ids (one per SMS part) join the receipts that may have come before them.
_SENT = f"""
WITH attempt AS ({_FINISH_ATTEMPT}), sent AS (
    UPDATE "notices" SET "status" = 'sent', "sent_at" = $4, "lease_until" = NULL,
        "last_error" = '', "gateway" = $8, "gateway_message_id" = $6, "receipt" = $9,
        "receipt_at" = $10, "parts" = $11
    WHERE "id" = $1 AND "status" = 'pending'
    RETURNING "id"
), ids AS (
    INSERT INTO "notice_messages"
        ("gateway", "message_id", "notice_id", "part", "receipt", "detail")
    SELECT $8, m.id, sent.id, m.part, 'none', ''
    FROM sent, unnest($12::text[]) WITH ORDINALITY AS m(id, part)
    ON CONFLICT ("gateway", "message_id") DO UPDATE
        SET "notice_id" = EXCLUDED."notice_id", "part" = EXCLUDED."part"
    RETURNING "receipt"
)
SELECT (SELECT count(*) FROM sent) AS "sent",
    (SELECT count(*) FROM ids WHERE "receipt" <> 'none') AS "early_receipts"
"""

# a failure is recorded on the notice only by the attempt that holds it
_RETRY = f"""
WITH attempt AS ({_FINISH_ATTEMPT})
UPDATE "notices" SET "next_attempt_at" = $8, "lease_until" = NULL, "last_error" = $7
WHERE "id" = $1 AND "status" = 'pending' AND "attempts" = $2
"""

_FAILED = f"""
WITH attempt AS ({_FINISH_ATTEMPT})
UPDATE "notices" SET "status" = 'failed', "flagged_at" = $4, "lease_until" = NULL,
    "last_error" = $7
WHERE "id" = $1 AND "status" = 'pending' AND "attempts" = $2
"""

# a receipt, whether or not its submit is recorded yet; the first final word on an id stays
_RECEIPT = """
INSERT INTO "notice_messages"
    ("gateway", "message_id", "part", "receipt", "receipt_at", "received_at", "detail")
VALUES ($1, $2, 0, $3, $4, $5, $6)
ON CONFLICT ("gateway", "message_id") DO UPDATE
    SET "receipt" = EXCLUDED."receipt", "receipt_at" = EXCLUDED."receipt_at",
        "received_at" = EXCLUDED."received_at", "detail" = EXCLUDED."detail"
    WHERE "notice_messages"."receipt" = 'none'
RETURNING "notice_id"
"""

# a notice sent before notice_messages existed (migration 0019) is found by its one id
_ADOPT = """
UPDATE "notice_messages" m SET "notice_id" = n."id", "part" = 1
FROM "notices" n
WHERE m."gateway" = $1 AND m."message_id" = $2 AND m."notice_id" IS NULL
  AND n."gateway" = $1 AND n."gateway_message_id" = $2
RETURNING n."id"
"""

_OVERDUE = """
UPDATE "notices" SET "flagged_at" = $1, "last_error" = $3
WHERE "status" = 'sent' AND "receipt" = 'none' AND "flagged_at" IS NULL AND "sent_at" < $2
  AND "gateway" = ANY($4::text[])
RETURNING "id"
"""

# gateways that send delivery receipts: a notice they took and never receipted is flagged
RECEIPT_GATEWAYS = ("smpp", "http")
NO_RECEIPT = "no delivery receipt"

DeliveredListener = Callable[..., Awaitable[None]]  # listener(notice, *, at)
_delivered_listeners: list[DeliveredListener] = []


def on_delivered(listener: DeliveredListener) -> DeliveredListener:
    """Register `listener(notice, *, at)`: called each time a notice becomes DELIVERED (a
    receipt, or a gateway that delivers at once: the outbox, e-mail), after that is committed,
    with `at` the receipt's time. Once per notice in the normal course; a listener must still
    be idempotent (a crash between the commit and the call loses it, a resend calls it again).
    Usable as a decorator; wire it at start-up (services/wiring.py)."""
    if listener not in _delivered_listeners:
        _delivered_listeners.append(listener)
    return listener


def forget_delivered_listeners() -> None:
    _delivered_listeners.clear()


async def notice_delivered(notice: Notice, at: datetime) -> None:
    """THE hook: the notice's customer has it (receipt DELIVERED at `at`); runs the listeners.
    A listener's failure is logged, never undoes the recorded receipt."""
    for listener in list(_delivered_listeners):
        try:
            await listener(notice, at=at)
        except Exception:
            log.exception("notice %s: a delivered listener failed", notice.id)


def gateway_for(gateway: Gateway | Gateways, channel: str) -> Gateway:
    if isinstance(gateway, Gateways):
        return gateway.for_channel(Channel(channel))
    return gateway


def lease() -> timedelta:
    return timedelta(seconds=settings.notice_lease_seconds)


async def deliver(notice_id: int, *, gateway: Gateway | Gateways, at: datetime) -> Outcome:
    """Claim, send, record; `at` is now by the domain clock. `gateway` sends every channel,
    or `Gateways` routes SMS and e-mail to their own."""
    conn = Tortoise.get_connection("default")
    zone = rules.zone()
    quiet = await rules.quiet_hours()
    retry = await rules.retry_policy()
    sms, email = gateway_for(gateway, Channel.SMS), gateway_for(gateway, Channel.EMAIL)
    rows = await conn.execute_query_dict(
        _CLAIM,
        [
            notice_id,
            at + lease(),
            at,
            not policy.in_quiet_hours(at, quiet, zone),
            sms.name,
            email.name,
        ],
    )
    if not rows:
        return Outcome(notice_id, Result.SKIPPED)
    row = rows[0]
    number = int(row["attempts"])
    chosen = email if row["channel"] == Channel.EMAIL.value else sms
    message = Message(row["key"], row["msisdn"], row["body"], row["email"], row["subject"])
    started = time.monotonic()
    try:
        result = await chosen.send(message)
    except Exception as exc:  # a gateway bug must not leave the notice to the lease alone
        log.exception("notice %s: gateway %s raised", notice_id, chosen.name)
        result = SendResult(SendStatus.TRANSIENT, code="exception", detail=type(exc).__name__)
    done = at + timedelta(seconds=time.monotonic() - started)
    detail = scrub(result.detail)[:500]
    finish = [notice_id, number]
    if result.taken:
        await _record_sent(notice_id, number, chosen.name, result, done)
        log.info("notice %s sent via %s (attempt %s)", notice_id, chosen.name, number)
        return Outcome(notice_id, Result.SENT, number)
    permanent = result.status == SendStatus.PERMANENT
    if permanent or number >= retry.max_attempts:
        why = detail if permanent else f"gave up after {number} attempts; last: {detail}"
        outcome = AttemptOutcome.PERMANENT if permanent else AttemptOutcome.TRANSIENT
        await conn.execute_query(_FAILED, [*finish, outcome.value, done, result.code[:32], "", why])
        log.warning("notice %s failed for good (%s); flagged for a person", notice_id, result.code)
        return Outcome(notice_id, Result.FAILED, number)
    next_at = done + policy.retry_delay(number, retry, random.random())
    if not row["urgent"]:
        next_at = policy.release_at(next_at, quiet, zone)
    await conn.execute_query(
        _RETRY,
        [*finish, AttemptOutcome.TRANSIENT.value, done, result.code[:32], "", detail, next_at],
    )
    log.info("notice %s: %s; retry at %s", notice_id, result.code, next_at.isoformat())
    return Outcome(notice_id, Result.RETRY, number, next_at)


async def _record_sent(
    notice_id: int, number: int, gateway: str, result: SendResult, done: datetime
) -> None:
    delivered = result.status == SendStatus.DELIVERED
    ids = [] if delivered else [i[:64] for i in (result.part_ids or (result.message_id,)) if i]
    params = [
        notice_id,
        number,
        AttemptOutcome.SENT.value,
        done,
        result.code[:32],
        result.message_id[:64],
        "",
        gateway,
        (Receipt.DELIVERED if delivered else Receipt.NONE).value,
        done if delivered else None,
        result.parts if not delivered else 0,
        ids,
    ]
    conn = Tortoise.get_connection("default")
    [row] = await conn.execute_query_dict(_SENT, params)
    if delivered and row["sent"] and _delivered_listeners:
        await notice_delivered(await Notice.get(id=notice_id), done)
    elif row["early_receipts"]:  # receipts that came before this record: they count now
        await settle(notice_id)


async def record_receipt(
    *,
    gateway: str,
    message_id: str,
    at: datetime,
    delivered: bool | None = None,
    state: ReceiptState | None = None,
    detail: str = "",
    received_at: datetime | None = None,
) -> bool:
    """A delivery receipt for one message id (`state`, or `delivered` True/False for
    DELIVERED/UNDELIVERED), at the receipt's own time. Stored even when no notice has that
    id yet (it came before its submit was recorded), and counted when it has; True when it
    moved, or counts toward, a notice. The notice is DELIVERED when all its parts are,
    UNDELIVERED or EXPIRED (and flagged for a person) as soon as one part is."""
    if not message_id:
        return False
    if state is None:
        state = ReceiptState.DELIVERED if delivered else ReceiptState.UNDELIVERED
    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict(
        _RECEIPT,
        [
            gateway,
            message_id[:64],
            state.value,
            at,
            received_at or clock.now(),
            scrub(detail)[:200],
        ],
    )
    if not rows:  # a final receipt for this id was recorded before: the first word stays
        return False
    notice_id = rows[0]["notice_id"]
    if notice_id is None:
        adopted = await conn.execute_query_dict(_ADOPT, [gateway, message_id[:64]])
        if not adopted:
            log.info("receipt for unknown message %s kept until its submit is recorded", message_id)
            return False
        notice_id = adopted[0]["id"]
    await settle(int(notice_id))
    return True


async def record_report(report: ReceiptReport) -> bool:
    """A gateway's receipt callback (the SMPP session's deliver_sm)."""
    return await record_receipt(
        gateway=report.gateway,
        message_id=report.message_id,
        state=report.state,
        at=report.at,
        detail=report.detail,
    )


async def settle(notice_id: int) -> Receipt | None:
    """The notice's receipt from its parts' receipts, once there is a final word: DELIVERED
    when every part is (at the last part's time), else the first part's failure. A late
    DELIVERED lifts the "no receipt" flag; a failure flags the notice for a person."""
    notice = await _settle(notice_id)
    if notice is not None and notice.receipt == Receipt.DELIVERED:
        assert notice.receipt_at is not None
        await notice_delivered(notice, notice.receipt_at)
    return notice.receipt if notice is not None else None


async def _settle(notice_id: int) -> Notice | None:
    async with in_transaction() as conn:
        notice = await Notice.select_for_update().using_db(conn).get_or_none(id=notice_id)
        if notice is None or notice.status != NoticeStatus.SENT or notice.receipt != Receipt.NONE:
            return None
        parts = await NoticeMessage.filter(notice_id=notice_id).using_db(conn)
        failed = sorted(
            (p for p in parts if p.receipt in (Receipt.UNDELIVERED, Receipt.EXPIRED)),
            key=lambda p: (p.receipt_at or notice.sent_at, p.part),
        )
        delivered = [p for p in parts if p.receipt == Receipt.DELIVERED]
        fields = ["receipt", "receipt_at"]
        if failed:
            first = failed[0]
            notice.receipt, notice.receipt_at = first.receipt, first.receipt_at
            notice.flagged_at = first.receipt_at
            notice.last_error = f"{first.receipt.value}: {first.detail}"[:500]
            fields += ["flagged_at", "last_error"]
        elif delivered and len(delivered) >= max(1, notice.parts):
            notice.receipt = Receipt.DELIVERED
            times = [p.receipt_at for p in delivered if p.receipt_at is not None]
            notice.receipt_at = max(times) if times else notice.sent_at
            if notice.flagged_at is not None and notice.last_error.startswith(NO_RECEIPT):
                notice.flagged_at, notice.last_error = None, ""
                fields += ["flagged_at", "last_error"]
        else:
            return None
        await notice.save(update_fields=fields, using_db=conn)
    log.info("notice %s: receipt %s", notice.id, notice.receipt.value)
    return notice


async def flag_unreceipted(*, at: datetime, wait: timedelta | None = None) -> list[int]:
    """SMS a receipting gateway took longer than `wait` ago (NOTICE_RECEIPT_WAIT_MINUTES) with
    no receipt: flagged for a person, who may resend. A receipt that comes later still counts
    (and lifts the flag when it says delivered)."""
    wait = wait or timedelta(minutes=settings.notice_receipt_wait_minutes)
    minutes = int(wait.total_seconds() // 60)
    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict(
        _OVERDUE,
        [at, at - wait, f"{NO_RECEIPT} within {minutes} minutes", list(RECEIPT_GATEWAYS)],
    )
    if rows:
        log.warning("%s sent notices have no delivery receipt; flagged for a person", len(rows))
    return [int(r["id"]) for r in rows]
