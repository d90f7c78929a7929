"""A-1/A-2 against real refunds: every executed refund checked, findings with correction tasks
for the person responsible, samples drawn again identically, the monthly summary."""

from __future__ import annotations

from datetime import date

import pytest

from services.audit import samples, summary
from services.audit import service as audit
from services.audit.models import (
    AuditCheck,
    AuditFinding,
    CorrectionTask,
    FindingSource,
    FindingStatus,
    SampleItem,
    SampleMethod,
    TaskStatus,
    Verdict,
)
from services.errors import Conflict, InvalidInput, PermissionDenied
from services.refunds import clock, limits
from services.refunds.models import LedgerEntry, Refund, RefundStatus
from services.staff.models import Role, Staff
from services.thresholds import service as thresholds
from tests import factories as f


async def executed_refunds(handler: Staff, n: int, **request: object) -> list[Refund]:
    rows = []
    for k in range(n):
        req = f.liable_request(5000 + 1000 * k, **request) if k % 2 else f.refund_request()
        rows.append(await f.executed_refund(handler, await f.refund(handler, None, req)))
    return rows


def today() -> date:
    return clock.local_date(clock.now())


async def test_a1_every_executed_refund_is_checked_and_a_clean_one_has_no_finding():
    dept = await f.department("BR1", "城区分公司")
    handler = await f.staff(Role.HANDLER, dept=dept)
    refunds = await executed_refunds(handler, 3)
    await f.refund(handler)  # not executed: checked too, and again until it settles

    run = await audit.check_unchecked()

    assert (run.checked, run.new_findings) == (4, 0)
    assert await audit.coverage() == (3, 3)
    checks = await AuditCheck.filter(refund_id__in=[r.id for r in refunds])
    assert all(c.passed for c in checks)
    assert (await audit.check_unchecked()).new_findings == 0  # re-checked, nothing new


async def test_a1_a_verify_first_refund_done_by_the_rules_has_no_finding():
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()  # normal credit: no R-7(c)
    await f.refund(handler, await f.complaint(handler, customer))  # no longer R-7(d)'s first
    refund = await f.refund(
        handler, await f.complaint(handler, customer), f.goodwill_request(25000)
    )
    assert refund.status == RefundStatus.VERIFYING
    await f.executed_refund(handler, refund)

    run = await audit.check_refunds([refund.id])

    assert (run.checked, run.new_findings) == (1, 0)


async def test_a1_a_ledger_that_differs_from_the_report_is_found_once_with_a_task():
    dept = await f.department("BR2", "县分公司")
    handler = await f.staff(Role.HANDLER, dept=dept)
    refund = (await executed_refunds(handler, 1))[0]
    await LedgerEntry.filter(refund_id=refund.id).update(amount_fen=3000)

    first = await audit.check_refunds([refund.id])
    again = await audit.check_refunds([refund.id])

    assert (first.new_findings, again.new_findings) == (1, 0)
    finding = await AuditFinding.get(refund_id=refund.id)
    assert (finding.rule, finding.code, finding.source) == (
        "A-1",
        "ledger_differs",
        FindingSource.AUTOMATIC,
    )
    assert finding.params == {"ledger_fen": 3000, "actual_fen": 3532}
    assert (finding.responsible_id, finding.department_id) == (handler.id, dept.id)
    task = await CorrectionTask.get(finding_id=finding.id)
    assert task.assignee_id == handler.id and task.status is TaskStatus.OPEN
    correction_days = await thresholds.current("audit.correction_days")
    assert (task.due_on - today()).days == correction_days
    check = await AuditCheck.get(refund_id=refund.id)
    assert (check.passed, check.finding_count) == (False, 1)


async def test_r12_bands_changed_after_a_refund_do_not_make_it_wrong():
    handler = await f.staff(Role.HANDLER)
    refund = (await executed_refunds(handler, 1))[0]  # 35.32, band 1
    admin = await f.staff(Role.ADMIN)
    lower = {
        "band0_max_fen": 1000,
        "liable_max_fen": [3000, 50000, 100000],
        "not_liable_max_fen": [3000, 30000, 50000],
    }
    await thresholds.change(key=limits.BANDS, value=lower, reason="later", changed_by_id=admin.id)

    run = await audit.check_refunds([refund.id])

    assert run.new_findings == 0


