"""C-10 over GraphQL: a complaint shows its matter's supervision (owner, start, reason, end),
and `supervised: true` lists the matters supervised now."""

from __future__ import annotations

from graphql_schema.ids import global_id
from services.complaints import service
from services.staff.models import Role, Track
from tests import factories as f
from tests.services.complaints.test_lifecycle import walk_to_resolved

SUPERVISION = """query($id: ID!) { complaint(id: $id) { supervision {
  active cause reason complaintsAtStart startedByComplaintId endedAt endReason
  owner { username } startedBy { username } endedBy { username } } } }"""

SUPERVISED = """query($on: Boolean!) {
  complaints(filter: {supervised: $on}) { edges { node { id } } } }"""


async def archive(handler, complaint_id: int) -> None:
    await walk_to_resolved(handler, complaint_id)
    await service.record_revisit(actor=handler, complaint_id=complaint_id, satisfied=True)
    await service.archive(actor=handler, complaint_id=complaint_id)


async def test_c10_a_complaint_shows_who_owns_its_matters_supervision_why_and_when_it_ended(gql):
    handler = await f.staff(Role.HANDLER)
    await f.staff(Role.SUPERVISOR, track=Track.SERVICE_CENTRE, username="manager", head=True)
    customer = await f.customer()
    for _ in range(2):
        earlier = await f.complaint(handler, customer)
        await archive(handler, earlier.id)
    third = await f.complaint(handler, customer)
    unrelated = await f.complaint(handler, service_code="DATA-PACK")

    shown = (await gql.data(SUPERVISION, {"id": str(third.id)}, as_=handler))["complaint"]
    listed = await gql.data(SUPERVISED, {"on": True}, as_=handler)

    assert shown["supervision"] | {"reason": ""} == {
        "active": True,
        "cause": "REPEAT_COMPLAINTS",
        "reason": "",
        "complaintsAtStart": 3,
        "startedByComplaintId": global_id("Complaint", third.id),
        "endedAt": None,
        "endReason": "",
        "owner": {"username": "manager"},
        "startedBy": None,
        "endedBy": None,
    }
    assert "3 complaints of one customer on this matter" in shown["supervision"]["reason"]
    on_matter = {e["node"]["id"] for e in listed["complaints"]["edges"]}
    assert global_id("Complaint", third.id) in on_matter
    assert global_id("Complaint", unrelated.id) not in on_matter

    await archive(handler, third.id)  # the last open complaint of the matter
    ended = (await gql.data(SUPERVISION, {"id": str(third.id)}, as_=handler))["complaint"]
    still = await gql.data(SUPERVISED, {"on": True}, as_=handler)

    assert ended["supervision"]["active"] is False and ended["supervision"]["endedAt"]
    assert ended["supervision"]["endedBy"] == {"username": handler.username}
    assert "archived" in ended["supervision"]["endReason"]
    assert still["complaints"]["edges"] == []
    assert (await gql.data(SUPERVISION, {"id": str(unrelated.id)}, as_=handler))["complaint"][
        "supervision"
    ] is None
