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
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tortoise import Tortoise

from services.config import settings
from services.logs import scrub
from services.notices import policy, rules
from services.notices.gateways.base import Gateway, Message, SendResult, SendStatus
from services.notices.models import AttemptOutcome, Notice, NoticeStatus, Receipt

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
    RETURNING "id", "key", "msisdn", "body", "attempts", "urgent"
), lost AS (
    UPDATE "notice_attempts" SET "outcome" = 'lost', "finished_at" = $3,
        "error" = 'the worker stopped during this attempt; the gateway may have the message'
    WHERE "notice_id" = $1 AND "outcome" = 'started' AND EXISTS (SELECT 1 FROM claimed)
), attempt AS (
    INSERT INTO "notice_attempts"
        ("notice_id", "number", "gateway", "started_at", "outcome", "code", "message_id", "error")
    SELECT "id", "attempts", $5, $3, 'started', '', '', '' FROM claimed
)
SELECT * FROM claimed
"""

_FINISH_ATTEMPT = """
    UPDATE "notice_attempts" SET "outcome" = $3, "finished_at" = $4, "code" = $5,
        "message_id" = $6, "error" = $7
    WHERE "notice_id" = $1 AND "number" = $2
"""

# a late success still counts, whoever holds the lease now: the customer has the message
_SENT = f"""
WITH attempt AS ({_FINISH_ATTEMPT})
UPDATE "notices" SET "status" = 'sent', "sent_at" = $4, "lease_until" = NULL, "last_error" = '',
    "gateway" = $8, "gateway_message_id" = $6, "receipt" = $9, "receipt_at" = $10
WHERE "id" = $1 AND "status" = 'pending'
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


def lease() -> timedelta:
    return timedelta(seconds=settings.notice_lease_seconds)


async def deliver(notice_id: int, *, gateway: Gateway, at: datetime) -> Outcome:
    """Claim, send, record; `at` is now by the domain clock."""
    conn = Tortoise.get_connection("default")
    zone = rules.zone()
    quiet = await rules.quiet_hours()
    retry = await rules.retry_policy()
    rows = await conn.execute_query_dict(
        _CLAIM,
        [notice_id, at + lease(), at, not policy.in_quiet_hours(at, quiet, zone), gateway.name],
    )
    if not rows:
        return Outcome(notice_id, Result.SKIPPED)
    row = rows[0]
    number = int(row["attempts"])
    started = time.monotonic()
    try:
        result = await gateway.send(Message(row["key"], row["msisdn"], row["body"]))
    except Exception as exc:  # a gateway bug must not leave the notice to the lease alone
        log.exception("notice %s: gateway %s raised", notice_id, gateway.name)
        result = SendResult(SendStatus.TRANSIENT, code="exception", detail=type(exc).__name__)
    done = at + timedelta(seconds=time.monotonic() - started)
    detail = scrub(result.detail)[:500]
    finish = [notice_id, number]
    if result.taken:
        receipt = Receipt.DELIVERED if result.status == SendStatus.DELIVERED else Receipt.NONE
        await conn.execute_query(
            _SENT,
            [
                *finish,
                AttemptOutcome.SENT.value,
                done,
                result.code[:32],
                result.message_id[:64],
                "",
                gateway.name,
                receipt.value,
                done if receipt == Receipt.DELIVERED else None,
            ],
        )
        log.info("notice %s sent via %s (attempt %s)", notice_id, gateway.name, number)
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


async def record_receipt(
    *, gateway: str, message_id: str, delivered: bool, at: datetime, detail: str = ""
) -> bool:
    """A delivery receipt: the handset has it, or the gateway gave up (then a person looks)."""
    if not message_id:
        return False
    notice = await Notice.get_or_none(gateway=gateway, gateway_message_id=message_id)
    if notice is None or notice.status != NoticeStatus.SENT:
        return False
    notice.receipt = Receipt.DELIVERED if delivered else Receipt.UNDELIVERED
    notice.receipt_at = at
    fields = ["receipt", "receipt_at"]
    if not delivered:
        notice.flagged_at = at
        notice.last_error = f"undelivered: {scrub(detail)[:200]}"
        fields += ["flagged_at", "last_error"]
    await notice.save(update_fields=fields)
    log.info("notice %s: receipt %s", notice.id, notice.receipt.value)
    return True
