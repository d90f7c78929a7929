"""The views an admin needs daily: complaints and refunds by status with their deadlines, the
notice outbox, the special-customer list with reasons, and the overview charts (C-12: every
phone number masked)."""

from __future__ import annotations

import re
from datetime import timedelta

from services import clock
from services.complaints.models import Deadline, DeadlineKind, Status
from services.customers.models import Customer
from services.notices.models import Notice
from services.phones import mask
from services.privacy import mask_name
from services.staff.models import Role
from tests import factories as f
from tests.admin_ui.conftest import Console, text_of

PHONE = re.compile(r"(?<!\d)1\d{10}(?!\d)")


def no_phone_in(html: str) -> bool:
    return PHONE.search(html) is None


async def test_c7_complaints_by_status_with_their_next_deadline(admin: Console):
    handler = await f.staff(Role.HANDLER)
    late = await f.complaint(handler)
    await f.complaint(handler)
    await Deadline.filter(complaint_id=late.id, kind=DeadlineKind.ACKNOWLEDGE).update(
        due_at=clock.now() - timedelta(hours=1)
    )

    page = await admin.get("/admin/complaints")
    received = await admin.get("/admin/complaints?status=received")
    archived = await admin.get("/admin/complaints?status=archived")

    text = text_of(page.text)
    assert "全部 2" in text and "已受理 2" in text and "已归档 0" in text
    assert "告知受理" in text and text.count("已超时") == 1
    assert no_phone_in(page.text)
    assert len(re.findall(r'<td class="num">\d+</td>', received.text)) == 2
    assert "暂无投诉" in archived.text
    assert Status.ARCHIVED.value == "archived"


async def test_r13_refunds_by_status_with_the_limit_that_runs(admin: Console):
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    await f.refund(handler, await f.complaint(handler, customer))
    verifying = await f.refund(
        handler, await f.complaint(handler, customer), f.goodwill_request(25000)
    )
    await f.executed_refund(handler, await f.refund(handler))

    page = await admin.get("/admin/refunds")
    only = await admin.get("/admin/refunds?status=verifying")

    text = text_of(page.text)
    assert "查证中 1" in text and "已退费 1" in text and "全部 3" in text
    assert "250.00" in text and "35.32" in text
    assert "查证" in text_of(only.text) and str(verifying.id) in only.text
    assert mask(customer.msisdn) in page.text and no_phone_in(page.text)


async def test_r14_the_outbox_shows_what_customers_were_sent_with_numbers_masked(
    admin: Console,
):
    handler = await f.staff(Role.HANDLER)
    refund = await f.executed_refund(handler, await f.refund(handler))
    customer = await Customer.get(id=refund.customer_id)
    await Notice.create(
        key="test:1",
        template="other",
        customer=customer,
        msisdn=customer.msisdn,
        body=f"请回拨 {customer.msisdn} 确认",
    )

    page = await admin.get("/admin/notices")

    text = text_of(page.text)
    assert "退费完成" in text and "完成退费处理,退费金额35.32元" in text
    assert f"请回拨 {mask(customer.msisdn)} 确认" in text
    assert no_phone_in(page.text)


async def test_k1_special_customers_are_listed_with_why(admin: Console):
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(credit_standing="good")
    complaint = await f.complaint(handler, customer)
    await f.executed_refund(handler, await f.refund(handler, complaint, f.goodwill_request(12000)))
    await f.executed_refund(handler, await f.refund(handler))  # company liable: not counted

    page = await admin.get("/admin/special-customers")

    text = text_of(page.text)
    assert mask_name(customer.name) in text and mask(customer.msisdn) in text
    assert customer.name not in text  # C-12: console users handle no complaint
    assert "当月退费累计 120.00 元" in text
    assert text.count("138****") == 1
    assert no_phone_in(page.text)


async def test_c11_the_overview_draws_charts_offline(admin: Console):
    handler = await f.staff(Role.HANDLER)
    await f.complaint(handler)
    await f.executed_refund(handler, await f.refund(handler))

    page = await admin.get("/admin/overview")

    assert page.status_code == 200
    assert page.text.count("<svg") == 6
    text = text_of(page.text)
    for title in (
        "各月投诉量（按类别）",
        "各月投诉量（按预警颜色）",
        "投诉处理时限达成",
        "退费执行时限达成",
        "退费笔数（按审批档位）",
        "退费金额（元，按审批档位）",
    ):
        assert title in text
    assert "计费差错: 2" in page.text  # a bar's tooltip: two billing-error complaints
    assert "http://" not in page.text and "https://" not in page.text
    assert "<script" not in page.text and "style=" not in page.text


async def test_the_overview_period_can_be_chosen(admin: Console):
    page = await admin.get("/admin/overview?months=12")
    odd = await admin.get("/admin/overview?months=7")

    assert "近 12 个月" in page.text and page.status_code == odd.status_code == 200
