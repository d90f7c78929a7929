"""Notices over GraphQL: delivery state and attempts for all, the text only for handlers (C-12)."""

from __future__ import annotations

from services.complaints import service as complaints
from services.complaints.models import ContactPreference
from services.notices import delivery
from services.notices.gateways.outbox import OutboxGateway
from services.staff.models import Role
from tests import factories as f

NOTICE = """id key template templateVersion status receipt urgent attemptCount needsAttention
  bodyVisible body recipient gateway sentAt attempts { number outcome gateway code }"""
REFUND = f"query($id: ID!) {{ refund(id: $id) {{ phoneVisible notices {{ {NOTICE} }} }} }}"
COMPLAINT = "query($id: ID!) { complaint(id: $id) { notices { key template status } } }"


async def delivered_refund():
    handler = await f.staff(Role.HANDLER)
    cust = await f.customer("13987654321", credit_standing="good")
    complaint = await f.complaint(handler, cust)
    await complaints.acknowledge(actor=handler, complaint_id=complaint.id)
    refund = await f.executed_refund(handler, await f.refund(handler, complaint))
    notice = await refund.notices.all().first()
    await delivery.deliver(notice.id, gateway=OutboxGateway(), at=notice.next_attempt_at)
    return handler, complaint, refund


async def test_r14_a_handler_reads_the_refund_notice_its_state_and_attempts(gql):
    handler, _, refund = await delivered_refund()

    data = (await gql.data(REFUND, {"id": str(refund.id)}, as_=handler))["refund"]

    [notice] = data["notices"]
    assert notice["body"].startswith("尊敬的客户,您反映的话费重复扣费问题,已于")
    assert notice["body"].endswith(
        "对您完成退费处理,退费金额35.32元,感谢您的支持与关注。【中国移动】"
    )
    assert (notice["key"], notice["template"], notice["templateVersion"]) == (
        f"refund:{refund.id}:executed",
        "REFUND_EXECUTED",
        1,
    )
    assert (notice["status"], notice["receipt"], notice["gateway"]) == (
        "SENT",
        "DELIVERED",
        "outbox",
    )
    assert (notice["bodyVisible"], notice["recipient"], notice["needsAttention"]) == (
        True,
        "13987654321",
        False,
    )
    assert notice["attempts"] == [
        {"number": 1, "outcome": "SENT", "gateway": "outbox", "code": "outbox"}
    ]


async def test_c12_staff_who_do_not_handle_the_complaint_see_the_state_but_not_the_text(gql):
    _, _, refund = await delivered_refund()
    other = await f.staff(Role.HANDLER, dept=await f.department())

    data = (await gql.data(REFUND, {"id": str(refund.id)}, as_=other))["refund"]

    [notice] = data["notices"]
    assert data["phoneVisible"] is False
    assert (notice["bodyVisible"], notice["body"], notice["recipient"]) == (
        False,
        None,
        "139****4321",
    )
    assert notice["status"] == "SENT" and notice["attemptCount"] == 1


async def test_c7_a_complaint_lists_its_notices_refund_notices_included(gql):
    handler, complaint, refund = await delivered_refund()

    data = (await gql.data(COMPLAINT, {"id": str(complaint.id)}, as_=handler))["complaint"]

    assert data["notices"] == [
        {
            "key": f"complaint:{complaint.id}:acknowledged",
            "template": "COMPLAINT_ACKNOWLEDGED",
            "status": "PENDING",
        },
        {"key": f"refund:{refund.id}:executed", "template": "REFUND_EXECUTED", "status": "SENT"},
    ]


async def test_c9_a_notice_by_e_mail_shows_its_channel_and_the_address_only_to_its_handlers(gql):
    handler = await f.staff(Role.HANDLER)
    other = await f.staff(Role.HANDLER, dept=await f.department())
    complaint = await f.complaint(
        handler, contact_preference=ContactPreference.EMAIL, contact_email="wang@example.cn"
    )
    await complaints.acknowledge(actor=handler, complaint_id=complaint.id)
    query = (
        "query($id: ID!) { complaint(id: $id) { notices { template channel subject email "
        "recipient bodyVisible } } }"
    )

    mine = await gql.data(query, {"id": str(complaint.id)}, as_=handler)
    theirs = await gql.data(query, {"id": str(complaint.id)}, as_=other)

    [notice] = mine["complaint"]["notices"]
    assert (notice["template"], notice["channel"], notice["email"]) == (
        "COMPLAINT_ACKNOWLEDGED",
        "EMAIL",
        "wang@example.cn",
    )
    assert notice["subject"]  # an e-mail has a subject line
    [hidden] = theirs["complaint"]["notices"]
    assert (hidden["channel"], hidden["email"], hidden["bodyVisible"]) == ("EMAIL", None, False)
