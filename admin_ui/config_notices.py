"""Notice delivery settings: quiet hours (non-urgent SMS wait for the morning) and retries.

The preview asks services.notices.policy.release_at, the function the outbox uses, when a
message written at a few sample times would go out, before and after the change.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from admin_ui import i18n
from admin_ui.config_groups import Group, NumberField, NumberGroup, Preview
from admin_ui.forms import Form
from services import clock
from services.calendar.service import operator_zone
from services.notices import policy
from services.notices import rules as notice_rules

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
SAMPLE_TIMES = (time(7, 30), time(12, 0), time(21, 30), time(23, 59))


def _span(value: dict[str, str], locale: str) -> str:
    if value["start"] == value["end"]:
        return i18n._("config.quiet.none", locale)
    return f"{value['start']}–{value['end']}"


class QuietHoursGroup(Group):
    slug = "quiet"
    title_key = "config.quiet.title"
    intro_key = "config.quiet.intro"
    rules = "C-9, R-14"
    keys = (notice_rules.QUIET_HOURS,)
    template = "config/fields_quiet.html"

    def initial(self, current: dict[str, Any]) -> dict[str, str]:
        value = current[notice_rules.QUIET_HOURS]
        return {"quiet_start": value["start"], "quiet_end": value["end"]}

    async def parse(self, form: Form, current: dict[str, Any]) -> dict[str, Any]:
        value = dict(current[notice_rules.QUIET_HOURS])
        for name, part in (("quiet_start", "start"), ("quiet_end", "end")):
            typed = form.value(name)
            if not _HHMM.match(typed):
                form.error(name, "form.time", label=form.label(f"config.field.{name}"))
            else:
                value[part] = typed
        return {notice_rules.QUIET_HOURS: value}

    async def preview(
        self, before: dict[str, Any], after: dict[str, Any], locale: str
    ) -> Preview | None:
        zone = operator_zone()
        day = clock.now().astimezone(zone).date()
        table = Preview(
            headers=[
                i18n._(k, locale)
                for k in ("config.quiet.preview.written", "preview.before", "preview.after")
            ]
        )
        table.add(
            [
                i18n._("config.field.quiet", locale),
                _span(before[notice_rules.QUIET_HOURS], locale),
                _span(after[notice_rules.QUIET_HOURS], locale),
            ],
            before[notice_rules.QUIET_HOURS] != after[notice_rules.QUIET_HOURS],
        )
        for moment in SAMPLE_TIMES:
            written = datetime.combine(day, moment, tzinfo=zone)
            sent = [
                policy.release_at(
                    written, policy.quiet_hours_from(values[notice_rules.QUIET_HOURS]), zone
                ).astimezone(zone)
                for values in (before, after)
            ]
            shown = [_when(written, s, locale) for s in sent]
            table.add(
                [i18n._("config.quiet.preview.at", locale, at=f"{moment:%H:%M}"), *shown],
                sent[0] != sent[1],
            )
        return table

    def describe(self, key: str, value: Any, locale: str) -> list[tuple[str, str]]:
        return [(i18n._("config.field.quiet", locale), _span(value, locale))]


def _when(written: datetime, sent: datetime, locale: str) -> str:
    if sent == written:
        return i18n._("config.quiet.preview.at_once", locale)
    day = (
        "config.quiet.preview.tomorrow"
        if sent.date() > written.date()
        else ("config.quiet.preview.today")
    )
    return i18n._(day, locale, at=f"{sent:%H:%M}")


def _check_retry(form: Form, values: dict[str, Any]) -> None:
    retry = values[notice_rules.RETRY]
    if retry["max_delay_seconds"] < retry["first_delay_seconds"]:
        form.error(
            "retry_max_delay",
            "config.retry.error.delays",
            first=retry["first_delay_seconds"],
            longest=retry["max_delay_seconds"],
        )


RETRY_GROUP = NumberGroup(
    slug="retry",
    title_key="config.retry.title",
    intro_key="config.retry.intro",
    rules="R-14",
    fields=(
        NumberField(
            "retry_attempts",
            notice_rules.RETRY,
            "max_attempts",
            "config.field.retry_attempts",
            "unit.times",
        ),
        NumberField(
            "retry_first_delay",
            notice_rules.RETRY,
            "first_delay_seconds",
            "config.field.retry_first_delay",
            "unit.seconds",
        ),
        NumberField(
            "retry_max_delay",
            notice_rules.RETRY,
            "max_delay_seconds",
            "config.field.retry_max_delay",
            "unit.seconds",
        ),
    ),
    check=_check_retry,
)
