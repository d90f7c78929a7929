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
    SUPERVISION_COMPLAINTS, 3, "C-10: complaints on one matter that start supervision", _at_least(2)
)
