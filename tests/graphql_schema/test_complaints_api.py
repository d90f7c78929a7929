"""Complaints over GraphQL: what a frontend sees, errors included."""

from __future__ import annotations

from datetime import timedelta

from graphql_schema.ids import global_id, parse_id
from services import clock
from services.complaints.models import Channel, Complaint, ComplaintEvent
from services.customers.models import Customer, Tier
from services.staff.models import Role
from tests import factories as f

PAYLOAD = """
  __typename
  ... on ComplaintResult { complaint { id status ownerId: owner { id } } }
  ... on Error { code message }
  ... on InputError { field problems { field code } }
  ... on NotFoundError { field }
  ... on IllegalTransitionError { currentStatus attempted }
"""
CREATE = (
    f"mutation($input: CreateComplaintInput!) {{ createComplaint(input: $input) {{ {PAYLOAD} }} }}"
)
ACK = f"mutation($id: ID!) {{ acknowledgeComplaint(id: $id) {{ {PAYLOAD} }} }}"
RESOLVE = f"""mutation($id: ID!) {{
  resolveComplaint(id: $id, cause: "c", solution: "s", prevention: "p") {{ {PAYLOAD} }} }}"""


def intake(msisdn: str, **overrides):
    values = {
        "msisdn": msisdn,
        "contactName": "张先生",
        "channel": "HOTLINE",
        "category": "BILLING_ERROR",
        "summary": "本月话费多扣了 30 元",
        "customerRequest": "退还多扣的费用",
    }
    values.update(overrides)
    return {"input": values}


async def test_c2_create_complaint_returns_it_received_and_owned_by_the_caller(gql):
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()

    data = await gql.data(CREATE, intake(customer.msisdn), as_=handler)

    result = data["createComplaint"]
    assert result["__typename"] == "ComplaintResult"
    assert result["complaint"]["status"] == "RECEIVED"
    assert result["complaint"]["ownerId"]["id"] == global_id("StaffMember", handler.id)


async def test_c1_invalid_msisdn_is_a_typed_error_and_nothing_is_written(gql):
    handler = await f.staff(Role.HANDLER)

    data = await gql.data(CREATE, intake("12345"), as_=handler)

    error = data["createComplaint"]
    assert error["__typename"] == "InputError"
    assert (error["code"], error["field"]) == ("INVALID_MSISDN", "msisdn")
    assert len(error["problems"]) == 1
    assert await Complaint.all().count() == 0


async def test_c2_missing_fields_each_named_in_one_input_error(gql):
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()

    data = await gql.data(
        CREATE, {"input": {"msisdn": customer.msisdn, "channel": "HOTLINE"}}, as_=handler
    )

    error = data["createComplaint"]
    assert error["__typename"] == "InputError"
    assert {(p["field"], p["code"]) for p in error["problems"]} == {
        ("contactName", "REQUIRED"),
        ("category", "REQUIRED"),
        ("summary", "REQUIRED"),
        ("customerRequest", "REQUIRED"),
    }
    assert await Complaint.all().count() == 0


async def test_c6_illegal_transition_is_a_typed_error(gql):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    data = await gql.data(RESOLVE, {"id": str(complaint.id)}, as_=handler)

    error = data["resolveComplaint"]
    assert error["__typename"] == "IllegalTransitionError"
    assert error["code"] == "ILLEGAL_TRANSITION"
    assert (error["currentStatus"], error["attempted"]) == ("RECEIVED", "resolve")


async def test_c6_unknown_or_malformed_id_is_not_found(gql):
    handler = await f.staff(Role.HANDLER)

    for bad in ("999999", "abc", "-1"):
        data = await gql.data(ACK, {"id": bad}, as_=handler)
        assert data["acknowledgeComplaint"]["__typename"] == "NotFoundError"
        assert data["acknowledgeComplaint"]["code"] == "NOT_FOUND"


