"""The partner API at /partner/graphql: API keys, disputes, isolation, idempotency, limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from graphql import GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from graphql_schema.app import create_app
from graphql_schema.partners import app as partner_api
from graphql_schema.partners.export import SDL_PATH, sdl
from graphql_schema.partners.schema import schema as partner_schema
from services.partners import disputes, keys, limits, webhooks
from services.partners.models import PartnerDispute, WebhookEvent
from services.refunds import clock
from services.thresholds import service as thresholds
from tests import factories as f

DISPUTE = """id status msisdn serviceCode reason description evidence claimedFen refundFen
  chargeLines { period amountFen } decision { flow reason } createdAt refundedAt"""
SUBMIT = f"""mutation($input: SubmitRefundDisputeInput!, $key: String!) {{
  submitRefundDispute(input: $input, idempotencyKey: $key) {{
    __typename
    ... on DisputeResult {{ dispute {{ {DISPUTE} }} }}
    ... on Error {{ code message }}
    ... on InputError {{ field problems {{ field code }} }}
    ... on NotFoundError {{ field }}
    ... on RateLimitedError {{ retryAfterSeconds }}
    ... on LimitExceededError {{ limit resetsAt }}
}} }}"""
GET = f"query($id: ID!) {{ dispute(id: $id) {{ {DISPUTE} }} }}"
LIST = f"""query($first: Int!, $after: String, $filter: DisputeFilterInput) {{
  disputes(first: $first, after: $after, filter: $filter) {{
    edges {{ cursor node {{ {DISPUTE} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
EVENTS = """query($dispute: ID) { webhookEvents(disputeId: $dispute) {
  id type disputeId status previousStatus state attempts deliveries { attempt httpStatus error }
} }"""
REGISTER = """mutation($url: String!, $key: String!) {
  registerWebhook(url: $url, idempotencyKey: $key) {
  __typename
  ... on WebhookRegistered { signingSecret endpoint { url } }
  ... on Error { code message }
} }"""
ME = "{ me { spCode name apiKeyPrefix services { serviceCode monternet } webhook { url } } }"


class PartnerClient:
    def __init__(self, http: httpx.AsyncClient):
        self.http = http

    async def call(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if key is not None:
            sent["Authorization"] = f"Bearer {key}"
        return await self.http.post(
            "/partner/graphql", json={"query": query, "variables": variables or {}}, headers=sent
        )

    async def post(self, query: str, variables: dict[str, Any] | None = None, *, key: str) -> Any:
        response = await self.call(query, variables, key=key)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None, *, key: str) -> Any:
        body = await self.post(query, variables, key=key)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
async def api(redis: Any) -> AsyncIterator[PartnerClient]:
    keys.reset()
    app = create_app(with_lifespan=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield PartnerClient(http)
    await partner_api.shutdown()
    keys.reset()


def dispute_input(msisdn: str, service: str = "MUSIC-VIP", **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "msisdn": msisdn,
        "serviceCode": service,
        "chargeLines": [
            {"period": "2026-01", "amountFen": 1000},
            {"period": "2026-02", "amountFen": 1000},
        ],
        "reason": "UNKNOWING_SUBSCRIPTION",
        "description": "客户称从未定制",
        "evidence": ["ticket:A-1"],
    }
    values.update(overrides)
    return values


async def submit(api: PartnerClient, key: str, msisdn: str, idem: str = "k-1", **kw: Any) -> Any:
    body = await api.post(SUBMIT, {"input": dispute_input(msisdn, **kw), "key": idem}, key=key)
    made = body["data"]["submitRefundDispute"]
    if made.get("dispute"):  # the worker, right after the commit: its complaint and refund
        row = await PartnerDispute.get(public_id=made["dispute"]["id"])
        await disputes.open_dispute(row.id)
    return made


async def test_r2_a_partner_submits_a_dispute_and_follows_it(api):
    partner = await f.partner()
    key = await f.partner_key(partner)
    customer = await f.customer()

    made = await submit(api, key, customer.msisdn)
    read = (await api.data(GET, {"id": made["dispute"]["id"]}, key=key))["dispute"]

    assert made["__typename"] == "DisputeResult"
    assert read == made["dispute"]
    assert (read["status"], read["claimedFen"], read["refundFen"]) == ("OPEN", 2000, 2000)
    assert read["chargeLines"] == [
        {"period": "2026-01", "amountFen": 1000},
        {"period": "2026-02", "amountFen": 1000},
    ]


async def test_r7a_monternet_dispute_is_refund_first_and_says_why(api):
    partner = await f.partner(monternet=True)
    key = await f.partner_key(partner)
    customer = await f.customer()

    made = await submit(api, key, customer.msisdn)

    assert made["dispute"]["decision"]["flow"] == "REFUND_FIRST"
    assert "R-7(a)" in made["dispute"]["decision"]["reason"]


async def test_c12_partner_never_sees_the_number(api):
    partner = await f.partner()
    key = await f.partner_key(partner)
    customer = await f.customer(msisdn="13812345678")

    made = await api.call(SUBMIT, {"input": dispute_input(customer.msisdn), "key": "1"}, key=key)
    dispute_id = made.json()["data"]["submitRefundDispute"]["dispute"]["id"]
    one = await api.call(GET, {"id": dispute_id}, key=key)
    page = await api.call(LIST, {"first": 5, "filter": {"msisdn": customer.msisdn}}, key=key)

    for response in (made, one, page):
        assert "13812345678" not in response.text and "138****5678" in response.text


async def test_partner_a_using_b_ids_gets_the_same_answer_as_for_ids_that_do_not_exist(api):
    a, b = await f.partner(services=("A-SVC",)), await f.partner(services=("B-SVC",))
    key_a, key_b = await f.partner_key(a), await f.partner_key(b)
    customer = await f.customer()
    theirs = (await submit(api, key_b, customer.msisdn, service="B-SVC"))["dispute"]
    await submit(api, key_a, customer.msisdn, idem="mine", service="A-SVC")
    other = await f.customer()
    await submit(api, key_b, other.msisdn, idem="b-2", service="B-SVC")
    missing = "dsp_doesnotexist000000"

    async def same(query: str, with_theirs: dict[str, Any], with_missing: dict[str, Any]) -> None:
        given = await api.call(query, with_theirs, key=key_a)
        absent = await api.call(query, with_missing, key=key_a)
        assert (given.status_code, given.json()) == (absent.status_code, absent.json())

    await same(GET, {"id": theirs["id"]}, {"id": missing})
    await same(LIST, {"first": 5, "after": theirs["id"]}, {"first": 5, "after": missing})
    await same(
        LIST,
        {"first": 5, "filter": {"serviceCode": "B-SVC"}},
        {"first": 5, "filter": {"serviceCode": "NO-SVC"}},
    )
    await same(
        LIST,
        {"first": 5, "filter": {"msisdn": other.msisdn}},
        {"first": 5, "filter": {"msisdn": "13999999999"}},
    )
    await same(EVENTS, {"dispute": theirs["id"]}, {"dispute": missing})
    await same(
        SUBMIT,
        {"input": dispute_input(customer.msisdn, service="B-SVC"), "key": "x-1"},
        {"input": dispute_input(customer.msisdn, service="NO-SVC"), "key": "x-2"},
    )
    assert await PartnerDispute.filter(partner_id=a.id).count() == 1


async def test_every_refusal_is_a_typed_member_with_its_code(api):
    partner = await f.partner()
    key = await f.partner_key(partner)
    customer = await f.customer()

    bad = await submit(api, key, "12345", idem="1", chargeLines=[])
    not_mine = await submit(api, key, customer.msisdn, idem="3", service="NOT-MINE")

    assert (bad["__typename"], bad["code"]) == ("InputError", "INVALID_MSISDN")
    assert [p["field"] for p in bad["problems"]] == ["msisdn", "chargeLines"]
    assert (not_mine["__typename"], not_mine["code"], not_mine["field"]) == (
        "NotFoundError",
        "NOT_FOUND",
        "serviceCode",
    )


async def test_without_a_valid_key_the_api_answers_401_and_runs_nothing(api):
    partner = await f.partner()
    key = await f.partner_key(partner)

    none = await api.call(ME)
    wrong = await api.call(ME, key=key[:-1] + ("a" if key[-1] != "a" else "b"))
    staff_token = await api.call(ME, headers={"Authorization": "Bearer not-a-partner-key"})
    by_header = await api.call(ME, headers={"X-Api-Key": key})

    for refused in (none, wrong, staff_token):
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert refused.headers["www-authenticate"].startswith("Bearer")
    assert by_header.json()["data"]["me"]["spCode"] == partner.sp_code


async def test_key_rotation_and_revocation(api):
    partner = await f.partner()
    old, new = await f.partner_key(partner, "old"), await f.partner_key(partner, "new")

    both = [(await api.data(ME, key=k))["me"]["apiKeyPrefix"] for k in (old, new)]
    await keys.revoke(prefix=both[0])
    after_old = await api.call(ME, key=old)
    after_new = await api.data(ME, key=new)

    assert both == [keys.split(old)[0], keys.split(new)[0]]  # type: ignore[index]
    assert after_old.status_code == 401
    assert after_new["me"]["spCode"] == partner.sp_code


async def test_idempotent_retry_answers_with_the_first_dispute_and_another_input_is_refused(api):
    partner = await f.partner()
    key = await f.partner_key(partner)
    customer = await f.customer()

    first = await submit(api, key, customer.msisdn, idem="order-1")
    again = await submit(api, key, customer.msisdn, idem="order-1")
    changed = await submit(api, key, customer.msisdn, idem="order-1", description="改了")

    assert again == first
    assert (changed["__typename"], changed["code"], changed["field"]) == (
        "InputError",
        "IDEMPOTENCY_MISMATCH",
        "idempotencyKey",
    )
    assert await PartnerDispute.all().count() == 1


async def test_idempotent_twenty_concurrent_duplicate_requests_make_one_dispute(api):
    partner = await f.partner()
    key = await f.partner_key(partner)
    customer = await f.customer()

    answers = await asyncio.gather(
        *(submit(api, key, customer.msisdn, idem="burst") for _ in range(20))
    )

    assert {a["__typename"] for a in answers} == {"DisputeResult"}
    assert len({a["dispute"]["id"] for a in answers}) == 1
    assert await PartnerDispute.all().count() == 1


async def test_rate_limit_per_key_is_a_typed_error_with_a_retry_hint(api):
    await thresholds.change(
        key=limits.RATE_LIMIT,
        value={"per_second": 1, "burst": 2},
        reason="测试",
        changed_by_id=None,
    )
    partner = await f.partner()
    key, other_key = await f.partner_key(partner), await f.partner_key(partner)
    customer = await f.customer()

    await api.data(ME, key=key)
    await api.data(ME, key=key)
    limited = await api.call(SUBMIT, {"input": dispute_input(customer.msisdn), "key": "1"}, key=key)
    query = await api.call(ME, key=key)
    other = await api.call(ME, key=other_key)

    member = limited.json()["data"]["submitRefundDispute"]
    assert (member["__typename"], member["code"]) == ("RateLimitedError", "RATE_LIMITED")
    assert member["retryAfterSeconds"] >= 1 and int(limited.headers["retry-after"]) >= 1
    errors = query.json()["errors"]
    assert len(errors) == 1 and errors[0]["extensions"]["code"] == "RATE_LIMITED"
    assert other.json()["data"]["me"]["spCode"] == partner.sp_code  # per key
    assert await PartnerDispute.all().count() == 0


async def test_rate_limit_counts_mutations_so_fifteen_aliased_disputes_are_fifteen(api):
    await thresholds.change(
        key=limits.RATE_LIMIT,
        value={"per_second": 1, "burst": 5},
        reason="测试",
        changed_by_id=None,
    )
    key = await f.partner_key(await f.partner())
    customer = await f.customer()
    fields = "\n".join(
        f"""d{i}: submitRefundDispute(input: $input, idempotencyKey: "alias-{i}") {{
          __typename ... on Error {{ code message }} }}"""
        for i in range(15)
    )
    query = f"mutation($input: SubmitRefundDisputeInput!) {{ {fields} }}"

    response = await api.call(query, {"input": dispute_input(customer.msisdn)}, key=key)

    answers = [response.json()["data"][f"d{i}"]["__typename"] for i in range(15)]
    taken = answers.count("DisputeResult")
    assert 5 <= taken <= 6, answers  # the burst, and at most one token refilled meanwhile
    assert answers.count("RateLimitedError") == 15 - taken
    assert answers[:5] == ["DisputeResult"] * 5
    assert int(response.headers["retry-after"]) >= 1
    assert await PartnerDispute.all().count() == taken


async def test_rate_limit_a_query_request_takes_one_token_however_many_fields_it_reads(api):
    await thresholds.change(
        key=limits.RATE_LIMIT,
        value={"per_second": 1, "burst": 2},
        reason="测试",
        changed_by_id=None,
    )
    key = await f.partner_key(await f.partner())
    many = "{ a: me { spCode } b: me { spCode } c: disputes(first: 1) { edges { cursor } } }"

    first = await api.call(many, key=key)
    second = await api.call(many, key=key)
    third = await api.call(many, key=key)

    assert "errors" not in first.json() and "errors" not in second.json()
    assert {e["extensions"]["code"] for e in third.json()["errors"]} == {"RATE_LIMITED"}


async def test_daily_cap_is_a_typed_error(api):
    await thresholds.change(
        key=limits.DAILY_DISPUTE_CAP, value=1, reason="试点", changed_by_id=None
    )
    partner = await f.partner()
    key = await f.partner_key(partner)
    customer = await f.customer()
    await submit(api, key, customer.msisdn, idem="1")

    capped = await submit(api, key, customer.msisdn, idem="2", description="第二单")

    assert (capped["__typename"], capped["code"], capped["limit"]) == (
        "LimitExceededError",
        "LIMIT_EXCEEDED",
        1,
    )


async def test_register_webhook_returns_the_secret_once_and_refuses_plain_http(api):
    partner = await f.partner()
    key = await f.partner_key(partner)

    done = await api.data(REGISTER, {"url": "https://sp.example.com/hooks", "key": "w1"}, key=key)
    retried = await api.data(
        REGISTER, {"url": "https://sp.example.com/hooks", "key": "w1"}, key=key
    )
    plain = await api.data(REGISTER, {"url": "http://sp.example.com/hooks", "key": "w2"}, key=key)
    private = await api.data(REGISTER, {"url": "https://10.0.0.8/hooks", "key": "w3"}, key=key)
    me = await api.data(ME, key=key)

    registered = done["registerWebhook"]
    assert registered["signingSecret"].startswith("whsec_")
    assert retried == done
    assert plain["registerWebhook"]["code"] == private["registerWebhook"]["code"] == "INVALID_INPUT"
    assert me["me"]["webhook"] == {"url": "https://sp.example.com/hooks"}


async def test_the_delivery_log_lists_the_partners_events(api):
    partner = await f.partner()
    key = await f.partner_key(partner)
    customer = await f.customer()
    made = await submit(api, key, customer.msisdn)

    events = (await api.data(EVENTS, {"dispute": made["dispute"]["id"]}, key=key))["webhookEvents"]

    assert [(e["type"], e["status"], e["state"], e["deliveries"]) for e in events] == [
        ("dispute.created", "OPEN", "PENDING", [])
    ]
    assert events[0]["id"].startswith("evt_")


async def test_the_partner_schema_has_only_partner_types_and_no_introspection_outside_dev(api):
    partner = await f.partner()
    key = await f.partner_key(partner)

    names = set(partner_schema._schema.type_map)
    introspection = await api.post("{ __schema { types { name } } }", key=key)

    assert not names & {"Complaint", "Refund", "StaffMember", "Customer", "LoginPayload"}
    assert "errors" in introspection


def test_committed_partner_schema_matches_the_code():
    assert SDL_PATH.read_text(encoding="utf-8") == sdl(), (
        "graphql_schema/partners/schema.graphql is stale: "
        "run `python -m graphql_schema.partners.export` and commit it"
    )


def test_every_partner_type_and_field_has_a_description():
    missing = []
    for name, gtype in partner_schema._schema.type_map.items():
        if name.startswith("__") or name in {"String", "Boolean", "Int", "Float", "ID"}:
            continue
        if not gtype.description:
            missing.append(name)
        if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            missing += [f"{name}.{n}" for n, fld in gtype.fields.items() if not fld.description]
    assert missing == []


async def test_the_partner_sees_each_delivery_attempt_of_its_events(api):
    partner = await f.partner()
    key = await f.partner_key(partner)
    await webhooks.register(partner_id=partner.id, url="https://sp.example.com/hooks")
    customer = await f.customer()
    made = await submit(api, key, customer.msisdn)
    answers = [500, 200]

    async def endpoint(url: str, headers: Any, body: bytes) -> int:
        return answers.pop(0)

    event = await WebhookEvent.get(partner_id=partner.id)
    await webhooks.deliver(event.id, at=event.occurred_at, send=endpoint)
    await webhooks.deliver(event.id, at=event.occurred_at + timedelta(minutes=1), send=endpoint)
    events = (await api.data(EVENTS, {"dispute": made["dispute"]["id"]}, key=key))["webhookEvents"]

    assert [(e["state"], e["attempts"], e["deliveries"]) for e in events] == [
        (
            "DELIVERED",
            2,
            [
                {"attempt": 1, "httpStatus": 500, "error": "HTTP 500"},
                {"attempt": 2, "httpStatus": 200, "error": ""},
            ],
        )
    ]


# C-12: answers that reveal nothing about the customer -------------------------------------

FULL = f"""query($id: ID!) {{ dispute(id: $id) {{ {DISPUTE} updatedAt closedAt }} }}"""
MOMENTS = ("id", "createdAt", "updatedAt", "refundedAt", "closedAt")


def without_moments(dispute: dict[str, Any]) -> dict[str, Any]:
    """A dispute as the partner sees it, ids and timestamps aside."""
    return {k: v for k, v in dispute.items() if k not in MOMENTS}


async def seen(api: PartnerClient, key: str, dispute_id: str) -> dict[str, Any]:
    """Everything the partner can read of one dispute: the dispute and its events."""
    read = (await api.data(FULL, {"id": dispute_id}, key=key))["dispute"]
    events = (await api.data(EVENTS, {"dispute": dispute_id}, key=key))["webhookEvents"]
    listed = (
        await api.data(LIST, {"first": 100, "filter": {"status": [read["status"]]}}, key=key)
    )["disputes"]["edges"]
    return {
        "dispute": without_moments(read),
        "closed": read["closedAt"] is not None,
        "events": [(e["type"], e["previousStatus"], e["status"]) for e in events],
        "listed under its status": dispute_id in {edge["cursor"] for edge in listed},
    }


async def plain_and_special() -> tuple[Any, Any]:
    """Two customers of the partner's service; the second is on the special list (K-1)."""
    from services.refunds.models import RiskProfile

    plain, special = await f.customer("13800001234"), await f.customer("13811111234")
    today = clock.local_date(clock.now())
    await RiskProfile.create(
        customer=special,
        special=True,
        since=today,
        leaves_on=today + timedelta(days=90),
        computed_on=today,
    )
    return plain, special


async def test_c12_r9_a_special_customers_dispute_answers_as_anyones(api):
    key = await f.partner_key(await f.partner(monternet=True))
    plain, special = await plain_and_special()

    a = await submit(api, key, plain.msisdn, idem="a")
    b = await submit(api, key, special.msisdn, idem="b")

    assert a["__typename"] == b["__typename"] == "DisputeResult"
    assert without_moments(a["dispute"]) == without_moments(b["dispute"])
    assert a["dispute"]["status"] == "OPEN" and a["dispute"]["msisdn"] == "138****1234"
    assert await seen(api, key, a["dispute"]["id"]) == await seen(api, key, b["dispute"]["id"])
    inside = await PartnerDispute.filter(public_id=b["dispute"]["id"]).select_related("refund")
    assert inside[0].refund.status.value == "verifying"  # R-9, inside only


async def test_c12_a_number_that_is_no_customers_is_accepted_and_refused_as_any(api):
    from services import clock as domain_clock
    from services.partners import disputes
    from services.refunds import approvals

    key = await f.partner_key(await f.partner(monternet=True))
    customer = await f.customer("13833331234")
    lines = [{"period": "2026-01", "amountFen": 7500}, {"period": "2026-02", "amountFen": 7500}]

    a = await submit(api, key, customer.msisdn, idem="a", chargeLines=lines)
    b = await submit(api, key, "13899991234", idem="b", chargeLines=lines)
    accepted = [await seen(api, key, d["dispute"]["id"]) for d in (a, b)]
    taken = await PartnerDispute.get(public_id=a["dispute"]["id"])
    await approvals.reject(
        actor=await f.approver(4), refund_id=taken.refund_id, reason="SP 已提供订购凭证"
    )
    nobody = await PartnerDispute.get(public_id=b["dispute"]["id"])
    await disputes.refuse_unmatched(at=nobody.refuse_at)
    waiting = [await seen(api, key, d["dispute"]["id"]) for d in (a, b)]
    domain_clock.freeze(max(taken.release_at, nobody.release_at))  # both outcomes released
    refused = [await seen(api, key, d["dispute"]["id"]) for d in (a, b)]

    assert a["__typename"] == b["__typename"] == "DisputeResult"
    assert without_moments(a["dispute"]) == without_moments(b["dispute"])
    assert accepted[0] == accepted[1] == waiting[0] == waiting[1]  # OPEN until released
    assert refused[0] == refused[1]
    assert refused[0]["dispute"]["status"] == "REFUSED" and refused[0]["closed"]
    assert refused[0]["events"][0] == ("dispute.status_changed", "OPEN", "REFUSED")


def elapsed(dispute: dict[str, Any]) -> dict[str, float | None]:
    """The dispute's moments as times since its submission: what its timing tells."""
    start = datetime.fromisoformat(dispute["createdAt"])
    return {
        name: (datetime.fromisoformat(dispute[name]) - start).total_seconds()
        if dispute[name]
        else None
        for name in ("updatedAt", "refundedAt", "closedAt")
    }


async def test_c12_r9_a_special_customers_verification_inside_moves_nothing_the_partner_sees(
    api,
):
    """Side by side, a plain and a special customer's disputes: the special one's refund is
    verified first inside (R-9) a day later; the partner's answers, states, moments and
    webhook events of the two stay the same."""
    from services import clock as domain_clock
    from services.complaints.models import Complaint
    from services.refunds import changes
    from services.refunds.policy import Liability
    from services.staff.models import Role

    key = await f.partner_key(await f.partner(monternet=True))
    plain, special = await plain_and_special()
    a = await submit(api, key, plain.msisdn, idem="a")
    b = await submit(api, key, special.msisdn, idem="b")
    inside = await PartnerDispute.get(public_id=b["dispute"]["id"]).select_related("refund")
    handler = await f.staff(Role.HANDLER)
    await Complaint.filter(id=inside.complaint_id).update(owner_id=handler.id)
    domain_clock.freeze(domain_clock.now() + timedelta(days=1))

    await changes.verify_refund(
        actor=handler,
        refund_id=inside.refund_id,
        outcome=changes.Verification(
            cause="SP 无订购记录", measures="", refund_due=True, liability=Liability.COMPANY_LIABLE
        ),
    )
    reads = [(await api.data(FULL, {"id": d["dispute"]["id"]}, key=key))["dispute"] for d in (a, b)]

    assert (await PartnerDispute.get(id=inside.id).select_related("refund")).refund.verified_at
    assert await seen(api, key, a["dispute"]["id"]) == await seen(api, key, b["dispute"]["id"])
    assert (
        elapsed(reads[0])
        == elapsed(reads[1])
        == {
            "updatedAt": 0.0,
            "refundedAt": None,
            "closedAt": None,
        }
    )


async def shown_now(api: PartnerClient, key: str, ids: list[str]) -> dict[str, Any]:
    """What the partner reads of these disputes now: each one, the lists under each status
    (newest first), and its webhook events with their dates."""
    reads = [(await api.data(FULL, {"id": i}, key=key))["dispute"] for i in ids]
    listed = {
        status: [
            edge["cursor"]
            for edge in (
                await api.data(LIST, {"first": 100, "filter": {"status": [status]}}, key=key)
            )["disputes"]["edges"]
        ]
        for status in ("OPEN", "REFUNDED", "REFUSED")
    }
    dated = """query($dispute: ID) { webhookEvents(disputeId: $dispute) {
      type status occurredAt nextAttemptAt } }"""
    events = [(await api.data(dated, {"dispute": i}, key=key))["webhookEvents"] for i in ids]
    return {"reads": reads, "listed": listed, "events": events}


async def test_c12_r9_outcomes_show_at_the_release_time_whoever_the_customer_is(api):
    """A plain customer's dispute is refunded first within the hour (R-7(a)), a special
    customer's verified first and refunded three days later (R-9): before the release time
    the partner sees both OPEN and no outcome event is due; from it, both REFUNDED at the
    same visible time, the release time, in the reads, the status filter and the events."""
    from services import clock as domain_clock
    from services.calendar import service as calendar
    from services.complaints.models import Complaint
    from services.partners import release
    from services.refunds import changes
    from services.refunds.models import RefundStatus
    from services.refunds.policy import Liability
    from services.staff.models import Role

    key = await f.partner_key(await f.partner(monternet=True))
    plain, special = await plain_and_special()
    submitted = domain_clock.now()
    domain_clock.freeze(submitted)  # both submitted at the same instant
    ids = [
        (await submit(api, key, c.msisdn, idem=c.msisdn))["dispute"]["id"] for c in (plain, special)
    ]
    rows = [await PartnerDispute.get(public_id=i).select_related("refund") for i in ids]
    handler = await f.staff(Role.HANDLER)
    await Complaint.filter(id__in=[r.complaint_id for r in rows]).update(owner_id=handler.id)
    release_at = rows[0].release_at
    assert (
        release_at
        == rows[1].release_at
        == await calendar.add_working_days(submitted, release.DEFAULT_WORKING_DAYS)
    )

    domain_clock.freeze(submitted + timedelta(hours=1))
    first = await f.executed_refund(handler, rows[0].refund)  # refund first: within the hour
    early = await shown_now(api, key, ids)
    domain_clock.freeze(submitted + timedelta(days=3))
    verified = await changes.verify_refund(  # verified first, days later
        actor=handler,
        refund_id=rows[1].refund_id,
        outcome=changes.Verification(
            cause="SP 无订购记录", measures="", refund_due=True, liability=Liability.COMPANY_LIABLE
        ),
    )
    second = await f.executed_refund(handler, verified)
    before = await shown_now(api, key, ids)
    due_before = await webhooks.due(at=release_at - timedelta(seconds=1))
    domain_clock.freeze(release_at)
    after = await shown_now(api, key, ids)
    due_after = await webhooks.due(at=release_at)

    # inside (the operator's staff, the customer's refund): nothing waits
    assert first.status is second.status is RefundStatus.EXECUTED
    assert first.executed_at == submitted + timedelta(hours=1)
    assert second.executed_at == submitted + timedelta(days=3)
    assert rows[1].refund.flow.value == "verify_first" != rows[0].refund.flow.value
    # before the release time: both OPEN as submitted, no outcome listed, sent or due
    for shown in (early, before):
        assert [r["status"] for r in shown["reads"]] == ["OPEN", "OPEN"]
        assert all(r["updatedAt"] == r["createdAt"] and not r["refundedAt"] for r in shown["reads"])
        assert shown["listed"] == {"OPEN": ids[::-1], "REFUNDED": [], "REFUSED": []}
        assert [[e["type"] for e in events] for events in shown["events"]] == [
            ["dispute.created"],
            ["dispute.created"],
        ]
    assert without_moments(before["reads"][0]) == without_moments(before["reads"][1])
    outcome_events = set(
        await WebhookEvent.filter(type=webhooks.STATUS_CHANGED).values_list("id", flat=True)
    )
    assert outcome_events and not outcome_events & {e for batch in due_before for e in batch}
    # from the release time: both REFUNDED, at the release time, listed and due alike
    shown_at = release_at.isoformat()
    assert [(r["status"], r["updatedAt"], r["refundedAt"]) for r in after["reads"]] == [
        ("REFUNDED", shown_at, shown_at),
        ("REFUNDED", shown_at, shown_at),
    ]
    assert without_moments(after["reads"][0]) == without_moments(after["reads"][1])
    assert after["listed"] == {"OPEN": [], "REFUNDED": ids[::-1], "REFUSED": []}
    assert [(ev[0]["type"], ev[0]["status"], ev[0]["occurredAt"]) for ev in after["events"]] == [
        ("dispute.status_changed", "REFUNDED", shown_at),
        ("dispute.status_changed", "REFUNDED", shown_at),
    ]
    assert outcome_events <= {e for batch in due_after for e in batch}


async def test_c12_a_release_delay_change_applies_to_disputes_submitted_after_it(api):
    """The admin's threshold: a dispute keeps the release time it was given; one submitted
    after the change gets the new delay."""
    from services import clock as domain_clock
    from services.calendar import service as calendar
    from services.partners import release
    from services.staff.models import Role
    from services.thresholds import changes as threshold_changes

    key = await f.partner_key(await f.partner(monternet=True))
    submitted = domain_clock.now()
    domain_clock.freeze(submitted)
    older = (await submit(api, key, "13899990001", idem="old"))["dispute"]["id"]
    await threshold_changes.change_thresholds(
        actor=await f.staff(Role.ADMIN),
        values={release.RELEASE_WORKING_DAYS: 10},
        reason="更长的公布期",
    )
    newer = (await submit(api, key, "13899990002", idem="new"))["dispute"]["id"]
    rows = [await PartnerDispute.get(public_id=i) for i in (older, newer)]
    await disputes.refuse_unmatched(at=max(r.refuse_at for r in rows))  # both refused inside
    domain_clock.freeze(rows[0].release_at)
    at_old = [
        (await api.data(GET, {"id": i}, key=key))["dispute"]["status"] for i in (older, newer)
    ]
    domain_clock.freeze(rows[1].release_at)
    at_new = [
        (await api.data(GET, {"id": i}, key=key))["dispute"]["status"] for i in (older, newer)
    ]

    assert rows[0].release_at == await calendar.add_working_days(submitted, 6)
    assert rows[1].release_at == await calendar.add_working_days(submitted, 10)
    assert at_old == ["REFUSED", "OPEN"]
    assert at_new == ["REFUSED", "REFUSED"]
