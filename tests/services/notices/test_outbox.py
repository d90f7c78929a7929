"""The outbox: the refund notice of R-14 written with the refund, once, held in quiet hours."""

from __future__ import annotations

from datetime import UTC

from services import clock as domain_clock
from services.notices import outbox
from services.notices import service as notices
from services.notices.models import Notice, NoticeStatus
from services.notices.templates import TemplateKind
from services.refunds.models import Refund
from services.staff.models import Role
from tests import factories as f
from tests.services.notices.conftest import DAYTIME, NIGHT, SHANGHAI


async def executed_refund(monkeypatch, at):
    monkeypatch.setattr(domain_clock, "now", lambda: at.astimezone(UTC))
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler, request=f.goodwill_request(3550))
    return await f.executed_refund(handler, refund)


async def test_r14_refund_notice_text_is_word_for_word(monkeypatch):
    refund = await executed_refund(monkeypatch, DAYTIME)

    notice = await Notice.get(key=f"refund:{refund.id}:executed")

    assert notice.body == (
        "尊敬的客户,您反映的话费重复扣费问题,已于2026年03月05日对您完成退费处理,"
        "退费金额35.50元,感谢您的支持与关注。【中国移动】"
    )
    assert (notice.template, notice.template_version) == ("refund_executed", 1)
    assert (notice.refund_id, notice.complaint_id) == (refund.id, refund.complaint_id)
    assert notice.status == NoticeStatus.PENDING and not notice.urgent
    assert notice.next_attempt_at == DAYTIME  # daytime: due at once


async def test_r14_one_notice_per_executed_refund(monkeypatch):
    refund = await executed_refund(monkeypatch, DAYTIME)
    customer = await refund.customer

    again = await notices.refund_executed(
        refund=await Refund.get(id=refund.id), customer=customer, at=DAYTIME
    )

    assert await Notice.filter(refund_id=refund.id).count() == 1
    assert again.key == f"refund:{refund.id}:executed"


async def test_r14_a_refund_executed_at_night_is_told_at_eight_the_next_morning(monkeypatch):
    refund = await executed_refund(monkeypatch, NIGHT)

    notice = await Notice.get(refund_id=refund.id)

    morning = NIGHT.replace(day=NIGHT.day + 1, hour=8, minute=0)
    assert notice.not_before == morning and notice.next_attempt_at == morning
    assert "2026年03月05日" in notice.body  # the date it was refunded, not the date it is sent


async def test_relay_sees_only_what_is_due_and_not_held(monkeypatch):
    refund = await executed_refund(monkeypatch, NIGHT)
    notice = await Notice.get(refund_id=refund.id)
    morning = NIGHT.replace(day=NIGHT.day + 1, hour=8, minute=5)

    assert await outbox.due(at=NIGHT.astimezone(UTC)) == []
    assert await outbox.due(at=morning) == [(notice.id, 0, notice.next_attempt_at)]
    await Notice.filter(id=notice.id).update(lease_until=morning.replace(minute=6))
    assert await outbox.due(at=morning) == []


async def test_an_urgent_notice_is_not_held_by_quiet_hours():
    cust = await f.customer()
    notice = await outbox.write(
        key="test:urgent",
        kind=TemplateKind.REVISIT_INVITATION,
        values={"matter": "网络", "complaint_no": "1"},
        msisdn=cust.msisdn,
        at=NIGHT,
        customer_id=cust.id,
        urgent=True,
    )

    assert notice.next_attempt_at == NIGHT
    assert await outbox.due(at=NIGHT) == [(notice.id, 0, NIGHT)]
    assert NIGHT.tzinfo == SHANGHAI


async def test_the_relay_pages_through_a_backlog_earliest_first():
    cust = await f.customer()
    rows = [
        await outbox.write(
            key=f"test:{i}",
            kind=TemplateKind.REVISIT_INVITATION,
            values={"matter": "网络", "complaint_no": "1"},
            msisdn=cust.msisdn,
            at=DAYTIME,
            customer_id=cust.id,
        )
        for i in range(5)
    ]

    first = await outbox.due(at=DAYTIME, limit=2)
    rest = await outbox.due(at=DAYTIME, limit=10, after=(first[-1][2], first[-1][0]))

    assert [i for i, _, _ in first + rest] == [r.id for r in rows]
