"""C-9: a customer who prefers e-mail gives an address at intake, and the written notices of
the complaint go there."""

from __future__ import annotations

import pytest

from services.complaints import service, timekeeping
from services.complaints.models import ContactPreference
from services.customers.models import Customer
from services.errors import ErrorCode, InvalidInput
from services.notices.models import Notice
from services.staff.models import Role
from tests import factories as f
from tests.services.complaints.test_lifecycle import walk_to_resolved


async def test_c9_the_address_given_at_intake_receives_the_written_result():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()

    complaint = await f.complaint(
        handler,
        customer,
        contact_preference=ContactPreference.EMAIL,
        contact_email="zhang.san@example.cn",
    )
    await walk_to_resolved(handler, complaint.id)
    await timekeeping.record_result_told(
        actor=handler, complaint_id=complaint.id, via=ContactPreference.EMAIL
    )

    assert (await Customer.get(id=customer.id)).email == "zhang.san@example.cn"
    result = await Notice.get(key=f"complaint:{complaint.id}:result:0")
    assert (result.channel, result.email) == ("email", "zhang.san@example.cn")


async def test_c9_preferring_e_mail_without_an_address_is_refused_before_anything_is_written():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()

    with pytest.raises(InvalidInput) as refused:
        await f.complaint(handler, customer, contact_preference=ContactPreference.EMAIL)
    with pytest.raises(InvalidInput) as malformed:
        await f.complaint(handler, customer, contact_email="not an address")

    assert (refused.value.code, refused.value.field) == (ErrorCode.REQUIRED, "contactEmail")
    assert malformed.value.field == "contactEmail"
    assert not await service.Complaint.exists(customer_id=customer.id)
