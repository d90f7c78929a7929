"""`viewerCan` on complaints and refunds agrees with what the mutations then do: both read the
permission table and the life-cycle tables (C-2, C-6, R-11, R-12)."""

from __future__ import annotations

from graphql_schema.ids import global_id
from services.refunds.models import RefundStatus
from services.staff.models import Role
from tests import factories as f

REFUND_CAN = """query($id: ID!) { refund(id: $id) { status band viewerCan {
  verify changeAmount cancel approve reject confirmAmount execute } } }"""
APPROVE = """mutation($id: ID!) { approveRefund(id: $id) { __typename
  ... on Error { code } } }"""


async def test_r12_refund_viewer_can_shows_approve_only_to_an_approver_whose_band_covers_it(gql):
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler, request=f.goodwill_request(40000))
    assert refund.status == RefundStatus.AWAITING_APPROVAL and refund.band >= 2
    lead, deputy = await f.approver(1), await f.approver(4)

    async def can(who) -> dict[str, bool]:
        data = await gql.data(REFUND_CAN, {"id": global_id("Refund", refund.id)}, as_=who)
        return data["refund"]["viewerCan"]

    mine = await can(handler)
    assert (mine["approve"], mine["cancel"], mine["changeAmount"], mine["execute"]) == (
        False,
        True,
        True,
        False,
    )
    assert (await can(lead))["approve"] is False
    theirs = await can(deputy)
    assert (theirs["approve"], theirs["reject"], theirs["confirmAmount"]) == (True, True, False)

    refused = await gql.data(APPROVE, {"id": global_id("Refund", refund.id)}, as_=lead)
    done = await gql.data(APPROVE, {"id": global_id("Refund", refund.id)}, as_=deputy)
    assert refused["approveRefund"]["code"] == "PERMISSION_DENIED"
    assert done["approveRefund"]["__typename"] == "RefundResult"
    after = await can(handler)  # approved: waits for the customer's confirmation
    assert (after["confirmAmount"], after["approve"], after["execute"]) == (True, False, False)
    assert (await can(deputy))["approve"] is False
