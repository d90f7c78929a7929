"""Threshold pages: validation that changes nothing, previews, versions, restore, roles, and a
change the API sees within seconds (R-12, R-10, K-1, C-3, C-7, C-8, R-14)."""

from __future__ import annotations

from typing import Any

import pytest

from admin_ui.config_pages import all_groups
from admin_ui.i18n import LOCALES, has
from services.refunds import limits
from services.staff.models import Role
from services.thresholds import service as thresholds
from services.thresholds.models import ThresholdVersion
from tests import factories as f
from tests.admin_ui.conftest import Console, text_of

BANDS_FORM = {
    "band0": "20",
    "liable_1": "200",
    "liable_2": "500",
    "liable_3": "1000",
    "not_liable_1": "100",
    "not_liable_2": "300",
    "not_liable_3": "500",
}


def bands(**changes: str) -> dict[str, str]:
    return {**BANDS_FORM, **changes}


async def save(console: Console, slug: str, form: dict[str, Any], reason: str = "测试调整"):
    return await console.post(f"/admin/config/{slug}", {**form, "reason": reason, "action": "save"})


# R-12 approval bands ------------------------------------------------------------------------


async def test_r12_admin_saves_bands_as_a_new_version_with_who_and_why(admin: Console):
    response = await save(admin, "bands", bands(liable_1="150"), "省公司通知")

    assert response.status_code == 303
    row = await ThresholdVersion.get(key=limits.BANDS)
    assert (row.version, row.reason, row.changed_by_id) == (1, "省公司通知", admin.staff.id)
    assert row.value["liable_max_fen"] == [15000, 50000, 100000]
    page = await admin.get("/admin/config/bands")
    assert "已保存为新版本（v1）" in page.text
    assert 'value="150.00"' in page.text


async def test_r12_overlapping_bands_are_refused_with_a_clear_message_and_change_nothing(
    admin: Console,
):
    response = await save(admin, "bands", bands(liable_2="150"))

    assert response.status_code == 400
    assert "公司有责第2档上限 150.00 元必须高于第1档上限 200.00 元，否则档位重叠或为空" in (
        text_of(response.text)
    )
    assert 'value="150"' in response.text  # what was typed comes back
    assert await ThresholdVersion.all().count() == 0


async def test_r12_non_monotonic_third_band_is_refused(admin: Console):
    response = await save(admin, "bands", bands(not_liable_3="300"))

    assert response.status_code == 400
    assert "公司无责第3档上限 300.00 元必须高于第2档上限 300.00 元" in text_of(response.text)
    assert await ThresholdVersion.all().count() == 0


async def test_r12_band0_reaching_past_band1_is_refused(admin: Console):
    response = await save(admin, "bands", bands(band0="150"))

    assert response.status_code == 400
    assert "第0档上限 150.00 元不能超过公司无责第1档上限 100.00 元" in text_of(response.text)
    assert await ThresholdVersion.all().count() == 0


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "「公司有责」请填写金额（元），例如 200 或 200.50。"),
        ("-5", "「公司有责」不能为负数。"),
        ("200.001", "「公司有责」最多两位小数（精确到分）。"),
        ("", "请填写「公司有责」。"),
    ],
)
async def test_r12_amounts_that_are_not_yuan_are_refused(admin: Console, typed: str, message: str):
    response = await save(admin, "bands", bands(liable_1=typed))

    assert response.status_code == 400
    assert message in text_of(response.text)
    assert await ThresholdVersion.all().count() == 0


async def test_r12_preview_shows_who_approves_sample_refunds_before_and_after(admin: Console):
    response = await admin.post(
        "/admin/config/bands", {**bands(liable_1="100"), "action": "preview"}
    )

    assert response.status_code == 200
    text = text_of(response.text)
    # 150 yuan company-liable: band 1 (store manager) now, band 2 (county supervisor) after
    assert (
        "150.00 元（公司有责） 第1档：营业厅厅经理／工单班长/综合支撑员 "
        "第2档：区县分公司服务主管／投诉主管"
    ) in text
    assert "以上为预览，尚未保存" in text
    assert await ThresholdVersion.all().count() == 0  # a preview writes nothing


async def test_r12_saving_the_same_values_is_refused(admin: Console):
    response = await save(admin, "bands", BANDS_FORM)

    assert response.status_code == 400
    assert "没有任何改动" in response.text
    assert await ThresholdVersion.all().count() == 0