async def test_c6_every_step_over_graphql_in_order(gql):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    cid = {"id": str(complaint.id)}
    steps = [
        ("acknowledgeComplaint", "", "ACKNOWLEDGED"),
        ("startInvestigation", "", "INVESTIGATING"),
        ("proposePlan", ', plan: "退费"', "PLAN_PROPOSED"),
        ("startResolution", "", "RESOLVING"),
        ("resolveComplaint", ', cause: "c", solution: "s", prevention: "p"', "RESOLVED"),
        ("recordRevisit", ", satisfied: true", "REVISITED"),
        ("archiveComplaint", "", "ARCHIVED"),
    ]

    for name, args, expected in steps:
        data = await gql.data(
            f"mutation($id: ID!) {{ {name}(id: $id{args}) {{ {PAYLOAD} }} }}", cid, as_=handler
        )
        assert data[name]["complaint"]["status"] == expected, data[name]
        if name == "resolveComplaint":
            await f.open_revisit_window(complaint.id)

    assert await ComplaintEvent.filter(complaint_id=complaint.id, field="status").count() == 8


async def test_c6_unauthenticated_mutation_gets_an_authentication_error(gql):
    customer = await f.customer()

    body = await gql.post(CREATE, intake(customer.msisdn))

    assert body["data"]["createComplaint"]["__typename"] == "AuthenticationError"
    assert body["data"]["createComplaint"]["code"] == "UNAUTHENTICATED"
    assert await Complaint.all().count() == 0


async def test_c6_auditor_cannot_take_complaints(gql):
    auditor = await f.staff(Role.AUDITOR)
    customer = await f.customer()

    data = await gql.data(CREATE, intake(customer.msisdn), as_=auditor)

    assert data["createComplaint"]["__typename"] == "PermissionDeniedError"
    assert data["createComplaint"]["code"] == "PERMISSION_DENIED"


async def test_c6_assign_hands_over_with_a_reason(gql):
    handler = await f.staff(Role.HANDLER)
    colleague = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    query = f"""mutation($id: ID!, $to: ID!, $why: String!) {{
      assignComplaint(id: $id, ownerId: $to, reason: $why) {{ {PAYLOAD} }} }}"""

    missing = await gql.data(
        query, {"id": str(complaint.id), "to": str(colleague.id), "why": ""}, as_=handler
    )
    done = await gql.data(
        query, {"id": str(complaint.id), "to": str(colleague.id), "why": "转交"}, as_=handler
    )

    assert missing["assignComplaint"]["__typename"] == "InputError"
    assert missing["assignComplaint"]["field"] == "reason"
    assert done["assignComplaint"]["complaint"]["ownerId"]["id"] == global_id(
        "StaffMember", colleague.id
    )


async def test_c12_handler_of_the_complaint_sees_the_number_others_see_it_masked(gql):
    dept = await f.department()
    owner = await f.staff(Role.HANDLER, dept=dept)
    colleague = await f.staff(Role.HANDLER, dept=dept)
    lead = await f.staff(Role.TEAM_LEAD, dept=dept)
    auditor = await f.staff(Role.AUDITOR)
    admin = await f.staff(Role.ADMIN)
    customer = await f.customer(msisdn="13812341234")
    complaint = await f.complaint(owner, customer)
    query = """query($id: ID!) { complaint(id: $id) {
        phoneVisible contactPhone customer { msisdn phoneVisible } } }"""

    seen = {}
    for who in (owner, lead, colleague, auditor, admin):
        data = await gql.data(query, {"id": str(complaint.id)}, as_=who)
        seen[who.id] = data["complaint"]

    full = {
        "phoneVisible": True,
        "contactPhone": "13812341234",
        "customer": {"msisdn": "13812341234", "phoneVisible": True},
    }
    masked = {
        "phoneVisible": False,
        "contactPhone": "138****1234",
        "customer": {"msisdn": "138****1234", "phoneVisible": False},
    }
    assert seen[owner.id] == full and seen[lead.id] == full
    assert seen[colleague.id] == masked and seen[auditor.id] == masked and seen[admin.id] == masked


