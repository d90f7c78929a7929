"""C-12 on refunds: a number typed into a refund's free texts shows only to those who handle
its complaint; every other member of staff sees it masked."""

from __future__ import annotations

from services.staff.models import Role
from tests import factories as f

TEXTS = "query($id: ID!) { refund(id: $id) { phoneVisible matter cause } }"


async def test_c12_a_number_typed_into_a_refund_shows_only_to_its_handler(gql):
    owner = await f.staff(Role.HANDLER, dept=await f.department())
    stranger = await f.staff(Role.HANDLER, dept=await f.department())
    refund = await f.refund(
        owner, matter="13800138000 的短信包", cause="客户来电 139-0013-9000 称重复扣费"
    )

    mine = (await gql.data(TEXTS, {"id": str(refund.id)}, as_=owner))["refund"]
    theirs = (await gql.data(TEXTS, {"id": str(refund.id)}, as_=stranger))["refund"]

    assert mine == {
        "phoneVisible": True,
        "matter": "13800138000 的短信包",
        "cause": "客户来电 139-0013-9000 称重复扣费",
    }
    assert theirs["phoneVisible"] is False
    assert "13800138000" not in theirs["matter"] and "138****8000" in theirs["matter"]
    assert "0013" not in theirs["cause"] and "称重复扣费" in theirs["cause"]
