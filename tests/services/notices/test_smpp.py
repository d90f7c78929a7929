"""R-14 through a real SMPP session on loopback: submit, split, window, throttling, re-bind,
permanent refusals, and delivery receipts (late, out of order, before their submit)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from aiosmpplib import SmppCommandStatus as S

from services import wiring
from services.notices import delivery, outbox
from services.notices.delivery import Result
from services.notices.gateways.smpp import SmppGateway, parts_of, split_ucs2
from services.notices.models import (
    AttemptOutcome,
    Notice,
    NoticeAttempt,
    NoticeMessage,
    NoticeStatus,
    Receipt,
)
from services.notices.templates import TemplateKind
from tests import factories as f
from tests.services.notices.conftest import DAYTIME, SHANGHAI
from tests.services.notices.smsc import PASSWORD, SYSTEM_ID, Answer, Smsc

LONG = "您反映的宽带断线问题已处理完毕,原因是光猫老化,已为您免费更换新光猫并测试正常。" * 3


@pytest.fixture
async def smsc() -> AsyncIterator[Smsc]:
    server = await Smsc().start()
    yield server
    await server.stop()


def session(smsc: Smsc, **kw) -> SmppGateway:
    options = {
        "host": "127.0.0.1",
        "port": smsc.port,
        "system_id": SYSTEM_ID,
        "password": PASSWORD,
        "source_addr": "10086",
        "submit_timeout_seconds": 1.0,
        "throttle_backoff_seconds": 0.01,
        "rebind_min_ms": 20,
        "on_receipt": delivery.record_report,
        "zone": SHANGHAI,
        **kw,
    }
    return SmppGateway(**options)


@pytest.fixture
async def smpp(smsc: Smsc) -> AsyncIterator[SmppGateway]:
    gateway = session(smsc)
    await gateway.start()
    assert await gateway.wait_bound()
    yield gateway
    await gateway.close()


async def refund_notice(key: str = "refund:1:executed", *, matter: str = "重复扣费") -> Notice:
    customer = await f.customer()
    return await outbox.write(
        key=key,
        kind=TemplateKind.REFUND_EXECUTED,
        values={"matter": matter, "yyyy": "2026", "mm": "03", "dd": "05", "amount": "12.34"},
        msisdn=customer.msisdn,
        at=DAYTIME,
        customer_id=customer.id,
    )


async def long_notice(key: str = "complaint:1:result:0") -> Notice:
    customer = await f.customer()
    return await outbox.write(
        key=key,
        kind=TemplateKind.REVISIT_INVITATION,
        values={"matter": LONG, "complaint_no": "7"},
        msisdn=customer.msisdn,
        at=DAYTIME,
        customer_id=customer.id,
    )


async def eventually(check, within: float = 5.0) -> None:
    for _ in range(int(within * 50)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not within the time allowed")


def test_r14_ucs2_texts_split_at_70_characters_into_parts_of_67_with_a_udh():
    assert [len(p) for p in split_ucs2("字" * 70, 9)] == [140]  # one SMS, no header
    parts = split_ucs2("字" * 71, 9)
    assert [len(p) for p in parts] == [6 + 134, 6 + 8]  # 67 + 4 characters
    assert [p[:6] for p in parts] == [bytes([5, 0, 3, 9, 2, 1]), bytes([5, 0, 3, 9, 2, 2])]
    assert parts_of("字" * 134) == 2 and parts_of("字" * 135) == 3
    # a character outside the BMP (two UTF-16 units) is never cut between two parts
    text = "字" * 66 + "😀" + "字" * 10
    first, second = split_ucs2(text, 1)
    assert first[6:].decode("utf-16-be") == "字" * 66
    assert second[6:].decode("utf-16-be") == "😀" + "字" * 10


async def test_r14_smpp_submits_the_refund_notice_in_ucs2_and_stores_its_message_id(smsc, smpp):
    notice = await refund_notice()

    outcome = await delivery.deliver(notice.id, gateway=smpp, at=DAYTIME)

    assert outcome.result == Result.SENT
    assert smsc.texts() == [(notice.msisdn, notice.body)]
    [part] = smsc.taken
    assert (part.data_coding, part.udh) == (8, b"")
    await notice.refresh_from_db()
    assert (notice.status, notice.gateway, notice.gateway_message_id, notice.parts) == (
        NoticeStatus.SENT,
        "smpp",
        part.message_id,
        1,
    )
    assert notice.receipt == Receipt.NONE
    [attempt] = await NoticeAttempt.filter(notice_id=notice.id)
    assert (attempt.gateway, attempt.code, attempt.message_id) == (
        "smpp",
        "ESME_ROK",
        part.message_id,
    )


async def test_r14_smpp_a_long_chinese_text_goes_in_parts_the_handset_joins(smsc, smpp):
    notice = await long_notice()
    assert len(notice.body) > 134

    await delivery.deliver(notice.id, gateway=smpp, at=DAYTIME)

    assert smsc.texts() == [(notice.msisdn, notice.body)]
    expected = -(-len(notice.body) // 67)
    assert [(p.total, p.seq) for p in sorted(smsc.taken, key=lambda p: p.seq)] == [
        (expected, n) for n in range(1, expected + 1)
    ]
    assert all(len(p.text) <= 67 and p.udh[0] == 5 for p in smsc.taken)
    assert len({p.ref for p in smsc.taken}) == 1
    await notice.refresh_from_db()
    assert notice.parts == expected
    ids = (
        await NoticeMessage.filter(notice_id=notice.id)
        .order_by("part")
        .values_list("message_id", flat=True)
    )
    assert sorted(ids) == sorted(p.message_id for p in smsc.taken)


async def test_r14_smpp_throttled_submits_are_retried_with_backoff_until_taken(smsc, smpp):
    smsc.respond = lambda part, n: Answer(S.ESME_RTHROTTLED if n < 2 else S.ESME_ROK)
    notice = await refund_notice()

    outcome = await delivery.deliver(notice.id, gateway=smpp, at=DAYTIME)

    assert outcome.result == Result.SENT and outcome.attempt == 1
    assert (smsc.submits, len(smsc.taken)) == (3, 1)  # throttled twice, then taken, once


async def test_r14_smpp_a_centre_that_keeps_throttling_leaves_the_notice_for_a_later_retry(
    smsc, smsc_session_throttled
):
    smsc.respond = lambda part, n: Answer(S.ESME_RMSGQFUL)
    notice = await refund_notice()

    outcome = await delivery.deliver(notice.id, gateway=smsc_session_throttled, at=DAYTIME)

    assert outcome.result == Result.RETRY and outcome.next_attempt_at is not None
    [attempt] = await NoticeAttempt.filter(notice_id=notice.id)
    assert (attempt.outcome, attempt.code) == (AttemptOutcome.TRANSIENT, "ESME_RMSGQFUL")
    assert smsc.submits == 3 and smsc.taken == []  # the first try and two retries


@pytest.fixture
async def smsc_session_throttled(smsc: Smsc) -> AsyncIterator[SmppGateway]:
    gateway = session(smsc, throttle_retries=2)
    await gateway.start()
    yield gateway
    await gateway.close()


async def test_r14_smpp_a_permanent_refusal_fails_the_notice_and_flags_it(smsc, smpp):
    smsc.respond = lambda part, n: Answer(S.ESME_RINVDSTADR)
    notice = await refund_notice()

    outcome = await delivery.deliver(notice.id, gateway=smpp, at=DAYTIME)

    assert outcome.result == Result.FAILED
    await notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED and notice.flagged_at is not None
    assert "invalid destination address" in notice.last_error


async def test_r14_smpp_rebinds_after_the_connection_drops_and_sends_again(smsc, smpp):
    first = await refund_notice("refund:1:executed")
    second = await refund_notice("refund:2:executed")
    await delivery.deliver(first.id, gateway=smpp, at=DAYTIME)

    await smsc.drop()
    await smsc.wait_bound(2)
    outcome = await delivery.deliver(second.id, gateway=smpp, at=DAYTIME)

    assert outcome.result == Result.SENT
    assert [m for m, _ in smsc.texts()] == [first.msisdn, second.msisdn]


async def test_r14_smpp_a_submit_lost_with_the_connection_is_retried_never_sent_late(smsc, smpp):
    smsc.respond = lambda part, n: Answer(drop=True) if n == 0 else Answer()
    notice = await refund_notice()

    lost = await delivery.deliver(notice.id, gateway=smpp, at=DAYTIME)
    assert lost.result == Result.RETRY
    [attempt] = await NoticeAttempt.filter(notice_id=notice.id)
    assert attempt.code == "no-response"

    await smsc.wait_bound(2)
    retried = await delivery.deliver(notice.id, gateway=smpp, at=lost.next_attempt_at)

    assert retried.result == Result.SENT
    assert smsc.texts() == [(notice.msisdn, notice.body)]  # once
    assert smsc.submits == 2


async def test_r14_smpp_keeps_the_session_alive_with_enquire_link(smsc):
    gateway = session(smsc, enquire_link_seconds=0.1)
    await gateway.start()
    try:
        await asyncio.sleep(0.5)
        assert smsc.enquire_links >= 2 and gateway.bound
    finally:
        await gateway.close()


async def test_r14_smpp_never_has_more_submits_outstanding_than_its_window(smsc):
    smsc.respond = lambda part, n: Answer(delay=0.05)
    gateway = session(smsc, window=3)
    await gateway.start()
    try:
        notices = [await refund_notice(f"refund:{i}:executed") for i in range(1, 10)]
        outcomes = await asyncio.gather(
            *(delivery.deliver(n.id, gateway=gateway, at=DAYTIME) for n in notices)
        )
    finally:
        await gateway.close()
    assert {o.result for o in outcomes} == {Result.SENT}
    assert smsc.max_outstanding == 3


def shanghai(hour: int, minute: int) -> datetime:
    return datetime(2026, 3, 5, hour, minute, tzinfo=SHANGHAI)


async def test_r14_smpp_receipts_settle_notices_delivered_undeliverable_or_expired_at_their_time(
    smsc, smpp
):
    notices = [await refund_notice(f"refund:{i}:executed") for i in (1, 2, 3)]
    for n in notices:
        await delivery.deliver(n.id, gateway=smpp, at=DAYTIME)
    ids = [p.message_id for p in smsc.taken]

    # out of order: the last one first
    assert await smsc.receipt(ids[2], "EXPIRED", done=datetime(2026, 3, 7, 10, 0))
    assert await smsc.receipt(ids[0], "DELIVRD", done=datetime(2026, 3, 5, 10, 1))
    assert await smsc.receipt(ids[1], "UNDELIV", done=datetime(2026, 3, 5, 10, 2))

    delivered, undeliverable, expired = [await Notice.get(id=n.id) for n in notices]
    assert (delivered.receipt, delivered.receipt_at, delivered.flagged_at) == (
        Receipt.DELIVERED,
        shanghai(10, 1),
        None,
    )
    assert (undeliverable.receipt, undeliverable.receipt_at) == (
        Receipt.UNDELIVERED,
        shanghai(10, 2),
    )
    assert undeliverable.flagged_at is not None and "UNDELIV" in undeliverable.last_error
    assert (expired.receipt, expired.receipt_at) == (
        Receipt.EXPIRED,
        datetime(2026, 3, 7, 10, 0, tzinfo=SHANGHAI),
    )
    assert expired.flagged_at is not None


async def test_r14_smpp_a_long_notice_is_delivered_when_its_last_part_is(smsc, smpp):
    notice = await long_notice()
    await delivery.deliver(notice.id, gateway=smpp, at=DAYTIME)
    parts = sorted(smsc.taken, key=lambda p: p.seq)
    assert len(parts) >= 3

    # receipts for the parts, the last part's first
    for minute, part in zip((9, 5, 7), reversed(parts), strict=False):
        assert await smsc.receipt(part.message_id, done=datetime(2026, 3, 5, 10, minute))
        await notice.refresh_from_db()
        if part is not parts[0]:
            assert notice.receipt == Receipt.NONE
    await notice.refresh_from_db()
    assert (notice.receipt, notice.receipt_at) == (Receipt.DELIVERED, shanghai(10, 9))


async def test_r14_smpp_a_receipt_that_comes_before_its_submit_is_answered_still_counts(smsc, smpp):
    smsc.respond = lambda part, n: Answer(receipt_first="DELIVRD")
    notice = await refund_notice()

    await delivery.deliver(notice.id, gateway=smpp, at=DAYTIME)

    await notice.refresh_from_db()
    assert (notice.status, notice.receipt) == (NoticeStatus.SENT, Receipt.DELIVERED)
    assert notice.receipt_at == shanghai(10, 0).replace(day=10)


async def test_r14_smpp_a_repeated_receipt_changes_nothing(smsc, smpp):
    notice = await refund_notice()
    await delivery.deliver(notice.id, gateway=smpp, at=DAYTIME)
    [part] = smsc.taken

    assert await smsc.receipt(part.message_id, "DELIVRD", done=datetime(2026, 3, 5, 10, 1))
    assert await smsc.receipt(part.message_id, "UNDELIV", done=datetime(2026, 3, 5, 10, 3))

    await notice.refresh_from_db()
    assert (notice.receipt, notice.receipt_at, notice.flagged_at) == (
        Receipt.DELIVERED,
        shanghai(10, 1),
        None,
    )


async def test_r14_a_notice_without_receipt_is_flagged_after_the_wait_and_a_late_one_lifts_it(
    smsc, smpp
):
    notice = await refund_notice()
    await delivery.deliver(notice.id, gateway=smpp, at=DAYTIME)
    [part] = smsc.taken
    wait = timedelta(minutes=30)

    assert await delivery.flag_unreceipted(at=DAYTIME + timedelta(minutes=29), wait=wait) == []
    flagged = await delivery.flag_unreceipted(at=DAYTIME + timedelta(minutes=31), wait=wait)

    assert flagged == [notice.id]
    await notice.refresh_from_db()
    assert notice.flagged_at is not None
    assert notice.last_error == "no delivery receipt within 30 minutes"

    assert await smsc.receipt(part.message_id, done=datetime(2026, 3, 5, 11, 0))  # late
    await notice.refresh_from_db()
    assert (notice.receipt, notice.flagged_at, notice.last_error) == (Receipt.DELIVERED, None, "")


async def test_r14_the_delivered_hook_is_called_once_with_the_receipts_time(smsc, smpp):
    heard: list[tuple[int, datetime]] = []

    async def listener(notice: Notice, *, at: datetime) -> None:
        heard.append((notice.id, at))

    delivery.on_delivered(listener)
    try:
        notice = await refund_notice()
        await delivery.deliver(notice.id, gateway=smpp, at=DAYTIME)
        [part] = smsc.taken
        for _ in range(2):
            assert await smsc.receipt(part.message_id, done=datetime(2026, 3, 5, 10, 4))
    finally:
        delivery.forget_delivered_listeners()
        wiring.install()  # the service's own listeners back (C-9 result told on delivery)

    assert heard == [(notice.id, shanghai(10, 4))]


async def test_r14_an_unstored_receipt_is_not_acknowledged_and_comes_again(smsc, smpp):
    notice = await refund_notice()
    await delivery.deliver(notice.id, gateway=smpp, at=DAYTIME)
    [part] = smsc.taken
    stored = smpp.on_receipt

    async def database_down(report):
        raise OSError("database unavailable")

    smpp.on_receipt = database_down
    assert not await smsc.receipt(part.message_id, done=datetime(2026, 3, 5, 10, 4), ack_within=1)

    smpp.on_receipt = stored
    await smsc.wait_bound(2)  # the session was dropped, and bound again
    assert await smsc.receipt(part.message_id, done=datetime(2026, 3, 5, 10, 4))
    await notice.refresh_from_db()
    assert notice.receipt == Receipt.DELIVERED
