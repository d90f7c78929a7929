"""C-8: the investigator's load is their unresolved complaints, kept on complaint_departments
(`complaint_open`, migration 0023) as complaints move, so intake counts no history."""

from __future__ import annotations

from tortoise import Tortoise

from services.complaints import service
from services.complaints.models import UNRESOLVED, Category
from services.complaints.routing_models import ComplaintDepartment
from services.staff.models import Role
from tests import factories as f
from tests.services.complaints.test_lifecycle import walk_to_resolved


async def test_c8_a_resolved_complaint_no_longer_counts_toward_the_investigators_load():
    network = await f.department(code="NET")
    front_desk = await f.department(code="CS")
    taker = await f.staff(Role.HANDLER, dept=front_desk)
    first = await f.staff(Role.HANDLER, dept=network)
    second = await f.staff(Role.HANDLER, dept=network)
    given = await f.complaint(taker, category=Category.NETWORK_FAULT)  # to `first` (lowest id)
    to_second = await f.complaint(taker, category=Category.NETWORK_FAULT)  # `first` has one
    await walk_to_resolved(taker, given.id)

    after_resolve = await f.complaint(taker, category=Category.NETWORK_FAULT)
    await service.reopen(actor=taker, complaint_id=given.id, reason="客户不认可")
    after_reopen = await f.complaint(taker, category=Category.NETWORK_FAULT)

    investigators = {
        row.complaint_id: row.investigator_id for row in await ComplaintDepartment.all()
    }
    assert investigators[given.id] == first.id and investigators[to_second.id] == second.id
    # resolved: `first` has none open, `second` one; reopened: both have one, `first` two now
    assert investigators[after_resolve.id] == first.id
    assert investigators[after_reopen.id] == second.id


async def test_c8_an_investigators_load_counts_what_is_unresolved():
    """The trigger's statuses are those of UNRESOLVED, the rule's definition (C-5, C-8)."""
    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict(
        "SELECT prosrc FROM pg_proc WHERE proname = 'complaints_status_open'"
    )
    source = rows[0]["prosrc"]
    listed = source.split("IN (", 1)[1].split(")", 1)[0]

    assert sorted(s.strip().strip("'") for s in listed.split(",")) == sorted(
        s.value for s in UNRESOLVED
    )


KEPT = "SELECT investigator_id, sum(open) AS n FROM investigator_loads GROUP BY investigator_id"
COUNTED = (
    "SELECT investigator_id, count(*) AS n FROM complaint_departments"
    " WHERE complaint_open AND investigator_id IS NOT NULL GROUP BY investigator_id"
)


async def loads(sql: str) -> dict[int, int]:
    rows = await Tortoise.get_connection("default").execute_query_dict(sql)
    return {r["investigator_id"]: int(r["n"]) for r in rows if r["n"]}


async def test_c8_the_kept_load_is_the_count_of_open_complaints_as_they_move():
    """Migration 0028 keeps each investigator's load as a count (intake reads it): taken,
    resolved, reopened, handed over to another department, archived, it is what counting the
    open routing rows says, and stays so when the worker folds it (one row each)."""
    from services.complaints.routing import fold_loads

    network = await f.department(code="NET")
    front_desk = await f.department(code="CS")
    taker = await f.staff(Role.HANDLER, dept=front_desk)
    first = await f.staff(Role.HANDLER, dept=network)
    await f.staff(Role.HANDLER, dept=network)
    elsewhere = await f.staff(Role.HANDLER, dept=front_desk)
    taken = [await f.complaint(taker, category=Category.NETWORK_FAULT) for _ in range(5)]
    await walk_to_resolved(taker, taken[0].id)
    await walk_to_resolved(taker, taken[1].id)
    await service.reopen(actor=taker, complaint_id=taken[1].id, reason="客户不认可")
    await service.assign(
        actor=taker,
        complaint_id=taken[2].id,
        owner_id=elsewhere.id,
        reason="转前台处理",
        department_id=front_desk.id,
    )
    await service.record_revisit(actor=taker, complaint_id=taken[0].id, satisfied=True)
    await service.archive(actor=taker, complaint_id=taken[0].id)

    counted = await loads(COUNTED)
    assert await loads(KEPT) == counted
    assert counted[first.id] == 2 and counted[elsewhere.id] == 1  # 0 archived, 1 reopened

    assert await fold_loads() == len(counted)
    assert await loads(KEPT) == counted
    rows = await Tortoise.get_connection("default").execute_query_dict(
        "SELECT investigator_id, slot FROM investigator_loads"
    )
    assert {r["slot"] for r in rows} == {0} and len(rows) == len(counted)
    assert await fold_loads() == 0
