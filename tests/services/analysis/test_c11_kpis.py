"""C-11: each KPI of the monthly analysis against a hand-counted month (March 2026).

The month: four complaints received (three billing errors by hotline in department A, one
network fault in a store in Beijing, department B), two in February, one in March 2025.
Two billing complaints are resolved with a root cause; one revisit is satisfied, one not;
one acknowledgement is overdue; three refunds are requested: one paid, one cancelled, one
rejected.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services import clock
from services.analysis import kpis, taxonomy
from services.analysis.models import ComplaintRootCause
from services.complaints import service as complaints
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
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.refunds import approvals, changes
from services.refunds.models import Refund
from services.staff.models import Role
from tests import factories as f
from tests.services.analysis.world import at, move_to, resolve

MARCH = date(2026, 3, 1)


@pytest.fixture
async def month() -> dict:
    a, b = await f.department("A", "营业一部"), await f.department("B", "网络部")
    handler_a = await f.staff(Role.HANDLER, dept=a)
    handler_b = await f.staff(Role.HANDLER, dept=b)
    c1, c2, c3 = [await f.complaint(handler_a) for _ in range(3)]
    c4 = await f.complaint(
        handler_b,
        category=Category.NETWORK_FAULT,
        channel=Channel.STORE,
        province="北京",
        city="北京",
        summary="家中无信号",
        service_code="NET",
    )
    for day in (3, 20):
        await move_to(await f.complaint(handler_a), at(2026, 2, day))
    await move_to(
        await f.complaint(handler_b, category=Category.NETWORK_FAULT, service_code="NET2"),
        at(2025, 3, 15),
    )
    # C1 and C2 resolved (billing system error); C1's revisit satisfied, C2's not
    await resolve(handler_a, c1)
    await resolve(handler_a, c2)
    for c in (c1, c2):
        await f.open_revisit_window(c.id)
    await complaints.record_revisit(actor=handler_a, complaint_id=c1.id, satisfied=True)
    await complaints.record_revisit(
        actor=handler_a, complaint_id=c2.id, satisfied=False, note="仍有扣费"
    )
    # C3's acknowledgement was due yesterday and is still pending: late
    await Deadline.filter(complaint_id=c3.id, kind=DeadlineKind.ACKNOWLEDGE).update(
        due_at=clock.now() - timedelta(days=1)
    )
    await ComplaintUrgency.create(complaint_id=c3.id, reason=UrgencyReason.REPEAT)
    await ComplaintUrgency.create(complaint_id=c4.id, reason=UrgencyReason.BATCH)
    # refunds: paid on C3, cancelled on C3, rejected on C4
    paid = await f.executed_refund(handler_a, await f.refund(handler_a, c3))
    cancelled = await f.refund(handler_a, c3)
    await changes.cancel_refund(actor=handler_a, refund_id=cancelled.id, reason="客户撤回")
    rejected = await f.refund(handler_b, c4, f.goodwill_request(40000))
    await approvals.reject(
        actor=await f.approver(4), refund_id=rejected.id, reason="不符合退费条件"
    )
    return {"a": a, "b": b, "paid": await Refund.get(id=paid.id), "rejected": rejected}


async def test_c11_volume_by_type_and_channel_with_last_month_and_last_year(month):
    result = await kpis.analyse(MARCH)

    assert (result.complaints, result.complaints_last_month, result.complaints_last_year) == (
        4,
        2,
        1,
    )
    assert [(s.key, s.count, s.last_month, s.last_year) for s in result.by_category] == [
        ("billing_error", 3, 2, 0),
        ("network_fault", 1, 0, 1),
    ]
    assert [(s.key, s.count, s.last_month, s.last_year) for s in result.by_channel] == [
        ("hotline", 3, 2, 1),
        ("store", 1, 0, 0),
    ]


async def test_c11_top_root_causes_resolution_and_satisfaction(month):
    result = await kpis.analyse(MARCH)

    assert [(c.code, c.count) for c in result.root_causes] == [("billing_system_error", 2)]
    assert result.root_causes_recorded == 2
    # C1 revisited; C2 went back to investigation after the unsatisfied revisit
    assert (result.resolution.numerator, result.resolution.denominator) == (1, 4)
    assert result.resolution.rate == 0.25
    assert (result.satisfaction.numerator, result.satisfaction.denominator) == (1, 2)


async def test_c11_on_time_closure_per_deadline_kind_never_counts_the_revisit_window(month):
    result = await kpis.analyse(MARCH)

    by_kind = {k.kind: (k.on_time, k.late) for k in result.on_time}
    assert "revisit_opens" not in by_kind  # the window opening is no limit to miss
    assert by_kind["acknowledge"] == (2, 1)  # C1, C2 in time; C3 overdue
    assert by_kind["initial_plan"] == (2, 0)
    assert by_kind["revisit_closes"] == (1, 0)  # C1's revisit; C2's was waived on re-opening
    assert by_kind["result_feedback"] == (0, 0)  # due tomorrow: not yet decided
    total = result.on_time_total
    assert (total.numerator, total.denominator) == (5, 6)


async def test_c11_repeat_and_batch_shares(month):
    result = await kpis.analyse(MARCH)

    assert (result.repeat.numerator, result.repeat.denominator) == (1, 4)
    assert (result.batch.numerator, result.batch.denominator) == (1, 4)


async def test_c11_refunds_paid_refused_and_cancelled_by_band_and_rule(month):
    paid, rejected = month["paid"], month["rejected"]

    result = await kpis.analyse(MARCH)

    r = result.refunds
    assert (r.requested, r.paid, r.paid_fen) == (3, 1, paid.refund_fen)
    assert (r.refused, r.refused_fen, r.cancelled, r.open) == (1, 40000, 1, 0)
    bands = {b.band: (b.requested, b.paid, b.paid_fen) for b in result.refunds_by_band}
    assert bands[rejected.band] == (1, 0, 0)
    assert bands[paid.band][1:] == (1, paid.refund_fen)
    assert sum(x.requested for x in result.refunds_by_rule) == 3
    rules = {x.clause: x.paid_fen for x in result.refunds_by_rule}
    assert rules[paid.flow_clause] == paid.refund_fen


async def test_c11_per_department_complaints_on_time_and_root_causes_fixed(month):
    result = await kpis.analyse(MARCH)

    lines = {d.code: d for d in result.departments}
    a, b = lines["A"], lines["B"]
    assert (a.complaints, a.on_time.numerator, a.on_time.denominator) == (3, 5, 6)
    assert (a.causes_fixed.numerator, a.causes_fixed.denominator) == (0, 2)
    assert (b.complaints, b.on_time.denominator, b.causes_fixed.rate) == (1, 0, None)


async def test_c11_a_region_or_a_department_narrows_every_table(month):
    beijing = await kpis.analyse(MARCH, region="北京")
    dept_a = await kpis.analyse(MARCH, department_id=month["a"].id)

    assert beijing.complaints == 1 and beijing.by_category[0].key == "network_fault"
    assert beijing.refunds.requested == 1 and beijing.refunds.refused == 1
    assert beijing.root_causes == [] and beijing.satisfaction.denominator == 0
    assert dept_a.complaints == 3 and dept_a.complaints_last_month == 2
    assert dept_a.refunds.requested == 2 and dept_a.refunds.paid == 1
    assert [d.code for d in dept_a.departments] == ["A"]


async def test_c11_only_leads_auditors_and_admins_read_it_and_bad_months_are_refused():
    handler = await f.staff(Role.HANDLER)
    lead = await f.staff(Role.TEAM_LEAD)

    with pytest.raises(PermissionDenied):
        await kpis.monthly_analysis(actor=handler, month=MARCH)
    assert (await kpis.monthly_analysis(actor=lead, month=MARCH)).complaints == 0
    for bad in ("2026-13", "03-2026", "", "2026-3"):
        with pytest.raises(InvalidInput) as refused:
            kpis.parse_month(bad)
        assert refused.value.field == "month"
    with pytest.raises(NotFound):
        await kpis.analyse(MARCH, department_id=999)


async def test_c11_a_root_cause_is_checked_before_the_database_and_in_it():
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    with pytest.raises(InvalidInput) as bad_form:
        taxonomy.check_code("Billing Error!")
    with pytest.raises(NotFound) as unknown:
        await resolve(handler, complaint, root_cause="no_such_cause")

    assert bad_form.value.field == unknown.value.field == "rootCause"
    # the resolve rolled back whole: nothing half-written
    row = await Complaint.get(id=complaint.id)
    assert row.status == Status.RESOLVING and row.result_cause == ""
    assert not await ComplaintRootCause.exists()
    assert taxonomy.check_code(None) is None
    assert len(await taxonomy.taxonomy()) == len(taxonomy.DEFAULTS)
