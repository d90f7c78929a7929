"""The refund work order's life cycle (R-11), as data.

    verify first (R-8, R-9):  VERIFYING --verify--> (nothing due, or K-4: DECLINED)
                                         |
    refund first (R-7) ------------------+--> band 1-4: AWAITING_APPROVAL --approve--> |
                                         +--> band 0 (refunded directly) ------------> |
                                                                                       v
        AWAITING_CONFIRMATION --confirm (the customer agrees the amount)--> CONFIRMED
        CONFIRMED --execute (credit + SMS outbox + risk profile)--> EXECUTED

    AWAITING_APPROVAL --reject (reason required)--> REJECTED
    any open state --cancel (reason required)--> CANCELLED
    a change of amount before execution returns to AWAITING_APPROVAL (a new approval round)
    or, for band 0, to AWAITING_CONFIRMATION; while VERIFYING it just changes the amount.

A refund-first refund is verified after the fact (后查证), once, in any state from
AWAITING_APPROVAL to EXECUTED. Before execution a verification that finds nothing due stops
it: DECLINED, the state verification's "no" means on either track (the customer is told by
SMS); one that finds another amount is a change of amount (a new approval round). After
execution nothing changes state: the audit gets a recovery finding (changes.verify_refund).

A step already taken by someone else (the second of two approvals, the second execution, the
second verification) is a Conflict; a step the state does not allow is an IllegalTransition.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.errors import Conflict, IllegalTransition
from services.refunds.kinds import Flow
from services.refunds.models import RefundStatus as S

OPEN = frozenset({S.VERIFYING, S.AWAITING_APPROVAL, S.AWAITING_CONFIRMATION, S.CONFIRMED})
APPROVED_OR_LATER = frozenset({S.AWAITING_CONFIRMATION, S.CONFIRMED, S.EXECUTED})


@dataclass(frozen=True)
class Step:
    action: str
    sources: frozenset[S]
    done: frozenset[S]  # states that mean the step was already taken


STEPS: dict[str, Step] = {
    s.action: s
    for s in (
        Step("change_amount", OPEN, frozenset()),
        Step("approve", frozenset({S.AWAITING_APPROVAL}), APPROVED_OR_LATER | {S.REJECTED}),
        Step("reject", frozenset({S.AWAITING_APPROVAL}), APPROVED_OR_LATER | {S.REJECTED}),
        Step("confirm", frozenset({S.AWAITING_CONFIRMATION}), frozenset({S.CONFIRMED, S.EXECUTED})),
        Step("execute", frozenset({S.CONFIRMED}), frozenset({S.EXECUTED})),
        Step("cancel", OPEN, frozenset({S.CANCELLED})),
    )
}


def check(action: str, status: S, *, band: int) -> None:
    """Raise Conflict if the step was already taken, IllegalTransition if it is not allowed."""
    step = STEPS[action]
    if status in step.sources:
        return
    done = step.done
    if action in ("approve", "reject") and band == 0:
        done = frozenset({S.REJECTED})  # band 0 never waits for an approver
    if status in done:
        raise Conflict(
            f"Someone else already moved this refund on: it is {status.value} now; reload it."
        )
    allowed = ", ".join(sorted(s.value for s in step.sources))
    raise IllegalTransition(
        f"Cannot {action.replace('_', ' ')} a refund that is {status.value}; it must be {allowed}.",
        current=status.value,
        attempted=action,
    )


VERIFIABLE = {
    Flow.VERIFY_FIRST: frozenset({S.VERIFYING}),
    Flow.REFUND_FIRST: frozenset(OPEN - {S.VERIFYING} | {S.EXECUTED}),
}


def check_verify(flow: Flow, status: S, *, verified: bool) -> None:
    """Verification happens once: Conflict if it did, IllegalTransition if the state forbids it."""
    if verified:
        raise Conflict("This refund was verified already (a refund is verified once); reload it.")
    allowed = VERIFIABLE[flow]
    if status not in allowed:
        names = ", ".join(sorted(s.value for s in allowed))
        raise IllegalTransition(
            f"Cannot verify a refund that is {status.value}; it must be {names}.",
            current=status.value,
            attempted="verify",
        )


def after_decision(band: int) -> S:
    """Where a decided refund goes: band 0 is refunded directly, the rest wait for approval."""
    return S.AWAITING_CONFIRMATION if band == 0 else S.AWAITING_APPROVAL
