"""The audit pages (A-1..A-3): run the checks, record a finding, samples, verdicts,
corrections, the monthly summary and its CSV; auditors act, admins only read."""

from __future__ import annotations

import csv
import io
import re

from services.audit.models import (
    AuditFinding,
    AuditSample,
    CorrectionTask,
    FindingStatus,
    SampleItem,
    TaskStatus,
    Verdict,
)
from services.refunds import clock
from services.refunds.models import LedgerEntry, Refund
from services.staff.models import Role, Staff
from tests import factories as f
from tests.admin_ui.conftest import Console, text_of


async def executed(handler: Staff, n: int = 1) -> list[Refund]:
    return [await f.executed_refund(handler, await f.refund(handler)) for _ in range(n)]


def today() -> str:
    return clock.local_date(clock.now()).isoformat()


async def test_a1_the_auditor_runs_the_checks_and_sees_the_finding_in_chinese(
    auditor: Console,
):
    handler = await f.staff(Role.HANDLER)
    refund = (await executed(handler, 2))[0]
    await LedgerEntry.filter(refund_id=refund.id).update(amount_fen=3000)

    before = await auditor.get("/admin/audit")
    response = await auditor.post("/admin/audit/run", {})
    page = await auditor.get("/admin/audit")

    assert "已执行退费 2 笔，已自动稽核 0 笔" in text_of(before.text)
    assert response.status_code == 303
    text = text_of(page.text)
    assert "已稽核 2 笔退费，新发现 1 个问题。" in text
    assert "已执行退费 2 笔，已自动稽核 2 笔" in text
    assert "入账 30.00 元与报告退费 35.32 元不一致。" in text
    assert "A-1" in text and handler.display_name in text


async def test_a2_the_auditor_records_a_finding_on_a_refund(auditor: Console):
    handler = await f.staff(Role.HANDLER)
    refund = (await executed(handler))[0]
    page = await auditor.get(f"/admin/audit/refunds/{refund.id}")
    assert page.status_code == 200
    assert "138****" in page.text  # the customer's number, masked

    response = await auditor.post(
        f"/admin/audit/refunds/{refund.id}/findings",
        {"rule": "R-11", "note": "缺少客户确认录音", "responsible": str(handler.id)},
    )
    after = await auditor.get(f"/admin/audit/refunds/{refund.id}")

    assert response.status_code == 303
    finding = await AuditFinding.get(refund_id=refund.id)
    assert (finding.rule, finding.note, finding.responsible_id) == (
        "R-11",
        "缺少客户确认录音",
        handler.id,
    )
    assert await CorrectionTask.exists(finding_id=finding.id, assignee_id=handler.id)
    assert "缺少客户确认录音" in after.text and "并生成整改任务" in after.text


async def test_a2_a_finding_without_a_note_is_refused_and_nothing_is_stored(auditor: Console):
    handler = await f.staff(Role.HANDLER)
    refund = (await executed(handler))[0]

    response = await auditor.post(
        f"/admin/audit/refunds/{refund.id}/findings", {"rule": "R-11", "note": ""}
    )

    assert response.status_code == 400
    assert "请填写「问题说明」。" in text_of(response.text)
    assert await AuditFinding.all().count() == 0


async def test_an_admin_reads_the_audit_but_cannot_act(admin: Console):
    handler = await f.staff(Role.HANDLER)
    refund = (await executed(handler))[0]

    page = await admin.get(f"/admin/audit/refunds/{refund.id}")
    run = await admin.post("/admin/audit/run", {})
    record = await admin.post(
        f"/admin/audit/refunds/{refund.id}/findings", {"rule": "R-11", "note": "x"}
    )
    draw = await admin.post(
        "/admin/audit/samples",
        {"method": "monetary_unit", "first": today(), "last": today(), "size": "2", "seed": "1"},
    )

    assert page.status_code == 200 and "记录稽核发现" not in page.text
    assert (run.status_code, record.status_code, draw.status_code) == (403, 403, 403)
    assert "只有稽核人员可以进行稽核操作" in run.text
    assert await AuditFinding.all().count() == 0 and await AuditSample.all().count() == 0


async def test_a1_a_monetary_unit_sample_drawn_twice_with_one_seed_lists_the_same_refunds(
    auditor: Console,
):
    handler = await f.staff(Role.HANDLER)
    await executed(handler, 5)
    form = {
        "method": "monetary_unit",
        "first": today(),
        "last": today(),
        "size": "3",
        "seed": "20261122",
    }

    first = await auditor.post("/admin/audit/samples", form)
    second = await auditor.post("/admin/audit/samples", form)

    assert first.status_code == second.status_code == 303
    pages = [await auditor.get(r.headers["location"]) for r in (first, second)]
    drawn = [re.search(r'id="sample-refunds">([^<]*)<', p.text)[1] for p in pages]  # type: ignore[index]
    assert drawn[0] == drawn[1] and drawn[0]
    assert "金额单位抽样" in pages[0].text and "20261122" in pages[0].text
    check = await auditor.get(first.headers["location"] + "?verify=1")
    assert "重新抽取的结果与原样本完全相同。" in check.text


