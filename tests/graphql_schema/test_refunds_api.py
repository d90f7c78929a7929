"""Refunds over GraphQL: each step, the approver's queue, risk profiles, errors included."""

from __future__ import annotations

import asyncio

from graphql_schema.ids import global_id, parse_id
from services.customers.models import CreditStanding
from services.notices.models import Notice
from services.refunds import clock
from services.refunds.models import LedgerEntry, Refund, RefundApproval, RefundEvent
from services.staff.models import Role, Track
from tests import factories as f

REFUND = """
  __typename
  ... on RefundResult { refund {
      id status band flow flowClause refundFen multiple approverTitle approverRole
      credit { kind amountFen }
      customer { msisdn riskProfile { special since triggeredBy reasons
        triggerFigures { monthCount monthSumFen } } }
  } }
  ... on Error { code message }
  ... on InputError { field problems { field code } }
  ... on IllegalTransitionError { currentStatus attempted }
"""
CREATE = f"""mutation($input: CreateRefundInput!, $key: String) {{
  createRefund(input: $input, idempotencyKey: $key) {{ {REFUND} }} }}"""
APPROVE = f"mutation($id: ID!) {{ approveRefund(id: $id) {{ {REFUND} }} }}"
REJECT = f"""mutation($id: ID!, $reason: String!) {{
  rejectRefund(id: $id, reason: $reason) {{ {REFUND} }} }}"""
CONFIRM = f'mutation($id: ID!) {{ confirmRefundAmount(id: $id, note: "电话确认") {{ {REFUND} }} }}'
EXECUTE = f"mutation($id: ID!) {{ executeRefund(id: $id) {{ {REFUND} }} }}"
PREVIEW = """query($input: RefundPolicyPreviewInput!) { refundPolicyPreview(input: $input) {
  __typename
  ... on RefundPolicyDecision { band refundFen multiple flow flowClause branchApprover
    serviceCentreApprover approverRole refundsDirectly goodwillAllowed reasons
    deadlines { what amount unit measuredFrom } facts { firstRefund special } }
  ... on Error { code message }
  ... on InputError { field }
} }"""


def refund_input(complaint_id: int, **overrides):
    values = {
        "complaintId": str(complaint_id),
        "liability": "COMPANY_LIABLE",
        "chargeCategory": "DUPLICATE_RECORD",
        "chargedFen": 3000,
        "shouldHaveChargedFen": 1234,
        "matter": "话费重复扣费",
    }
    values.update(overrides)
    return {"input": values}


async def test_r11_a_refund_goes_through_every_step_over_graphql(gql):
    handler, lead = await f.staff(Role.HANDLER), await f.approver(1)
    complaint = await f.complaint(handler, await f.customer(credit_standing="good"))

    created = (await gql.data(CREATE, refund_input(complaint.id), as_=handler))["createRefund"]
    rid = {"id": created["refund"]["id"]}
    approved = (await gql.data(APPROVE, rid, as_=lead))["approveRefund"]
    confirmed = (await gql.data(CONFIRM, rid, as_=handler))["confirmRefundAmount"]
    executed = (await gql.data(EXECUTE, rid, as_=handler))["executeRefund"]

    refund = created["refund"]
    assert (refund["status"], refund["band"], refund["refundFen"], refund["multiple"]) == (
        "AWAITING_APPROVAL",
        1,
        3532,
        "DOUBLE",
    )
    assert (refund["approverTitle"], refund["approverRole"]) == ("STORE_MANAGER", "TEAM_LEAD")
    assert approved["refund"]["status"] == "AWAITING_CONFIRMATION"
    assert confirmed["refund"]["status"] == "CONFIRMED"
    assert executed["refund"]["status"] == "EXECUTED"
    assert executed["refund"]["credit"] == {"kind": "ACCOUNT_CREDIT", "amountFen": 3532}
    assert await Notice.filter(key=f"refund:{parse_id(rid['id'])}:executed").count() == 1


