"""What the refund package publishes (services.events) for the packages above it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.customers.models import Customer
    from services.refunds.models import Compensation, Refund


@dataclass(frozen=True)
class RefundExecuted:
    """R-14: the money moved; the customer is told once (records `notice_id`)."""

    refund: Refund
    customer: Customer
    at: datetime


@dataclass(frozen=True)
class RefundStopped:
    """R-11: verification found nothing due before execution (records `notice_id`)."""

    refund: Refund
    customer: Customer
    at: datetime


@dataclass(frozen=True)
class PaidBeyondDue:
    """R-11, A-1: verified after execution, less was due than paid: the difference is to be
    recovered (the audit opens a finding; records `finding_id`, `recover_fen`)."""

    refund: Refund
    due_fen: int


@dataclass(frozen=True)
class CompensationGranted:
    """R-10, C-9: a compensation was given (recorded within the rules, or its special decision
    approved); the customer is told in writing (records `notice_id`)."""

    compensation: Compensation
    at: datetime