async def test_c12_list_never_shows_full_numbers_to_an_auditor(gql):
    handler = await f.staff(Role.HANDLER)
    auditor = await f.staff(Role.AUDITOR)
    for _ in range(3):
        await f.complaint(handler)

    body = await gql.post(
        "{ complaints(first: 10) { edges { node { contactPhone customer { msisdn } } } } }",
        as_=auditor,
    )

    text = str(body)
    assert "****" in text
    assert not any(c.isdigit() and len(c) == 11 for c in text.replace("'", " ").split())


async def test_c1_customer_query_by_number_with_complaints(gql):
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(msisdn="13912345678")
    await f.complaint(handler, customer)
    await f.complaint(handler, customer)

    data = await gql.data(
        """query($m: String!) { customer(msisdn: $m) { msisdn name
            complaints(first: 5) { totalCount edges { node { status } } } } }""",
        {"m": "139 1234 5678"},
        as_=handler,
    )
    none = await gql.data('{ customer(msisdn: "13700000000") { id } }', as_=handler)
    bad = await gql.post('{ customer(msisdn: "12") { id } }', as_=handler)

    assert data["customer"]["msisdn"] == "13912345678"
    assert data["customer"]["complaints"]["totalCount"] == 2
    assert none["customer"] is None
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_MSISDN"


