"""`viewerCan`: what the caller may do to a complaint or refund now, for a front end's buttons.

Each answer is the permission table (services.permissions.table.allows) AND the life-cycle
table: for complaints services.complaints.lifecycle.ACTIONS (each action's use case, the
statuses it may be taken from and its `ready` condition, asked through `lifecycle.refusal`,
the very check the step raises from: a plan extended once, no pending promise, the revisit
window not yet open, the clock paused or running), for refunds services.refunds.workflow (STEPS,
VERIFIABLE). Nothing here restates a rule: a step the table or the life cycle changes changes
these answers with it. The step itself still checks its inputs and what may change between
the read and the step (a concurrent change, a promise's key), so a button shown may still be
refused with a typed error.
"""

from __future__ import annotations

from typing import Any

import strawberry

from services.complaints import lifecycle
from services.permissions.table import Actor, ComplaintFacts, RefundFacts, UseCase, allows
from services.refunds import workflow
from services.refunds.kinds import Flow
from services.refunds.models import RefundStatus

U = UseCase
# viewerCan field -> the life-cycle action (whose row names its use case and source statuses)
LIFECYCLE_ACTIONS = (
    "acknowledge",
    "start_investigation",
    "propose_plan",
    "start_resolution",
    "resolve",
    "record_result_told",
    "record_revisit",
    "reopen",
    "archive",
    "assign",
    "extend_plan_deadline",
    "record_promise",
    "keep_promise",
    "pause_clock",
    "resume_clock",
)
# viewerCan field -> the use case of a step the life cycle does not restrict by status
OTHER_ACTIONS: dict[str, UseCase] = {
    "set_urgency": U.SET_URGENCY,
    "correct_matter_key": U.CORRECT_MATTER_KEY,
    "add_task": U.ADD_TASK,
    "create_refund": U.CREATE_REFUND,
    "quick_refund": U.QUICK_REFUND,
    "record_compensation": U.RECORD_COMPENSATION,
}


def complaint_abilities(
    actor: Actor, facts: ComplaintFacts, situation: lifecycle.Situation
) -> dict[str, bool]:
    """Each step: allowed by the table, and (life-cycle steps) by the life cycle in this
    situation (its statuses and its row's `ready` condition)."""
    found = {}
    for name in LIFECYCLE_ACTIONS:
        row = lifecycle.ACTIONS[name]
        found[name] = lifecycle.refusal(name, situation) is None and allows(
            row.use_case, actor, facts
        )
    for name, use in OTHER_ACTIONS.items():
        found[name] = allows(use, actor, facts)
    return found


# viewerCan field -> (use case, refund workflow step or None for verification)
REFUND_ACTIONS: dict[str, tuple[UseCase, str | None]] = {
    "verify": (U.VERIFY_REFUND, None),
    "change_amount": (U.CHANGE_REFUND_AMOUNT, "change_amount"),
    "cancel": (U.CANCEL_REFUND, "cancel"),
    "approve": (U.APPROVE_REFUND, "approve"),
    "reject": (U.REJECT_REFUND, "reject"),
    "confirm_amount": (U.CONFIRM_REFUND_AMOUNT, "confirm"),
    "execute": (U.EXECUTE_REFUND, "execute"),
}


def refund_abilities(
    actor: Actor, facts: RefundFacts, status: RefundStatus, *, flow: Flow, verified: bool
) -> dict[str, bool]:
    """Each of REFUND_ACTIONS: allowed by the table (R-12 for approvals) and the workflow."""
    found = {}
    for name, (use, step) in REFUND_ACTIONS.items():
        if step is None:
            state_allows = not verified and status in workflow.VERIFIABLE[flow]
        else:
            state_allows = status in workflow.STEPS[step].sources
        found[name] = state_allows and allows(use, actor, facts)
    return found


def _flag(what: str) -> Any:
    return strawberry.field(description=what)


@strawberry.type(
    description="What you may do to this complaint now: the permission table and the C-6 "
    "life cycle together (statuses, the revisit window, one plan extension, a pending "
    "promise, the clock), so a front end shows the buttons without restating either. The "
    "step still checks its inputs, so it may be refused."
)
class ComplaintViewerCan:
    acknowledge: bool = _flag("`acknowledgeComplaint`.")
    start_investigation: bool = _flag("`startInvestigation`.")
    propose_plan: bool = _flag("`proposePlan`.")
    start_resolution: bool = _flag("`startResolution`.")
    resolve: bool = _flag("`resolveComplaint`.")
    record_result_told: bool = _flag("`recordResultTold`.")
    record_revisit: bool = _flag("`recordRevisit` (no earlier than its window opens, C-7).")
    reopen: bool = _flag("`reopenComplaint`.")
    archive: bool = _flag("`archiveComplaint`.")
    assign: bool = _flag("`assignComplaint`.")
    extend_plan_deadline: bool = _flag("`extendPlanDeadline` (once, before it passes).")
    record_promise: bool = _flag("`recordPromise`.")
    keep_promise: bool = _flag("`keepPromise` (a promise is pending).")
    pause_clock: bool = _flag("`pauseComplaintClock` (the clock is running).")
    resume_clock: bool = _flag("`resumeComplaintClock` (the clock is paused).")
    set_urgency: bool = _flag("`setComplaintUrgency`.")
    correct_matter_key: bool = _flag("`correctMatterKey`.")
    add_task: bool = _flag("`addComplaintTask`.")
    create_refund: bool = _flag("`createRefund` on this complaint.")
    quick_refund: bool = _flag("`quickRefund` on this complaint.")
    record_compensation: bool = _flag("`recordCompensation` on this complaint.")


@strawberry.type(
    description="What you may do to this refund now: the permission table (R-12 band and "
    "track for approvals, never one's own request) and the R-11 workflow together."
)
class RefundViewerCan:
    verify: bool = _flag("`verifyRefund` (once; verify-first while VERIFYING).")
    change_amount: bool = _flag("`changeRefundAmount`.")
    cancel: bool = _flag("`cancelRefund`.")
    approve: bool = _flag("`approveRefund`.")
    reject: bool = _flag("`rejectRefund`.")
    confirm_amount: bool = _flag("`confirmRefundAmount`.")
    execute: bool = _flag("`executeRefund`.")
