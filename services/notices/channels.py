"""C-9: a notice goes in writing by the customer's preferred channel, SMS or e-mail.

The writers (service.py) say "this notice to this customer"; the outbox asks `choose` how:

- e-mail when the complaint's contact preference is e-mail (or the writer says so with `via`)
  and the customer has an e-mail address; the notice then carries the address and a subject
  (SUBJECTS, rendered with the notice's values);
- SMS otherwise: the preference is SMS (or phone or letter: what is written goes by SMS), or
  no address is known (the customer still gets it in writing);
- always SMS for R-14's refund notice: the rulebook names it an SMS, word for word.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from services.complaints.models import Complaint, ContactPreference
from services.customers.models import Customer
from services.notices.models import Channel
from services.notices.templates import TemplateKind

SMS_ONLY = frozenset({TemplateKind.REFUND_EXECUTED})

SUBJECTS: dict[TemplateKind, str] = {
    TemplateKind.REFUND_EXECUTED: "退费处理结果通知",
    TemplateKind.COMPLAINT_ACKNOWLEDGED: "您的投诉已受理(受理编号{complaint_no})",
    TemplateKind.PLAN_EXTENDED: "投诉处理进度通知(受理编号{complaint_no})",
    TemplateKind.RESULT_FEEDBACK: "投诉处理结果通知(受理编号{complaint_no})",
    TemplateKind.REVISIT_INVITATION: "投诉回访邀请(受理编号{complaint_no})",
    TemplateKind.PROMISE_CONFIRMED: "服务承诺确认(受理编号{complaint_no})",
    TemplateKind.REFUND_STOPPED: "退费核查结果通知",
}


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def subject(kind: TemplateKind, values: Mapping[str, str]) -> str:
    """The e-mail subject of a notice kind; a value the writer did not give is left blank."""
    text = string.Formatter().vformat(SUBJECTS[kind], (), _Blank(values))
    return text.replace("(受理编号)", "")[:200]


@dataclass(frozen=True)
class Route:
    channel: Channel
    email: str = ""


async def choose(
    *,
    kind: TemplateKind,
    customer_id: int | None,
    complaint_id: int | None,
    via: ContactPreference | None = None,
) -> Route:
    """The channel of one notice (C-9), decided when it is written."""
    if kind in SMS_ONLY or customer_id is None:
        return Route(Channel.SMS)
    if via is None:
        if complaint_id is None:
            return Route(Channel.SMS)
        complaint = await Complaint.get_or_none(id=complaint_id).only("id", "contact_preference")
        via = complaint.contact_preference if complaint else ContactPreference.SMS
    if via != ContactPreference.EMAIL:
        return Route(Channel.SMS)
    customer = await Customer.get_or_none(id=customer_id).only("id", "email")
    address = customer.email.strip() if customer else ""
    return Route(Channel.EMAIL, address) if address else Route(Channel.SMS)
