"""Execution against the database: one credit, one SMS outbox row (R-14), never twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from tortoise.exceptions import IntegrityError

from services import clock as domain_clock
from services.errors import Conflict, ErrorCode
from services.notices.models import Notice, NoticeStatus
from services.refunds import clock, execution
from services.refunds.models import LedgerEntry, LedgerKind, RefundEvent, RefundStatus
from services.refunds.policy import RefundMethod
from services.staff.models import Role
from services.thresholds import service as thresholds
from tests import factories as f


async def confirmed_refund(handler, **request):
    refund = await f.refund(
        handler, request=f.goodwill_request(2000, cause_unknown_on_spot=True, **request)
    )
    return await execution.confirm_amount(actor=handler, refund_id=refund.id)


async def test_r14_execution_credits_the_account_and_queues_the_sms_in_one_go(monkeypatch):
    # 2025-03-05 18:30 UTC is 6 March 02:30 in Beijing: the SMS gives the operator's date
    monkeypatch.setattr(domain_clock, "now", lambda: datetime(2025, 3, 5, 18, 30, tzinfo=UTC))
    handler = await f.staff(Role.HANDLER)
    refund = await confirmed_refund(handler)

    done = await execution.execute(actor=handler, refund_id=refund.id)

    assert done.status == RefundStatus.EXECUTED and done.executed_by_id == handler.id  # type: ignore[attr-defined]
    entry = await LedgerEntry.get(refund_id=refund.id)
    assert (entry.kind, entry.amount_fen, entry.applies_on) == (
        LedgerKind.ACCOUNT_CREDIT,
        2000,
        date(2025, 3, 6),
    )
    notice = await Notice.get(key=f"refund:{refund.id}:executed")
    assert notice.body == (
        "尊敬的客户,您反映的话费重复扣费问题,已于2025年03月06日对您完成退费处理,"
        "退费金额20.00元,感谢您的支持与关注。【中国移动】"
    )
    assert (notice.template, notice.status) == ("refund_executed", NoticeStatus.PENDING)
    customer = await done.customer
    assert (notice.msisdn, notice.customer_id) == (customer.msisdn, customer.id)
    executed = await RefundEvent.get(refund_id=refund.id, action="executed")
    assert executed.data["ledger_entry_id"] == entry.id
    assert executed.data["notice_id"] == notice.id


async def test_r14_the_sms_signature_is_configurable():
    admin, handler = await f.staff(Role.ADMIN), await f.staff(Role.HANDLER)
    await thresholds.change(
        key="notice.sms_signature",
        value={"text": "云南移动"},
        reason="省公司署名",
        changed_by_id=admin.id,
    )
    refund = await confirmed_refund(handler)

    await execution.execute(actor=handler, refund_id=refund.id)

    notice = await Notice.get(key=f"refund:{refund.id}:executed")
    assert notice.body.endswith("感谢您的支持与关注。云南移动")


async def test_r13_bill_adjustment_is_scheduled_for_the_next_bill(monkeypatch):
    monkeypatch.setattr(domain_clock, "now", lambda: datetime(2025, 12, 10, 3, 0, tzinfo=UTC))
    handler = await f.staff(Role.HANDLER)
    refund = await confirmed_refund(handler, method=RefundMethod.BILL_ADJUSTMENT)

    await execution.execute(actor=handler, refund_id=refund.id)

    entry = await LedgerEntry.get(refund_id=refund.id)
    assert (entry.kind, entry.applies_on) == (LedgerKind.BILL_ADJUSTMENT, date(2026, 1, 1))


async def test_r6_cash_by_exception_is_recorded_as_cash():
    handler = await f.staff(Role.HANDLER)
    refund = await confirmed_refund(
        handler, method=RefundMethod.CASH, cash_exception_reason="号码已销户,无法充值"
    )

    await execution.execute(actor=handler, refund_id=refund.id)

    assert (await LedgerEntry.get(refund_id=refund.id)).kind == LedgerKind.CASH


async def test_r14_fifty_concurrent_executions_credit_once_and_send_one_notice():
    handler = await f.staff(Role.HANDLER)
    refund = await confirmed_refund(handler)

    results = await asyncio.gather(
        *(execution.execute(actor=handler, refund_id=refund.id) for _ in range(50)),
        return_exceptions=True,
    )

    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(lost) == 49
    assert all(isinstance(e, Conflict) and e.code == ErrorCode.CONFLICT for e in lost), lost[:1]
    assert await LedgerEntry.filter(refund_id=refund.id).count() == 1
    assert await Notice.filter(key=f"refund:{refund.id}:executed").count() == 1
    assert await RefundEvent.filter(refund_id=refund.id, action="executed").count() == 1


async def test_r14_the_database_refuses_a_second_credit_or_notice_for_one_refund():
    handler = await f.staff(Role.HANDLER)
    refund = await confirmed_refund(handler)
    await execution.execute(actor=handler, refund_id=refund.id)
    customer = await refund.customer

    with pytest.raises(IntegrityError):
        await LedgerEntry.create(
            customer=customer,
            kind=LedgerKind.ACCOUNT_CREDIT,
            amount_fen=2000,
            applies_on=clock.local_date(clock.now()),
            refund=refund,
        )
    with pytest.raises(IntegrityError):
        await Notice.create(
            key=f"refund:{refund.id}:executed",
            template="refund_executed",
            msisdn=customer.msisdn,
            body="x",
        )


async def test_r11_executing_twice_is_a_conflict_not_a_second_payment():
    handler = await f.staff(Role.HANDLER)
    refund = await confirmed_refund(handler)
    await execution.execute(actor=handler, refund_id=refund.id)

    with pytest.raises(Conflict):
        await execution.execute(actor=handler, refund_id=refund.id)

    assert await LedgerEntry.filter(refund_id=refund.id).count() == 1
