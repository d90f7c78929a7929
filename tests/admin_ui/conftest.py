"""A signed-in console over HTTP (the ASGI app mounted at /admin, as in production)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from admin_ui.app import create_admin
from services.staff.models import Role, Staff
from tests import factories as f

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Console:
    """An httpx client that signs in once and sends the session's CSRF token with every POST."""

    def __init__(self, http: httpx.AsyncClient):
        self.http = http
        self.token = ""
        self.staff: Staff | None = None

    async def sign_in(self, staff: Staff) -> Console:
        page = await self.http.get("/admin/login")
        token = CSRF.search(page.text)
        assert token, page.text
        response = await self.http.post(
            "/admin/login",
            data={"username": staff.username, "password": f.PASSWORD, "csrf_token": token[1]},
        )
        assert response.status_code == 303, response.text
        self.token = await self.csrf()
        self.staff = staff
        return self

    async def csrf(self) -> str:
        page = await self.http.get("/admin/config")
        found = CSRF.search(page.text)
        assert found, page.text
        return found[1]

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.http.get(path, **kw)

    async def post(self, path: str, data: dict[str, Any], *, csrf: bool = True) -> httpx.Response:
        body = {**data, "csrf_token": self.token} if csrf else data
        return await self.http.post(path, data=body)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    outer = Starlette(routes=[Mount("/admin", app=create_admin())])
    transport = httpx.ASGITransport(app=outer)
    # https: the session cookie is Secure outside ENV=dev
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


@pytest.fixture
async def admin(http: httpx.AsyncClient) -> Console:
    return await Console(http).sign_in(await f.staff(Role.ADMIN))


@pytest.fixture
async def auditor(http: httpx.AsyncClient) -> Console:
    return await Console(http).sign_in(await f.staff(Role.AUDITOR))


def text_of(html: str) -> str:
    """The page's words without tags, whitespace collapsed: what a reader sees."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
