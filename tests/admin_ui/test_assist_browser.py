"""The handler-assist console pages in a real headless Chromium against the app in its own
uvicorn process (S-2, S-3): an admin's keyword is suggested by the API process within 3 s, and
"check my reply" marks the phrases to avoid."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from services.staff.models import Role
from services.staff.service import issue_token
from tests import factories as f
from tests.admin_ui.test_browser import browser, page, server, shot, sign_in  # noqa: F401

pytestmark = pytest.mark.usefixtures("wall_clock")

SUGGEST = """query($t: String!) { suggestScenarios(text: $t) { scenarios { code matched } } }"""


async def suggested(base: str, token: str, text: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{base}/graphql",
            json={"query": SUGGEST, "variables": {"t": text}},
            headers={"Authorization": f"Bearer {token}"},
        )
    rows: list[dict[str, Any]] = response.json()["data"]["suggestScenarios"]["scenarios"]
    return rows


async def test_s2_admin_adds_a_keyword_in_the_console_and_the_api_suggests_it(
    page: Any,  # noqa: F811
    server: str,  # noqa: F811
):
    token = issue_token(await f.staff(Role.HANDLER))
    assert await suggested(server, token, "再不解决我就携转") == []
    await sign_in(page, server, await f.staff(Role.ADMIN))
    await page.goto(f"{server}/admin/config/assist")
    await shot(page, "assist-01-index")
    await page.click("a[href$='/config/assist/keywords']")
    text = await page.input_value("#kw-text")
    await page.fill("#kw-text", text + "\n携转 | HARDLINE:5 | service_handling:4 |")
    await page.fill("input[name=reason]", "客户常说“携转”")
    await page.click("form[action$='/config/assist/keywords'] button[type=submit]")
    await page.wait_for_selector("p.notice")
    await shot(page, "assist-02-keywords-saved")

    started = time.monotonic()
    while not (found := await suggested(server, token, "再不解决我就携转")):
        assert time.monotonic() - started < 5, "the API process did not see the edit"
        await asyncio.sleep(0.2)
    assert found[0] == {"code": "HARDLINE", "matched": ["携转"]}

    await page.goto(f"{server}/admin/config/assist/keywords/library/history")
    assert "客户常说“携转”" in await page.inner_text("main")


async def test_s3_check_my_reply_marks_the_phrases_to_avoid(
    page: Any,  # noqa: F811
    server: str,  # noqa: F811
):
    await sign_in(page, server, await f.staff(Role.AUDITOR))
    await page.goto(f"{server}/admin/config/assist")
    await page.fill("#check-text", "您搞错了，这个我们办不了，过几天再说")
    await page.click("#check button[type=submit]")
    await page.wait_for_selector("tr.finding")
    marked = await page.locator("[data-testid=marked] mark").all_inner_texts()
    assert marked == ["您搞错了", "办不了", "过几天"]
    assert "我觉得我们的沟通存在误解" in await page.inner_text("#check")
    await shot(page, "assist-03-check")