async def test_a_save_needs_a_reason(admin: Console):
    response = await save(admin, "bands", bands(liable_1="150"), reason="  ")

    assert response.status_code == 400
    assert "请填写「修改原因」" in response.text
    assert await ThresholdVersion.all().count() == 0


# R-10, K-1, C-3, C-7, C-8, R-14 -------------------------------------------------------------

GIFTS = {"gift_mid_high_end": "200", "gift_group": "150", "gift_ordinary": "100"}


async def test_r10_a_negative_gift_allowance_is_refused_and_changes_nothing(admin: Console):
    response = await save(admin, "gifts", {**GIFTS, "gift_ordinary": "-20"})

    assert response.status_code == 400
    assert "「普通客户」不能为负数。" in text_of(response.text)
    assert await ThresholdVersion.all().count() == 0
    assert (await limits.gift_allowances()).ordinary_fen == 10000


async def test_r10_gift_allowance_change_is_used_by_the_rules(admin: Console):
    await save(admin, "gifts", {**GIFTS, "gift_ordinary": "80.5"})

    assert (await limits.gift_allowances()).ordinary_fen == 8050


RISK = {"count_in_month": "3", "month_sum": "100", "three_month_sum": "100", "quiet_months": "3"}


async def test_k1_preview_replays_the_special_customer_list_under_both_thresholds(
    admin: Console,
):
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer(credit_standing="good")
    for fen in (3000, 3000):  # 60 yuan of goodwill refunds this month
        complaint = await f.complaint(handler, customer)
        await f.executed_refund(
            handler, await f.refund(handler, complaint, f.goodwill_request(fen))
        )

    response = await admin.post(
        "/admin/config/risk", {**RISK, "month_sum": "50", "action": "preview"}
    )

    assert response.status_code == 200
    assert "特殊客户 0 个 → 1 个（新增 1，移出 0）" in text_of(response.text)


async def test_c3_batch_window_change_is_read_by_the_complaint_rules(admin: Console):
    from services.complaints import rules

    form = {
        "batch_window": "30",
        "batch_customers": "10",
        "batch_vip": "5",
        "repeat_months": "3",
        "supervision": "3",
    }
    response = await save(admin, "batch", form)

    assert response.status_code == 303
    assert await thresholds.current(rules.BATCH_WINDOW_MINUTES) == 30
    # one version for the one key that changed
    assert await ThresholdVersion.filter(key__startswith="complaints.").count() == 1


DEADLINES = {
    "acknowledge_days": "1",
    "plan_days": "3",
    "plan_extension_days": "3",
    "result_hours": "24",
    "revisit_opens_days": "3",
    "revisit_closes_days": "7",
    "department_days": "2",
}


async def test_c7_revisit_cannot_open_after_it_closes(admin: Console):
    response = await save(admin, "deadlines", {**DEADLINES, "revisit_opens_days": "8"})

    assert response.status_code == 400
    assert "回访最早（8 个工作日）不能晚于回访最晚（7 个工作日）" in text_of(response.text)
    assert await ThresholdVersion.all().count() == 0


async def test_c7_preview_shows_when_a_complaint_received_now_falls_due(admin: Console):
    response = await admin.post(
        "/admin/config/deadlines", {**DEADLINES, "plan_days": "5", "action": "preview"}
    )

    assert response.status_code == 200
    text = text_of(response.text)
    assert "以现在" in text and "提出初步方案：" in text


async def test_c8_routing_to_an_unknown_department_is_refused(admin: Console):
    await f.department("NET", "网络部")

    response = await save(admin, "routing", {"route_network_fault": "NOPE"})

    assert response.status_code == 400
    assert "「网络故障」的部门代码 NOPE 不存在。" in text_of(response.text)
    assert await ThresholdVersion.all().count() == 0


async def test_c8_routing_change_is_stored(admin: Console):
    await f.department("NET", "网络部")

    response = await save(admin, "routing", {"route_network_fault": "NET"})

    assert response.status_code == 303
    from services.complaints import rules

    assert await thresholds.current(rules.ROUTING) == {"network_fault": "NET"}


async def test_r14_signature_longer_than_20_characters_is_refused(admin: Console):
    response = await save(admin, "sms", {"signature": "【" + "中" * 20 + "】"})

    assert response.status_code == 400
    assert "「短信签名」最多 20 个字。" in text_of(response.text)
    assert await limits.sms_signature() == "【中国移动】"