async def test_r12_liable_200_00_and_200_01_yuan_previewed_on_both_tracks(gql):
    handler = await f.staff(Role.HANDLER)
    counts = (await Refund.all().count(), await RefundEvent.all().count())

    async def preview(fen: int, liability: str):
        data = await gql.data(
            PREVIEW,
            {
                "input": {
                    "liability": liability,
                    "chargeCategory": "SERVICE_UNUSABLE",
                    "businessType": "SELF_OPERATED",
                    "chargedFen": fen,
                    "shouldHaveChargedFen": 0,
                }
            },
            as_=handler,
        )
        return data["refundPolicyPreview"]

    at_200, at_200_01 = (
        await preview(20000, "COMPANY_LIABLE"),
        await preview(20001, "COMPANY_LIABLE"),
    )
    at_100, at_100_01 = await preview(10000, "NOT_LIABLE"), await preview(10001, "NOT_LIABLE")

    assert (at_200["band"], at_200["branchApprover"], at_200["serviceCentreApprover"]) == (
        1,
        "STORE_MANAGER",
        "WORK_ORDER_TEAM_LEAD_OR_SUPPORT_OFFICER",
    )
    assert (at_200_01["band"], at_200_01["branchApprover"], at_200_01["serviceCentreApprover"]) == (
        2,
        "COUNTY_SERVICE_SUPERVISOR",
        "COMPLAINT_SUPERVISOR",
    )
    assert (at_100["band"], at_100_01["band"]) == (1, 2)
    assert at_200["flow"] == "VERIFY_FIRST" and at_200["flowClause"] == "R-8"
    assert (await Refund.all().count(), await RefundEvent.all().count()) == counts


async def test_r13_preview_for_a_customer_by_number_writes_nothing(gql):
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(credit_standing=CreditStanding.GOOD)

    data = await gql.data(
        PREVIEW,
        {
            "input": {
                "msisdn": customer.msisdn,
                "liability": "NOT_LIABLE",
                "chargeCategory": "GOODWILL",
                "businessType": "SELF_OPERATED",
                "chargedFen": 2000,
                "shouldHaveChargedFen": 0,
                "causeUnknownOnSpot": True,
            }
        },
        as_=handler,
    )

    decision = data["refundPolicyPreview"]
    assert (decision["band"], decision["refundsDirectly"], decision["flowClause"]) == (
        0,
        True,
        "R-7(c)",
    )
    assert decision["facts"] == {"firstRefund": True, "special": False}
    assert decision["deadlines"] == [
        {
            "what": "execute the refund",
            "amount": 48,
            "unit": "HOURS",
            "measuredFrom": "AMOUNT_CONFIRMED",
        }
    ]
    assert await Refund.all().count() == 0


async def test_r6_refused_cash_is_an_input_error_naming_the_field(gql):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    data = await gql.data(
        CREATE,
        refund_input(complaint.id, method="CASH", cashExceptionReason="客户坚持"),
        as_=handler,
    )

    error = data["createRefund"]
    assert (error["__typename"], error["code"], error["field"]) == (
        "InputError",
        "INVALID_INPUT",
        "method",
    )
    assert len(error["problems"]) == 1
    assert await Refund.all().count() == 0


async def test_r12_approving_your_own_request_is_a_permission_error(gql):
    lead = await f.staff(Role.TEAM_LEAD)
    complaint = await f.complaint(lead)
    created = (await gql.data(CREATE, refund_input(complaint.id), as_=lead))["createRefund"]

    data = await gql.data(APPROVE, {"id": created["refund"]["id"]}, as_=lead)

    error = data["approveRefund"]
    assert (error["__typename"], error["code"]) == ("PermissionDeniedError", "PERMISSION_DENIED")
    assert await RefundApproval.all().count() == 0


async def test_r12_rejection_without_a_reason_is_an_input_error(gql):
    handler, lead = await f.staff(Role.HANDLER), await f.approver(1)
    refund = await f.refund(handler)

    data = await gql.data(REJECT, {"id": str(refund.id), "reason": " "}, as_=lead)
    rejected = await gql.data(REJECT, {"id": str(refund.id), "reason": "证据不足"}, as_=lead)

    error = data["rejectRefund"]
    assert (error["__typename"], error["code"], error["field"]) == (
        "InputError",
        "REQUIRED",
        "reason",
    )
    assert rejected["rejectRefund"]["refund"]["status"] == "REJECTED"


