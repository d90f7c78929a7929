"""C-6: the life cycle, its history, and that concurrent steps cannot both win."""

from __future__ import annotations

import asyncio

import pytest
from asyncpg.exceptions import PostgresError

from services.complaints import service
from services.complaints.models import ComplaintEvent, ComplaintUrgency, Status, UrgencyReason
from services.errors import ErrorCode, IllegalTransition, InvalidInput, PermissionDenied
from services.staff.models import Role
from tests import factories as f


async def walk_to_resolved(actor, complaint_id: int, *, revisit_window_open: bool = True) -> None:
    """Received → resolved; by default with the revisit window already open."""
    await service.acknowledge(actor=actor, complaint_id=complaint_id)
    await service.start_investigation(actor=actor, complaint_id=complaint_id)
    await service.propose_plan(actor=actor, complaint_id=complaint_id, plan="退还多扣费用")
    await service.start_resolution(actor=actor, complaint_id=complaint_id)
    await service.resolve(
        actor=actor,
        complaint_id=complaint_id,
        cause="计费系统重复出账",
        solution="退还 30 元",
        prevention="修复出账脚本",
    )
    if revisit_window_open:
        await f.open_revisit_window(complaint_id)


async def test_c6_full_life_cycle_records_who_when_and_why_for_every_step():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    await walk_to_resolved(handler, complaint.id)
    await service.record_revisit(
        actor=handler, complaint_id=complaint.id, satisfied=True, note="满意"
    )
    done = await service.archive(actor=handler, complaint_id=complaint.id)

    assert done.status == Status.ARCHIVED
    assert done.archived_at is not None and done.resolved_at is not None
    steps = await ComplaintEvent.filter(complaint_id=complaint.id, field="status").order_by("id")
    assert [(e.from_value, e.to_value) for e in steps] == [
        ("", "received"),
        ("received", "acknowledged"),
        ("acknowledged", "investigating"),
        ("investigating", "plan_proposed"),
        ("plan_proposed", "resolving"),
        ("resolving", "resolved"),
        ("resolved", "revisited"),
        ("revisited", "archived"),
    ]
    assert all(e.actor_id == handler.id for e in steps)  # type: ignore[attr-defined]


async def test_c6_illegal_transition_is_refused_and_changes_nothing():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    events_before = await ComplaintEvent.filter(complaint_id=complaint.id).count()

    with pytest.raises(IllegalTransition) as refused:
        await service.resolve(
            actor=handler, complaint_id=complaint.id, cause="c", solution="s", prevention="p"
        )

    assert refused.value.code == ErrorCode.ILLEGAL_TRANSITION
    assert refused.value.current == "received"
    await complaint.refresh_from_db()
    assert complaint.status == Status.RECEIVED and complaint.result_cause == ""
    assert await ComplaintEvent.filter(complaint_id=complaint.id).count() == events_before


async def test_c6_objection_after_the_result_reopens_a_second_investigation():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await walk_to_resolved(handler, complaint.id)

    reopened = await service.reopen(
        actor=handler, complaint_id=complaint.id, reason="客户不认可原因"
    )

    assert reopened.status == Status.INVESTIGATING
    assert reopened.reopen_count == 1
    last = await ComplaintEvent.filter(complaint_id=complaint.id).order_by("-id").first()
    assert last is not None and last.action == "reopen" and last.reason == "客户不认可原因"


async def test_c6_reopen_without_a_reason_is_refused():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await walk_to_resolved(handler, complaint.id)

    with pytest.raises(InvalidInput) as refused:
        await service.reopen(actor=handler, complaint_id=complaint.id, reason="  ")

    assert (refused.value.code, refused.value.field) == (ErrorCode.REQUIRED, "reason")


async def test_c6_unsatisfied_revisit_escalates_and_reinvestigates():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await walk_to_resolved(handler, complaint.id)

    after = await service.record_revisit(
        actor=handler, complaint_id=complaint.id, satisfied=False, note="问题仍未解决"
    )

    assert after.status == Status.INVESTIGATING
    assert after.revisit_satisfied is False
    assert await ComplaintUrgency.exists(complaint_id=complaint.id, reason=UrgencyReason.ESCALATED)


async def test_c6_concurrent_steps_on_one_complaint_cannot_both_win():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    results = await asyncio.gather(
        *(service.acknowledge(actor=handler, complaint_id=complaint.id) for _ in range(10)),
        return_exceptions=True,
    )

    wins = [r for r in results if not isinstance(r, BaseException)]
    refusals = [r for r in results if isinstance(r, IllegalTransition)]
    assert (len(wins), len(refusals)) == (1, 9)
    acks = await ComplaintEvent.filter(complaint_id=complaint.id, action="acknowledge").count()
    assert acks == 1


async def test_c6_history_is_append_only_in_the_database():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    event = await ComplaintEvent.filter(complaint_id=complaint.id).first()
    assert event is not None

    with pytest.raises(PostgresError, match="append-only"):
        await ComplaintEvent.filter(id=event.id).update(reason="rewritten")
    with pytest.raises(PostgresError, match="append-only"):
        await ComplaintEvent.filter(id=event.id).delete()


async def test_c6_only_the_owner_or_a_lead_of_its_department_may_act():
    dept = await f.department()
    owner = await f.staff(Role.HANDLER, dept=dept)
    colleague = await f.staff(Role.HANDLER, dept=dept)
    lead = await f.staff(Role.TEAM_LEAD, dept=dept)
    other_lead = await f.staff(Role.TEAM_LEAD, dept=await f.department())
    complaint = await f.complaint(owner)

    for outsider in (colleague, other_lead):
        with pytest.raises(PermissionDenied):
            await service.acknowledge(actor=outsider, complaint_id=complaint.id)
    acknowledged = await service.acknowledge(actor=lead, complaint_id=complaint.id)

    assert acknowledged.status == Status.ACKNOWLEDGED
