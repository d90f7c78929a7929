"""GraphiQL in a real headless Chromium (Debian's, driven by Playwright) with no way out: every
request that is not for the app itself is refused, as on an operator's intranet. The page must
render from the app's own files, log in with the prefilled mutation (its token going into the
Authorization header by itself) and run the prefilled query. A missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.staff.models import Role, Staff
from services.staff.service import hash_password
from tests import factories as f
from tests.app_server import serving

pytestmark = pytest.mark.usefixtures("wall_clock")  # the server reads the wall clock

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / ".data" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def dev_server() -> Iterator[str]:
    """The app as `make run` serves it (ENV=dev: GraphiQL on), over the test database."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    with (
        (SHOTS / "graphiql-server.log").open("wb") as log,
        serving(env={**os.environ, "ENV": "dev"}, log=log) as (_, url),
    ):
        yield url


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs it")
    playwright = await async_playwright().start()
    browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    yield browser
    await browser.close()
    await playwright.stop()


async def _editor_text(page: Any, selector: str) -> str:
    """What the CodeMirror editors under `selector` hold (the tools pane has two: variables
    and headers), one after the other."""
    text: str = await page.evaluate(
        "(s) => [...document.querySelectorAll(s + ' .CodeMirror')]"
        ".map(e => e.CodeMirror.getValue()).join('\\n')",
        selector,
    )
    return text


async def _run(page: Any, operation: str) -> None:
    """The ▶ button; with two operations in the editor, GraphiQL asks which one."""
    await page.click(".graphiql-execute-button")
    await page.get_by_role("menuitem", name=operation).click()


async def test_graphiql_renders_and_logs_in_with_no_network(dev_server: str, chromium: Any):
    await Staff.create(
        username="handler",
        display_name="处理员",
        password_hash=hash_password("tousu-demo"),
        roles=[Role.HANDLER.value],
    )
    await f.complaint(await f.staff(Role.HANDLER))
    context = await chromium.new_context(viewport={"width": 1360, "height": 900})
    refused: list[str] = []

    async def only_the_app(route: Any) -> None:
        if route.request.url.startswith(dev_server):
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_the_app)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        await page.goto(f"{dev_server}/graphql", wait_until="networkidle")
        await page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=30_000)

        query = await _editor_text(page, ".graphiql-query-editor")
        assert "mutation Login" in query and "query Queue" in query
        headers = await _editor_text(page, ".graphiql-editor-tool")
        assert '"Authorization": "Bearer (run Login: its token goes here)"' in headers

        await _run(page, "Login")
        await page.wait_for_function(
            "() => document.querySelector('.graphiql-response .CodeMirror')"
            ".CodeMirror.getValue().includes('LoginSuccess')",
            timeout=30_000,
        )
        await page.wait_for_function(
            "() => [...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')]"
            ".some(e => e.CodeMirror.getValue().includes('Bearer ey'))",
            timeout=10_000,
        )
        await _run(page, "Queue")
        await page.wait_for_function(
            "() => document.querySelector('.graphiql-response .CodeMirror')"
            ".CodeMirror.getValue().includes('totalCount')",
            timeout=30_000,
        )
        answer = await _editor_text(page, ".graphiql-response")
        await page.screenshot(path=str(SHOTS / "graphiql.png"))
    except Exception:
        await page.screenshot(path=str(SHOTS / "graphiql-failed.png"))
        raise
    finally:
        await context.close()

    assert '"totalCount": 1' in answer and "UNAUTHENTICATED" not in answer
    assert refused == [] and errors == []


async def test_the_graphiql_page_loads_only_the_apps_own_files(dev_server: str):
    from graphql_schema.graphiql import ASSETS, STATIC_URL

    async with httpx.AsyncClient(base_url=dev_server) as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        for name, (_, _, integrity) in ASSETS.items():
            assert f'src="{STATIC_URL}/{name}"' in page.text or (
                f'href="{STATIC_URL}/{name}"' in page.text
            )
            assert f'integrity="{integrity}"' in page.text
            assert (await http.get(f"{STATIC_URL}/{name}")).status_code == 200
    assert "unpkg.com" not in page.text and "https://" not in page.text


def test_the_committed_graphiql_files_have_the_pinned_hashes():
    checked = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "graphiql_assets.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout


def test_the_prefilled_operations_are_valid_against_both_schemas():
    from graphql import parse, validate

    from graphql_schema.graphiql import PARTNER_QUERY, STAFF_QUERY
    from graphql_schema.partners.schema import schema as partner_schema
    from graphql_schema.schema import schema

    for document, on in ((STAFF_QUERY, schema), (PARTNER_QUERY, partner_schema)):
        assert validate(on._schema, parse(document)) == []
