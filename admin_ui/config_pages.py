"""The configuration pages of the console, in menu order, and their previews.

Special customers (K-1/K-2), gift allowances (R-10), batch and repeat windows (C-3, C-10) and
deadline lengths (C-7, C-8) are groups of plain numbers; approval bands (R-12), routing (C-8)
and the SMS signature (R-14) have pages of their own. A threshold another module registers
later gets a plain page of its own (GenericGroup) until someone designs a better one.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from admin_ui import i18n
from admin_ui.config_bands import BandsGroup
from admin_ui.config_groups import GenericGroup, Group, NumberField, NumberGroup
from admin_ui.config_notices import RETRY_GROUP, QuietHoursGroup
from admin_ui.config_risk import RiskGroup
from admin_ui.config_texts import RoutingGroup, SmsGroup
from admin_ui.forms import Form
from services.audit import rules as audit_rules
from services.calendar.policy import CalendarYearMissing
from services.calendar.service import add_working_days
from services.complaints import rules
from services.customers.models import Customer, CustomerStatus
from services.refunds import clock, limits, policy
from services.refunds.models import Refund, RefundStatus
from services.thresholds import service as thresholds

RISK_MONTHS = 12


def _f(
    name: str, key: str, part: str | None, unit: str = "", money: bool = False, minimum: int = 1
) -> NumberField:
    return NumberField(name, key, part, f"config.field.{name}", unit, money, minimum)


# K-1 / K-2 ------------------------------------------------------------------------------------


async def _risk_notes(before: dict[str, Any], after: dict[str, Any], locale: str) -> list[str]:
    """Replay K-1 over the last twelve months' executed refunds under both sets of numbers."""
    today = clock.local_date(clock.now())
    since = clock.local_midnight(clock.month_start(today, RISK_MONTHS - 1))
    rows = (
        await Refund.filter(  # only what K-1 counts: not company liable, not border roaming
            status=RefundStatus.EXECUTED,
            executed_at__gte=since,
            liability=policy.Liability.NOT_LIABLE,
            border_roaming=False,
        )
        .order_by("customer_id", "executed_at")
        .values_list("customer_id", "executed_at", "refund_fen", "liability", "border_roaming")
    )
    facts: dict[int, list[policy.RefundFact]] = defaultdict(list)
    for customer_id, executed_at, fen, liability, roaming in rows:
        facts[customer_id].append(
            policy.RefundFact(
                clock.local_date(executed_at), fen, policy.Liability(liability), roaming
            )
        )
    cancelled = set(
        await Customer.filter(id__in=list(facts), status=CustomerStatus.CANCELLED).values_list(
            "id", flat=True
        )
    )
    special = []
    for numbers in (before[limits.RISK], after[limits.RISK]):
        limits_now = policy.RiskThresholds(**numbers)
        special.append(
            {
                customer_id
                for customer_id, refunds in facts.items()
                if policy.special_customer(
                    refunds=refunds,
                    today=today,
                    cancelled=customer_id in cancelled,
                    thresholds=limits_now,
                ).special
            }
        )
    return [
        i18n._(
            "config.risk.preview",
            locale,
            months=RISK_MONTHS,
            customers=len(facts),
            before=len(special[0]),
            after=len(special[1]),
            joined=len(special[1] - special[0]),
            left=len(special[0] - special[1]),
        )
    ]


# C-3 -----------------------------------------------------------------------------------------


async def _batch_notes(before: dict[str, Any], after: dict[str, Any], locale: str) -> list[str]:
    def sentence(values: dict[str, Any]) -> str:
        return i18n._(
            "config.batch.sentence",
            locale,
            minutes=values[rules.BATCH_WINDOW_MINUTES],
            customers=values[rules.BATCH_CUSTOMERS],
            vip=values[rules.BATCH_VIP_CUSTOMERS],
            months=values[rules.REPEAT_WINDOW_MONTHS],
            supervision=values[rules.SUPERVISION_COMPLAINTS],
        )

    return [
        i18n._("config.preview.before_text", locale, text=sentence(before)),
        i18n._("config.preview.after_text", locale, text=sentence(after)),
    ]


# C-7 -----------------------------------------------------------------------------------------

_DAY_KEYS = (
    ("config.field.acknowledge_days", rules.ACKNOWLEDGE_WORKING_DAYS),
    ("config.field.plan_days", rules.PLAN_WORKING_DAYS),
    ("config.field.revisit_closes_days", rules.REVISIT_CLOSES_WORKING_DAYS),
)


def _check_deadlines(form: Form, values: dict[str, Any]) -> None:
    opens = values[rules.REVISIT_OPENS_WORKING_DAYS]
    closes = values[rules.REVISIT_CLOSES_WORKING_DAYS]
    if opens > closes:
        form.error(
            "revisit_closes_days", "config.deadlines.error.revisit", opens=opens, closes=closes
        )