async def test_a2_an_auditor_records_a_finding_and_the_responsible_person_gets_a_task():
    handler = await f.staff(Role.HANDLER)
    auditor = await f.staff(Role.AUDITOR)
    refund = (await executed_refunds(handler, 1))[0]

    finding = await audit.record_finding(
        actor=auditor, refund_id=refund.id, rule="R-11", note="客户确认录音缺失"
    )

    assert (finding.rule, finding.code, finding.source) == ("R-11", "review", FindingSource.REVIEW)
    assert finding.created_by_id == auditor.id and finding.responsible_id == handler.id
    assert await CorrectionTask.exists(finding_id=finding.id, assignee_id=handler.id)


async def test_a2_only_auditors_record_findings_and_a_rule_is_cited():
    handler = await f.staff(Role.HANDLER)
    admin = await f.staff(Role.ADMIN)
    auditor = await f.staff(Role.AUDITOR)
    refund = (await executed_refunds(handler, 1))[0]

    with pytest.raises(PermissionDenied):
        await audit.record_finding(actor=admin, refund_id=refund.id, rule="R-11", note="x")
    with pytest.raises(InvalidInput):
        await audit.record_finding(actor=auditor, refund_id=refund.id, rule="R-99", note="x")
    with pytest.raises(InvalidInput):
        await audit.record_finding(actor=auditor, refund_id=refund.id, rule="R-11", note=" ")
    assert await AuditFinding.all().count() == 0


async def test_a3_a_correction_is_closed_with_cause_plan_and_result():
    handler = await f.staff(Role.HANDLER)
    auditor = await f.staff(Role.AUDITOR)
    refund = (await executed_refunds(handler, 1))[0]
    finding = await audit.record_finding(
        actor=auditor, refund_id=refund.id, rule="R-13", note="执行超时"
    )
    task = await CorrectionTask.get(finding_id=finding.id)

    await audit.complete_task(
        actor=auditor,
        task_id=task.id,
        cause="交接遗漏",
        plan="每日下班前核对待执行清单",
        resolution="已补录并培训",
    )

    done = await CorrectionTask.get(id=task.id)
    assert (done.status, done.cause, done.done_by_id) == (TaskStatus.DONE, "交接遗漏", auditor.id)
    assert (await AuditFinding.get(id=finding.id)).status is FindingStatus.CORRECTED
    with pytest.raises(Conflict):
        await audit.complete_task(
            actor=auditor, task_id=task.id, cause="a", plan="b", resolution="c"
        )


async def test_a_finding_dismissed_with_a_reason_closes_its_task():
    handler = await f.staff(Role.HANDLER)
    auditor = await f.staff(Role.AUDITOR)
    refund = (await executed_refunds(handler, 1))[0]
    finding = await audit.record_finding(
        actor=auditor, refund_id=refund.id, rule="K-4", note="特殊客户补偿"
    )

    await audit.dismiss_finding(actor=auditor, finding_id=finding.id, reason="经分管副总批准")

    dismissed = await AuditFinding.get(id=finding.id)
    assert (dismissed.status, dismissed.status_reason) == (
        FindingStatus.DISMISSED,
        "经分管副总批准",
    )
    assert (await CorrectionTask.get(finding_id=finding.id)).status is TaskStatus.DONE


# samples


async def test_a1_a_monetary_unit_sample_drawn_twice_with_one_seed_gives_the_same_refunds():
    handler = await f.staff(Role.HANDLER)
    auditor = await f.staff(Role.AUDITOR)
    await executed_refunds(handler, 6)

    first = await samples.draw_sample(
        actor=auditor,
        method=SampleMethod.MONETARY_UNIT,
        first=today(),
        last=today(),
        size=3,
        seed=777,
    )
    second = await samples.draw_sample(
        actor=auditor,
        method=SampleMethod.MONETARY_UNIT,
        first=today(),
        last=today(),
        size=3,
        seed=777,
    )
    again = await samples.redraw(first.id)

    assert first.refund_ids == second.refund_ids and first.refund_ids
    assert again.same_refunds and again.same_population
    assert first.parameters["interval_fen"] > 0
    assert await SampleItem.filter(sample_id=first.id).count() == len(first.refund_ids)