async def test_a_sample_form_that_is_wrong_is_refused(auditor: Console):
    response = await auditor.post(
        "/admin/audit/samples",
        {"method": "monetary_unit", "first": "2026-11-30", "last": "2026-11-01", "size": "0"},
    )

    assert response.status_code == 400
    text = text_of(response.text)
    assert "结束日期不能早于开始日期。" in text and "「样本量」不能小于 1。" in text
    assert await AuditSample.all().count() == 0


async def test_a_sample_of_an_empty_period_says_so(auditor: Console):
    response = await auditor.post(
        "/admin/audit/samples",
        {"method": "simple_random", "first": "2026-01-01", "last": "2026-01-31", "size": "5"},
    )

    assert response.status_code == 400
    assert "No executed refund falls in the period" in response.text


async def test_a2_a_non_compliant_verdict_records_a_finding(auditor: Console):
    handler = await f.staff(Role.HANDLER)
    await executed(handler, 2)
    drawn = await auditor.post(
        "/admin/audit/samples",
        {"method": "simple_random", "first": today(), "last": today(), "size": "1", "seed": "4"},
    )
    sample_path = drawn.headers["location"]
    item = await SampleItem.get(sample_id=int(sample_path.rsplit("/", 1)[1]))

    response = await auditor.post(
        f"{sample_path}/items/{item.id}",
        {"verdict": "noncompliant", "rule": "R-12", "note": "审批单缺签字"},
    )
    page = await auditor.get(sample_path)

    assert response.status_code == 303
    assert (await SampleItem.get(id=item.id)).verdict is Verdict.NONCOMPLIANT
    finding = await AuditFinding.get(sample_item_id=item.id)
    assert (finding.rule, finding.note) == ("R-12", "审批单缺签字")
    assert "不合规" in page.text and "审批单缺签字" in page.text


async def test_a3_a_correction_is_completed_with_cause_and_plan(auditor: Console):
    handler = await f.staff(Role.HANDLER)
    refund = (await executed(handler))[0]
    await auditor.post(
        f"/admin/audit/refunds/{refund.id}/findings", {"rule": "R-13", "note": "执行超时"}
    )
    task = await CorrectionTask.get()

    refused = await auditor.post(
        f"/admin/audit/corrections/{task.id}",
        {"cause": "交接遗漏", "plan": "", "resolution": "已补录"},
    )
    done = await auditor.post(
        f"/admin/audit/corrections/{task.id}",
        {"cause": "交接遗漏", "plan": "每日核对", "resolution": "已补录"},
    )
    page = await auditor.get("/admin/audit/corrections?status=done")

    assert refused.status_code == done.status_code == 303
    assert (await CorrectionTask.get(id=task.id)).status is TaskStatus.DONE
    assert (await AuditFinding.get()).status is FindingStatus.CORRECTED
    assert "每日核对" in page.text


async def test_a2_the_monthly_summary_has_charts_and_a_csv(auditor: Console):
    dept = await f.department("BR9", "高新分公司")
    handler = await f.staff(Role.HANDLER, dept=dept)
    refund = (await executed(handler))[0]
    for note in ("一", "二", "三"):
        await auditor.post(
            f"/admin/audit/refunds/{refund.id}/findings", {"rule": "R-12", "note": note}
        )
    month = clock.local_date(clock.now()).strftime("%Y-%m")

    page = await auditor.get(f"/admin/audit/summary?month={month}")
    response = await auditor.get(f"/admin/audit/summary.csv?month={month}")

    text = text_of(page.text)
    assert page.status_code == 200
    assert page.text.count("<svg") >= 3
    assert "BR9 高新分公司" in text
    assert "同一问题本月出现 3 次以上：建议督办" in text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].endswith(f'audit-summary-{month}.csv"')
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["编号", "发现时间", "退费单", "规则", "问题"]
    assert len(rows) == 4
    assert {row[3] for row in rows[1:]} == {"R-12"}
    assert {row[7] for row in rows[1:]} == {"BR9 高新分公司"}


async def test_the_summary_csv_follows_the_english_switch(auditor: Console):
    await auditor.post("/admin/locale", {"locale": "en", "next": "/audit/summary"})

    response = await auditor.get("/admin/audit/summary.csv")

    assert response.text.lstrip("\ufeff").startswith("No.,Found,Refund,Rule,Problem")
