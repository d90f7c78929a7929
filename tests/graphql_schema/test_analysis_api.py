"""C-11 and A-3 over GraphQL: the month's analysis, the taxonomy, the rectification steps."""

from __future__ import annotations

from datetime import timedelta

from services import clock
from services.staff.models import Role
from tests import factories as f
from tests.services.analysis.world import resolve

ANALYSIS = """query($month: String!, $region: String, $department: ID) {
  monthlyAnalysis(month: $month, region: $region, department: $department) {
    month complaints complaintsLastMonth byCategory { key count lastMonth }
    topRootCauses { code name count } resolution { numerator denominator rate }
    onTime { kind onTime late } onTimeTotal { numerator denominator }
    refunds { requested paid paidFen refused cancelled }
    refundsByBand { band requested paid paidFen }
    departments { code complaints rootCausesFixed { numerator denominator } }
    rectifications { id status overdue }
  }
}"""


async def test_c11_monthly_analysis_over_graphql(gql):
    dept = await f.department("A", "营业一部")
    handler = await f.staff(Role.HANDLER, dept=dept)
    resolved = await f.complaint(handler)
    await resolve(handler, resolved)
    await f.complaint(handler, service_code="OTHER")
    refund = await f.executed_refund(handler, await f.refund(handler, resolved))

    data = await gql.data(ANALYSIS, {"month": "2026-03"}, as_=await f.staff(Role.TEAM_LEAD))

    a = data["monthlyAnalysis"]
    assert a["month"] == "2026-03" and a["complaints"] == 2
    assert a["byCategory"] == [{"key": "BILLING_ERROR", "count": 2, "lastMonth": 0}]
    assert a["topRootCauses"] == [
        {"code": "billing_system_error", "name": "计费系统差错", "count": 1}
    ]
    assert a["resolution"] == {"numerator": 1, "denominator": 2, "rate": 0.5}
    assert "REVISIT_OPENS" not in [k["kind"] for k in a["onTime"]]
    assert a["onTimeTotal"] == {"numerator": 2, "denominator": 2}  # acknowledge and plan met
    assert a["refunds"] == {
        "requested": 1,
        "paid": 1,
        "paidFen": refund.refund_fen,
        "refused": 0,
        "cancelled": 0,
    }
    assert a["refundsByBand"] == [
        {"band": refund.band, "requested": 1, "paid": 1, "paidFen": refund.refund_fen}
    ]
    assert a["departments"] == [
        {"code": "A", "complaints": 2, "rootCausesFixed": {"numerator": 0, "denominator": 1}}
    ]


