"""What a front end needs beyond the life cycle: the staff directory, departments, marking
notifications read, a customer by id (issue 17)."""

from __future__ import annotations

from services.complaints.models import Notification
from services.staff.models import Role, Track
from tests import factories as f

STAFF = """query($f: StaffFilterInput) { staff(filter: $f) { id username roles track
  department { code } } }"""


async def test_assign_to_picker_lists_staff_by_role_department_and_band(gql):
    net, bill = await f.department("NET", "网络部"), await f.department("BILL", "计费部")
    handler = await f.staff(Role.HANDLER, dept=net)
    lead = await f.staff(Role.TEAM_LEAD, dept=net)
    manager = await f.staff(Role.MANAGER, dept=bill)
    await f.staff(Role.AUDITOR)

    async def names(criteria: dict[str, object]) -> list[str]:
        data = await gql.data(STAFF, {"f": criteria}, as_=handler)
        return sorted(s["username"] for s in data["staff"])

    assert await names({"departmentId": str(net.id)}) == sorted([handler.username, lead.username])
    assert await names({"roles": ["TEAM_LEAD", "MANAGER"]}) == sorted(
        [lead.username, manager.username]
    )
    assert await names({"band": 3, "track": "BRANCH"}) == [manager.username]
    data = await gql.data("{ departments { id code name } }", as_=handler)
    assert [(d["code"], d["name"]) for d in data["departments"]] == [
        ("BILL", "计费部"),
        ("NET", "网络部"),
    ]


async def test_staff_filter_refuses_a_band_out_of_range_before_the_database(gql):
    handler = await f.staff(Role.HANDLER)
    body = await gql.post(STAFF, {"f": {"band": 9}}, as_=handler)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_the_directory_needs_a_login(gql):
    body = await gql.post("{ departments { id } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


MARK = """mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) {
  __typename ... on MarkNotificationsReadResult { notifications { id readAt } }
  ... on Error { code message } } }"""


async def test_mark_notifications_read_then_unread_only_is_empty(gql):
    lead = await f.staff(Role.TEAM_LEAD, track=Track.BRANCH)
    complaint = await f.complaint(lead, await f.customer())
    first, second = [
        await Notification.create(
            recipient=lead, complaint=complaint, kind="escalation", key=k, message="投诉预警"
        )
        for k in ("a", "b")
    ]
    data = await gql.data(MARK, {"ids": [str(first.id)]}, as_=lead)
    [marked] = data["markNotificationsRead"]["notifications"]
    assert marked["id"] == str(first.id) and marked["readAt"] is not None
    unread = "{ myNotifications(unreadOnly: true) { id } }"
    assert (await gql.data(unread, as_=lead))["myNotifications"] == [{"id": str(second.id)}]
    await gql.data(MARK, {}, as_=lead)
    assert (await gql.data(unread, as_=lead))["myNotifications"] == []


async def test_mark_notifications_read_with_a_bad_id_is_a_typed_error(gql):
    lead = await f.staff(Role.TEAM_LEAD)
    data = await gql.data(MARK, {"ids": ["nope"]}, as_=lead)
    assert data["markNotificationsRead"]["code"] == "NOT_FOUND"
    anonymous = await gql.post(MARK, {"ids": []})
    assert anonymous["data"]["markNotificationsRead"]["code"] == "UNAUTHENTICATED"


CUSTOMER = "query($id: ID) { customer(id: $id) { id name msisdn phoneVisible } }"


async def test_c12_customer_by_id_is_masked_for_a_handler_who_did_not_type_the_number(gql):
    owner, other = await f.staff(Role.HANDLER), await f.staff(Role.HANDLER)
    cust = await f.customer("13812345678", name="张伟")
    await f.complaint(owner, cust)
    mine = (await gql.data(CUSTOMER, {"id": str(cust.id)}, as_=owner))["customer"]
    assert (mine["msisdn"], mine["name"], mine["phoneVisible"]) == ("13812345678", "张伟", True)
    theirs = (await gql.data(CUSTOMER, {"id": str(cust.id)}, as_=other))["customer"]
    assert (theirs["msisdn"], theirs["name"], theirs["phoneVisible"]) == (
        "138****5678",
        "张*",
        False,
    )
    assert (await gql.data(CUSTOMER, {"id": "999999"}, as_=owner))["customer"] is None
    both = await gql.post(
        'query($id: ID) { customer(id: $id, msisdn: "13812345678") { id } }',
        {"id": str(cust.id)},
        as_=owner,
    )
    assert both["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


LIST = """query($f: ComplaintFilterInput) { complaints(first: 50, filter: $f) { totalCount
  edges { node { id refunds { id } compensations { id } nextDeadline { kind }
  viewerCan { acknowledge } } } } }"""


async def test_mine_and_open_filters(gql):
    me, other = await f.staff(Role.HANDLER), await f.staff(Role.HANDLER)
    mine = await f.complaint(me, await f.customer())
    await f.complaint(other, await f.customer())

    async def ids(criteria: dict[str, object]) -> list[str]:
        data = await gql.data(LIST, {"f": criteria}, as_=me)
        return [e["node"]["id"] for e in data["complaints"]["edges"]]

    assert await ids({"mine": True}) == [str(mine.id)]
    assert await ids({"mine": True, "open": True}) == [str(mine.id)]
    assert await ids({"open": False}) == []  # nothing archived
    assert len(await ids({"open": True, "status": ["RECEIVED", "ARCHIVED"]})) == 2
    for contradiction in (
        {"open": False, "status": ["RECEIVED"]},
        {"mine": True, "ownerId": str(me.id)},
    ):
        body = await gql.post(LIST, {"f": contradiction}, as_=other)
        assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT", contradiction


async def test_a_page_of_complaints_with_refunds_costs_the_same_queries_for_1_or_10(
    gql, count_queries
):
    handler = await f.staff(Role.HANDLER)

    async def statements() -> int:
        count_queries.queries.clear()
        await gql.data(LIST, {"f": {"mine": True}}, as_=handler)
        return len(count_queries.queries)

    await f.refund(handler)
    one = await statements()
    for _ in range(9):
        await f.refund(handler)
    assert await statements() == one
