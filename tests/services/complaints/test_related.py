"""Issue 14: what a page shows beside its complaints is read in one statement
(services.complaints.related), the same rows the loaders' own reads (one statement per
relation) make; one complaint comes with its relations, still refused as before (C-12)."""

from __future__ import annotations

import pytest

from services.complaints import queries, reads
from services.complaints.models import ComplaintEvent, UrgencyReason
from services.complaints.related import Along, complaint_with, related_to
from services.complaints.service import set_urgency
from services.errors import NotFound, PermissionDenied
from services.partners import service as partners
from services.staff.models import Role, Staff
from tests import factories as f

EVERYTHING = Along(
    customers=True,
    urgencies=True,
    deadlines=True,
    events=True,
    staff=True,
    actors=True,
    staff_departments=True,
    departments=True,
)


async def _two_complaints_by_three_people() -> tuple[list[int], Staff]:
    """Two complaints, their owners (one without a department), and a lead who wrote in the
    second one's history only."""
    handler = await f.staff(Role.HANDLER, dept=await f.department())
    other = await f.staff(Role.HANDLER)  # no department
    lead = await f.staff(Role.TEAM_LEAD, dept=await f.department())
    first = await f.complaint(handler, await f.customer())
    second = await f.complaint(other, await f.customer())
    await set_urgency(actor=handler, complaint_id=first.id, reason=UrgencyReason.MAJOR, note="停机")
    await ComplaintEvent.create(complaint_id=second.id, actor=lead, action="note", reason="")
    return [first.id, second.id], lead


async def test_a_pages_relations_in_one_statement_are_the_rows_read_one_relation_at_a_time(
    count_queries,
):
    ids, _ = await _two_complaints_by_three_people()
    page = await queries.page(queries.ComplaintFilter(), first=2, after_id=None)
    rows = list(reversed(page.rows))
    assert [r.id for r in rows] == ids
    count_queries.queries.clear()

    related = await related_to(rows, EVERYTHING)

    assert len(count_queries.queries) == 1, count_queries.queries
    assert related.customers == await queries.customers_by_ids([r.customer_id for r in rows])
    assert related.urgencies == await queries.urgencies_for(ids)
    assert related.deadlines == await queries.deadlines_for(ids)
    assert related.events == await queries.events_for(ids)
    named = {r.owner_id for r in rows} | {r.first_handler_id for r in rows}
    named |= {e.actor_id for events in related.events.values() for e in events} - {None}
    assert len(named) == 3  # the two handlers and the lead, who wrote in the history only
    assert related.staff == await queries.staff_by_ids(list(named))
    departments = {s.department_id for s in related.staff.values()} - {None}
    departments |= {r.department_id for r in rows} - {None}
    assert related.departments == await queries.departments_by_ids(list(departments))


async def test_only_what_is_asked_is_read():
    ids, lead = await _two_complaints_by_three_people()

    found = await complaint_with(ids[1], Along(events=True, actors=True))

    assert found is not None
    row, related = found
    assert row.id == ids[1] and row.summary
    assert related.events == await queries.events_for([ids[1]])
    actors = {e.actor_id for e in related.events[ids[1]]} - {None}
    assert lead.id in actors and set(related.staff) == actors
    assert related.customers == related.urgencies == related.deadlines == {}
    assert related.departments == {}  # the staff's departments were not asked for


async def test_c12_read_complaint_reads_the_complaint_with_its_relations_in_one_statement(
    count_queries,
):
    ids, _ = await _two_complaints_by_three_people()
    handler = await f.staff(Role.HANDLER)
    count_queries.queries.clear()

    row, related = await reads.read_complaint(actor=handler, complaint_id=ids[0], along=EVERYTHING)

    assert len(count_queries.queries) == 1, count_queries.queries
    assert row.id == ids[0]
    assert related.urgencies == await queries.urgencies_for([ids[0]])
    assert set(related.staff) == {row.owner_id, row.first_handler_id}


async def test_c12_read_complaint_still_refuses_a_partner_and_finds_no_missing_complaint():
    ids, _ = await _two_complaints_by_three_people()
    partner = await partners.create_partner(sp_code="SP1", name="合作方")
    intake = await Staff.get(id=partner.intake_staff_id)
    handler = await f.staff(Role.HANDLER)

    with pytest.raises(PermissionDenied):
        await reads.read_complaint(actor=intake, complaint_id=ids[0], along=EVERYTHING)
    with pytest.raises(NotFound):
        await reads.read_complaint(actor=handler, complaint_id=ids[1] + 1000, along=EVERYTHING)


async def test_a_relation_with_no_rows_on_the_page_reads_as_none_and_the_rest_as_before():
    handler = await f.staff(Role.HANDLER)  # no department: nothing to read of departments
    ids = [(await f.complaint(handler, await f.customer())).id for _ in range(2)]
    page = await queries.page(queries.ComplaintFilter(), first=2, after_id=None)
    assert await queries.urgencies_for(ids) == {}  # none has an urgency reason

    related = await related_to(page.rows, EVERYTHING)

    assert related.urgencies == {} and related.departments == {}
    assert related.events == await queries.events_for(ids) != {}
    assert related.deadlines == await queries.deadlines_for(ids)
    assert set(related.staff) == {handler.id}
    assert await complaint_with(ids[1] + 1000, EVERYTHING) is None
