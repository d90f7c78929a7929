"""C-4 over GraphQL: `correctMatterKey` re-runs detection on both matters; bad input is typed."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services import clock
from services.complaints.models import Complaint
from services.staff.models import Role
from tests import factories as f

BASE = datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))

CORRECT = """mutation($id: ID!, $key: String!) {
  correctMatterKey(id: $id, matterKey: $key, reason: "同一故障") {
    __typename
    ... on ComplaintResult { complaint { warningColour urgency { reason evidence }
        history { action fromValue toValue } } }
    ... on Error { code message } } }"""


async def test_c4_correcting_an_earlier_complaint_shows_its_batch_mark_and_history(
    gql, monkeypatch
):
    handler = await f.staff(Role.HANDLER)
    monkeypatch.setattr(clock, "now", lambda: BASE - timedelta(minutes=5))
    earlier = await f.complaint(handler, service_code="DATA-PACK")
    ten = []
    for i in range(10):
        monkeypatch.setattr(clock, "now", lambda i=i: BASE + timedelta(minutes=i))
        ten.append(await f.complaint(handler))

    data = await gql.data(CORRECT, {"id": str(earlier.id), "key": ten[0].matter_key}, as_=handler)
    too_long = await gql.data(CORRECT, {"id": str(earlier.id), "key": "k" * 201}, as_=handler)

    complaint = data["correctMatterKey"]["complaint"]
    assert complaint["warningColour"] == "YELLOW"
    [batch] = [u for u in complaint["urgency"] if u["reason"] == "BATCH"]
    assert batch["evidence"]["customers"] == 11
    assert {"action": "correct_matter_key", "fromValue": earlier.matter_key} | {
        "toValue": ten[0].matter_key
    } in complaint["history"]
    assert too_long["correctMatterKey"]["__typename"] == "InputError"
    assert too_long["correctMatterKey"]["code"] == "INVALID_INPUT"
    assert "at most 200 characters" in too_long["correctMatterKey"]["message"]
    assert (await Complaint.get(id=ten[0].id)).warning_colour == "yellow"
