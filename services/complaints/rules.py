"""Thresholds of the complaint rules (C-3, C-7): shipped defaults, tunable by an admin."""

from __future__ import annotations

from typing import Any

from services.errors import InvalidInput
from services.thresholds import service as thresholds

BATCH_WINDOW_MINUTES = "complaints.batch_window_minutes"
BATCH_CUSTOMERS = "complaints.batch_customers"
BATCH_VIP_CUSTOMERS = "complaints.batch_vip_customers"
REPEAT_WINDOW_MONTHS = "complaints.repeat_window_months"
SUPERVISION_COMPLAINTS = "complaints.supervision_complaints"
ACKNOWLEDGE_WORKING_DAYS = "complaints.acknowledge_working_days"
PLAN_WORKING_DAYS = "complaints.plan_working_days"
PLAN_EXTENSION_WORKING_DAYS = "complaints.plan_extension_working_days"
RESULT_FEEDBACK_HOURS = "complaints.result_feedback_hours"
REVISIT_OPENS_WORKING_DAYS = "complaints.revisit_opens_working_days"
REVISIT_CLOSES_WORKING_DAYS = "complaints.revisit_closes_working_days"
DEPARTMENT_FEEDBACK_WORKING_DAYS = "complaints.department_feedback_working_days"
ROUTING = "complaints.routing"


def _at_least(minimum: int) -> Any:
    def check(value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise InvalidInput(f"The value must be a whole number of at least {minimum}.")

    return check


thresholds.register(
    BATCH_WINDOW_MINUTES, 60, "C-3 batch: the sliding window, in minutes", _at_least(1)
)
thresholds.register(
    BATCH_CUSTOMERS, 10, "C-3 batch: more than this many customers on one matter", _at_least(1)
)
thresholds.register(
    BATCH_VIP_CUSTOMERS, 5, "C-3 batch: this many VIP customers on one matter", _at_least(1)
)
thresholds.register(
    REPEAT_WINDOW_MONTHS, 3, "C-3 repeat: months after archiving that count", _at_least(1)
)
thresholds.register(
    SUPERVISION_COMPLAINTS,
    3,
    "C-10: one customer's complaints on one matter, linked as repeats (C-3), that start "
    "supervision",
    _at_least(2),
)

thresholds.register(
    ACKNOWLEDGE_WORKING_DAYS, 1, "C-7: acknowledge within N working days", _at_least(1)
)
thresholds.register(PLAN_WORKING_DAYS, 3, "C-7: initial plan within N working days", _at_least(1))
thresholds.register(
    PLAN_EXTENSION_WORKING_DAYS,
    3,
    "C-7: the one extension of the plan, in working days",
    _at_least(1),
)
thresholds.register(
    RESULT_FEEDBACK_HOURS, 24, "C-7: tell the result within N hours of resolution", _at_least(1)
)
thresholds.register(
    REVISIT_OPENS_WORKING_DAYS, 3, "C-7: revisit no earlier than N working days", _at_least(1)
)
thresholds.register(
    REVISIT_CLOSES_WORKING_DAYS, 7, "C-7: revisit no later than N working days", _at_least(1)
)
thresholds.register(
    DEPARTMENT_FEEDBACK_WORKING_DAYS,
    2,
    "C-8: a routed department feeds back within N working days",
    _at_least(1),
)


def _routing(value: Any) -> None:
    from services.complaints.models import Category

    if not isinstance(value, dict) or not all(isinstance(v, str) and v for v in value.values()):
        raise InvalidInput("Routing maps each category to a department code.")
    unknown = set(value) - {c.value for c in Category}
    if unknown:
        raise InvalidInput(f"Unknown categories: {', '.join(sorted(unknown))}.")


thresholds.register(
    ROUTING,
    {
        "network_fault": "NET",
        "broadband": "NET",
        "tariff_dispute": "MKT",
        "value_added_service": "MKT",
        "billing_error": "CS",
        "staff_attitude": "CS",
        "service_handling": "CS",
    },
    "C-8: which department (by code) a category goes to",
    _routing,
)
