"""Issue 3 over GraphQL: urgency with evidence, the due-first queue, clock, tasks, supervision."""

from __future__ import annotations

from datetime import timedelta

from graphql_schema.ids import global_id, parse_id
from services import clock
from services.complaints import deadlines, supervision
from services.complaints.models import Complaint, Deadline, DeadlineKind
from services.customers.models import Tier
from services.staff.models import Role
from tests import factories as f

PAYLOAD = """__typename
  ... on ComplaintResult { complaint { id warningColour severity pausedSince planExtended
      urgency { reason note evidence } deadlines { kind key state dueAt }
      tasks { title done: doneAt owner { username } } supervision { complaintsAtStart } } }
  ... on Error { code message }"""


async def test_c3_batch_urgency_and_its_evidence_are_visible_on_every_complaint(gql):
    handler = await f.staff(Role.HANDLER)
    ids = [
        (await f.complaint(handler, await f.customer(tier=Tier.MID_HIGH_END))).id for _ in range(5)
    ]

    data = await gql.data(
        "query($id: ID!) { complaint(id: $id) { urgent urgency { reason note evidence } } }",
        {"id": str(ids[0])},
        as_=handler,
    )

    urgency = data["complaint"]["urgency"]
    assert data["complaint"]["urgent"] is True
    assert [u["reason"] for u in urgency] == ["BATCH"]
    assert urgency[0]["evidence"]["complaint_ids"] == ids
    assert urgency[0]["evidence"]["vip_customers"] == 5


async def test_c7_queue_is_ordered_by_the_soonest_deadline_and_pages_by_cursor(gql):
    handler = await f.staff(Role.HANDLER)
    created = [await f.complaint(handler) for _ in range(5)]
    base = clock.now()
    # make the acknowledge deadlines fall in a known order: 4, 2, 0, 3, 1 hours away
    for complaint, hours in zip(created, [4, 2, 0.5, 3, 1], strict=True):
        await Deadline.filter(complaint_id=complaint.id, kind=DeadlineKind.ACKNOWLEDGE).update(
            due_at=base + timedelta(hours=hours)
        )
    query = """query($after: String) { complaints(first: 2, after: $after, orderBy: DUE_SOONEST) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }"""

    order, after = [], None
    while True:
        page = (await gql.data(query, {"after": after}, as_=handler))["complaints"]
        order += [parse_id(e["node"]["id"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert page["totalCount"] == 5
    assert order == [created[i].id for i in (2, 4, 1, 3, 0)]


async def test_c7_filters_overdue_due_within_hours_and_warning_colour(gql):
    handler = await f.staff(Role.HANDLER)
    late, soon, later = [await f.complaint(handler) for _ in range(3)]
    now = clock.now()
    for complaint, when in ((late, now - timedelta(hours=1)), (soon, now + timedelta(hours=2))):
        await Deadline.filter(complaint_id=complaint.id, kind=DeadlineKind.ACKNOWLEDGE).update(
            due_at=when
        )
    await deadlines.sweep(at=now)  # `late` is breached and turns yellow

    async def ids(filter_: dict) -> set[int]:
        data = await gql.data(
            "query($f: ComplaintFilterInput) { complaints(filter: $f, first: 50) "
            "{ edges { node { id } } } }",
            {"f": filter_},
            as_=handler,
        )
        return {parse_id(e["node"]["id"]) for e in data["complaints"]["edges"]}

    assert await ids({"overdue": True}) == {late.id}
    assert await ids({"overdue": False}) == {soon.id, later.id}
    assert await ids({"dueWithinHours": 3}) == {soon.id}
    assert await ids({"warningColour": ["YELLOW"]}) == {late.id}


async def test_c7_pause_and_resume_and_a_promise_over_graphql(gql):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    cid = {"id": str(complaint.id)}
    due = (clock.now() + timedelta(hours=48)).isoformat()

    paused = await gql.data(
        'mutation($id: ID!) { pauseComplaintClock(id: $id, reason: "等客户资料") { '
        + PAYLOAD
        + " } }",
        cid,
        as_=handler,
    )
    again = await gql.data(
        f'mutation($id: ID!) {{ pauseComplaintClock(id: $id, reason: "x") {{ {PAYLOAD} }} }}',
        cid,
        as_=handler,
    )
    resumed = await gql.data(
        f"mutation($id: ID!) {{ resumeComplaintClock(id: $id) {{ {PAYLOAD} }} }}", cid, as_=handler
    )
    promised = await gql.data(
        f"""mutation($id: ID!, $due: DateTime!) {{
            recordPromise(id: $id, promise: "48小时内答复", dueAt: $due) {{ {PAYLOAD} }} }}""",
        {**cid, "due": due},
        as_=handler,
    )

    assert paused["pauseComplaintClock"]["complaint"]["pausedSince"] is not None
    assert again["pauseComplaintClock"]["__typename"] == "IllegalTransitionError"
    assert resumed["resumeComplaintClock"]["complaint"]["pausedSince"] is None
    keys = [d["key"] for d in promised["recordPromise"]["complaint"]["deadlines"]]
    assert "promise:1" in keys


async def test_c8_tasks_and_c10_supervision_over_graphql(gql):
    handler = await f.staff(Role.HANDLER)
    technician = await f.staff(Role.HANDLER, username="tech")
    complaint = await f.complaint(handler)
    await supervision.start(matter_key=complaint.matter_key, reason="整改升级 (A-3)", actor=None)
    due = (clock.now() + timedelta(days=2)).isoformat()

    added = await gql.data(
        f"""mutation($id: ID!, $owner: ID!, $due: DateTime!) {{
            addComplaintTask(id: $id, kind: REPAIR, title: "更换板卡", ownerId: $owner, dueAt: $due)
            {{ {PAYLOAD} }} }}""",
        {"id": str(complaint.id), "owner": str(technician.id), "due": due},
        as_=handler,
    )
    bad_owner = await gql.data(
        f"""mutation($id: ID!, $due: DateTime!) {{
            addComplaintTask(id: $id, kind: REPAIR, title: "x", ownerId: "999", dueAt: $due)
            {{ {PAYLOAD} }} }}""",
        {"id": str(complaint.id), "due": due},
        as_=handler,
    )

    result = added["addComplaintTask"]["complaint"]
    assert result["tasks"] == [{"title": "更换板卡", "done": None, "owner": {"username": "tech"}}]
    assert result["supervision"] == {"complaintsAtStart": 0}  # started by A-3, not by repeats
    assert bad_owner["addComplaintTask"]["__typename"] == "NotFoundError"
    assert (
        await Complaint.filter(matter_key=(await Complaint.get(id=complaint.id)).matter_key).count()
        == 1
    )


async def test_c7_breach_notifications_reach_the_owner(gql):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await Deadline.filter(complaint_id=complaint.id, kind=DeadlineKind.ACKNOWLEDGE).update(
        due_at=clock.now() - timedelta(minutes=1)
    )
    await deadlines.sweep(at=clock.now())

    data = await gql.data("{ myNotifications { kind complaintId message } }", as_=handler)

    assert [(n["kind"], n["complaintId"]) for n in data["myNotifications"]] == [
        ("deadline_breached", global_id("Complaint", complaint.id))
    ]
