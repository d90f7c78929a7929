"""The audit's tunable numbers (versioned thresholds, changed in the console like the others)."""

from __future__ import annotations

from services.thresholds import service as thresholds

CORRECTION_DAYS = "audit.correction_days"
REPEAT_ESCALATION = "audit.repeat_escalation"
OPEN_REFUND_DAYS = "audit.open_refund_days"

thresholds.register(
    CORRECTION_DAYS,
    10,
    "A-2: calendar days the person responsible has to correct a finding.",
    thresholds.positive_int,
)
thresholds.register(
    REPEAT_ESCALATION,
    3,
    "A-3: findings of the same problem in a month that call for supervised handling (C-10).",
    thresholds.positive_int,
)
thresholds.register(
    OPEN_REFUND_DAYS,
    15,
    "A-1: calendar days after its request by which a refund is executed or closed; a refund "
    "still open after them is a finding.",
    thresholds.positive_int,
)
