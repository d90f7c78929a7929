"""Every string the console shows, in one place; zh-CN is the default and only locale so far.

To add English later: add an "en" table with the same keys and let `locale_for` choose it
(from a cookie or Accept-Language). Templates and views only ever call `_()` and `label()`.
"""

from __future__ import annotations

from typing import Any

DEFAULT_LOCALE = "zh-CN"

_ZH_CN: dict[str, str] = {
    "app.title": "投诉管理控制台",
    "nav.complaints": "投诉列表",
    "nav.signed_in_as": "当前用户：{name}",
    "action.login": "登录",
    "action.logout": "退出登录",
    "action.back": "返回",
    "login.title": "员工登录",
    "login.username": "用户名",
    "login.password": "密码",
    "login.error.missing": "请输入用户名和密码。",
    "login.error.credentials": "用户名或密码错误。",
    "login.error.throttled": "登录失败次数过多，请 {minutes} 分钟后再试。",
    "error.forbidden.title": "无权访问",
    "error.forbidden.console": "本控制台仅限管理员和稽核人员使用。",
    "error.csrf.title": "请求无效",
    "error.csrf.body": "页面已过期或请求未通过安全校验，请返回页面刷新后重新操作。",
    "error.not_found.title": "页面不存在",
    "error.method.title": "不支持该请求方式",
    "error.too_large.title": "提交的内容过大",
    "error.generic.title": "请求有误",
    "complaints.title": "投诉列表",
    "complaints.recent": "最近 {count} 条投诉",
    "complaints.empty": "暂无投诉。",
    "complaints.col.id": "编号",
    "complaints.col.created_at": "受理时间",
    "complaints.col.channel": "渠道",
    "complaints.col.category": "类别",
    "complaints.col.status": "状态",
    "complaints.col.customer": "客户",
    "complaints.col.phone": "客户号码",
    "complaints.col.owner": "负责人",
    # C-6 life cycle
    "status.received": "已受理",
    "status.acknowledged": "已确认",
    "status.investigating": "调查中",
    "status.plan_proposed": "已提出方案",
    "status.resolving": "处理中",
    "status.resolved": "已处理",
    "status.revisited": "已回访",
    "status.archived": "已归档",
    # C-1 channels
    "channel.hotline": "热线",
    "channel.store": "营业厅",
    "channel.customer_manager": "客户经理",
    "channel.app_web": "网上/APP",
    "channel.social_media": "社交媒体",
    "channel.letter_fax": "信函/传真",
    "channel.visit": "上访",
    "channel.above_level": "越级",
    "category.tariff_dispute": "资费争议",
    "category.billing_error": "计费差错",
    "category.network_fault": "网络故障",
    "category.value_added_service": "增值业务",
    "category.staff_attitude": "服务态度",
    "category.service_handling": "业务办理",
    "category.broadband": "宽带",
    "category.other": "其他",
}

MESSAGES: dict[str, dict[str, str]] = {DEFAULT_LOCALE: _ZH_CN}


def _(key: str, locale: str = DEFAULT_LOCALE, /, **params: Any) -> str:
    """The text for `key`; a missing key is a bug and raises KeyError, so tests catch it."""
    text = MESSAGES.get(locale, _ZH_CN)[key]
    return text.format(**params) if params else text


def label(kind: str, value: str, locale: str = DEFAULT_LOCALE) -> str:
    """A person's word for an enum value ("status", "received" → 已受理); unknown → the value."""
    return MESSAGES.get(locale, _ZH_CN).get(f"{kind}.{value}", value)


def locale_for(request: object) -> str:
    """The locale of a request: always the default until an English switch exists."""
    return DEFAULT_LOCALE