async def test_c11_a_bad_month_or_a_handler_gets_a_typed_error(gql):
    lead = await f.staff(Role.TEAM_LEAD)

    bad = await gql.post(ANALYSIS, {"month": "2026-13"}, as_=lead)
    handler = await gql.post(ANALYSIS, {"month": "2026-03"}, as_=await f.staff(Role.HANDLER))
    unknown = await gql.post(ANALYSIS, {"month": "2026-03", "department": "999"}, as_=lead)

    assert len(bad["errors"]) == 1
    assert bad["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "month"}
    assert len(handler["errors"]) == 1
    assert handler["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert unknown["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "department"}


async def test_c11_root_causes_are_listed_and_only_admins_save_them(gql):
    save = """mutation { saveRootCause(code: "roaming_tariff", name: "漫游资费规则",
      group: PRODUCT_RULE) { __typename ... on Error { code } ... on RootCauseResult {
      rootCause { code group active } } } }"""

    refused = await gql.data(save, as_=await f.staff(Role.AUDITOR))
    saved = await gql.data(save, as_=await f.staff(Role.ADMIN))
    listed = await gql.data("{ rootCauses { code group } }", as_=await f.staff(Role.HANDLER))

    assert refused["saveRootCause"] == {
        "__typename": "PermissionDeniedError",
        "code": "PERMISSION_DENIED",
    }
    assert saved["saveRootCause"]["rootCause"] == {
        "code": "roaming_tariff",
        "group": "PRODUCT_RULE",
        "active": True,
    }
    assert {"code": "roaming_tariff", "group": "PRODUCT_RULE"} in listed["rootCauses"]
    assert len(listed["rootCauses"]) == 12  # the 11 shipped and the new one


async def test_a3_the_rectification_steps_over_graphql(gql):
    dept = await f.department("A")
    handler = await f.staff(Role.HANDLER, dept=dept)
    complaint = await f.complaint(handler)
    await resolve(handler, complaint, root_cause="process_gap")
    auditor = await f.staff(Role.AUDITOR)
    lead = await f.staff(Role.TEAM_LEAD, dept=dept)
    fields = (
        "__typename ... on Error { code message } "
        "... on RectificationResult { id status supervised }"
    )

    flagged = await gql.data(
        f'mutation($c: ID!) {{ flagProblem(complaintId: $c, reason: "流程缺陷反复出现") '
        f"{{ {fields} }} }}",
        {"c": str(complaint.id)},
        as_=auditor,
    )
    rid = flagged["flagProblem"]["id"]
    due = (clock.now() + timedelta(days=7)).date().isoformat()
    planned = await gql.data(
        f'mutation($id: ID!, $due: Date!) {{ planRectification(id: $id, plan: "优化受理流程", '
        f"dueOn: $due) {{ {fields} }} }}",
        {"id": rid, "due": due},
        as_=lead,
    )
    early = await gql.data(
        f"mutation($id: ID!) {{ closeRectification(id: $id) {{ {fields} }} }}",
        {"id": rid},
        as_=auditor,
    )
    checked = await gql.data(
        f'mutation($id: ID!) {{ checkRectification(id: $id, passed: true, result: "已验证") '
        f"{{ {fields} }} }}",
        {"id": rid},
        as_=auditor,
    )
    closed = await gql.data(
        f"mutation($id: ID!) {{ closeRectification(id: $id) {{ {fields} }} }}",
        {"id": rid},
        as_=auditor,
    )

    assert flagged["flagProblem"]["status"] == "OPEN" and flagged["flagProblem"]["supervised"]
    assert planned["planRectification"]["status"] == "PLANNED"
    assert early["closeRectification"]["__typename"] == "IllegalTransitionError"
    assert early["closeRectification"]["code"] == "ILLEGAL_TRANSITION"
    assert checked["checkRectification"]["status"] == "CHECKED"
    assert closed["closeRectification"]["status"] == "CLOSED"


RESOLVE = """mutation($id: ID!, $rc: String) { resolveComplaint(id: $id, cause: "计费系统重复出账",
  solution: "退还多扣费用", prevention: "修复出账程序", rootCause: $rc) {
  __typename ... on Error { code } ... on InputError { field }
  ... on NotFoundError { field } ... on ComplaintResult { complaint { status } } } }"""


async def test_c11_resolve_complaint_records_its_root_cause_or_refuses_the_whole_step(gql):
    from services.analysis.models import ComplaintRootCause
    from services.complaints import service

    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    for step in (service.acknowledge, service.start_investigation, service.start_resolution):
        if step is service.start_resolution:
            await service.propose_plan(actor=handler, complaint_id=complaint.id, plan="核查")
        await step(actor=handler, complaint_id=complaint.id)
    cid = str(complaint.id)

    bad = await gql.data(RESOLVE, {"id": cid, "rc": "Not A Code"}, as_=handler)
    unknown = await gql.data(RESOLVE, {"id": cid, "rc": "no_such_cause"}, as_=handler)
    done = await gql.data(RESOLVE, {"id": cid, "rc": "billing_system_error"}, as_=handler)

    assert bad["resolveComplaint"] == {
        "__typename": "InputError",
        "code": "INVALID_INPUT",
        "field": "rootCause",
    }
    assert unknown["resolveComplaint"] == {
        "__typename": "NotFoundError",
        "code": "NOT_FOUND",
        "field": "rootCause",
    }
    assert done["resolveComplaint"]["complaint"]["status"] == "RESOLVED"
    recorded = await ComplaintRootCause.get(complaint_id=complaint.id).prefetch_related("cause")
    assert recorded.cause.code == "billing_system_error"
