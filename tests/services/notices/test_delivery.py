"""Delivery through a real HTTP gateway on loopback: sent once, retried, failed, quiet hours."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from services.customers.models import Customer
from services.notices import delivery, outbox
from services.notices import service as notices
from services.notices.delivery import Result
from services.notices.gateways.http import HttpGateway
from services.notices.gateways.outbox import OutboxGateway
from services.notices.models import AttemptOutcome, Notice, NoticeAttempt, NoticeStatus, Receipt
from services.notices.templates import TemplateKind
from services.staff.models import Role
from services.thresholds import service as thresholds
from tests import factories as f
from tests.services.notices.conftest import DAYTIME, NIGHT
from tests.services.notices.sms_server import ACCOUNT, SECRET, Reply, SmsServer

MSISDN = "13912345678"


@pytest.fixture
async def gateway(sms: SmsServer):
    http = HttpGateway(url=sms.url, account=ACCOUNT, secret=SECRET, timeout_seconds=0.5)
    yield http
    await http.close()


async def pending_notice(key: str = "test:1", *, at=DAYTIME, urgent: bool = False) -> Notice:
    """The first notice of a test goes to MSISDN, later ones to other customers."""
    cust = await f.customer() if await Customer.exists(msisdn=MSISDN) else await f.customer(MSISDN)
    return await outbox.write(
        key=key,
        kind=TemplateKind.REVISIT_INVITATION,
        values={"matter": "宽带断线", "complaint_no": "7"},
        msisdn=cust.msisdn,
        at=at,
        customer_id=cust.id,
        urgent=urgent,
    )


async def attempts(notice: Notice) -> list[NoticeAttempt]:
    return await NoticeAttempt.filter(notice_id=notice.id).order_by("number")


async def test_a_notice_is_sent_signed_and_recorded_with_its_attempt(sms, gateway):
    notice = await pending_notice()

    outcome = await delivery.deliver(notice.id, gateway=gateway, at=DAYTIME)

    assert outcome.result == Result.SENT
    assert [(s.reference, s.msisdn, s.text, s.signed) for s in sms.seen] == [
        (notice.key, MSISDN, notice.body, True)
    ]
    await notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and notice.sent_at is not None
    assert (notice.gateway, notice.gateway_message_id, notice.attempts) == ("http", "m1", 1)
    assert notice.lease_until is None and notice.receipt == Receipt.NONE
    [attempt] = await attempts(notice)
    assert (attempt.number, attempt.outcome, attempt.code, attempt.message_id) == (
        1,
        AttemptOutcome.SENT,
        "0",
        "m1",
    )
    assert attempt.started_at == DAYTIME and attempt.finished_at is not None


async def test_r14_delivering_twice_sends_once(sms, gateway):
    notice = await pending_notice()

    first = await delivery.deliver(notice.id, gateway=gateway, at=DAYTIME)
    second = await delivery.deliver(notice.id, gateway=gateway, at=DAYTIME + timedelta(hours=1))

    assert (first.result, second.result) == (Result.SENT, Result.SKIPPED)
    assert len(sms.seen) == 1
    assert len(await attempts(notice)) == 1


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (Reply(status=503), "HTTP-503"),
        (Reply(status=500), "HTTP-500"),
        (Reply(hang=True), "timeout"),
        (Reply(drop=True), "http-error"),
        (Reply(body=b"<html>busy</html>"), "malformed-reply"),
        (Reply(body=b'{"message_id": "x"}'), "malformed-reply"),
        (Reply(code="2001"), "2001"),
    ],
)
async def test_transient_failures_are_retried_with_backoff(sms, gateway, reply, code):
    notice = await pending_notice()
    sms.respond = lambda seen: reply

    outcome = await delivery.deliver(notice.id, gateway=gateway, at=DAYTIME)

    assert outcome.result == Result.RETRY
    await notice.refresh_from_db()
    assert notice.status == NoticeStatus.PENDING and notice.lease_until is None
    # first step 30 s with equal jitter: between 15 and 30 s after the attempt
    assert notice.next_attempt_at == outcome.next_attempt_at
    assert timedelta(seconds=15) <= notice.next_attempt_at - DAYTIME <= timedelta(seconds=31)
    [attempt] = await attempts(notice)
    assert (attempt.outcome, attempt.code) == (AttemptOutcome.TRANSIENT, code)
    assert notice.last_error == attempt.error and notice.flagged_at is None
    # not due before its time; then it goes through
    early = await delivery.deliver(notice.id, gateway=gateway, at=DAYTIME + timedelta(seconds=14))
    assert early.result == Result.SKIPPED
    sms.respond = lambda seen: Reply()
    later = await delivery.deliver(notice.id, gateway=gateway, at=notice.next_attempt_at)
    assert (later.result, later.attempt) == (Result.SENT, 2)


@pytest.mark.parametrize("code", ["1001", "1002", "1003"])
async def test_a_permanent_refusal_fails_the_notice_and_flags_it_for_a_person(sms, gateway, code):
    notice = await pending_notice()
    sms.respond = lambda seen: Reply(code=code)

    outcome = await delivery.deliver(notice.id, gateway=gateway, at=DAYTIME)

    assert outcome.result == Result.FAILED
    await notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED and notice.flagged_at is not None
    [attempt] = await attempts(notice)
    assert (attempt.outcome, attempt.code) == (AttemptOutcome.PERMANENT, code)
    assert await notices.flagged() == [notice]
    again = await delivery.deliver(notice.id, gateway=gateway, at=DAYTIME + timedelta(days=1))
    assert again.result == Result.SKIPPED and len(sms.seen) == 1


async def test_the_last_allowed_attempt_gives_up_and_flags_the_notice(sms, gateway):
    admin = await f.staff(Role.ADMIN)
    await thresholds.change(
        key="notices.retry",
        value={"max_attempts": 3, "first_delay_seconds": 1, "max_delay_seconds": 2},
        reason="test",
        changed_by_id=admin.id,
    )
    notice = await pending_notice()
    sms.respond = lambda seen: Reply(status=502)
    at = DAYTIME

    results = []
    for _ in range(3):
        outcome = await delivery.deliver(notice.id, gateway=gateway, at=at)
        results.append(outcome.result)
        at = outcome.next_attempt_at or at

    assert results == [Result.RETRY, Result.RETRY, Result.FAILED]
    await notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED and notice.flagged_at is not None
    assert notice.last_error.startswith("gave up after 3 attempts")
    assert [a.outcome for a in await attempts(notice)] == [AttemptOutcome.TRANSIENT] * 3


async def test_a_person_resends_a_flagged_notice(sms, gateway):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    notice = await pending_notice()
    await Notice.filter(id=notice.id).update(complaint_id=complaint.id)
    sms.respond = lambda seen: Reply(code="1002")
    await delivery.deliver(notice.id, gateway=gateway, at=DAYTIME)

    again = await notices.resend(actor=handler, notice_id=notice.id, at=DAYTIME)
    sms.respond = lambda seen: Reply()
    outcome = await delivery.deliver(notice.id, gateway=gateway, at=DAYTIME)

    assert again.status == NoticeStatus.PENDING and again.flagged_at is None
    assert (outcome.result, outcome.attempt) == (Result.SENT, 2)


async def test_quiet_hours_hold_a_due_notice_but_not_an_urgent_one(sms, gateway):
    ordinary = await pending_notice("test:ordinary", at=NIGHT - timedelta(hours=2))
    urgent = await pending_notice("test:urgent", at=NIGHT, urgent=True)

    held = await delivery.deliver(ordinary.id, gateway=gateway, at=NIGHT)
    sent = await delivery.deliver(urgent.id, gateway=gateway, at=NIGHT)
    morning = NIGHT.replace(day=NIGHT.day + 1, hour=8, minute=0)
    later = await delivery.deliver(ordinary.id, gateway=gateway, at=morning)

    assert (held.result, sent.result, later.result) == (Result.SKIPPED, Result.SENT, Result.SENT)
    assert [s.reference for s in sms.seen] == ["test:urgent", "test:ordinary"]


async def test_a_retry_that_would_fall_in_quiet_hours_waits_for_the_morning(sms, gateway):
    evening = NIGHT.replace(hour=20, minute=59, second=50)
    notice = await pending_notice(at=evening)
    sms.respond = lambda seen: Reply(status=503)

    outcome = await delivery.deliver(notice.id, gateway=gateway, at=evening)

    assert outcome.next_attempt_at == NIGHT.replace(day=NIGHT.day + 1, hour=8, minute=0)


async def test_a_notice_held_by_a_live_worker_is_not_sent_again_and_a_lost_attempt_is_marked(
    sms, gateway
):
    notice = await pending_notice()
    with pytest.raises(_Killed):  # a worker claimed it and died before recording anything
        await delivery.deliver(notice.id, gateway=_Dies(), at=DAYTIME)

    during = await delivery.deliver(notice.id, gateway=gateway, at=DAYTIME + timedelta(seconds=5))
    after = await delivery.deliver(notice.id, gateway=gateway, at=DAYTIME + timedelta(minutes=2))

    assert (during.result, after.result) == (Result.SKIPPED, Result.SENT)
    lost, sent = await attempts(notice)
    assert (lost.number, lost.outcome) == (1, AttemptOutcome.LOST)
    assert (sent.number, sent.outcome) == (2, AttemptOutcome.SENT)


async def test_the_outbox_gateway_keeps_the_message_and_marks_it_delivered():
    notice = await pending_notice()

    outcome = await delivery.deliver(notice.id, gateway=OutboxGateway(), at=DAYTIME)

    await notice.refresh_from_db()
    assert outcome.result == Result.SENT
    assert (notice.status, notice.receipt, notice.gateway) == (
        NoticeStatus.SENT,
        Receipt.DELIVERED,
        "outbox",
    )


async def test_delivery_receipts_update_the_notice_and_an_undelivered_one_flags_it(sms, gateway):
    first = await pending_notice("test:a")
    second = await pending_notice("test:b")
    await delivery.deliver(first.id, gateway=gateway, at=DAYTIME)
    await delivery.deliver(second.id, gateway=gateway, at=DAYTIME)
    later = DAYTIME + timedelta(minutes=1)

    assert await delivery.record_receipt(gateway="http", message_id="m1", delivered=True, at=later)
    assert await delivery.record_receipt(
        gateway="http", message_id="m2", delivered=False, at=later, detail="EXPIRED"
    )
    assert not await delivery.record_receipt(
        gateway="http", message_id="m9", delivered=True, at=later
    )

    await first.refresh_from_db()
    await second.refresh_from_db()
    assert (first.receipt, first.receipt_at, first.flagged_at) == (Receipt.DELIVERED, later, None)
    assert (second.receipt, second.flagged_at) == (Receipt.UNDELIVERED, later)
    assert second.last_error == "undelivered: EXPIRED"


async def test_phone_numbers_never_reach_the_logs(sms, gateway, caplog):
    notice = await pending_notice()
    sms.respond = lambda seen: Reply(status=503)
    caplog.set_level(logging.DEBUG, logger="services")

    await delivery.deliver(notice.id, gateway=gateway, at=DAYTIME)
    sms.respond = lambda seen: Reply()
    await delivery.deliver(notice.id, gateway=gateway, at=DAYTIME + timedelta(hours=1))

    assert caplog.records  # it did log
    assert all(MSISDN not in r.getMessage() for r in caplog.records)


class _Dies:
    """A gateway whose worker is killed mid-send: the claim happened, nothing is recorded."""

    name = "http"

    async def send(self, message):
        raise _Killed

    async def close(self) -> None:
        return None


class _Killed(BaseException):
    pass
