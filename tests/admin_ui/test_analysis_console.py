"""C-11 in the console: the two overview charts that were wrong, the analysis page with its
definitions as tooltips, its CSV and Excel files (numbers equal to the GraphQL answer), and
its printable page."""

from __future__ import annotations

from datetime import timedelta

from admin_ui import stats
from services import clock
from services.complaints.models import Deadline, DeadlineKind, DeadlineState
from services.refunds import approvals, changes
from services.refunds import clock as local
from services.staff.models import Role
from tests import factories as f
from tests.admin_ui.conftest import Console, text_of
from tests.services.analysis.world import resolve


async def test_c11_deadlines_chart_no_longer_counts_the_revisit_window_as_missed():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await resolve(handler, complaint)
    await f.open_revisit_window(complaint.id)  # opens a minute ago: pending, "past due"
    now = clock.now()
    await Deadline.filter(complaint_id=complaint.id, kind=DeadlineKind.ACKNOWLEDGE).update(
        due_at=now - timedelta(minutes=2)  # met in time, and due already: counted
    )
    since = local.local_midnight(local.month_start(local.local_date(now)))

    counts = await stats.deadline_compliance(since, now + timedelta(seconds=1))

    assert counts[f"{local.local_date(now):%Y-%m}"] == {"on_time": 1, "late": 0}
    opens = await Deadline.get(complaint_id=complaint.id, kind=DeadlineKind.REVISIT_OPENS)
    assert opens.state == DeadlineState.PENDING and opens.due_at < now  # what was counted late


async def test_c11_refunds_by_band_shows_what_was_paid_not_what_was_asked(admin: Console):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler, await f.customer(credit_standing="good"))
    paid = await f.executed_refund(handler, await f.refund(handler, complaint))
    cancelled = await f.refund(handler, complaint)
    await changes.cancel_refund(actor=handler, refund_id=cancelled.id, reason="客户撤回")
    rejected = await f.refund(handler, complaint, f.goodwill_request(40000))
    await approvals.reject(actor=await f.approver(4), refund_id=rejected.id, reason="不符合")

    bands = await stats.refunds_by_band(clock.now() - timedelta(days=90))
    page = await admin.get("/admin/overview")

    assert bands == {paid.band: (1, paid.refund_fen)}
    text = text_of(page.text)
    assert "近 90 天已执行退费金额（元，按审批档位）" in text
    assert f"第{paid.band}档 · 金额（元）: {paid.refund_fen / 100:,.1f}" in page.text
    assert "400" not in text_of(page.text.split("已执行退费金额")[1])  # the rejected 400 yuan
