"""Every word of the console comes from the gettext catalogs (Babel), in Chinese and English."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from admin_ui import i18n
from services.audit.models import FindingSource, FindingStatus, SampleMethod, Verdict
from services.complaints.models import Category, Channel, DeadlineKind, Status, WarningColour
from services.customers.models import Tier
from services.notices.models import NoticeStatus
from services.refunds.bands import ApproverTitle
from services.refunds.kinds import ChargeCategory, Flow, Liability
from services.refunds.models import RefundStatus
from services.staff.models import Track
from tests.admin_ui.conftest import Console, text_of

ADMIN_UI = Path(i18n.__file__).parent
KEYWORDS = {
    "_": None,
    "error": (2,),
    "text": (2,),
    "integer": (2,),
    "money": (2,),
    "day": (2,),
    "choice": (2,),
    "flash": (2,),
}


def used_keys() -> set[str]:
    """Every message id the console's code and templates ask for, as Babel extracts them."""
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    keys = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ADMIN_UI), method_map=method_map, keywords=KEYWORDS
    ):
        keys.add(message[0] if isinstance(message, tuple) else message)
    return keys


def test_every_message_the_console_uses_is_in_both_catalogs():
    used = used_keys()

    assert len(used) > 250
    for locale in i18n.LOCALES:
        missing = sorted(used - i18n.message_ids(locale))
        assert missing == [], (locale, missing)


def test_both_catalogs_hold_the_same_messages():
    assert i18n.message_ids("zh-CN") == i18n.message_ids("en")


@pytest.mark.parametrize(
    ("kind", "enum"),
    [
        ("status", Status),
        ("channel", Channel),
        ("category", Category),
        ("colour", WarningColour),
        ("deadline", DeadlineKind),
        ("refund_status", RefundStatus),
        ("track", Track),
        ("flow", Flow),
        ("notice_status", NoticeStatus),
        ("tier", Tier),
        ("liability", Liability),
        ("approver", ApproverTitle),
        ("charge_category", ChargeCategory),
        ("sample_method", SampleMethod),
        ("verdict", Verdict),
        ("finding_status", FindingStatus),
        ("finding_source", FindingSource),
    ],
)
def test_every_value_a_page_shows_has_words_in_both_languages(kind: str, enum: type[StrEnum]):
    for member in enum:
        for locale in i18n.LOCALES:
            assert i18n.has(f"{kind}.{member.value}", locale), (kind, member.value, locale)


def test_every_finding_the_audit_can_make_is_worded():
    source = (ADMIN_UI.parent / "services" / "audit" / "policy.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'Finding\(\s*"[A-Z]-\d+",\s*"([a-z_]+)"', source))

    assert len(codes) >= 20
    for code in codes:
        for locale in i18n.LOCALES:
            assert i18n.has(f"finding.{code}", locale), code
            assert i18n.has(f"problem.{code}", locale), code


async def test_the_english_switch_turns_every_page_english_and_back(admin: Console):
    switched = await admin.post(
        "/admin/locale", {"locale": "en", "next": "/calendar?month=2026-10"}
    )
    english = await admin.get("/admin/calendar?month=2026-10")
    config = await admin.get("/admin/config/bands")

    assert switched.status_code == 303
    assert switched.headers["location"] == "/admin/calendar?month=2026-10"
    assert '<html lang="en">' in english.text
    assert "October 2026" in english.text and "Mon" in english.text
    assert "Working-day calendar" in text_of(english.text)
    assert "Refund approval bands" in config.text and "审批" not in text_of(config.text)

    await admin.post("/admin/locale", {"locale": "zh-CN", "next": "/config"})
    chinese = await admin.get("/admin/config")
    assert '<html lang="zh-CN">' in chinese.text and "参数配置" in chinese.text


async def test_the_language_survives_signing_in(http):
    page = await http.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    await http.post(
        "/admin/locale", data={"locale": "en", "next": "/login", "csrf_token": token[1]}
    )

    login = await http.get("/admin/login")

    assert "Staff sign-in" in login.text


async def test_the_switch_only_goes_back_inside_the_console(admin: Console):
    for target in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)"):
        response = await admin.post("/admin/locale", {"locale": "en", "next": target})
        assert response.headers["location"] == "/admin/"


def test_an_unknown_message_is_a_bug():
    with pytest.raises(KeyError):
        i18n._("no.such.message")


async def test_every_page_renders_in_both_languages(auditor: Console):
    from services.audit import service as audit
    from services.audit.models import SampleMethod
    from services.audit.samples import draw_sample
    from services.refunds import clock
    from services.staff.models import Role
    from tests import factories as f

    handler = await f.staff(Role.HANDLER)
    refund = await f.executed_refund(handler, await f.refund(handler))
    assert auditor.staff is not None
    await audit.record_finding(actor=auditor.staff, refund_id=refund.id, rule="R-13", note="x")
    today = clock.local_date(clock.now())
    sample = await draw_sample(
        actor=auditor.staff,
        method=SampleMethod.SIMPLE_RANDOM,
        first=today,
        last=today,
        size=1,
        seed=1,
    )
    pages = [
        "/admin/complaints",
        "/admin/refunds",
        "/admin/notices",
        "/admin/special-customers",
        "/admin/overview",
        "/admin/config",
        "/admin/config/sms/templates",
        "/admin/config/sms/templates/refund_executed/history",
        "/admin/calendar",
        "/admin/audit",
        f"/admin/audit/refunds/{refund.id}",
        "/admin/audit/samples",
        f"/admin/audit/samples/{sample.id}?verify=1",
        "/admin/audit/corrections?status=all",
        "/admin/audit/summary",
    ]
    from admin_ui.config_pages import all_groups

    for group in all_groups():
        pages += [f"/admin/config/{group.slug}", f"/admin/config/{group.slug}/history"]
    for locale, lang in (("en", '<html lang="en">'), ("zh-CN", '<html lang="zh-CN">')):
        await auditor.post("/admin/locale", {"locale": locale, "next": "/config"})
        for path in pages:
            page = await auditor.get(path)
            assert page.status_code == 200, (locale, path)
            assert lang in page.text, (locale, path)
