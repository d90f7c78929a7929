"""C-9 in writing by the customer's channel: e-mail through a real SMTP server on loopback
(aiosmtpd), SMS otherwise; the R-14 refund notice always by SMS."""

from __future__ import annotations

import asyncio
import email
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message as Mail
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP

from services.complaints.models import Complaint, ContactPreference
from services.notices import delivery, outbox
from services.notices.delivery import Result
from services.notices.gateways.base import Gateways
from services.notices.gateways.email import EmailGateway
from services.notices.gateways.outbox import OutboxGateway
from services.notices.models import Channel, Notice, NoticeAttempt, NoticeStatus, Receipt
from services.notices.templates import TemplateKind
from services.staff.models import Role
from tests import factories as f
from tests.services.notices.conftest import DAYTIME

SENDER = "kefu@example-operator.cn"
ADDRESS = "zhang.san@example.cn"


@dataclass
class Inbox:
    """What the loopback SMTP server received, and how it answers RCPT TO."""

    mails: list[tuple[list[str], Mail]] = field(default_factory=list)
    rcpt_answer: str = "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.rcpt_answer.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt_answer

    async def handle_DATA(self, server, session, envelope) -> str:
        self.mails.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted"


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[Inbox, int]]:
    inbox = Inbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(inbox, hostname="mx.loopback", loop=loop), "127.0.0.1", 0
    )
    yield inbox, server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


@pytest.fixture
def gateways(smtp) -> Gateways:
    _, port = smtp
    mailer = EmailGateway(host="127.0.0.1", port=port, sender=SENDER, timeout_seconds=2)
    return Gateways(sms=OutboxGateway(), email=mailer)


async def complaint_of(
    preference: ContactPreference, *, address: str = ADDRESS
) -> tuple[Complaint, Any]:
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(email=address)
    complaint = await f.complaint(handler, customer)
    await Complaint.filter(id=complaint.id).update(contact_preference=preference)
    return complaint, customer


async def result_notice(complaint: Complaint, customer: Any, **kw: Any) -> Notice:
    return await outbox.write(
        key=f"complaint:{complaint.id}:result:0",
        kind=TemplateKind.RESULT_FEEDBACK,
        values={
            "matter": "宽带断线",
            "complaint_no": str(complaint.id),
            "cause": "光猫老化",
            "solution": "免费更换光猫",
            "prevention": "定期巡检",
        },
        msisdn=customer.msisdn,
        at=DAYTIME,
        customer_id=customer.id,
        complaint_id=complaint.id,
        **kw,
    )


def header(mail: Mail, name: str) -> str:
    return str(make_header(decode_header(mail[name])))


async def test_c9_a_customer_who_prefers_email_gets_the_notice_by_email_with_a_subject(
    smtp, gateways
):
    inbox, _ = smtp
    complaint, customer = await complaint_of(ContactPreference.EMAIL)
    notice = await result_notice(complaint, customer)
    assert (notice.channel, notice.email) == (Channel.EMAIL, ADDRESS)
    assert notice.subject == f"投诉处理结果通知(受理编号{complaint.id})"

    outcome = await delivery.deliver(notice.id, gateway=gateways, at=DAYTIME)

    assert outcome.result == Result.SENT
    [(recipients, mail)] = inbox.mails
    assert recipients == [ADDRESS]
    assert (mail["From"], mail["To"]) == (SENDER, ADDRESS)
    assert header(mail, "Subject") == notice.subject
    assert mail.get_content_charset() == "utf-8"
    assert mail.get_payload(decode=True).decode("utf-8").strip() == notice.body
    await notice.refresh_from_db()
    assert (notice.status, notice.gateway, notice.receipt) == (
        NoticeStatus.SENT,
        "email",
        Receipt.DELIVERED,
    )
    [attempt] = await NoticeAttempt.filter(notice_id=notice.id)
    assert (attempt.gateway, attempt.code) == ("email", "SMTP-250")


async def test_c9_preferring_sms_or_having_no_address_the_notice_goes_by_sms(smtp, gateways):
    inbox, _ = smtp
    by_sms, customer = await complaint_of(ContactPreference.SMS)
    no_address, other = await complaint_of(ContactPreference.EMAIL, address="")

    first = await result_notice(by_sms, customer)
    second = await result_notice(no_address, other)

    assert [(n.channel, n.email, n.subject) for n in (first, second)] == [(Channel.SMS, "", "")] * 2
    for notice in (first, second):
        await delivery.deliver(notice.id, gateway=gateways, at=DAYTIME)
        await notice.refresh_from_db()
        assert notice.gateway == "outbox"
    assert inbox.mails == []


async def test_c9_the_step_may_say_email_whatever_the_complaint_stored(smtp, gateways):
    complaint, customer = await complaint_of(ContactPreference.SMS)

    notice = await result_notice(complaint, customer, via=ContactPreference.EMAIL)

    assert notice.channel == Channel.EMAIL


async def test_c9_the_r14_refund_notice_goes_by_sms_even_to_a_customer_who_prefers_email(
    smtp, gateways
):
    complaint, customer = await complaint_of(ContactPreference.EMAIL)

    notice = await outbox.write(
        key="refund:1:executed",
        kind=TemplateKind.REFUND_EXECUTED,
        values={"matter": "重复扣费", "yyyy": "2026", "mm": "03", "dd": "05", "amount": "1.00"},
        msisdn=customer.msisdn,
        at=DAYTIME,
        customer_id=customer.id,
        complaint_id=complaint.id,
    )

    assert notice.channel == Channel.SMS


async def test_c9_an_address_refused_for_good_fails_the_notice_a_busy_server_retries_it(
    smtp, gateways
):
    inbox, _ = smtp
    complaint, customer = await complaint_of(ContactPreference.EMAIL)
    notice = await result_notice(complaint, customer)

    inbox.rcpt_answer = "451 4.3.0 try again later"
    busy = await delivery.deliver(notice.id, gateway=gateways, at=DAYTIME)
    assert busy.result == Result.RETRY

    inbox.rcpt_answer = "550 5.1.1 no such mailbox"
    refused = await delivery.deliver(notice.id, gateway=gateways, at=busy.next_attempt_at)

    assert refused.result == Result.FAILED
    await notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED and notice.flagged_at is not None
    codes = (
        await NoticeAttempt.filter(notice_id=notice.id)
        .order_by("number")
        .values_list("code", flat=True)
    )
    assert codes == ["SMTP-451", "SMTP-550"]
    assert inbox.mails == []


async def test_c9_a_server_that_is_down_leaves_the_email_for_a_retry(smtp):
    complaint, customer = await complaint_of(ContactPreference.EMAIL)
    notice = await result_notice(complaint, customer)
    closed = EmailGateway(host="127.0.0.1", port=1, sender=SENDER, timeout_seconds=1)

    outcome = await delivery.deliver(notice.id, gateway=closed, at=DAYTIME)

    assert outcome.result == Result.RETRY