async def test_complaints_are_paged_newest_first_with_a_total(gql):
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    ids = [(await f.complaint(handler, customer)).id for _ in range(25)]
    query = """query($after: String) { complaints(first: 10, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }"""

    seen: list[int] = []
    after = None
    pages = 0
    while True:
        page = (await gql.data(query, {"after": after}, as_=handler))["complaints"]
        assert page["totalCount"] == 25
        seen += [parse_id(e["node"]["id"]) for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert pages == 3
    assert seen == sorted(ids, reverse=True)


async def test_complaints_filter_by_status_channel_urgency_owner_and_created_range(gql):
    handler = await f.staff(Role.HANDLER)
    other = await f.staff(Role.HANDLER)
    plain = await f.complaint(handler)
    over_level = await f.complaint(handler, channel=Channel.ABOVE_LEVEL)
    by_other = await f.complaint(other)
    await f.complaint(handler, await f.customer(tier=Tier.GOLD_AND_ABOVE))
    from services.complaints import service

    await service.acknowledge(actor=handler, complaint_id=plain.id)

    async def ids(filter_: dict) -> set[int]:
        data = await gql.data(
            "query($f: ComplaintFilterInput) { complaints(filter: $f, first: 50) "
            "{ totalCount edges { node { id } } } }",
            {"f": filter_},
            as_=handler,
        )
        found = {parse_id(e["node"]["id"]) for e in data["complaints"]["edges"]}
        assert data["complaints"]["totalCount"] == len(found)
        return found

    assert await ids({"status": ["ACKNOWLEDGED"]}) == {plain.id}
    assert await ids({"channel": ["ABOVE_LEVEL"]}) == {over_level.id}
    assert await ids({"urgency": ["OVER_LEVEL"]}) == {over_level.id}
    assert len(await ids({"urgent": True})) == 2
    assert await ids({"ownerId": str(other.id)}) == {by_other.id}
    future = (clock.now() + timedelta(hours=1)).isoformat()
    assert await ids({"createdFrom": future}) == set()
    assert len(await ids({"createdTo": future})) == 4


async def test_page_of_50_with_customer_owner_and_history_costs_constant_queries(
    gql, count_queries
):
    handler = await f.staff(Role.HANDLER, dept=await f.department())
    query = """{ complaints(first: 50) { totalCount edges { node {
        id customer { name msisdn } owner { username department { name } }
        firstHandler { username } urgency { reason } deadlines { kind }
        history { action actor { username } } } } } }"""

    async def cost(n: int) -> int:
        while await Complaint.all().count() < n:
            await f.complaint(handler, await f.customer())
        count_queries.queries.clear()
        await gql.data(query, as_=handler)
        return len(count_queries.queries)

    small, large = await cost(5), await cost(50)

    assert small == large
    # the caller, the page, its count, and everything the page shows beside its complaints in
    # one statement: customers, urgencies, deadlines, history, the staff named (owners, first
    # handlers, history actors) with their departments (issue 14: 8 statements before)
    assert large == 4, count_queries.queries


async def test_one_complaint_with_its_history_is_read_in_one_statement(gql, count_queries):
    """The permission table is asked on the row the query reads (issue 14: the guard read it
    first, then the query again), read with everything the query shows of it: the caller, then
    the complaint with its customer, urgency, deadlines, history and the staff named (owner,
    first handler, history actors) with their departments (7 statements before)."""
    handler = await f.staff(Role.HANDLER, dept=await f.department())
    lead_dept = await f.department()
    lead = await f.staff(Role.TEAM_LEAD, dept=lead_dept)
    complaint = await f.complaint(handler, await f.customer())
    await ComplaintEvent.create(complaint_id=complaint.id, actor=lead, action="note", reason="")
    query = """query($id: ID!) { complaint(id: $id) { id status summary
        customer { name } owner { username department { name } } firstHandler { username }
        urgency { reason } deadlines { kind }
        history { action actor { username department { name } } } } }"""

    count_queries.queries.clear()
    data = await gql.data(query, {"id": global_id("Complaint", complaint.id)}, as_=handler)

    assert data["complaint"]["summary"] == complaint.summary
    assert data["complaint"]["owner"]["department"]["name"] == (await handler.department).name
    noted = data["complaint"]["history"][-1]
    assert noted["actor"] == {"username": lead.username, "department": {"name": lead_dept.name}}
    assert len(count_queries.queries) == 2, count_queries.queries
    assert count_queries.queries[1].startswith("SELECT c.id, "), count_queries.queries


async def test_c9_a_customer_who_prefers_e_mail_gives_the_address_at_intake(gql):
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()

    missing = await gql.data(
        CREATE, intake(customer.msisdn, contactPreference="EMAIL"), as_=handler
    )
    taken = await gql.data(
        CREATE,
        intake(customer.msisdn, contactPreference="EMAIL", contactEmail="li.si@example.cn"),
        as_=handler,
    )

    assert missing["createComplaint"]["__typename"] == "InputError"
    assert missing["createComplaint"]["field"] == "contactEmail"
    assert taken["createComplaint"]["__typename"] == "ComplaintResult"
    assert (await Customer.get(id=customer.id)).email == "li.si@example.cn"


async def test_c8_a_frontend_sees_the_departments_their_investigators_and_the_coordinator(gql):
    front_desk = await f.department(code="CS")
    network, ops = await f.department(code="NET"), await f.department(code="OPS")
    manager = await f.staff(Role.MANAGER, dept=front_desk)
    taker = await f.staff(Role.HANDLER, dept=front_desk)
    investigator = await f.staff(Role.HANDLER, dept=network)
    engineer = await f.staff(Role.HANDLER, dept=ops)
    created = await gql.data(
        CREATE, intake((await f.customer()).msisdn, category="NETWORK_FAULT"), as_=taker
    )
    complaint_id = created["createComplaint"]["complaint"]["id"]
    await gql.data(
        """mutation($id: ID!, $owner: ID!, $dept: ID!) { assignComplaint(id: $id,
          ownerId: $owner, departmentId: $dept, reason: "现场勘查") { __typename } }""",
        {
            "id": complaint_id,
            "owner": global_id("StaffMember", engineer.id),
            "dept": global_id("Department", ops.id),
        },
        as_=taker,
    )

    data = await gql.data(
        """query($id: ID!) { complaint(id: $id) { routing {
          departments { department { code } investigator { username } handedOver }
          coordinator { username } } } }""",
        {"id": complaint_id},
        as_=taker,
    )

    routing = data["complaint"]["routing"]
    assert routing["departments"] == [
        {
            "department": {"code": "NET"},
            "investigator": {"username": investigator.username},
            "handedOver": False,
        },
        {
            "department": {"code": "OPS"},
            "investigator": {"username": engineer.username},
            "handedOver": True,
        },
    ]
    assert routing["coordinator"] == {"username": manager.username}
