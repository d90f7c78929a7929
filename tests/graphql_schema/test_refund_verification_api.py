"""R-11 verification and the quick refund over GraphQL: what a handler's front end sees."""

from __future__ import annotations

from graphql_schema.ids import global_id
from services.staff.models import Role
from tests import factories as f

REFUND = """
  __typename
  ... on RefundResult { refund {
      id status closedReason refundFen multiple flowClause
      verification { cause measures refundDue liability chargeCategory chargedFen
        shouldHaveChargedFen dueFen recoverFen verifiedBy { id } }
      notices { key template }
      history { action fromStatus toStatus }
  } }
  ... on Error { code message }
  ... on InputError { field problems { field code } }
"""
VERIFY = f"""mutation($id: ID!, $input: VerifyRefundInput!) {{
  verifyRefund(id: $id, input: $input) {{ {REFUND} }} }}"""
QUICK = f"""mutation($input: QuickRefundInput!) {{ quickRefund(input: $input) {{ {REFUND} }} }}"""
NOT_DUE = {
    "cause": "核实无多收",
    "measures": "已解释",
    "refundDue": False,
    "liability": "NOT_LIABLE",
}


async def test_r11_a_refund_first_verification_finding_nothing_due_stops_it_over_graphql(gql):
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler)  # refund first (R-7(c)), waiting for approval

    body = await gql.data(VERIFY, {"id": str(refund.id), "input": NOT_DUE}, as_=handler)

    stopped = body["verifyRefund"]["refund"]
    assert (stopped["status"], stopped["closedReason"]) == ("DECLINED", "核实无多收")
    assert stopped["verification"] == {
        "cause": "核实无多收",
        "measures": "已解释",
        "refundDue": False,
        "liability": "NOT_LIABLE",
        "chargeCategory": "DUPLICATE_RECORD",
        "chargedFen": 3000,
        "shouldHaveChargedFen": 1234,
        "dueFen": 0,
        "recoverFen": 0,
        "verifiedBy": {"id": global_id("StaffMember", handler.id)},
    }
    assert stopped["notices"] == [
        {"key": f"refund:{refund.id}:stopped", "template": "REFUND_STOPPED"}
    ]
    assert stopped["history"][-1] == {
        "action": "stopped_by_verification",
        "fromStatus": "AWAITING_APPROVAL",
        "toStatus": "DECLINED",
    }


async def test_r11_a_second_verification_is_a_conflict_over_graphql(gql):
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler)
    variables = {"id": str(refund.id), "input": NOT_DUE}
    await gql.data(VERIFY, variables, as_=handler)

    again = (await gql.data(VERIFY, variables, as_=handler))["verifyRefund"]

    assert (again["__typename"], again["code"]) == ("ConflictError", "CONFLICT")


async def test_r11_a1_verification_after_execution_shows_what_to_recover(gql):
    handler = await f.staff(Role.HANDLER)
    paid = await f.executed_refund(handler, await f.refund(handler))  # 35.32 yuan paid
    found = {
        **NOT_DUE,
        "refundDue": True,
        "liability": "COMPANY_LIABLE",
        "shouldHaveChargedFen": 2000,
    }

    body = await gql.data(VERIFY, {"id": str(paid.id), "input": found}, as_=handler)

    refund = body["verifyRefund"]["refund"]
    assert refund["status"] == "EXECUTED"
    assert (refund["verification"]["dueFen"], refund["verification"]["recoverFen"]) == (2000, 1532)


async def test_r7a_quick_refund_of_a_voice_charge_is_refused_over_graphql(gql):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    voice = {
        "complaintId": str(complaint.id),
        "matter": "通话计费",
        "lines": [{"description": "3月话单 通话费", "chargedFen": 5000}],
        "chargeCategory": "WRONG_TIME_BAND",
        "liability": "COMPANY_LIABLE",
    }

    refused = (await gql.data(QUICK, {"input": voice}, as_=handler))["quickRefund"]

    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "InputError",
        "QUICK_REFUND_NOT_ALLOWED",
        "chargeCategory",
    )
    assert refused["problems"] == [{"field": "chargeCategory", "code": "QUICK_REFUND_NOT_ALLOWED"}]
    assert "createRefund" in refused["message"]


async def test_r5_quick_refund_over_graphql_refunds_the_overcharge_by_the_rules(gql):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    info_fee = {
        "complaintId": str(complaint.id),
        "matter": "信息费",
        "lines": [{"description": "信息费", "chargedFen": 1500, "spCode": "901234"}],
        "chargeCategory": "INFORMATION_FEE_ERROR",
        "liability": "COMPANY_LIABLE",
        "shouldHaveChargedFen": 1000,
    }

    refund = (await gql.data(QUICK, {"input": info_fee}, as_=handler))["quickRefund"]["refund"]

    assert (refund["refundFen"], refund["multiple"], refund["flowClause"]) == (
        1000,
        "DOUBLE",
        "R-7(a)",
    )
