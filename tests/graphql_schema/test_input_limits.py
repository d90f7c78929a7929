"""Every input has a limit (issue 11): the 20 inputs that answered `Unexpected error.` (U1-U20
in the repro notes) now answer a typed error naming the field, and write nothing."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError

from graphql_schema import validation as checks
from graphql_schema.app import create_app
from graphql_schema.partners import app as partner_api
from graphql_schema.partners.schema import schema as partner_schema
from graphql_schema.schema import schema as staff_schema
from services import validation
from services.complaints.models import Complaint, ComplaintEvent, ComplaintTask
from services.partners import disputes, keys
from services.partners.models import PartnerDispute, WebhookEndpoint
from services.refunds.models import Refund
from services.staff.models import Role
from services.staff.service import issue_token
from tests import factories as f
from tests.graphql_schema.test_partner_api import REGISTER, SUBMIT, dispute_input

ERROR = """__typename ... on Error { code message }
  ... on InputError { field problems { field code } }"""
CREATE = f"mutation($in: CreateComplaintInput!) {{ createComplaint(input: $in) {{ {ERROR} }} }}"
LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on Error { code } } }"""
COMPLAINTS = """query($f: ComplaintFilterInput, $after: String, $order: ComplaintOrder!) {
  complaints(filter: $f, first: 5, after: $after, orderBy: $order) { totalCount } }"""
REFUNDS = "query($band: [Int!]) { refunds(filter: {band: $band}, first: 5) { totalCount } }"
MATTER_KEY = f"""mutation($id: ID!, $key: String!) {{
  correctMatterKey(id: $id, matterKey: $key, reason: "同一事项") {{ {ERROR} }} }}"""
TASK = f"""mutation($id: ID!, $title: String!, $owner: ID!) {{
  addComplaintTask(id: $id, kind: REPAIR, title: $title, ownerId: $owner,
                   dueAt: "2026-03-20T10:00:00+08:00") {{ {ERROR} }} }}"""
REFUND = f"mutation($in: CreateRefundInput!) {{ createRefund(input: $in) {{ {ERROR} }} }}"
PLAN = f"mutation($id: ID!, $plan: String!) {{ proposePlan(id: $id, plan: $plan) {{ {ERROR} }} }}"
DISPUTES = "query($after: String) { disputes(first: 5, after: $after) { edges { cursor } } }"
LONE_SURROGATE = "\ud800"