async def _deadline_notes(before: dict[str, Any], after: dict[str, Any], locale: str) -> list[str]:
    """When a complaint received now would fall due, by the working-day calendar (C-7)."""
    start = clock.now()
    zone = clock.operator_zone()
    notes = [
        i18n._(
            "config.deadlines.preview.start",
            locale,
            at=start.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        )
    ]
    for label_key, key in _DAY_KEYS:
        try:
            due = [await add_working_days(start, values[key]) for values in (before, after)]
        except CalendarYearMissing as exc:
            notes.append(i18n._("calendar.error.year_missing", locale, year=exc.year))
            break
        notes.append(
            i18n._(
                "config.deadlines.preview.due",
                locale,
                what=i18n._(label_key, locale),
                before=due[0].astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                after=due[1].astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            )
        )
    return notes


GROUPS: tuple[Group, ...] = (
    BandsGroup(),
    RiskGroup(
        slug="risk",
        title_key="config.risk.title",
        intro_key="config.risk.intro",
        rules="K-1, K-2",
        fields=(
            _f("count_in_month", limits.RISK, "count_in_month", "unit.times"),
            _f("month_sum", limits.RISK, "month_sum_fen", money=True),
            _f("three_month_sum", limits.RISK, "three_month_sum_fen", money=True),
            _f("quiet_months", limits.RISK, "quiet_months_to_leave", "unit.months"),
        ),
        notes=_risk_notes,
    ),
    NumberGroup(
        slug="gifts",
        title_key="config.gifts.title",
        intro_key="config.gifts.intro",
        rules="R-10",
        fields=(
            _f("gift_mid_high_end", limits.GIFTS, "mid_high_end_fen", money=True, minimum=0),
            _f("gift_group", limits.GIFTS, "group_fen", money=True, minimum=0),
            _f("gift_ordinary", limits.GIFTS, "ordinary_fen", money=True, minimum=0),
        ),
    ),
    NumberGroup(
        slug="batch",
        title_key="config.batch.title",
        intro_key="config.batch.intro",
        rules="C-3, C-10",
        fields=(
            _f("batch_window", rules.BATCH_WINDOW_MINUTES, None, "unit.minutes"),
            _f("batch_customers", rules.BATCH_CUSTOMERS, None, "unit.customers"),
            _f("batch_vip", rules.BATCH_VIP_CUSTOMERS, None, "unit.customers"),
            _f("repeat_months", rules.REPEAT_WINDOW_MONTHS, None, "unit.months"),
            _f("supervision", rules.SUPERVISION_COMPLAINTS, None, "unit.complaints", minimum=2),
        ),
        notes=_batch_notes,
    ),
    NumberGroup(
        slug="deadlines",
        title_key="config.deadlines.title",
        intro_key="config.deadlines.intro",
        rules="C-7, C-8",
        fields=(
            _f("acknowledge_days", rules.ACKNOWLEDGE_WORKING_DAYS, None, "unit.working_days"),
            _f("plan_days", rules.PLAN_WORKING_DAYS, None, "unit.working_days"),
            _f("plan_extension_days", rules.PLAN_EXTENSION_WORKING_DAYS, None, "unit.working_days"),
            _f("result_hours", rules.RESULT_FEEDBACK_HOURS, None, "unit.hours"),
            _f("revisit_opens_days", rules.REVISIT_OPENS_WORKING_DAYS, None, "unit.working_days"),
            _f("revisit_closes_days", rules.REVISIT_CLOSES_WORKING_DAYS, None, "unit.working_days"),
            _f(
                "department_days", rules.DEPARTMENT_FEEDBACK_WORKING_DAYS, None, "unit.working_days"
            ),
        ),
        check=_check_deadlines,
        notes=_deadline_notes,
    ),
    RoutingGroup(),
    SmsGroup(),
    QuietHoursGroup(),
    RETRY_GROUP,
    NumberGroup(
        slug="audit",
        title_key="config.audit.title",
        intro_key="config.audit.intro",
        rules="A-1, A-2, A-3",
        fields=(
            _f("open_refund_days", audit_rules.OPEN_REFUND_DAYS, None, "unit.days"),
            _f("correction_days", audit_rules.CORRECTION_DAYS, None, "unit.days"),
            _f("repeat_escalation", audit_rules.REPEAT_ESCALATION, None, "unit.findings"),
        ),
    ),
)


def all_groups() -> list[Group]:
    """The designed pages, then one plain page per threshold none of them covers."""
    covered = {key for group in GROUPS for key in group.keys}
    extra = [GenericGroup(key) for key in sorted(thresholds.registered()) if key not in covered]
    return [*GROUPS, *extra]


def group_for(slug: str) -> Group | None:
    return next((group for group in all_groups() if group.slug == slug), None)


def group_of_key(key: str) -> Group | None:
    return next((group for group in all_groups() if key in group.keys), None)
