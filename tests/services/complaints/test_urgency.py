"""C-3 batch and repeat detection, C-4 correction, C-5 classification: real rows, real times."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.complaints import matters, rules, service
from services.complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintUrgency,
    Severity,
    UrgencyReason,
    WarningColour,
)
from services.customers.models import Tier
from services.errors import InvalidInput
from services.staff.models import Role
from services.thresholds import service as thresholds
from tests import factories as f
from tests.services.complaints.test_lifecycle import walk_to_resolved


async def reasons_of(complaint_id: int) -> set[str]:
    return set(
        await ComplaintUrgency.filter(complaint_id=complaint_id).values_list("reason", flat=True)
    )


async def batch_members() -> set[int]:
    return set(
        await ComplaintUrgency.filter(reason=UrgencyReason.BATCH).values_list(
            "complaint_id", flat=True
        )
    )


async def complaints_from_new_customers(handler, n: int, tier: Tier = Tier.ORDINARY) -> list[int]:
    return [(await f.complaint(handler, await f.customer(tier=tier))).id for _ in range(n)]


async def test_c3_ten_ordinary_customers_are_not_a_batch_the_eleventh_marks_all_eleven():
    handler = await f.staff(Role.HANDLER)
    first_ten = await complaints_from_new_customers(handler, 10)
    assert await batch_members() == set()

    eleventh = await complaints_from_new_customers(handler, 1)

    assert await batch_members() == set(first_ten + eleventh)


async def test_c3_five_vip_customers_are_a_batch_four_are_not():
    handler = await f.staff(Role.HANDLER)
    four = await complaints_from_new_customers(handler, 4, Tier.MID_HIGH_END)
    assert await batch_members() == set()

    fifth = await complaints_from_new_customers(handler, 1, Tier.GOLD_AND_ABOVE)

    assert await batch_members() == set(four + fifth)


async def test_c3_batch_counts_distinct_customers_not_complaints():
    handler = await f.staff(Role.HANDLER)
    two_customers = [await f.customer(), await f.customer()]

    for i in range(12):
        await f.complaint(handler, two_customers[i % 2])

    assert await batch_members() == set()


async def test_c3_batch_window_slides_complaints_older_than_60_minutes_do_not_count():
    handler = await f.staff(Role.HANDLER)
    old = await complaints_from_new_customers(handler, 6)
    await Complaint.filter(id__in=old).update(
        created_at=(await Complaint.get(id=old[0])).created_at - timedelta(minutes=61)
    )

    recent = await complaints_from_new_customers(handler, 10)
    assert await batch_members() == set()
    crossing = await complaints_from_new_customers(handler, 1)

    assert await batch_members() == set(recent + crossing)


async def test_c3_batch_evidence_names_the_window_and_every_complaint():
    handler = await f.staff(Role.HANDLER)
    ids = await complaints_from_new_customers(handler, 11)

    urgency = await ComplaintUrgency.get(complaint_id=ids[0], reason=UrgencyReason.BATCH)

    assert urgency.evidence["complaint_ids"] == sorted(ids)
    assert urgency.evidence["customers"] == 11 and urgency.evidence["window_minutes"] == 60
    assert "11 customers" in urgency.note


async def test_c3_batch_thresholds_are_read_from_the_database():
    handler = await f.staff(Role.HANDLER)
    admin = await f.staff(Role.ADMIN)
    await thresholds.change(
        key=rules.BATCH_CUSTOMERS, value=2, reason="试点", changed_by_id=admin.id
    )

    ids = await complaints_from_new_customers(handler, 3)

    assert await batch_members() == set(ids)


async def test_c3_repeat_within_three_months_of_an_archived_complaint_links_to_it():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    earlier = await f.complaint(handler, customer)
    await walk_to_resolved(handler, earlier.id)
    await service.record_revisit(actor=handler, complaint_id=earlier.id, satisfied=True)
    await service.archive(actor=handler, complaint_id=earlier.id)

    again = await f.complaint(handler, customer)
    other_matter = await f.complaint(handler, customer, service_code="DATA-PACK")

    repeat = await ComplaintUrgency.get(complaint_id=again.id, reason=UrgencyReason.REPEAT)
    assert repeat.evidence["earlier_complaint_id"] == earlier.id
    assert UrgencyReason.REPEAT not in await reasons_of(other_matter.id)


async def test_c3_no_repeat_when_the_earlier_complaint_was_archived_more_than_three_months_ago():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    earlier = await f.complaint(handler, customer)
    await walk_to_resolved(handler, earlier.id)
    await service.record_revisit(actor=handler, complaint_id=earlier.id, satisfied=True)
    archived = await service.archive(actor=handler, complaint_id=earlier.id)
    assert archived.archived_at is not None
    await Complaint.filter(id=earlier.id).update(
        archived_at=archived.archived_at - timedelta(days=93)
    )

    again = await f.complaint(handler, customer)

    assert UrgencyReason.REPEAT not in await reasons_of(again.id)


async def test_c3_no_repeat_when_the_earlier_complaint_is_not_archived():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    await f.complaint(handler, customer)

    again = await f.complaint(handler, customer)

    assert UrgencyReason.REPEAT not in await reasons_of(again.id)


async def test_c3_handler_sets_major_with_a_reason_and_it_turns_red():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    with pytest.raises(InvalidInput):
        await service.set_urgency(
            actor=handler, complaint_id=complaint.id, reason=UrgencyReason.MAJOR, note=""
        )
    with pytest.raises(InvalidInput):
        await service.set_urgency(
            actor=handler, complaint_id=complaint.id, reason=UrgencyReason.BATCH, note="x"
        )
    after = await service.set_urgency(
        actor=handler, complaint_id=complaint.id, reason=UrgencyReason.MAJOR, note="媒体已报道"
    )

    assert await reasons_of(complaint.id) == {UrgencyReason.MAJOR}
    assert (after.severity, after.warning_colour) == (Severity.MAJOR, WarningColour.RED)


async def test_c4_correcting_the_matter_key_reruns_detection():
    handler = await f.staff(Role.HANDLER)
    batch = await complaints_from_new_customers(handler, 11)
    stray = await f.complaint(handler, await f.customer(), service_code="OTHER")
    assert UrgencyReason.BATCH not in await reasons_of(stray.id)
    key = (await Complaint.get(id=batch[0])).matter_key

    corrected = await matters.correct_matter_key(
        actor=handler, complaint_id=stray.id, matter_key=key, reason="同一故障"
    )
    moved_away = await matters.correct_matter_key(
        actor=handler,
        complaint_id=batch[0],
        matter_key="network_fault|-|广东/广州|-",
        reason="误归",
    )

    assert corrected.matter_key == key
    assert UrgencyReason.BATCH in await reasons_of(stray.id)
    assert UrgencyReason.BATCH not in await reasons_of(moved_away.id)
    removed = await ComplaintEvent.filter(complaint_id=batch[0], action="urgency_removed").count()
    assert removed == 1


async def test_c5_second_unresolved_complaint_turns_yellow_and_goes_to_the_department_head():
    dept = await f.department()
    head = await f.staff(Role.SUPERVISOR, dept=dept, head=True)
    handler = await f.staff(Role.HANDLER, dept=dept)
    customer = await f.customer()
    first = await f.complaint(handler, customer)
    assert first.warning_colour == WarningColour.BLUE

    second = await f.complaint(handler, customer, category=Category.NETWORK_FAULT)

    for complaint_id in (first.id, second.id):
        saved = await Complaint.get(id=complaint_id)
        assert saved.warning_colour == WarningColour.YELLOW
        escalation = await ComplaintEvent.get(
            complaint_id=complaint_id, action="escalated_to_department_head"
        )
        assert escalation.to_value == str(head.id)


async def test_c5_batch_is_a_group_dispute_major_and_yellow():
    handler = await f.staff(Role.HANDLER)
    ids = await complaints_from_new_customers(handler, 11)

    saved = await Complaint.filter(id__in=ids)

    assert {(c.severity, c.warning_colour) for c in saved} == {
        (Severity.MAJOR, WarningColour.YELLOW)
    }


async def test_c5_over_level_is_red_and_staff_attitude_is_moderate():
    from services.complaints.models import Channel

    handler = await f.staff(Role.HANDLER)

    over = await f.complaint(handler, channel=Channel.ABOVE_LEVEL)
    attitude = await f.complaint(handler, category=Category.STAFF_ATTITUDE)

    assert over.warning_colour == WarningColour.RED
    assert (attitude.severity, attitude.warning_colour) == (Severity.MODERATE, WarningColour.BLUE)
