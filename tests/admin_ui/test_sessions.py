"""Console sessions kept server-side, and the staff page (issue 11): logging out ends the session
for every copy of its cookie; deactivation, a new password and "log out everywhere" end them all."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from admin_ui.app import SESSION_COOKIE, create_admin
from services.errors import Unauthenticated
from services.staff.models import Role, Staff, StaffSession
from services.staff.service import authenticate, issue_token, staff_for_token
from tests import factories as f
from tests.admin_ui.conftest import Console, text_of


async def signed_out(http: httpx.AsyncClient) -> bool:
    page = await http.get("/admin/complaints")
    return page.status_code == 303 and page.headers["location"] == "/admin/login"


@pytest.fixture
async def other_http() -> AsyncIterator[httpx.AsyncClient]:
    """A second browser (its own app instance: sessions live in the database, not the process)."""
    outer = Starlette(routes=[Mount("/admin", app=create_admin())])
    transport = httpx.ASGITransport(app=outer)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


async def test_i11_a_console_cookie_captured_before_logout_is_refused(admin: Console):
    captured = admin.http.cookies[SESSION_COOKIE]

    await admin.post("/admin/logout", {})
    admin.http.cookies.clear()
    admin.http.cookies.set(SESSION_COOKIE, captured, domain="testserver", path="/admin")

    assert await signed_out(admin.http)
    assert await StaffSession.all().count() == 0


async def test_i11_the_cookie_carries_only_a_session_key(admin: Console):
    payload = admin.http.cookies[SESSION_COOKIE].split(".")[0]
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))

    assert set(data) == {"sk", "csrf"}
    assert admin.staff is not None
    assert admin.staff.id not in data.values()
    assert await StaffSession.filter(staff_id=admin.staff.id).count() == 1


async def test_i11_deactivating_from_the_staff_page_ends_the_members_sessions(
    admin: Console, other_http: httpx.AsyncClient
):
    member = await Console(other_http).sign_in(await f.staff(Role.ADMIN, username="wang"))
    assert member.staff is not None
    token = issue_token(member.staff)

    done = await admin.post(f"/admin/staff/{member.staff.id}/deactivate", {})
    page = await admin.get("/admin/staff")

    assert done.status_code == 303
    assert await signed_out(other_http)
    with pytest.raises(Unauthenticated):
        await staff_for_token(token)
    assert "已停用 wang，其全部登录已失效。" in text_of(page.text)
    assert not (await Staff.get(id=member.staff.id)).is_active


async def test_i11_log_out_everywhere_from_the_staff_page_keeps_the_account(
    admin: Console, other_http: httpx.AsyncClient
):
    member = await Console(other_http).sign_in(await f.staff(Role.AUDITOR))
    assert member.staff is not None

    await admin.post(f"/admin/staff/{member.staff.id}/logout-everywhere", {})

    assert await signed_out(other_http)
    await member.sign_in(member.staff)  # the password still works
    assert not await signed_out(other_http)


async def test_i11_an_admin_sets_a_new_password_and_a_short_one_is_refused(admin: Console):
    member = await f.staff(username="li")

    short = await admin.post(f"/admin/staff/{member.id}/password", {"new_password": "short"})
    refused = text_of((await admin.get("/admin/staff")).text)
    await admin.post(f"/admin/staff/{member.id}/password", {"new_password": "a long new one"})
    done = text_of((await admin.get("/admin/staff")).text)

    assert short.status_code == 303
    assert "未能处理 li：Choose a password of at least 10 characters." in refused
    assert "已重设 li 的密码，其全部登录已失效。" in done
    assert (await authenticate(username="li", password="a long new one")).id == member.id


async def test_i11_an_admin_cannot_deactivate_themselves(admin: Console):
    assert admin.staff is not None

    await admin.post(f"/admin/staff/{admin.staff.id}/deactivate", {})

    assert "You cannot deactivate your own account." in text_of(
        (await admin.get("/admin/staff")).text
    )
    assert (await Staff.get(id=admin.staff.id)).is_active


async def test_i11_auditors_see_the_staff_page_but_cannot_act(auditor: Console):
    member = await f.staff(username="zhao")

    page = await auditor.get("/admin/staff")
    refused = await auditor.post(f"/admin/staff/{member.id}/deactivate", {})

    assert page.status_code == 200 and "zhao" in page.text
    assert "/deactivate" not in page.text
    assert refused.status_code == 403
    assert (await Staff.get(id=member.id)).is_active


async def test_i11_logging_oneself_out_everywhere_ends_this_session_too(admin: Console):
    assert admin.staff is not None

    await admin.post(f"/admin/staff/{admin.staff.id}/logout-everywhere", {})

    assert await signed_out(admin.http)
