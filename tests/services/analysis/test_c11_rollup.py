"""C-11: the rollup the worker keeps answers a month's reads while it is fresh, and equals
the live analysis it was computed from."""

from __future__ import annotations

from datetime import date, timedelta

from services import clock
from services.analysis import kpis, rollup
from services.analysis.models import AnalysisRollup
from services.staff.models import Role
from tests import factories as f
from tests.services.analysis.world import resolve
from workers.analysis import refresh_analysis

MARCH = date(2026, 3, 1)


async def test_c11_the_worker_rollup_equals_the_live_analysis_and_answers_while_fresh():
    dept = await f.department("A")
    handler = await f.staff(Role.HANDLER, dept=dept)
    await resolve(handler, await f.complaint(handler, province="北京", city="北京"))
    lead = await f.staff(Role.TEAM_LEAD)

    stored = await refresh_analysis({})  # March and February: whole, department A, 北京
    live = await kpis.analyse(MARCH)
    await f.complaint(handler)  # after the rollup
    kept = await kpis.monthly_analysis(actor=lead, month=MARCH)
    by_region = await kpis.monthly_analysis(actor=lead, month=MARCH, region="北京")

    assert stored == 4 and await AnalysisRollup.filter(month=MARCH).count() == 3
    assert kept.computed_at is not None and kept.complaints == 1
    assert kept == rollup.from_payload(rollup.to_payload(live), kept.computed_at)
    assert by_region.computed_at is not None and by_region.complaints == 1
    # 16 minutes later the rollup is stale: computed live, the new complaint counted
    clock.pin(clock.now() + timedelta(minutes=16))
    fresh = await kpis.monthly_analysis(actor=lead, month=MARCH)
    assert fresh.computed_at is None and fresh.complaints == 2
