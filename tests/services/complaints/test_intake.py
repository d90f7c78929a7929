"""C-1 … C-4 at intake."""

from __future__ import annotations

import pytest

from services.complaints import policy, service
from services.complaints.models import (
    Category,
    Channel,
    Complaint,
    ComplaintUrgency,
    Deadline,
    DeadlineKind,
    Status,
    UrgencyReason,
)
from services.customers.models import Tier
from services.errors import ErrorCode, InvalidInput, NotFound, PermissionDenied
from services.staff.models import Role
from tests import factories as f


async def test_c1_complaint_belongs_to_one_customer_and_records_its_channel():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(msisdn="13912345678")

    complaint = await f.complaint(handler, customer, channel=Channel.SOCIAL_MEDIA)

    assert complaint.customer_id == customer.id  # type: ignore[attr-defined]
    assert complaint.channel == Channel.SOCIAL_MEDIA


@pytest.mark.parametrize("bad", ["1381234123", "23812341234", "138123412345", "1381234abcd", ""])
async def test_c1_msisdn_must_be_11_digits_starting_with_1(bad):
    handler = await f.staff(Role.HANDLER)

    with pytest.raises(InvalidInput) as refused:
        await service.create_complaint(actor=handler, intake=f.intake(bad))

    assert refused.value.field == "msisdn"
    assert refused.value.problems[0].code == ErrorCode.INVALID_MSISDN
    assert await Complaint.all().count() == 0


async def test_c1_msisdn_written_with_country_code_and_spaces_is_accepted():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(msisdn="13812341234")

    complaint = await service.create_complaint(actor=handler, intake=f.intake("+86 138-1234-1234"))

    assert complaint.customer_id == customer.id  # type: ignore[attr-defined]


async def test_c2_intake_records_the_matter_the_request_and_the_first_handler():
    dept = await f.department()
    handler = await f.staff(Role.HANDLER, dept=dept)
    customer = await f.customer()

    complaint = await f.complaint(
        handler,
        customer,
        location="天河营业厅",
        staff_involved="营业员 8号",
        details="客户称 10 月 3 日起每天被扣 2 元",
        contact_name="李女士",
    )

    saved = await Complaint.get(id=complaint.id)
    assert saved.summary == "本月话费多扣了 30 元"
    assert saved.customer_request == "退还多扣的费用"
    assert (saved.location, saved.staff_involved) == ("天河营业厅", "营业员 8号")
    assert saved.details.startswith("客户称")
    assert saved.contact_name == "李女士" and saved.contact_phone == customer.msisdn
    assert saved.first_handler_id == saved.owner_id == handler.id  # type: ignore[attr-defined]
    assert saved.department_id == dept.id  # type: ignore[attr-defined]
    assert saved.status == Status.RECEIVED


async def test_c2_missing_fields_are_all_named_and_nothing_is_written():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()

    with pytest.raises(InvalidInput) as refused:
        await service.create_complaint(
            actor=handler,
            intake=f.intake(customer.msisdn, contact_name="", summary=" ", channel=None),
        )

    assert {p.field for p in refused.value.problems} == {"contactName", "summary", "channel"}
    assert all(p.code == ErrorCode.REQUIRED for p in refused.value.problems)
    assert await Complaint.all().count() == 0


async def test_c2_first_handler_owns_it_until_handed_on_explicitly():
    handler = await f.staff(Role.HANDLER)
    colleague = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    handed = await service.assign(
        actor=handler, complaint_id=complaint.id, owner_id=colleague.id, reason="转网络部处理"
    )

    assert handed.owner_id == colleague.id  # type: ignore[attr-defined]
    assert handed.first_handler_id == handler.id  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied):
        await service.acknowledge(actor=handler, complaint_id=complaint.id)


async def test_c2_unknown_customer_number_is_not_found():
    handler = await f.staff(Role.HANDLER)

    with pytest.raises(NotFound) as refused:
        await service.create_complaint(actor=handler, intake=f.intake("13700000000"))

    assert refused.value.field == "msisdn"


async def test_c2_only_handling_staff_take_complaints():
    auditor = await f.staff(Role.AUDITOR)
    customer = await f.customer()

    with pytest.raises(PermissionDenied):
        await service.create_complaint(actor=auditor, intake=f.intake(customer.msisdn))


@pytest.mark.parametrize(
    ("tier", "sensitive", "channel", "expected"),
    [
        (Tier.ORDINARY, False, Channel.HOTLINE, set()),
        (Tier.GOLD_AND_ABOVE, False, Channel.HOTLINE, {UrgencyReason.IMPORTANT_CUSTOMER}),
        (Tier.GOVERNMENT_CONTACT, False, Channel.HOTLINE, {UrgencyReason.IMPORTANT_CUSTOMER}),
        (Tier.ORDINARY, True, Channel.HOTLINE, {UrgencyReason.SENSITIVE_CUSTOMER}),
        (Tier.ORDINARY, False, Channel.ABOVE_LEVEL, {UrgencyReason.OVER_LEVEL}),
    ],
)
async def test_c3_urgency_from_customer_record_and_channel(tier, sensitive, channel, expected):
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(tier=tier, sensitive=sensitive)

    complaint = await f.complaint(handler, customer, channel=channel)

    reasons = set(
        await ComplaintUrgency.filter(complaint_id=complaint.id).values_list("reason", flat=True)
    )
    assert reasons == expected


def test_c4_same_matter_key_for_same_category_service_and_region():
    one = policy.matter_key(
        category="billing_error", service_code="VOICE", province="广东", city="广州"
    )
    two = policy.matter_key(
        category="billing_error", service_code=" voice ", province="广东", city="广州"
    )
    other_city = policy.matter_key(
        category="billing_error", service_code="VOICE", province="广东", city="深圳"
    )
    other_sp = policy.matter_key(
        category="billing_error",
        service_code="VOICE",
        province="广东",
        city="广州",
        sp_code="801234",
    )

    assert one == two
    assert len({one, other_city, other_sp}) == 3


async def test_c4_matter_key_is_computed_at_intake():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(province="广东", city="广州")

    complaint = await f.complaint(
        handler,
        customer,
        category=Category.VALUE_ADDED_SERVICE,
        service_code="MUSIC",
        sp_code="9001",
    )

    assert complaint.matter_key == "value_added_service|music|广东/广州|9001"


async def test_c7_acknowledge_deadline_is_set_at_intake_and_met_on_acknowledge():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    deadline = await Deadline.get(complaint_id=complaint.id, kind=DeadlineKind.ACKNOWLEDGE)
    assert deadline.state == "pending" and deadline.due_at > complaint.created_at
    await service.acknowledge(actor=handler, complaint_id=complaint.id)

    await deadline.refresh_from_db()
    assert deadline.state == "met" and deadline.met_at is not None


async def test_c2_a_contact_phone_typed_in_full_width_digits_is_stored_as_ascii():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()

    complaint = await service.create_complaint(
        actor=handler, intake=f.intake(customer.msisdn, contact_phone="１３９-００１３-９０００")
    )

    assert complaint.contact_phone == "13900139000"