class Api:
    """Posts bodies as JSON text with \\u escapes, so a lone surrogate can travel (httpx's
    `json=` would refuse to encode one)."""

    def __init__(self, http: httpx.AsyncClient):
        self.http = http

    async def post(self, path: str, query: str, variables: dict[str, Any], auth: str) -> Any:
        response = await self.http.post(
            path,
            content=json.dumps({"query": query, "variables": variables}),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {auth}"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "Unexpected error." not in response.text, body
        return body


@pytest.fixture
async def api(redis: Any) -> AsyncIterator[Api]:
    keys.reset()
    app = create_app(with_lifespan=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield Api(http)
    await partner_api.shutdown()
    keys.reset()


def intake(msisdn: str, **overrides: Any) -> dict[str, Any]:
    values = {
        "msisdn": msisdn,
        "contactName": "张先生",
        "channel": "HOTLINE",
        "category": "BILLING_ERROR",
        "summary": "本月话费多扣 30 元",
        "customerRequest": "退还多扣费用",
    }
    return {"in": values | overrides}


def refused(payload: dict[str, Any], field: str) -> None:
    """The InputError member, INVALID_INPUT, naming `field` and only it."""
    assert payload["__typename"] == "InputError", payload
    assert (payload["code"], payload["field"]) == ("INVALID_INPUT", field)
    assert payload["problems"] == [{"field": field, "code": "INVALID_INPUT"}]


def refused_query(body: dict[str, Any], field: str) -> None:
    """One top-level error whose extensions carry INVALID_INPUT and the field; no data."""
    assert body["data"] is None
    assert len(body["errors"]) == 1, body["errors"]
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": field}


async def handler_token() -> str:
    return issue_token(await f.staff(Role.HANDLER))


@pytest.mark.parametrize(
    ("case", "field", "value"),
    [
        ("U1", "contactName", "张" * 101),
        ("U2", "contactPhone", "1" * 21),
        ("U3", "location", "x" * 201),
        ("U4", "serviceCode", "S" * 65),
        ("U5", "province", "广" * 33),
        ("U6", "summary", "话费\x00多扣"),
        ("U7", "summary", f"话费{LONE_SURROGATE}多扣"),
    ],
)
async def test_u1_to_u7_bad_intake_strings_are_input_errors_and_nothing_is_written(
    api, case, field, value
):
    token, customer = await handler_token(), await f.customer()

    body = await api.post("/graphql", CREATE, intake(customer.msisdn, **{field: value}), token)

    refused(body["data"]["createComplaint"], field)
    assert await Complaint.all().count() == 0


async def test_strings_at_their_limits_are_taken_as_before(api):
    token, customer = await handler_token(), await f.customer()
    at_limit = {
        "contactName": "张" * 100,
        "contactPhone": "1" * 20,
        "location": "x" * 200,
        "serviceCode": "S" * 64,
        "province": "广" * 32,
        "summary": "多" * validation.TEXT,
    }

    body = await api.post("/graphql", CREATE, intake(customer.msisdn, **at_limit), token)

    assert body["data"]["createComplaint"]["__typename"] == "ComplaintResult"
    stored = await Complaint.get()
    assert (len(stored.contact_name), len(stored.summary)) == (100, validation.TEXT)


async def test_u8_an_overlong_login_username_is_a_typed_error(api):
    body = await api.post("/graphql", LOGIN, {"u": "u" * 65, "p": "whatever"}, "none")

    refused_query(body, "username")


async def test_u9_due_within_hours_beyond_a_year_is_a_typed_error(api):
    token = await handler_token()
    variables = {"f": {"dueWithinHours": 2_000_000_000}, "order": "DUE_SOONEST"}

    body = await api.post("/graphql", COMPLAINTS, variables, token)

    refused_query(body, "dueWithinHours")


@pytest.mark.parametrize(
    ("order", "cursor"),
    [
        ("NEWEST", "complaint:99999999999"),
        ("NEWEST", "complaint:-1"),
        ("DUE_SOONEST", "due:2026-03-10T10:00:00+08:00|99999999999"),
        ("DUE_SOONEST", "due:2026-03-10T10:00:00|5"),  # no UTC offset
        ("DUE_SOONEST", "due:0001-01-01T00:00:00+00:00|5"),
    ],
)
async def test_u10_complaint_cursors_beyond_our_ids_are_typed_errors(api, order, cursor):
    token = await handler_token()
    after = base64.urlsafe_b64encode(cursor.encode()).decode()

    body = await api.post("/graphql", COMPLAINTS, {"after": after, "order": order}, token)

    refused_query(body, "after")


async def test_u10_a_refund_cursor_beyond_int32_is_a_typed_error(api):
    token = await handler_token()
    after = base64.urlsafe_b64encode(b"refund:4294967296").decode()
    query = "query($after: String) { refunds(first: 5, after: $after) { totalCount } }"

    body = await api.post("/graphql", query, {"after": after}, token)

    refused_query(body, "after")


@pytest.mark.parametrize(
    "query",
    [
        "query($f: RefundFilterInput) { refunds(first: 5, filter: $f) { totalCount } }",
        "query($f: ComplaintFilterInput) { complaints(first: 5, filter: $f) { totalCount } }",
    ],
)
async def test_an_instant_without_a_time_zone_is_a_typed_error_not_a_crash(api, query):
    """Found by the fuzz test: a naive createdFrom reached the database and failed there."""
    body = await api.post(
        "/graphql", query, {"f": {"createdFrom": "2000-01-01T00:00:00"}}, await handler_token()
    )

    refused_query(body, "createdFrom")


async def test_u11_a_refund_band_beyond_the_highest_is_a_typed_error(api):
    body = await api.post("/graphql", REFUNDS, {"band": [1, 40000]}, await handler_token())

    refused_query(body, "band[1]")


@pytest.mark.parametrize(("case", "key"), [("U12", "宽带\x00断网"), ("U13", "k" * 201)])
async def test_u12_u13_a_bad_matter_key_is_refused_and_the_key_kept(api, case, key):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    body = await api.post(
        "/graphql", MATTER_KEY, {"id": str(complaint.id), "key": key}, issue_token(handler)
    )

    refused(body["data"]["correctMatterKey"], "matterKey")
    assert (await Complaint.get(id=complaint.id)).matter_key == complaint.matter_key
    assert await ComplaintEvent.filter(action="correct_matter_key").count() == 0


async def test_u14_an_overlong_task_title_is_refused_and_no_task_made(api):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    variables = {"id": str(complaint.id), "title": "修" * 201, "owner": str(handler.id)}

    body = await api.post("/graphql", TASK, variables, issue_token(handler))

    refused(body["data"]["addComplaintTask"], "title")
    assert await ComplaintTask.all().count() == 0


async def test_u15_an_overlong_refund_matter_is_refused_and_no_refund_made(api):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    refund = {
        "complaintId": str(complaint.id),
        "liability": "COMPANY_LIABLE",
        "chargeCategory": "DUPLICATE_RECORD",
        "chargedFen": 3000,
        "shouldHaveChargedFen": 1234,
        "matter": "扣" * 201,
    }

    body = await api.post("/graphql", REFUND, {"in": refund}, issue_token(handler))

    refused(body["data"]["createRefund"], "matter")
    assert await Refund.all().count() == 0


async def test_u16_a_plan_with_nul_is_refused_and_the_complaint_unchanged(api):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    events = await ComplaintEvent.filter(complaint_id=complaint.id).count()

    body = await api.post(
        "/graphql", PLAN, {"id": str(complaint.id), "plan": "退费\x00"}, issue_token(handler)
    )

    refused(body["data"]["proposePlan"], "plan")
    after = await Complaint.get(id=complaint.id)
    assert (after.status, after.plan) == (complaint.status, "")
    assert await ComplaintEvent.filter(complaint_id=complaint.id).count() == events


async def test_u17_an_overlong_partner_cursor_is_a_typed_error(api):
    key = await f.partner_key(await f.partner())

    body = await api.post("/partner/graphql", DISPUTES, {"after": "d" * 33}, key)

    refused_query(body, "after")


async def test_u18_nul_in_a_webhook_idempotency_key_is_refused_and_nothing_registered(api):
    key = await f.partner_key(await f.partner())
    variables = {"url": "https://hooks.example.com/tousu", "key": "k\x00"}

    body = await api.post("/partner/graphql", REGISTER, variables, key)

    assert body["data"]["registerWebhook"]["__typename"] == "InputError"
    assert body["data"]["registerWebhook"]["code"] == "INVALID_INPUT"
    assert await WebhookEndpoint.all().count() == 0


@pytest.mark.parametrize(
    ("case", "field", "description", "idempotency_key"),
    [
        ("U19", "description", "从未定制\x00", "k-1"),
        ("U20", "idempotencyKey", "从未定制", "k\x00"),
        ("U20", "idempotencyKey", "从未定制", f"k{LONE_SURROGATE}"),
    ],
)
async def test_u19_u20_nul_in_a_dispute_is_refused_and_no_dispute_made(
    api, case, field, description, idempotency_key
):
    key = await f.partner_key(await f.partner())
    customer = await f.customer()
    variables = {
        "input": dispute_input(customer.msisdn, description=description),
        "key": idempotency_key,
    }

    body = await api.post("/partner/graphql", SUBMIT, variables, key)

    refused(body["data"]["submitRefundDispute"], field)
    assert await PartnerDispute.all().count() == 0
    assert await Complaint.all().count() == 0


async def test_a_partner_dispute_at_every_limit_is_taken_whole(api):
    """The complaint's details hold the whole submission: they fit their column's limit."""
    key = await f.partner_key(await f.partner())
    customer = await f.customer()
    lines = [{"period": f"{2024 + i // 12}-{i % 12 + 1:02d}", "amountFen": 100} for i in range(24)]
    variables = {
        "input": dispute_input(
            customer.msisdn,
            chargeLines=lines,
            description="说" * disputes.MAX_DESCRIPTION,
            evidence=[f"{i}" * disputes.MAX_EVIDENCE_LENGTH for i in range(disputes.MAX_EVIDENCE)],
        ),
        "key": "k" * validation.LENGTHS["idempotencyKey"],
    }

    body = await api.post("/partner/graphql", SUBMIT, variables, key)

    assert body["data"]["submitRefundDispute"]["__typename"] == "DisputeResult"
    await disputes.open_dispute((await PartnerDispute.get()).id)  # the worker, after the commit
    complaint = await Complaint.get()
    assert disputes.MAX_DESCRIPTION + 5000 < len(complaint.details) <= validation.DETAILS


async def test_every_problem_of_one_input_is_named(api):
    token, customer = await handler_token(), await f.customer()
    bad = {"contactName": "张" * 101, "details": "\x00", "city": "c" * 33}

    body = await api.post("/graphql", CREATE, intake(customer.msisdn, **bad), token)

    payload = body["data"]["createComplaint"]
    assert payload["__typename"] == "InputError"
    assert sorted(p["field"] for p in payload["problems"]) == ["city", "contactName", "details"]


async def test_amounts_beyond_any_charge_are_refused_before_the_rules(api):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    refund = {
        "complaintId": str(complaint.id),
        "liability": "COMPANY_LIABLE",
        "chargeCategory": "DUPLICATE_RECORD",
        "chargedFen": 2_000_000_000,  # doubled, it would not fit the column
        "shouldHaveChargedFen": 0,
        "matter": "重复扣费",
    }

    body = await api.post("/graphql", REFUND, {"in": refund}, issue_token(handler))

    refused(body["data"]["createRefund"], "chargedFen")
    assert await Refund.all().count() == 0


async def test_an_anonymous_query_hears_unauthenticated_not_what_is_wrong(api):
    body = await api.post(
        "/graphql", COMPLAINTS, {"f": {"city": "\x00"}, "order": "NEWEST"}, "garbage"
    )

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_every_string_and_number_input_of_both_schemas_has_a_listed_limit():
    assert staff_schema is not None and partner_schema is not None  # both built
    assert not checks.UNLISTED, checks.UNLISTED


async def test_text_columns_carry_the_same_limit_as_a_check_constraint():
    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict(
        "SELECT conrelid::regclass::text AS tab, pg_get_constraintdef(oid) AS def "
        "FROM pg_constraint WHERE contype = 'c' AND conname LIKE '%_length'"
    )
    found = {(r["tab"], r["def"].removesuffix(" NOT VALID")) for r in rows}
    wanted = {
        (table, f"CHECK ((char_length({column}) <= {limit}))")
        for (table, column), limit in validation.TEXT_COLUMNS.items()
    }

    assert wanted <= found, wanted - found


async def test_the_database_refuses_text_past_its_limit_whatever_the_caller():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    with pytest.raises(IntegrityError):
        await Complaint.filter(id=complaint.id).update(plan="x" * (validation.TEXT + 1))
