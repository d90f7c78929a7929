"""`viewerCan`: what the caller may do to a complaint or refund now, for a front end's buttons.

Each answer is the permission table (services.permissions.table.allows) AND the life-cycle
table: for complaints services.complaints.lifecycle.ACTIONS (the statuses each action may be
taken from), for refunds services.refunds.workflow (STEPS, VERIFIABLE). Nothing here restates
a rule: a step the table or the life cycle changes changes these answers with it. The step
itself still checks everything (a deadline window, a concurrent change), so a button shown
may still be refused with a typed error.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import strawberry

from services.complaints.models import Status
from services.permissions.table import Actor, ComplaintFacts, RefundFacts, UseCase, allows
from services.refunds import workflow
from services.refunds.kinds import Flow
from services.refunds.models import RefundStatus

try:  # the life-cycle table (C-6 … C-9); policy.STEPS held the status moves before it
    from services.complaints import lifecycle

    def _sources(action: str) -> Collection[Status] | None:
        row = lifecycle.ACTIONS.get(action)
        return None if row is None else row.sources

except ModuleNotFoundError:  # pragma: no cover - only before lifecycle.py is committed
    from services.complaints import policy

    def _sources(action: str) -> Collection[Status] | None:
        step = policy.STEPS.get(action)
        return None if step is None else step.sources


U = UseCase
# viewerCan field -> (the permission table's use case, the life-cycle action or None)
COMPLAINT_ACTIONS: dict[str, tuple[UseCase, str | None]] = {
    "acknowledge": (U.ACKNOWLEDGE, "acknowledge"),
    "start_investigation": (U.START_INVESTIGATION, "start_investigation"),
    "propose_plan": (U.PROPOSE_PLAN, "propose_plan"),
    "start_resolution": (U.START_RESOLUTION, "start_resolution"),
    "resolve": (U.RESOLVE, "resolve"),
    "record_result_told": (U.RECORD_RESULT_TOLD, "record_result_told"),
    "record_revisit": (U.RECORD_REVISIT, "record_revisit"),
    "reopen": (U.REOPEN, "reopen"),
    "archive": (U.ARCHIVE, "archive"),
    "assign": (U.ASSIGN, "assign"),
    "extend_plan_deadline": (U.EXTEND_PLAN_DEADLINE, "extend_plan_deadline"),
    "record_promise": (U.RECORD_PROMISE, "record_promise"),
    "keep_promise": (U.KEEP_PROMISE, "keep_promise"),
    "pause_clock": (U.PAUSE_CLOCK, "pause_clock"),
    "resume_clock": (U.RESUME_CLOCK, "resume_clock"),
    "set_urgency": (U.SET_URGENCY, None),
    "correct_matter_key": (U.CORRECT_MATTER_KEY, None),
    "add_task": (U.ADD_TASK, None),
    "create_refund": (U.CREATE_REFUND, None),
    "quick_refund": (U.QUICK_REFUND, None),
    "record_compensation": (U.RECORD_COMPENSATION, None),
}


def complaint_abilities(
    actor: Actor, facts: ComplaintFacts, status: Status, *, paused: bool
) -> dict[str, bool]:
    """Each of COMPLAINT_ACTIONS: allowed by the table and by the life cycle from `status`."""
    found = {}
    for name, (use, action) in COMPLAINT_ACTIONS.items():
        sources = _sources(action) if action else None
        found[name] = allows(use, actor, facts) and (sources is None or status in sources)
    # the clock is paused or running: each of the two steps is refused in the other state
    found["pause_clock"] = found["pause_clock"] and not paused
    found["resume_clock"] = found["resume_clock"] and paused
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
    "life cycle together, so a front end shows the buttons without restating either. The "
    "step still checks everything (e.g. the revisit window), so it may be refused."
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
    keep_promise: bool = _flag("`keepPromise`.")
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
