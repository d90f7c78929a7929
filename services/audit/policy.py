"""A-1: the checks of one executed refund, as pure functions over plain values.

Every check asks the refund policy module (services.refunds.policy), the same functions that
decided the refund, and compares with what was recorded and what happened: the principle
(R-7, R-8, R-9, K-4), multiple and amount (R-4, R-5, R-6), deadlines (R-13), the approval band
and approver (R-12), the process steps (R-11, R-14), and the money that actually moved (A-1).
Each finding names its rule, a code for what exactly is wrong, the figures, and who is
responsible for correcting it (A-2).

Where the rulebook leaves room, these readings hold:
- R-7: a refund-first refund is verified afterwards; still unverified VERIFY_AFTER_DAYS
  calendar days after execution is a finding.
- K-4: a goodwill (not liable) refund to a special customer is a finding; a documented special
  decision (R-10) is recorded by the auditor dismissing it with that reason.
- R-12: the band is checked against the bands in force when the amount was last decided.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.audit.kinds import Finding, RefundFacts, Responsible
from services.errors import InvalidInput
from services.refunds import policy
from services.refunds.policy import Flow, Liability, RefundMethod

VERIFY_AFTER_DAYS = 7
REFUND_FIRST_CLAUSES = frozenset({"R-7(a)", "R-7(b)", "R-7(c)", "R-7(d)"})
LEDGER_KIND = {
    RefundMethod.ACCOUNT_CREDIT: "account_credit",
    RefundMethod.BILL_ADJUSTMENT: "bill_adjustment",
    RefundMethod.CASH: "cash",
}


def check_refund(
    facts: RefundFacts, *, bands: policy.ApprovalBands, now: datetime
) -> list[Finding]:
    """Every A-1 check of one executed refund; an empty list means it was done by the rules."""
    return [
        *check_principle(facts, now=now),
        *check_amount(facts),
        *check_deadlines(facts),
        *check_approval(facts, bands=bands),
        *check_process(facts),
        *check_ledger(facts),
    ]


def check_principle(facts: RefundFacts, *, now: datetime) -> list[Finding]:
    """R-7/R-8/R-9, K-4: refund first only where R-7 allows it and never for a special customer;
    verify first means verified before the money moved."""
    found: list[Finding] = []
    requester = Responsible.REQUESTER
    if facts.flow is Flow.REFUND_FIRST:
        if facts.special_customer:
            found.append(Finding("R-9", "special_refund_first", requester))
        elif facts.flow_clause not in REFUND_FIRST_CLAUSES:
            found.append(
                Finding("R-7", "no_refund_first_clause", requester, {"clause": facts.flow_clause})
            )
        if facts.verified_at is None and now - facts.executed_at > timedelta(
            days=VERIFY_AFTER_DAYS
        ):
            found.append(
                Finding("R-7", "not_verified_after", requester, {"days": VERIFY_AFTER_DAYS})
            )
    else:
        moved = [t for t in (facts.approved_at, facts.confirmed_at, facts.executed_at) if t]
        if facts.verified_at is None or any(facts.verified_at > t for t in moved):
            found.append(Finding("R-8", "not_verified_first", requester))
    if facts.special_customer and facts.liability is Liability.NOT_LIABLE:
        found.append(Finding("K-4", "goodwill_to_special", requester))
    return found


def check_amount(facts: RefundFacts) -> list[Finding]:
    """R-4, R-5, R-6: the multiple and the amount the rules give, paid the way they allow."""
    requester = Responsible.REQUESTER
    try:
        expected = policy.refund_amount(
            liability=facts.liability,
            charge_category=facts.charge_category,
            charged_fen=facts.charged_fen,
            should_have_charged_fen=facts.should_have_charged_fen,
            requested_method=facts.method,
            cash_exception_reason=facts.cash_exception_reason,
        )
    except InvalidInput as exc:  # R-6 forbids this way of paying
        return [
            Finding(
                "R-6",
                "method_not_allowed",
                requester,
                {"method": facts.method.value, "detail": exc.message},
            )
        ]
    found = []
    if expected.multiple is not facts.multiple:
        found.append(
            Finding(
                "R-4",
                "multiple_wrong",
                requester,
                {"expected": expected.multiple.value, "actual": facts.multiple.value},
            )
        )
    if expected.refund_fen != facts.refund_fen:
        code = "amount_over" if facts.refund_fen > expected.refund_fen else "amount_under"
        found.append(
            Finding(
                "R-5",
                code,
                requester,
                {"expected_fen": expected.refund_fen, "actual_fen": facts.refund_fen},
            )
        )
    return found


def check_deadlines(facts: RefundFacts) -> list[Finding]:
    """R-13: verified and executed within the time limits that ran for this refund."""
    found = []
    if (
        facts.flow is Flow.VERIFY_FIRST
        and facts.verify_due_at is not None
        and facts.verified_at is not None
        and facts.verified_at > facts.verify_due_at
    ):
        found.append(
            Finding(
                "R-13",
                "verified_late",
                Responsible.REQUESTER,
                {"due": facts.verify_due_at.isoformat(), "at": facts.verified_at.isoformat()},
            )
        )
    if facts.execute_due_at is not None and facts.executed_at > facts.execute_due_at:
        found.append(
            Finding(
                "R-13",
                "executed_late",
                Responsible.EXECUTOR,
                {"due": facts.execute_due_at.isoformat(), "at": facts.executed_at.isoformat()},
            )
        )
    return found


def check_approval(facts: RefundFacts, *, bands: policy.ApprovalBands) -> list[Finding]:
    """R-12: the band the amount falls in, approved by someone allowed to, not the requester."""
    found = []
    expected = policy.approval_band(
        amount_fen=max(facts.refund_fen, 1),
        liability=facts.liability,
        cause_unknown_on_spot=facts.cause_unknown_on_spot,
        first_refund=facts.first_refund,
        bands=bands,
    )
    if expected.band != facts.band:
        found.append(
            Finding(
                "R-12",
                "band_wrong",
                Responsible.REQUESTER,
                {"expected": expected.band, "actual": facts.band},
            )
        )
    needed = expected.band  # what the amount needed, whatever band was recorded
    if needed == 0:
        return found
    approval = next(
        (a for a in facts.approvals if a.round == facts.approval_round and a.approved), None
    )
    if approval is None:
        found.append(Finding("R-12", "approval_missing", Responsible.REQUESTER, {"band": needed}))
        return found
    approver = Responsible.APPROVER
    if approval.approver_band < needed:
        found.append(
            Finding(
                "R-12",
                "approver_band_too_low",
                approver,
                {"approver_band": approval.approver_band, "band": needed},
            )
        )
    if approval.approver_id == facts.requested_by_id:
        found.append(Finding("R-12", "self_approval", approver))
    if approval.track != facts.track:
        found.append(
            Finding(
                "R-12",
                "approval_wrong_track",
                approver,
                {"approval": approval.track, "refund": facts.track},
            )
        )
    if approval.amount_fen != facts.refund_fen:
        found.append(
            Finding(
                "R-12",
                "approved_amount_differs",
                approver,
                {"approved_fen": approval.amount_fen, "actual_fen": facts.refund_fen},
            )
        )
    return found


def check_process(facts: RefundFacts) -> list[Finding]:
    """R-11: the customer confirmed the amount before the refund; R-14: exactly one SMS."""
    found = []
    executor = Responsible.EXECUTOR
    if facts.confirmed_at is None or facts.confirmed_at > facts.executed_at:
        found.append(Finding("R-11", "not_confirmed_first", executor))
    if (
        facts.band > 0
        and facts.approved_at is not None
        and facts.confirmed_at is not None
        and (facts.approved_at > facts.confirmed_at)
    ):
        found.append(Finding("R-11", "approved_after_confirmation", Responsible.APPROVER))
    for action in ("amount_confirmed", "executed"):
        if action not in facts.actions:
            found.append(Finding("R-11", "step_unrecorded", executor, {"step": action}))
    if facts.notices != 1:
        found.append(Finding("R-14", "notice_count", executor, {"count": facts.notices}))
    return found


def check_ledger(facts: RefundFacts) -> list[Finding]:
    """A-1: the money that reached the customer's account equals the refund reported."""
    executor = Responsible.EXECUTOR
    if facts.ledger_fen is None:
        return [Finding("A-1", "ledger_missing", executor, {"actual_fen": facts.refund_fen})]
    found = []
    if facts.ledger_fen != facts.refund_fen:
        found.append(
            Finding(
                "A-1",
                "ledger_differs",
                executor,
                {"ledger_fen": facts.ledger_fen, "actual_fen": facts.refund_fen},
            )
        )
    if facts.ledger_kind != LEDGER_KIND[facts.method]:
        found.append(
            Finding(
                "R-6",
                "ledger_kind_differs",
                executor,
                {"expected": LEDGER_KIND[facts.method], "actual": facts.ledger_kind or ""},
            )
        )
    return found


# what an auditor may cite when recording a finding by hand ------------------------------------

RULES = (
    "R-4",
    "R-5",
    "R-6",
    "R-7",
    "R-8",
    "R-9",
    "R-10",
    "R-11",
    "R-12",
    "R-13",
    "R-14",
    "K-1",
    "K-4",
    "A-1",
)
