"""C-11 in the console: the two overview charts that were wrong, the analysis page with its
definitions as tooltips, its CSV and Excel files (numbers equal to the GraphQL answer), and
its printable page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
import pytest
from openpyxl import load_workbook
from starlette.applications import Starlette
from starlette.routing import Mount

from admin_ui import stats
from admin_ui.app import create_admin
from services import clock
from services.analysis.models import Rectification, RectificationStatus
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


async def graphql_analysis(month: str, staff) -> dict:
    """The same month over GraphQL, as a front end asks for it."""
    import httpx

    from graphql_schema.app import create_app
    from services.staff.service import issue_token

    query = """query($m: String!) { monthlyAnalysis(month: $m) {
      complaints resolution { rate numerator denominator } satisfaction { rate }
      byCategory { key count lastMonth } refunds { paid paidFen requested }
      topRootCauses { code count } onTimeTotal { numerator denominator } } }"""
    app = create_app(with_lifespan=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": {"m": month}},
            headers={"Authorization": f"Bearer {issue_token(staff)}"},
        )
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"]["monthlyAnalysis"])


@pytest.fixture
async def march() -> None:
    """Two complaints, one resolved with its root cause, one refund paid."""
    dept = await f.department("A", "营业一部")
    handler = await f.staff(Role.HANDLER, dept=dept)
    first = await f.complaint(handler, await f.customer(credit_standing="good"))
    await resolve(handler, first)
    await f.complaint(handler, service_code="OTHER")
    await f.executed_refund(handler, await f.refund(handler, first))


async def test_c11_the_analysis_page_shows_each_kpi_with_its_definition(auditor: Console, march):
    page = await auditor.get("/admin/analysis?month=2026-03")

    assert page.status_code == 200
    text = text_of(page.text)
    assert "月度投诉分析" in text and "2026年3月" in text
    assert 'title="本月受理的投诉中，目前已有处理结果' in page.text  # the tooltip of 解决率
    assert "解决率" in text and "50.0%" in text and "1 / 2" in text
    assert page.text.count("<svg") == 5
    for heading in (
        "投诉类型分布",
        "主要根因",
        "各类时限按时情况",
        "各部门指标",
        "整改跟踪（A-3）",
    ):
        assert heading in text
    assert "计费系统差错" in text
    assert "<script" not in page.text and "style=" not in page.text
    assert 'href="/admin/analysis.xlsx?month=2026-03"' in page.text


async def test_c11_the_csv_and_the_excel_file_hold_the_numbers_graphql_answers(
    auditor: Console, march
):
    answer = await graphql_analysis("2026-03", auditor.staff)

    csv_file = await auditor.get("/admin/analysis.csv?month=2026-03")
    xlsx_file = await auditor.get("/admin/analysis.xlsx?month=2026-03")

    assert csv_file.headers["content-disposition"] == 'attachment; filename="analysis-2026-03.csv"'
    rows = list(csv.reader(io.StringIO(csv_file.text.lstrip("\ufeff"))))
    assert ["投诉量", str(answer["complaints"]), "", ""] in rows
    assert xlsx_file.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(xlsx_file.content))
    assert book.sheetnames[:3] == ["summary", "by_category", "by_channel"]
    summary = {row[0]: row[1:] for row in book["summary"].iter_rows(min_row=3, values_only=True)}
    assert summary["投诉量"][0] == answer["complaints"] == 2
    resolution = answer["resolution"]
    assert summary["解决率"] == (
        resolution["rate"],
        resolution["numerator"],
        resolution["denominator"],
    )
    assert book["summary"]["B7"].number_format == "0.0%"  # a share is a number, shown as %
    categories = list(book["by_category"].iter_rows(min_row=3, values_only=True))
    assert [(r[1], r[2]) for r in categories] == [
        (c["count"], c["lastMonth"]) for c in answer["byCategory"]
    ]
    refunds = {r[0]: r[1:] for r in book["refunds"].iter_rows(min_row=3, values_only=True)}
    assert refunds["已执行退费"][0] == answer["refunds"]["paid"] == 1
    assert refunds["已执行退费"][1] * 100 == answer["refunds"]["paidFen"]
    causes = list(book["root_causes"].iter_rows(min_row=3, values_only=True))
    assert [(r[1], r[3]) for r in causes] == [
        (c["code"], c["count"]) for c in answer["topRootCauses"]
    ]


async def test_c11_the_printable_page_has_no_console_chrome(auditor: Console, march):
    page = await auditor.get("/admin/analysis/print?month=2026-03")

    assert page.status_code == 200
    assert 'class="topbar"' not in page.text and "analysis.css" in page.text
    text = text_of(page.text)
    assert "2026-03 月度投诉分析" in text and "编制" in text and "审核" in text
    assert page.text.count("<svg") == 5


async def test_c11_admins_maintain_the_root_cause_taxonomy(admin: Console):
    await f.department("NET", "网络部")
    outer = Starlette(routes=[Mount("/admin", app=create_admin())])
    other = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=outer), base_url="https://testserver"
    )
    auditor = await Console(other).sign_in(await f.staff(Role.AUDITOR))

    saved = await admin.post(
        "/admin/analysis/root-causes",
        {
            "code": "roaming_tariff",
            "name": "漫游资费规则",
            "group": "product_rule",
            "department": "NET",
            "active": "on",
        },
    )
    bad = await admin.post(
        "/admin/analysis/root-causes", {"code": "Bad Code!", "name": "x", "group": "other"}
    )
    retired = await admin.post(
        "/admin/analysis/root-causes", {"code": "other", "name": "其他", "group": "other"}
    )
    refused = await auditor.post(
        "/admin/analysis/root-causes", {"code": "x_y", "name": "x", "group": "other"}
    )
    page = await auditor.get("/admin/analysis/root-causes")

    assert saved.status_code == retired.status_code == 303
    assert bad.status_code == 400 and "代码只能用小写字母、数字和下划线" in bad.text
    assert refused.status_code == 403
    text = text_of(page.text)
    assert "roaming_tariff 漫游资费规则 产品规则 NET 网络部 是" in text
    assert "other 其他 其他 投诉所在部门 已停用" in text
    assert 'id="root-cause-form"' not in page.text  # auditors read, admins edit
    assert (await taxonomy_codes()) >= {"roaming_tariff", "billing_system_error"}
    await other.aclose()


async def taxonomy_codes() -> set[str]:
    from services.analysis import taxonomy

    return {c.code for c in await taxonomy.taxonomy()}


async def test_a3_an_auditor_works_a_rectification_in_the_console(auditor: Console):
    handler = await f.staff(Role.HANDLER, dept=await f.department("A"))
    complaint = await f.complaint(handler)
    await resolve(handler, complaint, root_cause="process_gap")
    due = (local.local_date(clock.now()) + timedelta(days=14)).isoformat()

    flagged = await auditor.post(
        "/admin/analysis/rectifications/flag",
        {"complaint": str(complaint.id), "reason": "流程缺陷反复引发投诉"},
    )
    page = await auditor.get("/admin/analysis/rectifications")
    rect = await Rectification.get()
    steps = [
        ("plan", {"plan": "优化受理流程", "due_on": due}),
        ("check", {"result": "抽查仍有问题", "passed": "no"}),
        ("plan", {"plan": "增加复核环节", "due_on": due}),
        ("check", {"result": "抽查 50 单无问题", "passed": "yes"}),
        ("close", {"note": "整改完成"}),
    ]
    for step, data in steps:
        done = await auditor.post(
            f"/admin/analysis/rectifications/{step}", {"id": str(rect.id), **data}
        )
        assert done.status_code == 303
    after = await auditor.get("/admin/analysis/rectifications")
    again = await auditor.post("/admin/analysis/rectifications/close", {"id": str(rect.id)})
    refused = await auditor.get("/admin/analysis/rectifications")

    assert flagged.status_code == 303
    assert "流程缺陷 process_gap" in text_of(page.text) and "待整改" in text_of(page.text)
    row = text_of(after.text.split(f'id="rectification-{rect.id}"')[1].split("</tr>")[0])
    assert "已关闭" in row and "增加复核环节" in row and "抽查 50 单无问题" in row
    assert again.status_code == 303 and "未能完成" in text_of(refused.text)
    assert (await Rectification.get(id=rect.id)).status == RectificationStatus.CLOSED


async def test_a3_only_auditors_act_on_rectifications(admin: Console):
    refused = await admin.post("/admin/analysis/rectifications/close", {"id": "1"})

    assert refused.status_code == 403


async def test_c11_the_excel_file_has_real_date_cells_and_rectifications(auditor: Console):
    from datetime import datetime

    from services.analysis import rectification

    handler = await f.staff(Role.HANDLER, dept=await f.department("A"))
    complaint = await f.complaint(handler)
    await resolve(handler, complaint, root_cause="process_gap")
    rect = await rectification.flag_problem(
        actor=auditor.staff, complaint_id=complaint.id, reason="流程缺陷反复引发投诉"
    )

    xlsx = await auditor.get(f"/admin/analysis.xlsx?month={local.local_date(clock.now()):%Y-%m}")

    sheet = load_workbook(io.BytesIO(xlsx.content))["rectifications"]
    row = [cell for cell in sheet[3]]
    assert row[0].value == rect.id and "流程缺陷" in row[1].value
    assert isinstance(row[6].value, datetime) and row[6].number_format == "yyyy-mm-dd"
    assert row[6].value.date() == rect.due_on
    assert isinstance(row[7].value, datetime) and row[7].number_format == "yyyy-mm-dd hh:mm"
