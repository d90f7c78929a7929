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
