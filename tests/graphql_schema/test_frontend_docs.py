"""The five screens of docs/frontend.md, each query run as printed against the real API."""

from __future__ import annotations

import pathlib
import re
from typing import Any

import pytest

from graphql_schema.ids import global_id
from services.refunds.models import RefundStatus
from services.staff.models import Role
from tests import factories as f

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "frontend.md"


def operations() -> dict[str, str]:
    """Every ```graphql block of the page, by its operation's name."""
    blocks = re.findall(r"```graphql\n(.*?)```", DOC.read_text(), flags=re.S)
    found = {}
    for block in blocks:
        name = re.match(r"\s*(?:query|mutation)\s+(\w+)", block)
        assert name, f"an unnamed operation in docs/frontend.md: {block[:60]}"
        found[name.group(1)] = block
    return found


SCREENS = {
    "HandlerQueue",
    "MarkAllRead",
    "ComplaintPage",
    "Acknowledge",
    "Refetch",
    "ApprovalInbox",
    "Approve",
    "CustomerPage",
    "AssignPicker",
    "Assign",
}


def test_the_page_holds_the_five_screens_and_their_steps():
    assert set(operations()) == SCREENS


@pytest.fixture
async def world() -> dict[str, Any]:
    net = await f.department("NET", "网络部")
    handler = await f.staff(Role.HANDLER, dept=net)
    lead = await f.staff(Role.TEAM_LEAD, dept=net)
    deputy = await f.approver(4)
    customer = await f.customer("13800138000", credit_standing="good")
    complaint = await f.complaint(handler, customer)
    refund = await f.refund(handler, complaint, f.goodwill_request(40000))
    assert refund.status == RefundStatus.AWAITING_APPROVAL
    return locals()


async def run(gql: Any, name: str, variables: dict[str, Any], as_: Any) -> dict[str, Any]:
    return await gql.data(operations()[name], variables, as_=as_)


async def test_screen_handler_queue(gql, world):
    data = await run(gql, "HandlerQueue", {}, world["handler"])
    [edge] = data["complaints"]["edges"]
    node = edge["node"]
    assert node["id"] == global_id("Complaint", world["complaint"].id)
    assert node["customer"]["msisdn"] == "13800138000"  # the handler's own customer (C-12)
    assert node["nextDeadline"]["kind"] == "ACKNOWLEDGE"
    assert node["viewerCan"] == {"acknowledge": True, "startInvestigation": False}
    marked = await run(gql, "MarkAllRead", {}, world["handler"])
    assert marked["markNotificationsRead"]["__typename"] == "MarkNotificationsReadResult"
    # a lead of the department sees the complaint, but it is not theirs
    theirs = await run(gql, "HandlerQueue", {}, world["lead"])
    assert theirs["complaints"]["totalCount"] == 0


async def test_screen_complaint_page_and_a_step(gql, world):
    variables = {"id": global_id("Complaint", world["complaint"].id)}
    page = (await run(gql, "ComplaintPage", variables, world["handler"]))["complaint"]
    assert page["phoneVisible"] is True and page["status"] == "RECEIVED"
    [refund] = page["refunds"]
    assert (refund["status"], refund["viewerCan"]) == (
        "AWAITING_APPROVAL",
        {"cancel": True, "approve": False},
    )
    can = {k for k, v in page["viewerCan"].items() if v}
    assert {"acknowledge", "assign", "createRefund", "pauseClock"} <= can
    assert not can & {"startInvestigation", "resolve", "archive", "resumeClock"}

    stepped = await run(gql, "Acknowledge", variables, world["handler"])
    after = stepped["acknowledgeComplaint"]["complaint"]
    assert after["status"] == "ACKNOWLEDGED"
    assert after["viewerCan"] == {"acknowledge": False, "startInvestigation": True}

    refetched = await run(gql, "Refetch", variables, world["handler"])
    assert refetched["node"] == {
        "id": variables["id"],
        "status": "ACKNOWLEDGED",
        "viewerCan": {"acknowledge": False},
    }

    # someone who does not handle it sees it masked, and no step buttons
    auditor = await f.staff(Role.AUDITOR)
    seen = (await run(gql, "ComplaintPage", variables, auditor))["complaint"]
    assert seen["phoneVisible"] is False and seen["contactPhone"] == "138****8000"
    assert not any(seen["viewerCan"].values())


async def test_screen_approval_inbox_and_approving(gql, world):
    inbox = (await run(gql, "ApprovalInbox", {}, world["deputy"]))["refunds"]
    [edge] = inbox["edges"]
    assert edge["node"]["id"] == global_id("Refund", world["refund"].id)
    assert edge["node"]["viewerCan"] == {"approve": True, "reject": True}
    assert (await run(gql, "ApprovalInbox", {}, world["handler"]))["refunds"]["edges"] == []

    done = await run(gql, "Approve", {"id": edge["node"]["id"]}, world["deputy"])
    refund = done["approveRefund"]["refund"]
    assert refund["status"] == "AWAITING_CONFIRMATION"
    assert refund["viewerCan"] == {"approve": False, "reject": False}


async def test_screen_customer_page(gql, world):
    variables = {"id": global_id("Customer", world["customer"].id)}
    mine = await run(gql, "CustomerPage", variables, world["handler"])
    assert mine["customer"]["phoneVisible"] is True
    assert mine["customer"]["complaints"]["totalCount"] == 1
    assert [e["node"]["id"] for e in mine["refunds"]["edges"]] == [
        global_id("Refund", world["refund"].id)
    ]
    stranger = await f.staff(Role.HANDLER)
    theirs = (await run(gql, "CustomerPage", variables, stranger))["customer"]
    assert (theirs["msisdn"], theirs["phoneVisible"], theirs["riskProfile"]) == (
        "138****8000",
        False,
        None,
    )


async def test_screen_assign_to_picker_and_assigning(gql, world):
    net = world["net"]
    picker = await run(
        gql, "AssignPicker", {"departmentId": global_id("Department", net.id)}, world["handler"]
    )
    assert [d["code"] for d in picker["departments"]] == ["NET"]
    listed = {s["id"] for s in picker["staff"]}
    assert listed == {global_id("StaffMember", world[k].id) for k in ("handler", "lead")}

    variables = {
        "id": global_id("Complaint", world["complaint"].id),
        "ownerId": global_id("StaffMember", world["lead"].id),
    }
    done = await run(gql, "Assign", variables, world["handler"])
    complaint = done["assignComplaint"]["complaint"]
    assert complaint["owner"]["displayName"] == world["lead"].display_name
    assert complaint["viewerCan"] == {"assign": False}  # no longer the handler's