async def test_a_redraw_tells_when_the_population_changed():
    handler = await f.staff(Role.HANDLER)
    auditor = await f.staff(Role.AUDITOR)
    await executed_refunds(handler, 3)
    sample = await samples.draw_sample(
        actor=auditor,
        method=SampleMethod.SIMPLE_RANDOM,
        first=today(),
        last=today(),
        size=2,
        seed=5,
    )

    await executed_refunds(handler, 1)
    again = await samples.redraw(sample.id)

    assert not again.same_population


async def test_a_sample_without_a_seed_gets_one_stored():
    handler = await f.staff(Role.HANDLER)
    auditor = await f.staff(Role.AUDITOR)
    await executed_refunds(handler, 2)

    sample = await samples.draw_sample(
        actor=auditor, method=SampleMethod.STRATIFIED_BAND, first=today(), last=today(), size=2
    )

    assert 0 <= sample.seed < samples.MAX_SEED
    assert (await samples.redraw(sample.id)).same_refunds


async def test_a2_a_non_compliant_verdict_becomes_a_finding_with_a_task():
    handler = await f.staff(Role.HANDLER)
    auditor = await f.staff(Role.AUDITOR)
    await executed_refunds(handler, 2)
    sample = await samples.draw_sample(
        actor=auditor,
        method=SampleMethod.SIMPLE_RANDOM,
        first=today(),
        last=today(),
        size=2,
        seed=9,
    )
    first, second = await SampleItem.filter(sample_id=sample.id).order_by("position")

    await samples.record_verdict(
        actor=auditor, item_id=first.id, verdict=Verdict.COMPLIANT, note=""
    )
    await samples.record_verdict(
        actor=auditor,
        item_id=second.id,
        verdict=Verdict.NONCOMPLIANT,
        note="审批单缺签字",
        rule="R-12",
    )

    finding = await AuditFinding.get(sample_item_id=second.id)
    assert (finding.rule, finding.refund_id, finding.note) == (
        "R-12",
        second.refund_id,
        "审批单缺签字",
    )
    assert await CorrectionTask.exists(finding_id=finding.id)
    with pytest.raises(Conflict):
        await samples.record_verdict(
            actor=auditor, item_id=first.id, verdict=Verdict.NONCOMPLIANT, note="x", rule="R-4"
        )


async def test_a_non_compliant_verdict_says_what_is_wrong():
    handler = await f.staff(Role.HANDLER)
    auditor = await f.staff(Role.AUDITOR)
    await executed_refunds(handler, 1)
    sample = await samples.draw_sample(
        actor=auditor,
        method=SampleMethod.SIMPLE_RANDOM,
        first=today(),
        last=today(),
        size=1,
        seed=9,
    )
    item = await SampleItem.get(sample_id=sample.id)

    with pytest.raises(InvalidInput):
        await samples.record_verdict(
            actor=auditor, item_id=item.id, verdict=Verdict.NONCOMPLIANT, note="", rule="R-12"
        )
    assert (await SampleItem.get(id=item.id)).verdict is Verdict.PENDING


# A-2 summary


async def test_a2_the_monthly_summary_counts_by_rule_and_branch_and_corrections():
    north = await f.department("N", "北区")
    south = await f.department("S", "南区")
    h1 = await f.staff(Role.HANDLER, dept=north)
    h2 = await f.staff(Role.HANDLER, dept=south)
    auditor = await f.staff(Role.AUDITOR)
    r1 = (await executed_refunds(h1, 1))[0]
    r2 = (await executed_refunds(h2, 1))[0]
    a = await audit.record_finding(actor=auditor, refund_id=r1.id, rule="R-12", note="a")
    await audit.record_finding(actor=auditor, refund_id=r1.id, rule="R-12", note="b")
    await audit.record_finding(actor=auditor, refund_id=r2.id, rule="R-13", note="c")
    task = await CorrectionTask.get(finding_id=a.id)
    await audit.complete_task(actor=auditor, task_id=task.id, cause="x", plan="y", resolution="z")

    result = await summary.monthly(today())

    assert result.by_rule == [("R-12", 2), ("R-13", 1)]
    assert result.by_branch == [("N", "北区", 2), ("S", "南区", 1)]
    assert (result.open_tasks, result.done_tasks, result.overdue_tasks) == (2, 1, 0)
    assert len(result.findings) == 3
    assert result.repeated == []  # three of one problem in a month asks for supervision
