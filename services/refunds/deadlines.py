"""R-13: a refund's time limits as durations; services.calendar does the working-day arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.refunds.kinds import Flow, RefundMethod, coerce


class DeadlineUnit(StrEnum):
    HOURS = "hours"  # clock hours
    WORKING_DAYS = "working_days"
    BILLING_CYCLES = "billing_cycles"  # 1 = on the next month's bill


class DeadlineStart(StrEnum):
    REFUND_REQUESTED = "refund_requested"  # the refund work order is taken
    VERIFIED = "verified"  # verification finished
    AMOUNT_CONFIRMED = "amount_confirmed"  # the customer confirmed the amount
    ADJUSTMENT_AGREED = "adjustment_agreed"  # amount and date of a bill adjustment agreed


@dataclass(frozen=True, slots=True)
class Deadline:
    what: str
    amount: int
    unit: DeadlineUnit
    measured_from: DeadlineStart


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    flow: Flow
    method: RefundMethod
    deadlines: tuple[Deadline, ...]
    reasons: tuple[str, ...]


def refund_deadlines(*, flow: Flow, vip: bool, method: RefundMethod) -> DeadlineRule:
    """R-13: the time limits of one refund, as durations; working days are counted elsewhere."""
    flow = coerce(Flow, flow, "flow")
    method = coerce(RefundMethod, method, "method")
    steps: list[Deadline] = []
    reasons: list[str] = []
    if flow is Flow.VERIFY_FIRST:
        days = 1 if vip else 3
        who = "a VIP customer" if vip else "a customer who is not VIP"
        steps.append(
            Deadline("verify", days, DeadlineUnit.WORKING_DAYS, DeadlineStart.REFUND_REQUESTED)
        )
        reasons.append(f"R-13: verify first for {who}: verification within {days} working day(s).")
    if method is RefundMethod.BILL_ADJUSTMENT:
        start = (
            DeadlineStart.VERIFIED if flow is Flow.VERIFY_FIRST else DeadlineStart.REFUND_REQUESTED
        )
        steps.append(
            Deadline(
                "agree amount and date of the bill adjustment", 3, DeadlineUnit.WORKING_DAYS, start
            )
        )
        steps.append(
            Deadline(
                "apply the bill adjustment",
                1,
                DeadlineUnit.BILLING_CYCLES,
                DeadlineStart.ADJUSTMENT_AGREED,
            )
        )
        reasons.append(
            "R-13: bill adjustment (调账): amount and date agreed with the customer within 3 "
            "working days, applied on the next month's bill."
        )
    elif flow is Flow.REFUND_FIRST:
        steps.append(
            Deadline("execute the refund", 48, DeadlineUnit.HOURS, DeadlineStart.AMOUNT_CONFIRMED)
        )
        reasons.append(
            "R-13: refund first: executed within 48 hours of the customer confirming the amount."
        )
    else:
        steps.append(
            Deadline(
                "execute the refund", 3, DeadlineUnit.WORKING_DAYS, DeadlineStart.AMOUNT_CONFIRMED
            )
        )
        reasons.append(
            "R-13: verify first: refund within 3 working days of the amount being confirmed."
        )
    return DeadlineRule(flow, method, tuple(steps), tuple(reasons))
