"""Notice texts: R-14 word for word, placeholders checked when saved, versions kept."""

from __future__ import annotations

from datetime import date

import pytest

from services.errors import ErrorCode, InvalidInput, PermissionDenied
from services.notices import templates
from services.notices.models import NoticeTemplate
from services.notices.templates import TemplateKind
from services.refunds import notice_text
from services.staff.models import Role
from tests import factories as f

R14 = (
    "尊敬的客户,您反映的{matter}问题,已于{yyyy}年{mm}月{dd}日对您完成退费处理,"
    "退费金额{amount}元,感谢您的支持与关注。{signature}"
)


async def test_r14_refund_template_is_the_rulebook_text_word_for_word():
    stored = await templates.current(TemplateKind.REFUND_EXECUTED)

    assert (stored.body, stored.version) == (R14, 1)


@pytest.mark.parametrize(
    ("matter", "day", "fen", "signature"),
    [
        ("话费重复扣费", date(2025, 3, 6), 2000, "【中国移动】"),
        ("梦网业务", date(2026, 12, 31), 5, "云南移动"),
        ("流量", date(2024, 1, 1), 123456, ""),
    ],
)
async def test_r14_rendered_text_equals_the_refund_modules_text(matter, day, fen, signature):
    values = {
        "matter": matter,
        "yyyy": f"{day.year:04d}",
        "mm": f"{day.month:02d}",
        "dd": f"{day.day:02d}",
        "amount": notice_text.yuan_digits(fen),
        "signature": signature,
    }

    rendered = templates.render(R14, values)

    assert rendered == notice_text.refund_executed_sms(
        matter=matter, executed_on=day, amount_fen=fen, signature=signature
    )


async def test_every_shipped_template_obeys_its_placeholders():
    for kind in TemplateKind:
        templates.check(kind, templates.SPECS[kind].default)
        assert "{signature}" in templates.SPECS[kind].default


async def test_saving_a_text_with_an_unknown_placeholder_names_it():
    admin = await f.staff(Role.ADMIN)

    with pytest.raises(InvalidInput) as refused:
        await templates.save(
            actor=admin,
            kind=TemplateKind.COMPLAINT_ACKNOWLEDGED,
            body="您反映的{matter}问题已受理,客服{agent}将联系{customer_name}。{signature}",
            reason="加客服姓名",
        )

    assert refused.value.code == ErrorCode.INVALID_INPUT and refused.value.field == "body"
    assert "{agent}, {customer_name}" in refused.value.message
    assert await NoticeTemplate.filter(kind="complaint_acknowledged", version__gt=1).count() == 0


async def test_r14_a_refund_text_without_the_amount_is_refused():
    admin = await f.staff(Role.ADMIN)

    with pytest.raises(InvalidInput) as refused:
        await templates.save(
            actor=admin,
            kind=TemplateKind.REFUND_EXECUTED,
            body="尊敬的客户,您反映的{matter}问题已于{yyyy}年{mm}月{dd}日退费。{signature}",
            reason="简化",
        )

    assert "{amount}" in refused.value.message


@pytest.mark.parametrize(
    "body", ["您的{matter问题", "{0}问题", "{matter!r}问题", "{matter:>5}问题"]
)
async def test_malformed_placeholders_are_refused(body):
    with pytest.raises(InvalidInput) as refused:
        templates.check(TemplateKind.REVISIT_INVITATION, body)
    assert refused.value.field == "body"


async def test_c7_an_admin_edit_is_a_new_version_used_from_then_on():
    admin = await f.staff(Role.ADMIN)
    body = "尊敬的客户,您反映的{matter}问题已处理完毕,我们将于近日回访。{{回复TD退订}}{signature}"

    saved = await templates.save(
        actor=admin, kind=TemplateKind.REVISIT_INVITATION, body=body, reason="加退订提示"
    )

    assert (saved.version, saved.changed_by_id, saved.reason) == (2, admin.id, "加退订提示")
    current = await templates.current(TemplateKind.REVISIT_INVITATION)
    assert current.id == saved.id
    assert templates.render(current.body, {"matter": "网络", "signature": "X"}) == (
        "尊敬的客户,您反映的网络问题已处理完毕,我们将于近日回访。{回复TD退订}X"
    )


async def test_only_an_admin_edits_notice_texts():
    handler = await f.staff(Role.HANDLER)

    with pytest.raises(PermissionDenied):
        await templates.save(
            actor=handler, kind=TemplateKind.REVISIT_INVITATION, body="{matter}", reason="x"
        )
