"""C-6 … C-9: the life-cycle table is what the steps do, README shows it, and a step is one
transaction: its history, its round count, its deadlines and its notices together or not at all."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from services import clock, events
from services.complaints import deadlines, lifecycle, service, timekeeping
from services.complaints.models import (
    Complaint,
    ComplaintEvent,
    ContactPreference,
    Deadline,
    DeadlineKind,
    DeadlineState,
    Status,
    WarningColour,
)
from services.notices import delivery
from services.notices.gateways.outbox import OutboxGateway
from services.notices.models import Notice, NoticeStatus
from services.permissions.table import TABLE
from services.staff.models import Role
from tests import factories as f
from tests.services.complaints.test_lifecycle import walk_to_resolved

README = Path(__file__).resolve().parents[3] / "README.md"


def test_c6_the_readme_shows_the_life_cycle_table_of_the_code():
    text = README.read_text(encoding="utf-8")

    assert lifecycle.in_readme(text) == text, (
        "README's life-cycle table differs from services/complaints/lifecycle.py: "
        "run `ENV=dev .venv/bin/python -m services.complaints.lifecycle --readme`"
    )
    assert "| `archive`: the loop is closed" in text


def test_c6_every_row_is_decided_by_the_permission_table_and_every_status_is_reachable():
    assert all(row.use_case in TABLE for row in lifecycle.ROWS)
    targets = {row.target for row in lifecycle.ROWS if row.target} | {Status.RECEIVED}
    assert targets == set(Status)
    assert lifecycle.can_take("archive", Status.REVISITED)
    assert not lifecycle.can_take("archive", Status.RESOLVED)


async def test_c6_every_status_move_of_a_complaint_follows_its_row():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    await walk_to_resolved(handler, complaint.id)
    await service.reopen(actor=handler, complaint_id=complaint.id, reason="客户不认可")

    moves = await ComplaintEvent.filter(complaint_id=complaint.id, field="status").order_by("id")
    for move in moves[1:]:  # the first is intake
        row = lifecycle.ACTIONS[move.action]
        assert Status(move.from_value) in row.sources and row.target == Status(move.to_value)


async def test_c6_a_reopened_round_is_counted_in_the_steps_transaction(monkeypatch):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await walk_to_resolved(handler, complaint.id)
    invitation = await Notice.get(complaint_id=complaint.id, template="revisit_invitation")

    async def failing(event):  # the notices' reaction fails after the count was written
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(events, "_handlers", {type_: [failing] for type_ in events._handlers})
    with pytest.raises(RuntimeError):
        await service.reopen(actor=handler, complaint_id=complaint.id, reason="客户不认可")
    monkeypatch.undo()
    await complaint.refresh_from_db()
    await invitation.refresh_from_db()
    failed = (complaint.status, complaint.reopen_count, invitation.status)

    await service.reopen(actor=handler, complaint_id=complaint.id, reason="客户不认可")
    await complaint.refresh_from_db()
    await invitation.refresh_from_db()

    assert failed == (Status.RESOLVED, 0, NoticeStatus.PENDING)  # nothing half-written
    assert (complaint.status, complaint.reopen_count) == (Status.INVESTIGATING, 1)
    assert invitation.status == NoticeStatus.CANCELLED  # the withdrawn invitation
    counted = await ComplaintEvent.get(complaint_id=complaint.id, field="reopen_count")
    assert (counted.from_value, counted.to_value, counted.reason) == ("0", "1", "客户不认可")


async def test_c9_a_process_that_did_not_wire_the_notices_cannot_take_a_step(monkeypatch):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    monkeypatch.setattr(events, "_wired", False)

    with pytest.raises(events.NotWired):
        await service.acknowledge(actor=handler, complaint_id=complaint.id)

    await complaint.refresh_from_db()
    assert complaint.status == Status.RECEIVED  # not acknowledged without the customer told
    assert not await Notice.exists(complaint_id=complaint.id)


async def test_c7_an_unsatisfied_revisit_starts_a_new_round_with_new_limits():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await walk_to_resolved(handler, complaint.id)

    await service.record_revisit(
        actor=handler, complaint_id=complaint.id, satisfied=False, note="问题仍未解决"
    )
    await Complaint.filter(id=complaint.id).update(status=Status.RESOLVING)
    await service.resolve(
        actor=handler, complaint_id=complaint.id, cause="再查", solution="再退", prevention="再修"
    )

    limits = await Deadline.filter(
        complaint_id=complaint.id, kind=DeadlineKind.RESULT_FEEDBACK
    ).order_by("id")
    assert [(d.key, d.state) for d in limits] == [
        ("result_feedback:0", DeadlineState.WAIVED),
        ("result_feedback:1", DeadlineState.PENDING),
    ]


async def test_c9_the_result_deadline_is_met_when_the_worker_delivers_the_result_sms():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)  # prefers SMS
    await walk_to_resolved(handler, complaint.id)
    await timekeeping.record_result_told(
        actor=handler, complaint_id=complaint.id, via=ContactPreference.SMS
    )
    notice = await Notice.get(key=f"complaint:{complaint.id}:result:0")
    sent_at = clock.now() + timedelta(minutes=5)

    await delivery.deliver(notice.id, gateway=OutboxGateway(), at=sent_at)

    feedback = await Deadline.get(complaint_id=complaint.id, kind=DeadlineKind.RESULT_FEEDBACK)
    assert feedback.state == DeadlineState.MET
    assert feedback.met_at is not None and abs(feedback.met_at - sent_at) < timedelta(seconds=1)


async def test_c5_a_missed_deadline_keeps_its_colour_through_every_later_step():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    assert await deadlines.sweep(at=clock.now() + timedelta(days=2)) == 1  # acknowledge missed
    colours = [(await Complaint.get(id=complaint.id)).warning_colour]

    await walk_to_resolved(handler, complaint.id)
    colours.append((await Complaint.get(id=complaint.id)).warning_colour)
    await service.reopen(actor=handler, complaint_id=complaint.id, reason="客户不认可")
    colours.append((await Complaint.get(id=complaint.id)).warning_colour)

    assert colours == [WarningColour.YELLOW] * 3
