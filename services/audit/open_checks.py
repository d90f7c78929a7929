"""A-1 for every refund, not only the executed ones: pure checks of a refund that was never
executed (still open, or rejected, declined, cancelled), and when the audit is done with one.

An executed refund is checked by policy.check_refund. The audit re-checks each refund until it
settles, so a refund stuck before execution, a limit missed, or a refund-first refund still not
verified a week after it was paid produce their findings; the finding codes are the ones an
executed refund would get ("verified_late", "executed_late"), so one problem is found once.

Where the rulebook leaves room, these readings hold:
- R-13: a limit runs until its step is taken or the refund is closed; passing it is a finding
  even if the step never comes ("at" is then null).
- A-1: a refund neither executed nor closed `open_days` calendar days after it was requested
  is a finding (the process was not followed through).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.audit.kinds import Finding, Responsible
from services.refunds.policy import Flow

CLOSED = frozenset({"rejected", "declined", "cancelled"})


@dataclass(frozen=True)
class UnexecutedRefund:
    """A refund not executed, as the audit sees it."""

    refund_id: int
    status: str
    created_at: datetime
    closed_at: datetime | None
    verify_due_at: datetime | None
    verified_at: datetime | None
    agree_due_at: datetime | None
    confirmed_at: datetime | None
    execute_due_at: datetime | None


def check_unexecuted(facts: UnexecutedRefund, *, now: datetime, open_days: int) -> list[Finding]:
    """R-13 limits passed (up to now, or to when it was closed) and A-1's stuck refund."""
    end = facts.closed_at or now
    limits = (
        ("verified_late", facts.verify_due_at, facts.verified_at, Responsible.REQUESTER),
        ("agreed_late", facts.agree_due_at, facts.confirmed_at, Responsible.REQUESTER),
        ("executed_late", facts.execute_due_at, None, Responsible.EXECUTOR),
    )
    found = [
        Finding(
            "R-13",
            code,
            whose,
            {"due": due.isoformat(), "at": met.isoformat() if met else None},
        )
        for code, due, met, whose in limits
        if due is not None and (met or end) > due
    ]
    if facts.status not in CLOSED and now - facts.created_at > timedelta(days=open_days):
        found.append(
            Finding(
                "A-1",
                "not_closed_after",
                Responsible.REQUESTER,
                {"days": open_days, "status": facts.status},
            )
        )
    return found


def settled(
    *, status: str, flow: Flow, verified_at: datetime | None, findings: list[Finding]
) -> bool:
    """Nothing more can be found: closed unpaid, or executed and verified (verify first, or
    verified after the fact), or its "not verified after" finding made."""
    if status in CLOSED:
        return True
    if status != "executed":
        return False
    return (
        flow is Flow.VERIFY_FIRST
        or verified_at is not None
        or any(f.code == "not_verified_after" for f in findings)
    )
