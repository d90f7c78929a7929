"""The staff directory a front end picks people from, and marking one's notifications read."""

from __future__ import annotations

from services.complaints.inbox import mark_notifications_read
from services.complaints.models import Notification
from services.staff.directory import StaffFilter, list_departments, list_staff
from services.staff.models import Role, Track
from tests import factories as f


async def test_directory_filters_by_role_department_and_band():
    net, bill = await f.department("NET"), await f.department("BILL")
    handler = await f.staff(Role.HANDLER, dept=net)
    lead = await f.staff(Role.TEAM_LEAD, dept=net)
    manager = await f.staff(Role.MANAGER, dept=bill)
    deputy = await f.staff(Role.DEPUTY_GM, track=Track.SERVICE_CENTRE)
    gone = await f.staff(Role.HANDLER, dept=net)
    gone.is_active = False
    await gone.save()
    auditor = await f.staff(Role.AUDITOR)

    async def ids(**criteria: object) -> set[int]:
        return {s.id for s in await list_staff(actor=auditor, criteria=StaffFilter(**criteria))}

    assert await ids(department_id=net.id) == {handler.id, lead.id}
    assert await ids(roles=[Role.HANDLER, Role.TEAM_LEAD]) == {handler.id, lead.id}
    # who may approve a band-3 refund: managers and deputies, on either track
    assert await ids(approves_band=3) == {manager.id, deputy.id}
    assert await ids(approves_band=3, track=Track.BRANCH) == {manager.id}
    assert await ids(approves_band=4, roles=[Role.HANDLER]) == set()
    assert await ids(department_id=net.id, include_inactive=True) == {
        handler.id,
        lead.id,
        gone.id,
    }
    assert [d.code for d in await list_departments(actor=auditor)] == ["BILL", "NET"]


async def test_a_partner_intake_account_is_not_in_the_directory():
    from services.partners import service as partners

    await f.department("A")
    partner = await partners.create_partner(sp_code="SP1", name="合作方", department_code="A")
    reader = await f.staff(Role.HANDLER)
    listed = {s.id for s in await list_staff(actor=reader, criteria=StaffFilter())}
    assert partner.intake_staff_id not in listed and reader.id in listed


async def test_marking_notifications_read_touches_only_ones_own():
    me, other = await f.staff(Role.TEAM_LEAD), await f.staff(Role.TEAM_LEAD)
    complaint = await f.complaint(me, await f.customer())
    mine = [
        await Notification.create(
            recipient=me, complaint=complaint, kind="escalation", key=f"k{n}", message="预警"
        )
        for n in range(3)
    ]
    theirs = await Notification.create(
        recipient=other, complaint=complaint, kind="escalation", key="k", message="预警"
    )
    marked = await mark_notifications_read(actor=me, ids=[mine[0].id, theirs.id])
    assert [n.id for n in marked] == [mine[0].id] and marked[0].read_at is not None
    assert (await Notification.get(id=theirs.id)).read_at is None
    first_read = marked[0].read_at
    rest = await mark_notifications_read(actor=me)  # all unread
    assert {n.id for n in rest} == {mine[1].id, mine[2].id}
    assert (await Notification.get(id=mine[0].id)).read_at == first_read
    assert await Notification.filter(recipient=me, read_at__isnull=True).count() == 0