async def test_r11_executing_before_the_customer_confirms_is_an_illegal_transition(gql):
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler, request=f.goodwill_request(2000, cause_unknown_on_spot=True))

    data = await gql.data(EXECUTE, {"id": str(refund.id)}, as_=handler)

    error = data["executeRefund"]
    assert (error["__typename"], error["code"]) == ("IllegalTransitionError", "ILLEGAL_TRANSITION")
    assert (error["currentStatus"], error["attempted"]) == ("AWAITING_CONFIRMATION", "execute")
    assert await LedgerEntry.all().count() == 0


async def test_r12_twenty_concurrent_approvals_over_graphql_give_one_and_19_conflicts(gql):
    handler, lead = await f.staff(Role.HANDLER), await f.approver(1)
    refund = await f.refund(handler)

    results = await asyncio.gather(
        *(gql.data(APPROVE, {"id": str(refund.id)}, as_=lead) for _ in range(20))
    )

    kinds = [r["approveRefund"]["__typename"] for r in results]
    assert kinds.count("RefundResult") == 1
    assert kinds.count("ConflictError") == 19
    assert {r["approveRefund"].get("code") for r in results} == {None, "CONFLICT"}
    assert await RefundApproval.filter(refund_id=refund.id).count() == 1


async def test_idempotent_create_refund_over_graphql(gql):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    variables = {**refund_input(complaint.id), "key": "web-123"}

    first = (await gql.data(CREATE, variables, as_=handler))["createRefund"]
    again = (await gql.data(CREATE, variables, as_=handler))["createRefund"]
    other = {**refund_input(complaint.id, chargedFen=9999), "key": "web-123"}
    mismatch = (await gql.data(CREATE, other, as_=handler))["createRefund"]

    assert again["refund"]["id"] == first["refund"]["id"]
    assert (mismatch["__typename"], mismatch["code"], mismatch["field"]) == (
        "InputError",
        "IDEMPOTENCY_MISMATCH",
        "idempotencyKey",
    )
    assert await Refund.all().count() == 1


async def test_k3_the_executing_refund_already_sees_the_customer_special(gql):
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(credit_standing=CreditStanding.GOOD)
    for _ in range(2):
        await f.executed_refund(
            handler, await f.refund(handler, cust=customer, request=f.goodwill_request(500))
        )
    third = await f.refund(handler, cust=customer, request=f.goodwill_request(500))
    await gql.data(APPROVE, {"id": str(third.id)}, as_=await f.approver(1))
    await gql.data(CONFIRM, {"id": str(third.id)}, as_=handler)

    data = await gql.data(EXECUTE, {"id": str(third.id)}, as_=handler)

    profile = data["executeRefund"]["refund"]["customer"]["riskProfile"]
    assert profile["special"] is True
    assert profile["since"] == clock.local_date(clock.now()).isoformat()
    assert profile["triggeredBy"] == ["count_in_month"]
    assert profile["triggerFigures"] == {"monthCount": 3, "monthSumFen": 1500}


async def test_r12_an_approvers_queue_holds_only_what_they_may_approve(gql):
    handler = await f.staff(Role.HANDLER)
    centre_handler = await f.staff(Role.HANDLER, track=Track.SERVICE_CENTRE)
    supervisor = await f.approver(2)
    band1 = await f.refund(handler, request=f.liable_request(20000))
    band2 = await f.refund(handler, request=f.liable_request(20001))
    await f.refund(handler, request=f.liable_request(50001))  # band 3: above the supervisor
    await f.refund(centre_handler, request=f.liable_request(5000))  # the other track
    await f.refund(supervisor, request=f.liable_request(5000))  # their own request
    query = """{ refunds(filter: {awaitingMyApproval: true}) { totalCount
        edges { node { id band } } } }"""

    data = await gql.data(query, as_=supervisor)
    nobody = await gql.data(query, as_=handler)

    queue = data["refunds"]
    assert queue["totalCount"] == 2
    assert {e["node"]["id"] for e in queue["edges"]} == {
        global_id("Refund", band1.id),
        global_id("Refund", band2.id),
    }
    assert nobody["refunds"]["totalCount"] == 0


