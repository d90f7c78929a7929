"""The console in a real headless Chromium (Debian's chromium, driven by Playwright) against the
real app served by uvicorn in another process, over the test database.

A missing browser is a failure, never a skip: `make test` installs Chromium first. Screenshots
go to .data/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.audit.models import AuditFinding, CorrectionTask
from services.calendar import seed
from services.calendar.service import forget_calendar
from services.staff.models import Role, Staff
from services.staff.service import issue_token
from tests import factories as f
from tests.app_server import serving

# the uvicorn process reads the wall clock, so the data these tests write must too
pytestmark = pytest.mark.usefixtures("wall_clock")

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / ".data" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",  # date inputs as a Chinese admin's browser shows them
]
PREVIEW = """query($input: RefundPolicyPreviewInput!) { refundPolicyPreview(input: $input) {
  ... on RefundPolicyDecision { band branchApprover serviceCentreApprover } } }"""
LIABLE_150 = {
    "liability": "COMPANY_LIABLE",
    "chargeCategory": "SERVICE_UNUSABLE",
    "businessType": "SELF_OPERATED",
    "chargedFen": 15000,
    "shouldHaveChargedFen": 0,
}


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """The API + console (graphql_schema.app) in its own uvicorn process: its own caches, so a
    change seen there was seen by another process, as in production."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    # the app's own log, for when a test fails
    with (
        (SHOTS / "server.log").open("wb") as log,
        serving(env=os.environ, log=log, timeout=30) as (_, url),
    ):
        yield url


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    """One headless Chromium for the session; missing, it fails the tests (never skips)."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -e '.[dev]'")
    if shutil.which(CHROMIUM) is None:  # a path or a name on PATH, executable
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: `make test` installs it "
            "(apt-get install -y chromium), or set CHROMIUM to its path"
        )
    playwright = await async_playwright().start()
    # launch() gives Chromium a fresh throw-away profile (its own --user-data-dir) each time
    chromium = await playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_FLAGS,
        env={**os.environ, "LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN"},
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield chromium
    await chromium.close()
    await playwright.stop()


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    tab = await context.new_page()
    yield tab
    await context.close()


async def sign_in(page: Any, server: str, staff: Staff) -> None:
    await page.goto(f"{server}/admin/login")
    await page.fill("#username", staff.username)
    await page.fill("#password", f.PASSWORD)
    await page.click("form.stacked button[type=submit]")
    await page.wait_for_url(f"{server}/admin/complaints")


async def shot(page: Any, name: str) -> None:
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def approver_of_150_yuan(server: str, token: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{server}/graphql",
            json={"query": PREVIEW, "variables": {"input": LIABLE_150}},
            headers={"Authorization": f"Bearer {token}"},
        )
    data: dict[str, Any] = response.json()["data"]["refundPolicyPreview"]
    return data


async def test_r12_admin_changes_a_band_and_graphql_requires_the_new_approver(
    page: Any, server: str
):
    admin = await f.staff(Role.ADMIN)
    token = issue_token(await f.staff(Role.HANDLER))
    assert (await approver_of_150_yuan(server, token))["branchApprover"] == "STORE_MANAGER"
    await sign_in(page, server, admin)
    await shot(page, "01-complaints")

    await page.goto(f"{server}/admin/config/bands")
    await page.fill("#liable_1", "100")
    await page.click("button[value=preview]")
    await page.wait_for_selector("section.preview")
    assert "第2档：区县分公司服务主管" in await page.inner_text("section.preview tr.changed")
    await shot(page, "02-bands-preview")
    await page.fill("#reason", "试行：有责退费 100 元以上由服务主管审批")
    await page.click("button[value=save]")
    await page.wait_for_selector("p.notice")
    await shot(page, "03-bands-saved")

    started = time.monotonic()
    while True:  # the API process caches thresholds for 3 s: no restart, only patience
        answer = await approver_of_150_yuan(server, token)
        if answer["branchApprover"] != "STORE_MANAGER" or time.monotonic() - started > 10:
            break
        await asyncio.sleep(0.2)
    assert answer == {
        "band": 2,
        "branchApprover": "COUNTY_SERVICE_SUPERVISOR",
        "serviceCentreApprover": "COMPLAINT_SUPERVISOR",
    }
    assert time.monotonic() - started < 5

    await page.goto(f"{server}/admin/config/bands/history")
    assert "试行：有责退费 100 元以上由服务主管审批" in await page.inner_text("main")
    await shot(page, "04-bands-history")


@pytest.fixture
async def calendar_restored() -> AsyncIterator[None]:
    yield
    await seed.remove_year(2026)
    await seed.seed_years(2026, 2026)
    forget_calendar()


async def test_c7_admin_adds_a_holiday_and_a_deadline_moves(
    page: Any, server: str, calendar_restored: None
):
    await sign_in(page, server, await f.staff(Role.ADMIN))
    calculator = f"{server}/admin/calendar?month=2026-12&start=2026-12-01T09:00&days=1"
    await page.goto(calculator)
    assert "2026-12-02 09:00" in await page.inner_text("#calc-result")

    await page.fill("#day", "2026-12-02")
    await page.select_option("#kind", "holiday")
    await page.fill("#name", "临时放假")
    await page.fill("#day-reason", "台风停工")
    await page.click("form[action$='/calendar/day'] button[type=submit]")
    await page.wait_for_selector("p.notice")
    assert "临时放假" in await page.inner_text("td[data-day='2026-12-02']")
    await page.goto(calculator)

    assert "2026-12-03 09:00" in await page.inner_text("#calc-result")
    await shot(page, "05-calendar-holiday")


async def test_a1_auditor_draws_a_monetary_unit_sample_twice_and_records_a_finding(
    page: Any, server: str
):
    handler = await f.staff(Role.HANDLER)
    for _ in range(5):
        await f.executed_refund(handler, await f.refund(handler))
    auditor = await f.staff(Role.AUDITOR)
    await sign_in(page, server, auditor)

    drawn = []
    for _ in range(2):
        await page.goto(f"{server}/admin/audit/samples")
        await page.select_option("#method", "monetary_unit")
        await page.fill("#size", "3")
        await page.fill("#seed", "20261122")
        await page.click("form.draw-form button[type=submit]")
        await page.wait_for_selector("#sample-refunds")
        drawn.append(await page.inner_text("#sample-refunds"))
    assert drawn[0] == drawn[1] and drawn[0].strip()
    await shot(page, "06-sample")

    form = page.locator("form.verdict-form").first
    await form.locator("select[name=verdict]").select_option("noncompliant")
    await form.locator("select[name=rule]").select_option("R-12")
    await form.locator("input[name=note]").fill("审批单缺少审批人签字")
    await form.locator("button").click()
    await page.wait_for_selector("p.notice")
    assert "不合规" in await page.inner_text("table.sample-items")
    await shot(page, "07-sample-verdict")

    finding = await AuditFinding.get(note="审批单缺少审批人签字")
    assert finding.rule == "R-12" and await CorrectionTask.exists(finding_id=finding.id)
    await page.goto(f"{server}/admin/audit/summary")
    await shot(page, "08-audit-summary")


async def test_console_reads_in_chinese_and_switches_to_english(page: Any, server: str):
    handler = await f.staff(Role.HANDLER)
    await f.complaint(handler)
    await f.executed_refund(handler, await f.refund(handler, None, f.goodwill_request(12000)))
    await sign_in(page, server, await f.staff(Role.AUDITOR))

    await page.goto(f"{server}/admin/overview")
    assert await page.locator("svg.chart").count() == 6
    await shot(page, "09-overview")
    await page.goto(f"{server}/admin/special-customers")
    await shot(page, "10-special-customers")
    await page.click("button[value=en]")
    await page.wait_for_selector("html[lang=en]")

    assert "Special customers" in await page.inner_text("h1")
    await page.goto(f"{server}/admin/audit")
    await shot(page, "11-audit-english")
