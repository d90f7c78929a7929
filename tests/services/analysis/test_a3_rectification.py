"""A-3: a problem that keeps causing complaints is rectified, escalated and followed to its
checked closure; the worker flags an overdue one to the owner's head."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from arq import create_pool
from arq.worker import Worker, func

from services import clock
from services.analysis import kpis, rectification, taxonomy
from services.analysis.models import (
    ComplaintRootCause,
    OpenedBy,
    Rectification,
    RectificationEvent,
    RectificationStatus,
)
from services.complaints.models import Notification, SupervisedMatter
from services.config import settings
from services.errors import IllegalTransition, InvalidInput, PermissionDenied
from services.staff.models import Role
from tests import factories as f
from tests.services.analysis.world import resolve
from workers.analysis import SWEEP_RECTIFICATIONS_JOB, sweep_rectifications
from workers.queue import redis_settings

MARCH = date(2026, 3, 1)


@pytest.fixture
async def repeated() -> dict:
    """Three complaints on one matter resolved with the same root cause this month."""
    billing = await f.department("BILL", "计费中心")
    head = await f.staff(Role.TEAM_LEAD, dept=billing, head=True)
    await taxonomy.save_root_cause(
        actor=await f.staff(Role.ADMIN),
        code="billing_system_error",
        name="计费系统差错",
        group=taxonomy.CauseGroup.BILLING_SYSTEM,
        department_code="BILL",
    )
    handler = await f.staff(Role.HANDLER, dept=await f.department("A"))
    complaints = [await f.complaint(handler) for _ in range(3)]
    for c in complaints[:2]:
        await resolve(handler, c)
    return {"handler": handler, "head": head, "billing": billing, "complaints": complaints}


async def test_a3_the_third_complaint_of_one_cause_on_one_matter_opens_a_rectification(repeated):
    assert not await Rectification.exists()  # two complaints: not yet a repeating problem

    await resolve(repeated["handler"], repeated["complaints"][2])

    rect = await Rectification.get()
    matter = repeated["complaints"][0].matter_key
    assert rect.opened_by == OpenedBy.REPEATS and rect.complaints_at_opening == 3
    assert rect.problem_key == f"root_cause:billing_system_error|{matter}"
    assert rect.owner_id == repeated["head"].id  # the head of the cause's department
    assert rect.department_id == repeated["billing"].id
    assert rect.status == RectificationStatus.OPEN and rect.supervised_at is not None
    # C-10: the matter is handled under supervision
    assert await SupervisedMatter.filter(matter_key=matter, ended_at=None).count() == 1
    analysis = await kpis.analyse(MARCH)
    assert [r.id for r in analysis.rectifications] == [rect.id]


async def test_a3_a_fourth_complaint_does_not_open_a_second_rectification(repeated):
    handler = repeated["handler"]
    await resolve(handler, repeated["complaints"][2])
    await resolve(handler, await f.complaint(handler))

    assert await Rectification.all().count() == 1


async def test_a3_the_whole_loop_plan_overdue_flag_by_the_worker_check_close(repeated, redis):
    handler, head = repeated["handler"], repeated["head"]
    await resolve(handler, repeated["complaints"][2])
    rect = await Rectification.get()
    lead = await f.staff(Role.TEAM_LEAD, dept=repeated["billing"])
    auditor = await f.staff(Role.AUDITOR)
    today = clock.now().date()

    # planned by a lead of the owning department, due in 5 days
    await rectification.plan_rectification(
        actor=lead,
        rectification_id=rect.id,
        plan="修复重复出账程序并回溯核查",
        due_on=today + timedelta(days=5),
        owner_id=lead.id,
    )
    # closing before the check is refused
    with pytest.raises(IllegalTransition):
        await rectification.close_rectification(actor=auditor, rectification_id=rect.id)

    # six days later the worker flags it to the head of the owner's department, once
    clock.pin(clock.now() + timedelta(days=6))
    pool = await create_pool(redis_settings(settings.redis_url))
    for _ in range(2):
        await pool.enqueue_job(SWEEP_RECTIFICATIONS_JOB)
        worker = Worker(
            functions=[func(sweep_rectifications, name=SWEEP_RECTIFICATIONS_JOB)],
            redis_settings=redis_settings(settings.redis_url),
            burst=True,
            poll_delay=0.05,
            handle_signals=False,
        )
        try:
            await worker.async_run()
        finally:
            await worker.close()
    await pool.aclose()
    told = await Notification.filter(recipient_id=head.id, kind="rectification_overdue")
    assert len(told) == 1 and f"整改 {rect.id} 已超期" in told[0].message
    assert (await kpis.analyse(MARCH)).rectifications[0].overdue is True

    # the check fails: back to the plan; then it passes and the auditor closes it
    await rectification.check_rectification(
        actor=auditor, rectification_id=rect.id, passed=False, result="仍有重复出账"
    )
    await rectification.plan_rectification(
        actor=lead, rectification_id=rect.id, plan="更换出账模块", due_on=today + timedelta(days=10)
    )
    await rectification.check_rectification(
        actor=auditor, rectification_id=rect.id, passed=True, result="抽查 100 户无重复出账"
    )
    closed = await rectification.close_rectification(
        actor=auditor, rectification_id=rect.id, note="整改完成"
    )

    assert closed.status == RectificationStatus.CLOSED and closed.closed_at is not None
    assert await ComplaintRootCause.filter(fixed_at__isnull=True).count() == 0
    actions = await RectificationEvent.filter(rectification_id=rect.id).order_by("id")
    assert [e.action for e in actions] == [
        "opened",
        "supervised",
        "planned",
        "overdue_flagged",
        "check_failed",
        "planned",
        "check_passed",
        "closed",
    ]
    march = await kpis.analyse(MARCH)
    billing = next(d for d in march.departments if d.code == "BILL")
    assert (billing.causes_fixed.numerator, billing.causes_fixed.denominator) == (3, 3)
    assert [r.status for r in march.rectifications] == ["closed"]  # closed in the month
    assert (await kpis.analyse(date(2026, 5, 1))).rectifications == []  # gone once closed


async def test_a3_an_auditor_flags_a_problem_and_only_an_auditor_may():
    handler = await f.staff(Role.HANDLER, dept=await f.department())
    complaint = await f.complaint(handler)
    await resolve(handler, complaint, root_cause="process_gap")

    with pytest.raises(PermissionDenied):
        await rectification.flag_problem(
            actor=handler, complaint_id=complaint.id, reason="流程问题反复出现"
        )
    with pytest.raises(InvalidInput) as no_reason:
        await rectification.flag_problem(
            actor=await f.staff(Role.AUDITOR), complaint_id=complaint.id, reason=" "
        )
    rect = await rectification.flag_problem(
        actor=await f.staff(Role.AUDITOR), complaint_id=complaint.id, reason="流程问题反复出现"
    )
    with pytest.raises(IllegalTransition):
        await rectification.flag_problem(
            actor=await f.staff(Role.AUDITOR), complaint_id=complaint.id, reason="再次标记"
        )

    assert no_reason.value.field == "reason"
    assert rect.opened_by == OpenedBy.AUDITOR and rect.problem_key.startswith(
        "root_cause:process_gap|"
    )
    assert await SupervisedMatter.filter(matter_key=complaint.matter_key, ended_at=None).exists()


async def test_a3_an_audit_finding_found_three_times_in_a_month_opens_a_rectification():
    from services.audit import service as audit

    handler = await f.staff(Role.HANDLER, dept=await f.department())
    complaint = await f.complaint(handler, await f.customer(credit_standing="good"))
    refunds = [await f.refund(handler, complaint) for _ in range(3)]
    auditor = await f.staff(Role.AUDITOR)
    for refund in refunds[:2]:
        await audit.record_finding(actor=auditor, refund_id=refund.id, rule="R-12", note="缺签字")
    assert await rectification.open_for_repeated_findings() == 0  # two: not yet

    await audit.record_finding(actor=auditor, refund_id=refunds[2].id, rule="R-12", note="缺签字")
    opened = await rectification.open_for_repeated_findings()
    again = await rectification.open_for_repeated_findings()

    rect = await Rectification.get()
    assert (opened, again) == (1, 0)
    assert rect.problem_key == "finding:R-12:review" and rect.opened_by == OpenedBy.REPEATS
    assert rect.complaints_at_opening == 3 and rect.matter_key == complaint.matter_key
    assert await SupervisedMatter.filter(matter_key=complaint.matter_key, ended_at=None).exists()