# history and restore ------------------------------------------------------------------------


async def test_history_shows_before_after_who_and_why_and_restores_as_a_new_version(
    admin: Console,
):
    await save(admin, "gifts", {**GIFTS, "gift_ordinary": "80"}, "降本")
    await save(admin, "gifts", {**GIFTS, "gift_ordinary": "60"}, "再降")

    page = await admin.get("/admin/config/gifts/history")
    text = text_of(page.text)
    assert "普通客户： 80.00 元 → 60.00 元" in text and "再降" in text
    assert "普通客户： 100.00 元 → 80.00 元" in text and "降本" in text
    assert admin.staff.display_name in text

    restored = await admin.post(
        "/admin/config/gifts/restore",
        {"key": limits.GIFTS, "version": "1", "reason": "恢复到第1版"},
    )

    assert restored.status_code == 303
    versions = await ThresholdVersion.filter(key=limits.GIFTS).order_by("version")
    assert [v.value["ordinary_fen"] for v in versions] == [8000, 6000, 8000]
    assert versions[-1].reason == "恢复到第1版"
    assert (await limits.gift_allowances()).ordinary_fen == 8000


async def test_the_shipped_default_can_be_restored(admin: Console):
    await save(admin, "gifts", {**GIFTS, "gift_ordinary": "80"})

    await admin.post(
        "/admin/config/gifts/restore", {"key": limits.GIFTS, "version": "0", "reason": "恢复默认"}
    )

    assert (await limits.gift_allowances()).ordinary_fen == 10000
    assert await ThresholdVersion.filter(key=limits.GIFTS).count() == 2


async def test_restoring_the_current_value_is_refused(admin: Console):
    await save(admin, "gifts", {**GIFTS, "gift_ordinary": "80"})

    await admin.post(
        "/admin/config/gifts/restore", {"key": limits.GIFTS, "version": "1", "reason": "x"}
    )

    assert await ThresholdVersion.filter(key=limits.GIFTS).count() == 1
    page = await admin.get("/admin/config/gifts/history")
    assert "第 1 版与当前值相同，无需恢复" in page.text


# roles and CSRF -----------------------------------------------------------------------------


async def test_an_auditor_reads_the_settings_but_cannot_change_them(auditor: Console):
    page = await auditor.get("/admin/config/bands")
    assert page.status_code == 200
    assert "只有管理员可以修改" in page.text

    response = await save(auditor, "bands", bands(liable_1="150"))

    assert response.status_code == 403
    assert "只有管理员可以修改配置" in response.text
    assert await ThresholdVersion.all().count() == 0


async def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(admin: Console):
    response = await admin.post(
        "/admin/config/bands",
        {**bands(liable_1="150"), "reason": "x", "action": "save"},
        csrf=False,
    )

    assert response.status_code == 403
    assert await ThresholdVersion.all().count() == 0


async def test_every_setting_is_listed_with_its_current_value(admin: Console):
    page = await admin.get("/admin/config")

    text = text_of(page.text)
    assert page.status_code == 200
    for title in (
        "退费审批权限",
        "特殊客户标准",
        "上门礼品标准",
        "批量与重复投诉",
        "投诉处理时限",
        "投诉分派",
        "短信签名",
    ):
        assert title in text
    assert "出厂默认值" in text


async def test_a_threshold_without_a_designed_page_gets_a_plain_one(admin: Console):
    key = "test.console_generic"
    thresholds.register(key, 5, "a threshold registered by another module", thresholds.positive_int)

    page = await admin.get(f"/admin/config/{key}")
    refused = await save(admin, key, {"value": "-1"})
    saved = await save(admin, key, {"value": "7"})

    assert page.status_code == 200 and "a threshold registered by another module" in page.text
    assert refused.status_code == 400 and "「取值」不能小于 0" in text_of(refused.text)
    assert saved.status_code == 303 and await thresholds.current(key) == 7


def test_every_field_label_and_unit_is_in_both_catalogs():
    for group in all_groups():
        keys = [group.title_key, group.intro_key]
        for field in getattr(group, "fields", ()):
            keys += [field.label_key] + ([field.unit_key] if field.unit_key else [])
        for key in keys:
            for locale in LOCALES:
                assert has(key, locale), (key, locale)


# customer SMS texts and delivery ------------------------------------------------------------