async def test_refunds_filter_by_status_band_track_customer_and_created_range(gql):
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    mine = await f.refund(handler, cust=customer, request=f.liable_request(5000))
    other = await f.refund(handler, request=f.liable_request(30000))

    async def ids(filter_: dict) -> set[int]:
        query = "query($f: RefundFilterInput) { refunds(filter: $f) { edges { node { id } } } }"
        data = await gql.data(query, {"f": filter_}, as_=handler)
        return {parse_id(e["node"]["id"]) for e in data["refunds"]["edges"]}

    assert await ids({"msisdn": customer.msisdn}) == {mine.id}
    assert await ids({"customerId": str(customer.id)}) == {mine.id}
    assert await ids({"band": [2]}) == {other.id}
    assert await ids({"status": ["AWAITING_APPROVAL"], "track": "BRANCH"}) == {mine.id, other.id}
    assert await ids({"status": ["EXECUTED"]}) == set()
    assert await ids({"createdFrom": "2999-01-01T00:00:00Z"}) == set()


async def test_c12_refund_customer_number_is_masked_unless_you_handle_the_complaint(gql):
    handler = await f.staff(Role.HANDLER, dept=await f.department())
    lead = await f.staff(Role.TEAM_LEAD, dept=await f.department())  # another department
    refund = await f.refund(handler)
    customer = await refund.customer
    query = f'{{ refund(id: "{refund.id}") {{ phoneVisible customer {{ msisdn }} }} }}'

    own = (await gql.data(query, as_=handler))["refund"]
    other = (await gql.data(query, as_=lead))["refund"]

    assert (own["phoneVisible"], own["customer"]["msisdn"]) == (True, customer.msisdn)
    assert other["phoneVisible"] is False and "****" in other["customer"]["msisdn"]


async def test_r10_a_gift_over_the_allowance_is_an_input_error(gql):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    mutation = """mutation($input: RecordCompensationInput!) { recordCompensation(input: $input) {
      __typename ... on CompensationResult { compensation { kind valueFen } }
      ... on Error { code } ... on InputError { field } } }"""

    def gift(fen: int):
        return {
            "input": {
                "complaintId": str(complaint.id),
                "kind": "GIFT",
                "valueFen": fen,
                "description": "上门礼品",
                "giftGround": "VISIT",
                "visitedOn": "2026-03-09",
            }
        }

    ok = (await gql.data(mutation, gift(10000), as_=handler))["recordCompensation"]
    over = (await gql.data(mutation, gift(10001), as_=handler))["recordCompensation"]
    listed = await gql.data(
        f'{{ compensations(complaintId: "{complaint.id}") {{ kind valueFen }} }}', as_=handler
    )

    assert ok["compensation"] == {"kind": "GIFT", "valueFen": 10000}
    assert (over["__typename"], over["code"], over["field"]) == (
        "InputError",
        "INVALID_INPUT",
        "valueFen",
    )
    assert listed["compensations"] == [{"kind": "GIFT", "valueFen": 10000}]


async def test_refund_mutations_need_a_login_and_a_real_id(gql):
    handler = await f.staff(Role.HANDLER)

    anonymous = await gql.post(APPROVE, {"id": "1"})
    missing = await gql.data(APPROVE, {"id": "abc"}, as_=handler)

    assert anonymous["data"]["approveRefund"]["__typename"] == "AuthenticationError"
    assert (missing["approveRefund"]["__typename"], missing["approveRefund"]["code"]) == (
        "NotFoundError",
        "NOT_FOUND",
    )


async def test_a_page_of_refunds_with_nested_fields_costs_constant_queries(gql, count_queries):
    handler = await f.staff(Role.HANDLER)
    query = """{ refunds(first: 50) { totalCount edges { node {
        id phoneVisible customer { msisdn riskProfile { special } } requestedBy { username }
        approvals { decision } history { action actor { username } } lines { chargedFen }
        credit { amountFen } complaint { id } } } } }"""

    async def cost(n: int) -> int:
        while await Refund.all().count() < n:
            await f.refund(handler, request=f.liable_request(5000))
        count_queries.queries.clear()
        await gql.data(query, as_=handler)
        return len(count_queries.queries)

    small, large = await cost(3), await cost(30)

    assert small == large
    assert large <= 16, count_queries.queries
