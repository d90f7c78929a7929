"""C-7 the handler's queue: `orderBy: DUE_SOONEST` and the overdue / due-within filters read the
next pending due time kept on the complaint row (migration 0016), which follows every change
of a deadline in the same transaction, whatever code changes it."""

from __future__ import annotations

from datetime import timedelta

from tortoise import connections
from tortoise.transactions import in_transaction

from graphql_schema.ids import parse_id
from services import clock
from services.complaints import deadlines, timekeeping
from services.complaints.models import Complaint, Deadline, DeadlineKind, DeadlineState
from services.staff.models import Role
from tests import factories as f

QUEUE = """query($f: ComplaintFilterInput, $after: String, $first: Int!) {
  complaints(orderBy: DUE_SOONEST, filter: $f, first: $first, after: $after) {
    totalCount edges { cursor node { id deadlines { kind dueAt state } } }
    pageInfo { hasNextPage endCursor } } }"""

# the definition the column replaces: the soonest pending deadline a handler can miss
REFERENCE = """SELECT c.id, c.next_due_at, c.breach_open,
  (SELECT min(d.due_at) FROM complaint_deadlines d WHERE d.complaint_id = c.id
     AND d.state = 'pending' AND d.kind <> 'revisit_opens') AS expected,
  EXISTS (SELECT 1 FROM complaint_deadlines d WHERE d.complaint_id = c.id
     AND d.kind <> 'revisit_opens' AND d.met_at IS NULL AND d.state = 'breached') AS breached
  FROM complaints c ORDER BY c.id"""


async def _column_matches_reference() -> None:
    rows = await connections.get("default").execute_query_dict(REFERENCE)
    assert rows
    for row in rows:
        assert (row["next_due_at"], row["breach_open"]) == (row["expected"], row["breached"]), row


async def _meet(complaint_id: int, kind: DeadlineKind) -> None:
    """What a step does: the complaint locked, the deadline met, in one transaction."""
    async with in_transaction():
        await Complaint.select_for_update().get(id=complaint_id)
        await deadlines.meet(complaint_id, kind, at=clock.now())


async def _ids(gql, handler, **filters) -> list[int]:
    data = await gql.data(QUEUE, {"f": filters or None, "first": 50}, as_=handler)
    return [parse_id(e["node"]["id"]) for e in data["complaints"]["edges"]]


async def test_c7_queue_due_soonest_orders_by_the_next_pending_deadline_and_pages(gql):
    handler = await f.staff(Role.HANDLER)
    first, second, third = [await f.complaint(handler) for _ in range(3)]
    # a promise due in two hours puts the third complaint first
    await timekeeping.record_promise(
        actor=handler,
        complaint_id=third.id,
        promise="两小时内回电",
        due_at=clock.now() + timedelta(hours=2),
    )
    # meeting the first's acknowledgement moves its next limit to the (later) plan deadline
    await _meet(first.id, DeadlineKind.ACKNOWLEDGE)

    page1 = await gql.data(QUEUE, {"first": 2}, as_=handler)
    after = page1["complaints"]["pageInfo"]["endCursor"]
    page2 = await gql.data(QUEUE, {"first": 2, "after": after}, as_=handler)

    ids = [parse_id(e["node"]["id"]) for e in page1["complaints"]["edges"]]
    ids += [parse_id(e["node"]["id"]) for e in page2["complaints"]["edges"]]
    assert ids == [third.id, second.id, first.id]
    assert page1["complaints"]["totalCount"] == 3
    assert page1["complaints"]["pageInfo"]["hasNextPage"] is True
    assert page2["complaints"]["pageInfo"]["hasNextPage"] is False
    await _column_matches_reference()


async def test_c7_queue_overdue_and_due_within_follow_every_deadline_change(gql):
    handler = await f.staff(Role.HANDLER)
    late, soon, archived = [await f.complaint(handler) for _ in range(3)]
    await timekeeping.record_promise(
        actor=handler,
        complaint_id=soon.id,
        promise="三小时内答复",
        due_at=clock.now() + timedelta(hours=3),
    )
    ack = await Deadline.get(complaint_id=late.id, kind=DeadlineKind.ACKNOWLEDGE)
    # the worker finds the acknowledgement missed: breached, still unmet
    assert await deadlines.enforce(ack.id, at=ack.due_at + timedelta(minutes=1))
    # set aside by a bulk update that no use case wraps (the trigger still sees it)
    await Deadline.filter(complaint_id=archived.id, state=DeadlineState.PENDING).update(
        state=DeadlineState.WAIVED
    )

    assert await _ids(gql, handler, overdue=True) == [late.id]
    assert sorted(await _ids(gql, handler, overdue=False)) == [soon.id]
    assert await _ids(gql, handler, dueWithinHours=4) == [soon.id]
    assert archived.id not in await _ids(gql, handler)
    await _column_matches_reference()

    # met late: no longer an open breach, and no longer overdue
    await _meet(late.id, DeadlineKind.ACKNOWLEDGE)
    assert (await Deadline.get(id=ack.id)).state == DeadlineState.MET_LATE
    assert await _ids(gql, handler, overdue=True) == []
    await _column_matches_reference()


async def test_c7_queue_total_count_is_counted_only_when_asked(gql, caplog):
    handler = await f.staff(Role.HANDLER)
    await f.complaint(handler)
    caplog.set_level("DEBUG", logger="tortoise.db_client")
    caplog.clear()
    await gql.data("{ complaints(first: 5) { edges { node { id } } } }", as_=handler)
    without = [r.getMessage() for r in caplog.records if "count(*)" in r.getMessage()]
    caplog.clear()
    counted = await gql.data("{ complaints(first: 5) { totalCount } }", as_=handler)
    with_total = [r.getMessage() for r in caplog.records if "count(*)" in r.getMessage()]
    assert (len(without), len(with_total)) == (0, 1)
    assert counted["complaints"]["totalCount"] == 1
