"""The permission table: for every use case, reads included, who may act on which object.

Pure: the rules (rules.py) are functions over plain values (who acts, and the facts of the
complaint, refund, task or customer acted on). Every use case passes `check` first
(services.permissions.guard); the masking of private data (C-12) asks the `SEE_*` views.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from services.errors import PermissionDenied
from services.permissions.rules import (  # noqa: F401 - the table's vocabulary, re-exported
    Actor,
    ComplaintFacts,
    CustomerFacts,
    RefundFacts,
    StaffLike,
    Subject,
    TaskFacts,
    admin,
    approver_refusal,
    approves,
    approving_role,
    auditor,
    completes_task,
    console,
    customer_private,
    handles,
    handles_refund,
    handling,
    reads_analysis,
    rectifies,
    requests_refund,
    risk_profile_reader,
    sees_private,
    staff_member,
    takes_complaints,
)

# the table -----------------------------------------------------------------------------------


class UseCase(StrEnum):
    # complaints (C-2, C-6 … C-10)
    CREATE_COMPLAINT = "create_complaint"
    ACKNOWLEDGE = "acknowledge"
    START_INVESTIGATION = "start_investigation"
    PROPOSE_PLAN = "propose_plan"
    START_RESOLUTION = "start_resolution"
    RESOLVE = "resolve"
    RECORD_REVISIT = "record_revisit"
    ARCHIVE = "archive"
    REOPEN = "reopen"
    ASSIGN = "assign"
    SET_URGENCY = "set_urgency"
    CORRECT_MATTER_KEY = "correct_matter_key"
    ADD_TASK = "add_task"
    COMPLETE_TASK = "complete_task"
    PAUSE_CLOCK = "pause_clock"
    RESUME_CLOCK = "resume_clock"
    EXTEND_PLAN_DEADLINE = "extend_plan_deadline"
    RECORD_PROMISE = "record_promise"
    KEEP_PROMISE = "keep_promise"
    RECORD_RESULT_TOLD = "record_result_told"
    READ_COMPLAINT = "read_complaint"
    LIST_COMPLAINTS = "list_complaints"
    # customers
    READ_CUSTOMER = "read_customer"
    # staff: the directory a front end picks from ("assign to"), one's own notifications
    LIST_STAFF = "list_staff"
    READ_NOTIFICATIONS = "read_notifications"
    MARK_NOTIFICATIONS_READ = "mark_notifications_read"
    READ_RISK_PROFILE = "read_risk_profile"
    # refunds (R-1 … R-14)
    CREATE_REFUND = "create_refund"
    QUICK_REFUND = "quick_refund"
    VERIFY_REFUND = "verify_refund"
    CHANGE_REFUND_AMOUNT = "change_refund_amount"
    CANCEL_REFUND = "cancel_refund"
    APPROVE_REFUND = "approve_refund"
    REJECT_REFUND = "reject_refund"
    CONFIRM_REFUND_AMOUNT = "confirm_refund_amount"
    EXECUTE_REFUND = "execute_refund"
    RECORD_COMPENSATION = "record_compensation"
    APPROVE_SPECIAL_COMPENSATION = "approve_special_compensation"
    REJECT_SPECIAL_COMPENSATION = "reject_special_compensation"
    READ_REFUND = "read_refund"
    LIST_REFUNDS = "list_refunds"
    APPROVAL_QUEUE = "approval_queue"
    PREVIEW_REFUND_POLICY = "preview_refund_policy"
    READ_COMPENSATIONS = "read_compensations"
    # notices
    RESEND_NOTICE = "resend_notice"
    SAVE_NOTICE_TEMPLATE = "save_notice_template"
    # audit (A-1 … A-3)
    RECORD_FINDING = "record_finding"
    DISMISS_FINDING = "dismiss_finding"
    COMPLETE_CORRECTION = "complete_correction"
    DRAW_SAMPLE = "draw_sample"
    RECORD_VERDICT = "record_verdict"
    # monthly analysis and rectification (C-11, A-3)
    READ_ANALYSIS = "read_analysis"
    READ_ROOT_CAUSES = "read_root_causes"
    SAVE_ROOT_CAUSE = "save_root_cause"
    FLAG_PROBLEM = "flag_problem"
    PLAN_RECTIFICATION = "plan_rectification"
    CHECK_RECTIFICATION = "check_rectification"
    CLOSE_RECTIFICATION = "close_rectification"
    # console pages (daily lists, notices, special customers, overview, audit, exports)
    READ_CONSOLE = "read_console"
    CHANGE_CALENDAR = "change_calendar"
    CHANGE_THRESHOLDS = "change_thresholds"  # the configurable numbers (R-10, R-12, K-1, C-3 …)
    # handler assist (S-1 … S-3)
    SUGGEST_SCENARIOS = "suggest_scenarios"
    CHECK_WORDING = "check_wording"
    EDIT_ASSIST_LIBRARY = "edit_assist_library"
    # views: who sees private data unmasked (C-12); no function, the readers ask them
    SEE_COMPLAINT_PRIVATE = "see_complaint_private"
    SEE_CUSTOMER_PRIVATE = "see_customer_private"
    SEE_TYPED_NUMBER = "see_typed_number"


Rule = Callable[[Actor, Any], bool]


@dataclass(frozen=True)
class Entry:
    subject: Subject
    who: str  # in words, for the refusal and the report
    rule: Rule
    view: bool = False  # a masking rule, not a use case with a function
    refusal: Callable[[Actor, Any], str | None] | None = None  # a more precise "why not"


OWNER_OR_LEAD = "the complaint's owner or a lead of its department"
_HANDLES = Entry(Subject.COMPLAINT, OWNER_OR_LEAD, handles)
_HANDLES_REFUND = Entry(
    Subject.REFUND, f"{OWNER_OR_LEAD} (of the refund's complaint)", handles_refund
)
_APPROVER = Entry(
    Subject.REFUND,
    "an approver whose band covers the refund, on its track, not its requester (R-12)",
    approves,
    refusal=approver_refusal,
)
_STAFF = Entry(Subject.NONE, "staff (not a partner account)", staff_member)
_AUDITOR = Entry(Subject.NONE, "an auditor", auditor)
_ADMIN = Entry(Subject.NONE, "an admin", admin)

U = UseCase
TABLE: dict[UseCase, Entry] = {
    U.CREATE_COMPLAINT: Entry(
        Subject.NONE, "a handler or lead, or a partner's intake account", takes_complaints
    ),
    **{
        use: _HANDLES
        for use in (
            U.ACKNOWLEDGE,
            U.START_INVESTIGATION,
            U.PROPOSE_PLAN,
            U.START_RESOLUTION,
            U.RESOLVE,
            U.RECORD_REVISIT,
            U.ARCHIVE,
            U.REOPEN,
            U.ASSIGN,
            U.SET_URGENCY,
            U.CORRECT_MATTER_KEY,
            U.ADD_TASK,
            U.PAUSE_CLOCK,
            U.RESUME_CLOCK,
            U.EXTEND_PLAN_DEADLINE,
            U.RECORD_PROMISE,
            U.KEEP_PROMISE,
            U.RECORD_RESULT_TOLD,
            U.QUICK_REFUND,
            U.RECORD_COMPENSATION,
        )
    },
    U.COMPLETE_TASK: Entry(Subject.TASK, f"the task's owner, or {OWNER_OR_LEAD}", completes_task),
    U.READ_COMPLAINT: Entry(Subject.COMPLAINT, "staff; private data masked (C-12)", staff_member),
    U.LIST_COMPLAINTS: _STAFF,
    U.READ_CUSTOMER: _STAFF,
    U.LIST_STAFF: _STAFF,
    U.READ_NOTIFICATIONS: Entry(
        Subject.NONE, "staff (not a partner account), their own notifications", staff_member
    ),
    U.MARK_NOTIFICATIONS_READ: Entry(
        Subject.NONE, "staff (not a partner account), their own notifications", staff_member
    ),
    U.READ_RISK_PROFILE: Entry(
        Subject.CUSTOMER,
        "the handlers of one of the customer's complaints, auditors, admins",
        risk_profile_reader,
    ),
    U.CREATE_REFUND: Entry(
        Subject.COMPLAINT,
        f"{OWNER_OR_LEAD}, or the partner account that took it",
        requests_refund,
    ),
    **{
        use: _HANDLES_REFUND
        for use in (
            U.VERIFY_REFUND,
            U.CHANGE_REFUND_AMOUNT,
            U.CANCEL_REFUND,
            U.CONFIRM_REFUND_AMOUNT,
            U.EXECUTE_REFUND,
        )
    },
    U.APPROVE_REFUND: _APPROVER,
    U.REJECT_REFUND: _APPROVER,
    U.APPROVE_SPECIAL_COMPENSATION: replace(_APPROVER, subject=Subject.COMPENSATION),
    U.REJECT_SPECIAL_COMPENSATION: replace(_APPROVER, subject=Subject.COMPENSATION),
    U.READ_REFUND: Entry(Subject.REFUND, "staff (not a partner account)", staff_member),
    U.LIST_REFUNDS: _STAFF,
    # every member of staff may ask; the queue holds only what they may approve, so it
    # is empty for those who approve nothing: a front end shows one "my approvals" list to all
    U.APPROVAL_QUEUE: _STAFF,
    U.PREVIEW_REFUND_POLICY: _STAFF,
    U.READ_COMPENSATIONS: Entry(Subject.COMPLAINT, "staff (not a partner account)", staff_member),
    U.RESEND_NOTICE: Entry(Subject.NOTICE, OWNER_OR_LEAD, handles),
    U.SAVE_NOTICE_TEMPLATE: _ADMIN,
    U.RECORD_FINDING: _AUDITOR,
    U.DISMISS_FINDING: _AUDITOR,
    U.COMPLETE_CORRECTION: _AUDITOR,
    U.DRAW_SAMPLE: _AUDITOR,
    U.RECORD_VERDICT: _AUDITOR,
    U.READ_ANALYSIS: Entry(
        Subject.NONE, "a lead or manager, an auditor or an admin", reads_analysis
    ),
    U.READ_ROOT_CAUSES: Entry(
        Subject.NONE, "staff (not a partner account): what a resolution may name", staff_member
    ),
    U.SAVE_ROOT_CAUSE: _ADMIN,
    U.FLAG_PROBLEM: _AUDITOR,
    U.PLAN_RECTIFICATION: Entry(Subject.NONE, "a lead or manager, or an auditor", rectifies),
    U.CHECK_RECTIFICATION: _AUDITOR,
    U.CLOSE_RECTIFICATION: _AUDITOR,
    U.READ_CONSOLE: Entry(Subject.NONE, "an admin or an auditor", console),
    U.CHANGE_CALENDAR: _ADMIN,
    U.CHANGE_THRESHOLDS: _ADMIN,
    U.SUGGEST_SCENARIOS: _STAFF,
    U.CHECK_WORDING: _STAFF,
    U.EDIT_ASSIST_LIBRARY: _ADMIN,
    U.SEE_COMPLAINT_PRIVATE: Entry(
        Subject.COMPLAINT,
        f"{OWNER_OR_LEAD}, and its first handler",
        sees_private,
        view=True,
    ),
    U.SEE_CUSTOMER_PRIVATE: Entry(
        Subject.CUSTOMER,
        "whoever sees the private data of one of the customer's complaints",
        customer_private,
        view=True,
    ),
    U.SEE_TYPED_NUMBER: Entry(
        Subject.NONE, "a handler or lead who typed the number to look it up", handling, view=True
    ),
}
assert set(TABLE) == set(UseCase), set(UseCase) - set(TABLE)


def allows(use: UseCase, actor: Actor, facts: object = None) -> bool:
    return TABLE[use].rule(actor, facts)


def check(use: UseCase, actor: Actor, facts: object = None) -> None:
    """Raise PermissionDenied unless the table lets `actor` do `use` on what `facts` describe."""
    entry = TABLE[use]
    if entry.rule(actor, facts):
        return
    why = entry.refusal(actor, facts) if entry.refusal else None
    raise PermissionDenied(why or f"Only {entry.who} may do this ({use.value}).")