async def test_r14_a_template_with_an_unknown_placeholder_is_refused_and_changes_nothing(
    admin: Console,
):
    from services.notices.models import NoticeTemplate

    body = "尊敬的客户,您反映的{matter}问题已于{yyyy}年{mm}月{dd}日退费{amount}元,{customer_name}。"
    response = await admin.post(
        "/admin/config/sms/templates/refund_executed", {"body": body, "reason": "试用"}
    )

    assert response.status_code == 400
    text = text_of(response.text)
    assert "含有未知的占位符 {customer_name}" in text
    assert "{amount}、{dd}、{matter}、{mm}、{signature}、{yyyy}" in text  # what it may use
    assert await NoticeTemplate.all().count() == 0


async def test_r14_a_template_missing_the_amount_is_refused(admin: Console):
    from services.notices.models import NoticeTemplate

    response = await admin.post(
        "/admin/config/sms/templates/refund_executed",
        {"body": "您反映的{matter}问题已于{yyyy}年{mm}月{dd}日处理。{signature}", "reason": "x"},
    )

    assert response.status_code == 400
    assert "缺少必需的占位符 {amount}。" in text_of(response.text)
    assert await NoticeTemplate.all().count() == 0


async def test_r14_a_template_is_saved_as_a_version_and_can_be_restored(admin: Console):
    from services.notices import templates
    from services.notices.templates import SPECS, TemplateKind

    kind = TemplateKind.REVISIT_INVITATION
    body = "尊敬的客户,关于您反映的{matter}问题,我们将在三个工作日内回访。{signature}"
    saved = await admin.post(
        f"/admin/config/sms/templates/{kind.value}", {"body": body, "reason": "措辞更具体"}
    )
    page = await admin.get("/admin/config/sms/templates")

    assert saved.status_code == 303
    assert (await templates.current(kind)).body == body
    assert "我们将在三个工作日内回访。【中国移动】" in page.text  # the sample, signed

    history = await admin.get(f"/admin/config/sms/templates/{kind.value}/history")
    assert "措辞更具体" in history.text
    await admin.post(
        f"/admin/config/sms/templates/{kind.value}/restore",
        {"version": "1", "reason": "恢复出厂文本"},
    )
    assert (await templates.current(kind)).body == SPECS[kind].default


async def test_c9_quiet_hours_that_are_not_times_are_refused(admin: Console):
    response = await save(admin, "quiet", {"quiet_start": "25:00", "quiet_end": "8点"})

    assert response.status_code == 400
    text = text_of(response.text)
    assert "「开始时间」请按 21:00 的格式填写时间" in text
    assert "「结束时间」请按 21:00 的格式填写时间" in text
    assert await ThresholdVersion.all().count() == 0


async def test_c9_quiet_hours_preview_says_when_an_evening_sms_goes_out(admin: Console):
    response = await admin.post(
        "/admin/config/quiet", {"quiet_start": "22:00", "quiet_end": "07:00", "action": "preview"}
    )

    text = text_of(response.text)
    assert "今天 21:30 生成的非紧急短信 次日 08:00 发送 立即发送" in text
    assert "今天 07:30 生成的非紧急短信 今天 08:00 发送 立即发送" in text


async def test_retry_longest_delay_cannot_be_shorter_than_the_first(admin: Console):
    response = await save(
        admin,
        "retry",
        {"retry_attempts": "8", "retry_first_delay": "600", "retry_max_delay": "60"},
    )

    assert response.status_code == 400
    assert "最长重试间隔（60 秒）不能短于首次重试间隔（600 秒）" in text_of(response.text)
    assert await ThresholdVersion.all().count() == 0


async def test_thresholds_saved_together_are_stored_all_or_none():
    from services.complaints import rules
    from services.errors import InvalidInput as Refused

    with pytest.raises(Refused):
        await thresholds.change_many(
            values={rules.BATCH_WINDOW_MINUTES: 30, rules.BATCH_CUSTOMERS: 0},
            reason="x",
            changed_by_id=None,
        )
    assert await ThresholdVersion.all().count() == 0

    rows = await thresholds.change_many(
        values={rules.BATCH_WINDOW_MINUTES: 30, rules.BATCH_CUSTOMERS: 12},
        reason="节日期间",
        changed_by_id=None,
    )
    assert sorted((r.key, r.version, r.reason) for r in rows) == [
        (rules.BATCH_CUSTOMERS, 1, "节日期间"),
        (rules.BATCH_WINDOW_MINUTES, 1, "节日期间"),
    ]
