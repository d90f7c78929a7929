"""The handler-assist pages of the console (S-1 … S-3): edit the scripts and the keyword
library as versions with history, and check a reply."""

from __future__ import annotations

from services.assist import library
from tests.admin_ui.conftest import Console, text_of


async def test_s3_check_my_reply_marks_each_phrase_with_a_better_one(auditor: Console):
    page = await auditor.post("/admin/config/assist/check", {"text": "您搞错了，我们会尽快处理"})
    seen = text_of(page.text)
    assert page.status_code == 200
    assert "<mark" in page.text and "您搞错了" in seen
    assert "YOU_BLAME" in seen and "我觉得我们的沟通存在误解" in seen
    assert "VAGUE_PROMISE" in seen and "我们将在24小时内给您答复" in seen


async def test_s3_a_fine_reply_says_so_and_shows_the_scenarios_of_the_text(auditor: Console):
    page = await auditor.post("/admin/config/assist/check", {"text": "叫你们经理出来"})
    seen = text_of(page.text)
    assert "没有发现不当措辞" in seen
    assert "客户一开始就要求找经理" in seen and "你们经理" in seen


async def test_s1_the_index_lists_every_scenario_with_its_version(auditor: Console):
    page = await auditor.get("/admin/config/assist")
    seen = text_of(page.text)
    assert page.status_code == 200
    for code in ("RATIONAL", "SERIAL_COMPLAINER", "JOURNALIST", "RECHARGE_CARD"):
        assert code in seen
    assert "携同记者" in seen and "v1" in seen


async def test_s1_an_admin_edits_a_scenario_and_the_history_shows_who_and_why(admin: Console):
    form = {
        "title": "场景十八：反复大量投诉、抓字眼",
        "situation": "事无大小，遇到麻烦就投诉。",
        "measure": "公事公办就好。",
        "examples": "刘小姐，我已经将您的事情记下来了，我们在24小时内给您回复！\n请您放心。",
        "escalation": "",
        "reason": "回复时限改为24小时",
    }
    saved = await admin.post("/admin/config/assist/scenarios/SERIAL_COMPLAINER", form)
    assert saved.status_code == 303
    page = await admin.get("/admin/config/assist/scenarios/SERIAL_COMPLAINER")
    assert "已保存为第 2 版" in text_of(page.text) and "24小时内给您回复" in page.text
    history = await admin.get("/admin/config/assist/scenario/SERIAL_COMPLAINER/history")
    seen = text_of(history.text)
    assert "v2" in seen and "回复时限改为24小时" in seen and "v1" in seen

    restored = await admin.post(
        "/admin/config/assist/scenario/SERIAL_COMPLAINER/restore",
        {"version": "1", "reason": "恢复"},
    )
    assert restored.status_code == 303
    now = (await library.current()).scenarios["SERIAL_COMPLAINER"]
    assert now.version == 3 and "48小时内" in now.examples[0]


async def test_s2_a_bad_keyword_line_is_shown_with_its_line_number_and_nothing_saved(
    admin: Console,
):
    page = await admin.post(
        "/admin/config/assist/keywords",
        {"text": "老客户 | EMOTIONAL:4 | |\n没订 | NOPE:2 | |", "reason": "试"},
    )
    assert page.status_code == 400
    assert "第2行" in text_of(page.text) and "NOPE" in page.text
    assert (await library.current()).keywords_version == 1


async def test_s2_an_admin_adds_a_keyword_and_it_is_suggested_at_once(admin: Console):
    text = (await library.current()).keywords_text + "\n携转 | HARDLINE:5 | |"
    saved = await admin.post("/admin/config/assist/keywords", {"text": text, "reason": "新说法"})
    assert saved.status_code == 303
    page = await admin.post("/admin/config/assist/check", {"text": "我就携转"})
    assert "面对强硬客户" in text_of(page.text)
    history = await admin.get("/admin/config/assist/keywords/library/history")
    assert "新说法" in text_of(history.text)


async def test_s2_an_auditor_sees_but_cannot_edit(auditor: Console):
    page = await auditor.get("/admin/config/assist/keywords")
    assert "<fieldset disabled" in page.text
    refused = await auditor.post("/admin/config/assist/keywords", {"text": "x", "reason": "x"})
    assert refused.status_code == 403


async def test_s1_the_assist_pages_render_in_english(admin: Console):
    await admin.post("/admin/locale", {"locale": "en", "next": "/config/assist"})
    page = await admin.get("/admin/config/assist")
    assert "Handler assist" in page.text and "Check my reply" in page.text


async def test_s3_a_saved_sms_text_with_a_vague_promise_is_warned_with_its_span(admin: Console):
    body = "尊敬的客户，您反映的{matter}问题已受理，我们会尽快处理。{signature}"
    saved = await admin.post(
        "/admin/config/sms/templates/complaint_acknowledged", {"body": body, "reason": "试"}
    )
    page = await admin.get("/admin/config/sms/templates")
    seen = text_of(page.text)
    assert saved.status_code == 303  # a warning, never a block
    assert "措辞提示" in seen and "“尽快”" in seen and "VAGUE_PROMISE" in seen


async def test_s3_the_shipped_sms_texts_show_no_wording_warning(admin: Console):
    page = await admin.get("/admin/config/sms/templates")
    assert "措辞提示" not in text_of(page.text)
