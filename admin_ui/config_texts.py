"""Configuration pages of words rather than numbers: routing (C-8) and the SMS signature (R-14)."""

from __future__ import annotations

from typing import Any

from admin_ui import i18n
from admin_ui.config_groups import Group, Preview
from admin_ui.config_templates import current_rows, sample
from admin_ui.forms import Form
from services.complaints import rules as complaint_rules
from services.complaints.models import Category
from services.notices.templates import SPECS
from services.refunds import limits
from services.staff.models import Department

SIGNATURE_MAX = 20


class RoutingGroup(Group):
    """C-8: the department (by code) each complaint category goes to; none means not routed."""

    slug = "routing"
    title_key = "config.routing.title"
    intro_key = "config.routing.intro"
    rules = "C-8"
    keys = (complaint_rules.ROUTING,)
    template = "config/fields_routing.html"

    def initial(self, current: dict[str, Any]) -> dict[str, str]:
        routing = current[complaint_rules.ROUTING]
        return {f"route_{c.value}": routing.get(c.value, "") for c in Category}

    async def parse(self, form: Form, current: dict[str, Any]) -> dict[str, Any]:
        known = set(await Department.all().values_list("code", flat=True))
        routing: dict[str, str] = {}
        for category in Category:
            name = f"route_{category.value}"
            code = form.value(name)
            if not code:
                continue
            if code not in known:
                form.error(
                    name,
                    "config.routing.error.unknown",
                    code=code,
                    category=i18n.label("category", category.value, form.locale),
                )
            routing[category.value] = code
        return {complaint_rules.ROUTING: routing}

    async def fields_context(self, current: dict[str, Any], locale: str) -> dict[str, Any]:
        departments = await Department.all().order_by("code").values_list("code", "name")
        return {"categories": [c.value for c in Category], "departments": departments}

    async def preview(
        self, before: dict[str, Any], after: dict[str, Any], locale: str
    ) -> Preview | None:
        names = dict(await Department.all().values_list("code", "name"))
        table = Preview(
            headers=[
                i18n._(k, locale)
                for k in ("complaints.col.category", "preview.before", "preview.after")
            ]
        )
        for category in Category:
            old = before[complaint_rules.ROUTING].get(category.value, "")
            new = after[complaint_rules.ROUTING].get(category.value, "")
            table.add(
                [
                    i18n.label("category", category.value, locale),
                    _department(old, names, locale),
                    _department(new, names, locale),
                ],
                old != new,
            )
        return table

    def describe(self, key: str, value: Any, locale: str) -> list[tuple[str, str]]:
        return [
            (
                i18n.label("category", category.value, locale),
                value.get(category.value) or i18n._("config.routing.none", locale),
            )
            for category in Category
        ]


def _department(code: str, names: dict[str, str], locale: str) -> str:
    if not code:
        return i18n._("config.routing.none", locale)
    return f"{code} {names.get(code, i18n._('config.routing.missing', locale))}"


class SmsGroup(Group):
    """R-14: the operator's signature at the end of every refund SMS."""

    slug = "sms"
    title_key = "config.sms.title"
    intro_key = "config.sms.intro"
    rules = "R-14"
    keys = (limits.SMS_SIGNATURE,)
    template = "config/fields_sms.html"

    def initial(self, current: dict[str, Any]) -> dict[str, str]:
        return {"signature": current[limits.SMS_SIGNATURE]["text"]}

    async def parse(self, form: Form, current: dict[str, Any]) -> dict[str, Any]:
        signature = form.text("signature", "config.field.signature", max_length=SIGNATURE_MAX)
        return {limits.SMS_SIGNATURE: {"text": signature}}

    async def preview(
        self, before: dict[str, Any], after: dict[str, Any], locale: str
    ) -> Preview | None:
        """Every customer text as it would read, signed before and after (sample values)."""
        headers = ("config.sms.preview.message", "preview.before", "preview.after")
        table = Preview(headers=[i18n._(k, locale) for k in headers])
        for kind, row in (await current_rows()).items():
            body = row.body if row else SPECS[kind].default
            texts = [
                sample(body, values[limits.SMS_SIGNATURE]["text"]) for values in (before, after)
            ]
            table.add([i18n.label("template", kind.value, locale), *texts], texts[0] != texts[1])
        return table

    def describe(self, key: str, value: Any, locale: str) -> list[tuple[str, str]]:
        return [(i18n._("config.field.signature", locale), value["text"])]
