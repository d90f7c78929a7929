"""What a front end needs beyond the life cycle: the staff directory, departments, marking
notifications read, a customer by id (issue 17)."""

from __future__ import annotations

from graphql_schema.ids import global_id
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
    assert marked["id"] == global_id("StaffNotification", first.id) and marked["readAt"] is not None
    unread = "{ myNotifications(unreadOnly: true) { id } }"
    assert (await gql.data(unread, as_=lead))["myNotifications"] == [
        {"id": global_id("StaffNotification", second.id)}
    ]
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
    mine = (await gql.data(CUSTOMER, {"id": global_id("Customer", cust.id)}, as_=owner))["customer"]
    assert (mine["msisdn"], mine["name"], mine["phoneVisible"]) == ("13812345678", "张伟", True)
    theirs = (await gql.data(CUSTOMER, {"id": global_id("Customer", cust.id)}, as_=other))[
        "customer"
    ]
    assert (theirs["msisdn"], theirs["name"], theirs["phoneVisible"]) == (
        "138****5678",
        "张*",
        False,
    )
    assert (await gql.data(CUSTOMER, {"id": "999999"}, as_=owner))["customer"] is None
    both = await gql.post(
        'query($id: ID) { customer(id: $id, msisdn: "13812345678") { id } }',
        {"id": global_id("Customer", cust.id)},
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

    assert await ids({"mine": True}) == [global_id("Complaint", mine.id)]
    assert await ids({"mine": True, "open": True}) == [global_id("Complaint", mine.id)]
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


NODES = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
  ... on Complaint { status } ... on Refund { refundFen } ... on Customer { msisdn }
  ... on StaffMember { username } ... on Department { code } } }"""


async def test_relay_global_ids_tell_types_apart_and_node_fetches_each(gql):
    dept = await f.department("NET")
    handler = await f.staff(Role.HANDLER, dept=dept)
    customer = await f.customer("13812345678", credit_standing="good")
    complaint = await f.complaint(handler, customer)
    refund = await f.refund(handler, complaint)
    ids = [
        global_id("Complaint", complaint.id),
        global_id("Refund", refund.id),
        global_id("Customer", customer.id),
        global_id("StaffMember", handler.id),
        global_id("Department", dept.id),
        global_id("Refund", 999999),  # no such refund
        "not-an-id",
    ]
    data = await gql.data(NODES, {"ids": ids}, as_=handler)
    assert [n and n["__typename"] for n in data["nodes"]] == [
        "Complaint",
        "Refund",
        "Customer",
        "StaffMember",
        "Department",
        None,
        None,
    ]
    assert [n["id"] for n in data["nodes"][:5]] == ids[:5]
    assert data["nodes"][2]["msisdn"] == "13812345678"  # the handler's customer (C-12)
    one = await gql.data(
        "query($id: ID!) { node(id: $id) { id ... on Complaint { status } } }",
        {"id": ids[0]},
        as_=handler,
    )
    assert one["node"] == {"id": ids[0], "status": "RECEIVED"}


async def test_relay_ids_arguments_take_global_ids_and_for_one_release_bare_numbers(gql):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler, await f.customer())
    query = "query($id: ID!) { complaint(id: $id) { id } }"
    by_global = await gql.data(query, {"id": global_id("Complaint", complaint.id)}, as_=handler)
    by_number = await gql.data(query, {"id": str(complaint.id)}, as_=handler)  # deprecated
    wrong_type = await gql.data(query, {"id": global_id("Refund", complaint.id)}, as_=handler)
    assert by_global == by_number == {"complaint": {"id": global_id("Complaint", complaint.id)}}
    assert wrong_type == {"complaint": None}


PAGE = """query($first: Int, $after: String, $last: Int, $before: String,
  $order: ComplaintOrder) {
  complaints(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    edges { node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
REFUND_PAGE = """query($first: Int, $after: String, $last: Int, $before: String) {
  refunds(first: $first, after: $after, last: $last, before: $before) {
    edges { node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def test_relay_pages_go_forward_and_back_with_complete_page_info(gql):
    handler = await f.staff(Role.HANDLER)
    for _ in range(5):
        await f.refund(handler)  # a complaint and a refund each

    for query, field, orders in (
        (PAGE, "complaints", ("NEWEST", "DUE_SOONEST")),
        (REFUND_PAGE, "refunds", (None,)),
    ):
        for order in orders:
            extra = {"order": order} if order else {}

            async def page(query=query, field=field, extra=extra, **args: object) -> dict:
                data = await gql.data(query, {**args, **extra}, as_=handler)
                return data[field]

            first = await page(first=2)
            second = await page(first=2, after=first["pageInfo"]["endCursor"])
            back = await page(last=2, before=second["pageInfo"]["startCursor"])
            assert back["edges"] == first["edges"], (field, order)
            assert first["pageInfo"]["hasPreviousPage"] is False
            assert second["pageInfo"]["hasPreviousPage"] is True
            assert back["pageInfo"] == {**first["pageInfo"], "hasPreviousPage": False}
            last_two = await page(last=2, before=second["pageInfo"]["endCursor"])
            assert last_two["pageInfo"]["hasPreviousPage"] is True  # the first one precedes
            assert [e["node"]["id"] for e in last_two["edges"]] == [
                first["edges"][1]["node"]["id"],
                second["edges"][0]["node"]["id"],
            ]


async def test_relay_node_fetches_tasks_notices_compensation_and_ones_own_notifications(gql):
    from tests.services import test_permission_matrix as matrix

    w = await matrix.world()
    owner, other = w.staff["owner"], w.staff["other_handler"]
    mine = await Notification.create(
        recipient=owner, complaint=w.complaint, kind="escalation", key="k", message="预警"
    )
    ids = [
        global_id("ComplaintTask", w.task.id),
        global_id("Notice", w.notice.id),
        global_id("Compensation", w.special.id),
        global_id("StaffNotification", mine.id),
    ]
    query = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
      ... on Notice { bodyVisible } ... on ComplaintTask { title } } }"""
    seen = (await gql.data(query, {"ids": ids}, as_=owner))["nodes"]
    assert [n["__typename"] for n in seen] == [
        "ComplaintTask",
        "Notice",
        "Compensation",
        "StaffNotification",
    ]
    assert seen[1]["bodyVisible"] is True  # the owner handles the complaint (C-12)
    theirs = (await gql.data(query, {"ids": ids}, as_=other))["nodes"]
    assert theirs[1]["bodyVisible"] is False and theirs[3] is None  # not their notification
