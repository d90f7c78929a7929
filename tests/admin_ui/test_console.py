"""The admin console over HTTP, mounted at /admin as in production."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from admin_ui.app import SESSION_COOKIE, create_admin
from admin_ui.i18n import _, label
from services.complaints.models import Category, Channel, Complaint, Status
from services.phones import mask
from services.privacy import mask_name
from services.staff import lifecycle
from services.staff.models import Role, Staff, StaffSession
from services.staff.throttle import wall_now
from tests import factories as f

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    outer = Starlette(routes=[Mount("/admin", app=create_admin())])
    transport = httpx.ASGITransport(app=outer)
    # https: the session cookie is Secure outside ENV=dev
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


async def csrf_token(client: httpx.AsyncClient, path: str = "/admin/login") -> str:
    page = await client.get(path)
    match = _CSRF.search(page.text)
    assert match, page.text
    return match.group(1)


async def login(
    client: httpx.AsyncClient, username: str, password: str = f.PASSWORD
) -> httpx.Response:
    token = await csrf_token(client)
    return await client.post(
        "/admin/login",
        data={"username": username, "password": password, "csrf_token": token},
    )


async def assert_signed_out(client: httpx.AsyncClient) -> None:
    page = await client.get("/admin/complaints")
    assert page.status_code == 303
    assert page.headers["location"] == "/admin/login"


# signing in


async def test_anonymous_complaints_list_redirects_to_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin/complaints")

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login"


async def test_console_root_redirects_to_complaints(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin/")

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/complaints"


async def test_login_page_is_chinese_and_offline(client: httpx.AsyncClient) -> None:
    page = await client.get("/admin/login")

    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "登录" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN, no absolute links
    css = await client.get("/admin/static/admin.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


async def test_admin_logs_in_and_lands_on_complaints(client: httpx.AsyncClient) -> None:
    admin = await f.staff(Role.ADMIN)

    response = await login(client, admin.username)

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/complaints"
    page = await client.get("/admin/complaints")
    assert page.status_code == 200
    assert "投诉列表" in page.text
    assert admin.display_name in page.text


async def test_auditor_may_use_console(client: httpx.AsyncClient) -> None:
    auditor = await f.staff(Role.AUDITOR)

    await login(client, auditor.username)

    assert (await client.get("/admin/complaints")).status_code == 200


async def test_session_cookie_is_strict_httponly_secure_and_scoped(
    client: httpx.AsyncClient,
) -> None:
    admin = await f.staff(Role.ADMIN)

    response = await login(client, admin.username)

    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    assert "path=/admin;" in cookie


async def test_wrong_password_is_refused(client: httpx.AsyncClient) -> None:
    admin = await f.staff(Role.ADMIN)

    response = await login(client, admin.username, "not the password")

    assert response.status_code == 401
    assert _("login.error.credentials") in response.text
    await assert_signed_out(client)


async def test_unknown_user_gets_the_same_answer_as_a_wrong_password(
    client: httpx.AsyncClient,
) -> None:
    response = await login(client, "nobody")

    assert response.status_code == 401
    assert _("login.error.credentials") in response.text


async def test_inactive_staff_cannot_log_in(client: httpx.AsyncClient) -> None:
    admin = await f.staff(Role.ADMIN)
    await Staff.filter(id=admin.id).update(is_active=False)

    response = await login(client, admin.username)

    assert response.status_code == 401
    await assert_signed_out(client)


async def test_handler_role_gets_403_page(client: httpx.AsyncClient) -> None:
    handler = await f.staff(Role.HANDLER)

    response = await login(client, handler.username)

    assert response.status_code == 403
    assert "无权访问" in response.text
    await assert_signed_out(client)


async def test_role_removed_mid_session_gets_403_and_session_ends(
    client: httpx.AsyncClient,
) -> None:
    admin = await f.staff(Role.ADMIN)
    await login(client, admin.username)
    await Staff.filter(id=admin.id).update(roles=[Role.HANDLER.value])

    page = await client.get("/admin/complaints")

    assert page.status_code == 403
    assert "无权访问" in page.text
    await Staff.filter(id=admin.id).update(roles=[Role.ADMIN.value])
    await assert_signed_out(client)


async def test_deactivated_staff_is_signed_out_on_next_request(
    client: httpx.AsyncClient,
) -> None:
    admin = await f.staff(Role.ADMIN)
    await login(client, admin.username)
    await Staff.filter(id=admin.id).update(is_active=False)

    await assert_signed_out(client)


async def test_password_change_ends_open_sessions(client: httpx.AsyncClient) -> None:
    admin = await f.staff(Role.ADMIN)
    await login(client, admin.username)
    await lifecycle.change_password(staff_id=admin.id, new_password="a new password", by=None)

    await assert_signed_out(client)


async def test_login_regenerates_the_session(client: httpx.AsyncClient) -> None:
    admin = await f.staff(Role.ADMIN)
    before = await csrf_token(client)
    cookie_before = client.cookies[SESSION_COOKIE]

    await login(client, admin.username)

    assert await csrf_token(client, "/admin/complaints") != before
    # the pre-login cookie (e.g. one an attacker planted) does not carry the login
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie_before, domain="testserver", path="/admin")
    await assert_signed_out(client)


# CSRF


async def test_login_without_csrf_token_is_refused_and_no_session_created(
    client: httpx.AsyncClient,
) -> None:
    admin = await f.staff(Role.ADMIN)

    response = await client.post(
        "/admin/login", data={"username": admin.username, "password": f.PASSWORD}
    )

    assert response.status_code == 403
    assert _("error.csrf.title") in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    await assert_signed_out(client)


async def test_login_with_wrong_csrf_token_is_refused(client: httpx.AsyncClient) -> None:
    admin = await f.staff(Role.ADMIN)
    await csrf_token(client)

    response = await client.post(
        "/admin/login",
        data={"username": admin.username, "password": f.PASSWORD, "csrf_token": "forged"},
    )

    assert response.status_code == 403
    await assert_signed_out(client)


async def test_logout_without_csrf_token_changes_nothing(client: httpx.AsyncClient) -> None:
    admin = await f.staff(Role.ADMIN)
    await login(client, admin.username)

    response = await client.post("/admin/logout")

    assert response.status_code == 403
    assert (await client.get("/admin/complaints")).status_code == 200


async def test_logout_ends_the_session(client: httpx.AsyncClient) -> None:
    admin = await f.staff(Role.ADMIN)
    await login(client, admin.username)
    token = await csrf_token(client, "/admin/complaints")

    response = await client.post("/admin/logout", data={"csrf_token": token})

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login"
    await assert_signed_out(client)


# throttling


async def test_login_throttled_after_five_failures_for_a_username(
    client: httpx.AsyncClient,
) -> None:
    admin = await f.staff(Role.ADMIN)
    for _attempt in range(5):
        assert (await login(client, admin.username, "wrong")).status_code == 401

    response = await login(client, admin.username)  # even the right password

    assert response.status_code == 429
    assert "登录失败次数过多" in response.text
    assert int(response.headers["retry-after"]) > 0
    await assert_signed_out(client)


async def test_login_throttled_after_five_failures_from_one_ip(
    client: httpx.AsyncClient,
) -> None:
    admin = await f.staff(Role.ADMIN)
    for n in range(5):
        assert (await login(client, f"guess{n}", "wrong")).status_code == 401

    response = await login(client, admin.username)

    assert response.status_code == 429
    await assert_signed_out(client)


# the complaints list


async def test_c12_console_shows_phone_masked(client: httpx.AsyncClient) -> None:
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    await f.complaint(handler, customer)
    admin = await f.staff(Role.ADMIN)
    await login(client, admin.username)

    page = await client.get("/admin/complaints")

    assert page.status_code == 200
    assert mask(customer.msisdn) in page.text
    assert customer.msisdn not in page.text
    assert customer.msisdn[3:] not in page.text  # not even the tail beyond the mask
    assert mask_name(customer.name) in page.text and customer.name not in page.text  # C-12
    assert handler.display_name in page.text


async def test_c6_c1_list_shows_chinese_labels_and_local_time(
    client: httpx.AsyncClient,
) -> None:
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(
        handler, channel=Channel.SOCIAL_MEDIA, category=Category.NETWORK_FAULT
    )
    admin = await f.staff(Role.ADMIN)
    await login(client, admin.username)

    page = await client.get("/admin/complaints")

    assert "社交媒体" in page.text
    assert "网络故障" in page.text
    assert "已受理" in page.text
    shanghai = complaint.created_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert shanghai.strftime("%Y-%m-%d %H:%M") in page.text


async def test_list_shows_the_50_most_recent_in_a_fixed_number_of_queries(
    client: httpx.AsyncClient, count_queries: Any
) -> None:
    handler = await f.staff(Role.HANDLER)
    for _n in range(52):
        await f.complaint(handler)
    admin = await f.staff(Role.ADMIN)
    await login(client, admin.username)
    newest = await Complaint.all().order_by("-id").values_list("id", flat=True)
    count_queries.queries.clear()

    page = await client.get("/admin/complaints")

    assert page.status_code == 200
    listed = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', page.text)]
    assert listed == list(newest[:50])
    # the calendar cache checks its fingerprint at most every few seconds (the admin banner)
    queries = [q for q in count_queries.queries if '"calendar_years"' not in q]
    complaint_queries = [
        q for q in queries if q.startswith(('SELECT "complaints"', 'SELECT "status"'))
    ]
    assert len(complaint_queries) == 2  # the count per status, the list
    # the signed-in staff row, the counts, the list, the next deadline of the listed ones
    assert len(queries) == 4


def test_every_status_channel_and_category_has_a_chinese_label() -> None:
    for kind, enum in (("status", Status), ("channel", Channel), ("category", Category)):
        for member in enum:
            assert label(kind, member.value) != member.value, f"{kind}.{member.value}"


# headers


async def test_console_pages_carry_security_headers(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/admin/login"),
        await client.get("/admin/complaints"),
        await client.post("/admin/logout"),
    ):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["cache-control"] == "no-store"


async def test_static_assets_may_be_cached(client: httpx.AsyncClient) -> None:
    css = await client.get("/admin/static/admin.css")

    assert "no-store" not in css.headers.get("cache-control", "")
    assert css.headers["x-frame-options"] == "DENY"


async def test_unknown_console_page_is_a_chinese_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin/nope")

    assert response.status_code == 404
    assert "页面不存在" in response.text


async def test_error_pages_link_back_into_the_console(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin/static/missing.css")

    assert response.status_code == 404
    assert 'href="/admin/login"' in response.text
    assert 'href="/admin/static/admin.css"' in response.text


async def test_a_session_ends_when_its_time_is_up(client: httpx.AsyncClient) -> None:
    admin = await f.staff(Role.ADMIN)
    await login(client, admin.username)
    assert (await client.get("/admin/complaints")).status_code == 200
    await StaffSession.filter(staff_id=admin.id).update(expires_at=wall_now())

    await assert_signed_out(client)
