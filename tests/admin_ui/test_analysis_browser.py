"""C-11 in a real headless Chromium: the analysis page, both downloads (the Excel file's
numbers equal the GraphQL answer), and the printable page printed to PDF by the browser."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from services import clock
from services.refunds import clock as local
from services.staff.models import Role
from services.staff.service import issue_token
from tests import factories as f
from tests.admin_ui.test_browser import SHOTS, browser, page, server, shot, sign_in
from tests.services.analysis.world import resolve

__all__ = ["browser", "page", "server"]  # the fixtures, shared with test_browser.py

pytestmark = pytest.mark.usefixtures("wall_clock")

QUERY = """query($m: String!) { monthlyAnalysis(month: $m) { complaints
  resolution { rate numerator denominator } refunds { paid paidFen }
  byCategory { key count } } }"""


async def test_c11_the_analysis_page_downloads_csv_and_excel_and_prints(page: Any, server: str):
    dept = await f.department("A", "营业一部")
    handler = await f.staff(Role.HANDLER, dept=dept)
    complaint = await f.complaint(handler, await f.customer(credit_standing="good"))
    await resolve(handler, complaint)
    await f.complaint(handler, service_code="OTHER")
    await f.executed_refund(handler, await f.refund(handler, complaint))
    month = f"{local.local_date(clock.now()):%Y-%m}"
    async with httpx.AsyncClient() as http:
        answer = (
            await http.post(
                f"{server}/graphql",
                json={"query": QUERY, "variables": {"m": month}},
                headers={"Authorization": f"Bearer {issue_token(await f.staff(Role.TEAM_LEAD))}"},
            )
        ).json()["data"]["monthlyAnalysis"]
    await sign_in(page, server, await f.staff(Role.AUDITOR))

    await page.click("nav.nav a[href$='/admin/analysis']")
    await page.wait_for_selector("#kpi-resolution")
    assert await page.locator("svg.chart").count() == 5
    tooltip = await page.get_attribute("#kpi-resolution", "title")
    assert tooltip and "已有处理结果" in tooltip
    assert "50.0%" in await page.inner_text("#kpi-resolution")
    await shot(page, "12-analysis")

    async with page.expect_download() as csv_download:
        await page.click("#download-csv")
    csv_path = SHOTS / "analysis.csv"
    await (await csv_download.value).save_as(csv_path)
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert ["投诉量", str(answer["complaints"]), "", ""] in rows

    async with page.expect_download() as xlsx_download:
        await page.click("#download-xlsx")
    xlsx_path = SHOTS / "analysis.xlsx"
    await (await xlsx_download.value).save_as(xlsx_path)
    book = load_workbook(xlsx_path)
    summary = {r[0]: r[1:] for r in book["summary"].iter_rows(min_row=3, values_only=True)}
    resolution = answer["resolution"]
    assert summary["投诉量"][0] == answer["complaints"] == 2
    assert summary["解决率"] == (
        resolution["rate"],
        resolution["numerator"],
        resolution["denominator"],
    )
    refunds = {r[0]: r[1:] for r in book["refunds"].iter_rows(min_row=3, values_only=True)}
    assert refunds["已执行退费"][1] * 100 == answer["refunds"]["paidFen"]
    categories = [(r[1],) for r in book["by_category"].iter_rows(min_row=3, values_only=True)]
    assert categories == [(c["count"],) for c in answer["byCategory"]]

    await page.click("#print-view")
    await page.wait_for_selector(".signatures")
    assert await page.locator("header.topbar").count() == 0
    await page.emulate_media(media="print")
    await shot(page, "13-analysis-print")
    pdf = await page.pdf(path=str(SHOTS / "analysis.pdf"), format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 10_000
