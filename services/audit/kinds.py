"""What the audit's checks (policy.py) read and say: an executed refund as plain values, and a
finding with its rule, code, figures and whose correction it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.refunds.policy import (
    ChargeCategory,
    Flow,
    Liability,
    Multiple,
    RefundMethod,
)


class Responsible(StrEnum):
    """Whose step it was, so the correction task goes to them (A-2)."""

    REQUESTER = "requester"
    APPROVER = "approver"
    EXECUTOR = "executor"


@dataclass(frozen=True)
class ApprovalFact:
    round: int
    approved: bool
    band: int  # the refund's band when decided
    approver_band: int
    approver_id: int
    track: str
    amount_fen: int


@dataclass(frozen=True)
class RefundFacts:
    """An executed refund as the audit sees it: what was recorded, and what happened."""

    refund_id: int
    liability: Liability
    charge_category: ChargeCategory
    charged_fen: int
    should_have_charged_fen: int
    overcharge_fen: int
    refund_fen: int
    multiple: Multiple
    method: RefundMethod
    cash_exception_reason: str
    flow: Flow
    flow_clause: str
    band: int
    special_customer: bool
    cause_unknown_on_spot: bool
    first_refund: bool
    track: str
    requested_by_id: int
    approval_round: int
    created_at: datetime
    verified_at: datetime | None
    verify_due_at: datetime | None
    approved_at: datetime | None
    confirmed_at: datetime | None
    executed_at: datetime
    execute_due_at: datetime | None
    approvals: tuple[ApprovalFact, ...] = ()
    actions: tuple[str, ...] = ()  # the refund's history, oldest first
    ledger_fen: int | None = None  # None: nothing reached the ledger
    ledger_kind: str | None = None
    notices: int = 0  # R-14 notices written for it


@dataclass(frozen=True)
class Finding:
    rule: str
    code: str
    responsible: Responsible
    params: dict[str, Any] = field(default_factory=dict)
