"""C-7 over the API: a deadline counted on a provisional year says so, a late step shows as
MET_LATE, and /readyz says how far the confirmed calendar reaches."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services import clock
from services.complaints import service
from services.staff.models import Role
from tests import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEADLINES = """query($id: ID!) { complaint(id: $id) {
  deadlines { kind state dueAt metAt breachedAt provisional } } }"""


async def test_c7_a_deadline_counted_on_a_provisional_year_says_so(gql):
    clock.freeze(datetime(2026, 12, 31, 10, tzinfo=SHANGHAI))
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    data = await gql.data(DEADLINES, {"id": str(complaint.id)}, as_=handler)

    by_kind = {d["kind"]: d for d in data["complaint"]["deadlines"]}
    assert by_kind["ACKNOWLEDGE"]["provisional"] is True
    assert datetime.fromisoformat(by_kind["ACKNOWLEDGE"]["dueAt"]) == datetime(
        2027, 1, 4, 10, tzinfo=SHANGHAI
    )


async def test_c7_a_late_acknowledgement_shows_met_late_with_both_times(gql):
    clock.freeze(datetime(2026, 3, 10, 10, tzinfo=SHANGHAI))
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    clock.freeze(datetime(2026, 3, 12, 9, tzinfo=SHANGHAI))
    await service.acknowledge(actor=handler, complaint_id=complaint.id)

    data = await gql.data(DEADLINES, {"id": str(complaint.id)}, as_=handler)

    ack = next(d for d in data["complaint"]["deadlines"] if d["kind"] == "ACKNOWLEDGE")
    assert (ack["state"], ack["provisional"], ack["breachedAt"]) == ("MET_LATE", False, None)
    assert datetime.fromisoformat(ack["metAt"]) > datetime.fromisoformat(ack["dueAt"])


async def test_c7_readyz_warns_60_days_before_the_confirmed_calendar_ends(gql):
    clock.freeze(datetime(2026, 11, 29, 9, tzinfo=SHANGHAI))

    calendar = (await gql.http.get("/readyz")).json()["checks"]["calendar"]

    assert calendar["ok"] is True  # a warning, not yet a reason to stop serving
    assert calendar["lastConfirmedDay"] == "2026-12-31"
    assert calendar["daysLeft"] == 32
    assert "confirm 2027" in calendar["warning"]


async def test_c7_readyz_has_no_calendar_warning_early_in_the_year(gql):
    calendar = (await gql.http.get("/readyz")).json()["checks"]["calendar"]  # March 2026

    assert calendar["warning"] is None and calendar["daysLeft"] > 60


async def test_c7_readyz_stays_ready_after_the_last_confirmed_day(gql, redis):
    """Nobody confirmed 2027: complaints are still taken (2027 computed, provisional), so a
    load balancer must keep the API in service; the calendar check warns, it does not fail."""
    from graphql_schema.ops import HEALTH_KEY

    clock.freeze(datetime(2027, 1, 4, 18, tzinfo=SHANGHAI))  # Monday
    handler = await f.staff(Role.HANDLER)
    await f.complaint(handler)  # 2027 provisioned by rule
    await redis.psetex(HEALTH_KEY, 11_000, "Jan-04 10:00:00 j_complete=1 j_failed=0")

    response = await gql.http.get("/readyz")

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    calendar = body["checks"]["calendar"]
    assert (calendar["ok"], calendar["daysLeft"], calendar["provisionalYears"]) == (
        True,
        -4,
        [2027],
    )
    assert "ended 4 days ago" in calendar["warning"] and "confirm 2027" in calendar["warning"]
