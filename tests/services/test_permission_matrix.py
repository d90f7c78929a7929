"""The permission table against every use case and every kind of actor (C-2, C-12, R-12, A-1).

One small world (two departments, each role), every use case run as each actor inside a
transaction that is rolled back: denied means PermissionDenied, anything else (done, or a later
typed error such as ILLEGAL_TRANSITION) means the guard let it through.
"""

from __future__ import annotations

import ast
import inspect
import pathlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from services import clock
from services.analysis.models import CauseGroup
from services.assist.models import LibraryKind
from services.audit.calendar_changes import DayKind
from services.audit.models import SampleMethod, Verdict
from services.complaints import service as complaints
from services.complaints import tasks
from services.complaints.models import ContactPreference, TaskKind, UrgencyReason
from services.complaints.queries import ComplaintFilter
from services.errors import DomainError, PermissionDenied
from services.notices.models import Notice
from services.notices.templates import TemplateKind
from services.partners import service as partners
from services.permissions import guard, registry
from services.permissions.table import TABLE, Actor, UseCase, allows
from services.refunds.changes import Verification
from services.refunds.compensation_service import CompensationInput
from services.refunds.models import (
    Compensation,
    CompensationKind,
    CompensationStatus,
    RefundStatus,
)
from services.refunds.policy import Liability
from services.refunds.queries import RefundFilter
from services.refunds.service import ChargeLine
from services.staff.directory import StaffFilter
from services.staff.models import Role, Staff
from tests import factories as f

ACTORS = (
    "owner",
    "first_handler",
    "lead",
    "other_handler",
    "approver",
    "auditor",
    "admin",
    "partner",
)


@dataclass
class World:
    staff: dict[str, Staff]
    customer: Any
    complaint: Any
    refund: Any
    task: Any
    notice: Notice
    special: Compensation


async def world() -> World:
    """Department A handles the complaint; B has a handler and the approver (deputy GM)."""
    a, b = await f.department("A"), await f.department("B")
    first_handler = await f.staff(Role.HANDLER, dept=a)
    staff = {
        "owner": await f.staff(Role.HANDLER, dept=a),
        "first_handler": first_handler,
        "lead": await f.staff(Role.TEAM_LEAD, dept=a),
        "other_handler": await f.staff(Role.HANDLER, dept=b),
        "approver": await f.staff(Role.DEPUTY_GM, dept=b),
        "auditor": await f.staff(Role.AUDITOR),
        "admin": await f.staff(Role.ADMIN),
    }
    partner = await partners.create_partner(sp_code="SP1", name="合作方", department_code="A")
    staff["partner"] = await Staff.get(id=partner.intake_staff_id)
    customer = await f.customer(credit_standing="good")
    complaint = await f.complaint(first_handler, customer)
    await complaints.assign(
        actor=first_handler, complaint_id=complaint.id, owner_id=staff["owner"].id, reason="交接"
    )
    await complaints.acknowledge(actor=staff["owner"], complaint_id=complaint.id)
    task = await tasks.add_task(
        actor=staff["owner"],
        complaint_id=complaint.id,
        kind=TaskKind.REFUND,
        title="核对话费",
        owner_id=staff["other_handler"].id,
        due_at=clock.now() + timedelta(days=2),
    )
    refund = await f.refund(staff["owner"], complaint, f.goodwill_request(40000))
    assert refund.status == RefundStatus.AWAITING_APPROVAL and refund.band >= 2
    notice = await Notice.get(complaint_id=complaint.id)
    special = await Compensation.create(  # R-10 beyond the rules: a band-2 special decision
        complaint=complaint,
        customer=customer,
        kind=CompensationKind.TRAVEL_FARE,
        value_fen=30000,
        description="往返车费",
        status=CompensationStatus.AWAITING_APPROVAL,
        special_reason="客户要求",
        special_band=2,
        recorded_by=staff["owner"],
    )
    return World(staff, customer, complaint, refund, task, notice, special)


Args = Callable[[World], dict[str, Any]]
SOON = timedelta(days=2)


def on_complaint(**more: Any) -> Args:
    return lambda w: {"complaint_id": w.complaint.id, **more}


def on_refund(**more: Any) -> Args:
    return lambda w: {"refund_id": w.refund.id, **more}


# the arguments each use case is called with (only what it needs to reach its guard and past)
CALLS: dict[str, Args] = {
    "services.complaints.service.create_complaint": lambda w: {
        "intake": f.intake(w.customer.msisdn)
    },
    "services.complaints.service.acknowledge": on_complaint(),
    "services.complaints.service.start_investigation": on_complaint(),
    "services.complaints.service.propose_plan": on_complaint(plan="方案"),
    "services.complaints.service.start_resolution": on_complaint(),
    "services.complaints.service.resolve": on_complaint(cause="", solution="", prevention=""),
    "services.complaints.service.record_revisit": on_complaint(satisfied=True),
    "services.complaints.service.archive": on_complaint(),
    "services.complaints.service.reopen": on_complaint(reason="异议"),
    "services.complaints.service.assign": lambda w: {
        "complaint_id": w.complaint.id,
        "owner_id": w.staff["owner"].id,
        "reason": "",
    },
    "services.complaints.service.set_urgency": on_complaint(reason=UrgencyReason.MAJOR, note=""),
    "services.complaints.matters.correct_matter_key": on_complaint(matter_key="k", reason=""),
    "services.complaints.tasks.add_task": lambda w: {
        "complaint_id": w.complaint.id,
        "kind": TaskKind.REPAIR,
        "title": "",
        "owner_id": w.staff["owner"].id,
        "due_at": clock.now() + SOON,
    },
    "services.complaints.tasks.complete_task": lambda w: {"task_id": w.task.id},
    "services.complaints.timekeeping.pause_clock": on_complaint(reason="等客户材料"),
    "services.complaints.timekeeping.resume_clock": on_complaint(),
    "services.complaints.timekeeping.extend_plan_deadline": on_complaint(
        reason="复杂", customer_told_via=ContactPreference.SMS
    ),
    "services.complaints.timekeeping.record_promise": lambda w: {
        "complaint_id": w.complaint.id,
        "promise": "48小时内答复",
        "due_at": clock.now() + SOON,
    },
    "services.complaints.timekeeping.keep_promise": on_complaint(key="promise:9"),
    "services.complaints.timekeeping.record_result_told": on_complaint(via=ContactPreference.SMS),
    "services.complaints.reads.read_complaint": on_complaint(),
    "services.complaints.reads.list_complaints": lambda w: {
        "criteria": ComplaintFilter(),
        "first": 1,
    },
    "services.complaints.reads.read_customer": lambda w: {"msisdn": w.customer.msisdn},
    "services.complaints.reads.read_customer_by_id": lambda w: {"customer_id": w.customer.id},
    "services.complaints.inbox.mark_notifications_read": lambda w: {},
    "services.complaints.inbox.my_notifications": lambda w: {},
    "services.staff.directory.list_staff": lambda w: {"criteria": StaffFilter()},
    "services.staff.directory.list_departments": lambda w: {},
    "services.refunds.service.create_refund": on_complaint(
        request=f.refund_request(), order=f.work_order(matter="")
    ),
    "services.refunds.service.quick_refund": on_complaint(
        lines=[ChargeLine(description="彩铃", charged_fen=500, service_code="CRBT")], matter=""
    ),
    "services.refunds.changes.verify_refund": on_refund(
        outcome=Verification(
            cause="", measures="", refund_due=False, liability=Liability.NOT_LIABLE
        )
    ),
    "services.refunds.changes.change_amount": on_refund(
        charged_fen=100, should_have_charged_fen=0, reason=""
    ),
    "services.refunds.changes.cancel_refund": on_refund(reason=""),
    "services.refunds.approvals.approve": on_refund(),
    "services.refunds.approvals.reject": on_refund(reason=""),
    "services.refunds.execution.confirm_amount": on_refund(),
    "services.refunds.execution.execute": on_refund(),
    "services.refunds.compensation_service.record_compensation": on_complaint(
        given=CompensationInput(kind=CompensationKind.GIFT, value_fen=0, description="")
    ),
    "services.refunds.special_compensation.approve_special_compensation": lambda w: {
        "compensation_id": w.special.id
    },
    "services.refunds.special_compensation.reject_special_compensation": lambda w: {
        "compensation_id": w.special.id,
        "reason": "",
    },
    "services.refunds.reads.read_refund": on_refund(),
    "services.refunds.reads.list_refunds": lambda w: {"criteria": RefundFilter(), "first": 1},
    "services.refunds.reads.approval_queue": lambda w: {"criteria": RefundFilter(), "first": 1},
    "services.refunds.reads.preview_refund_policy": lambda w: {
        "request": f.refund_request(),
        "customer": w.customer,
        "facts": None,
    },
    "services.refunds.reads.read_compensations": on_complaint(),
    "services.refunds.reads.read_risk_profile": lambda w: {"customer_id": w.customer.id},
    "services.notices.service.resend": lambda w: {"notice_id": w.notice.id, "at": clock.now()},
    "services.notices.templates.save": lambda w: {
        "kind": TemplateKind.COMPLAINT_ACKNOWLEDGED,
        "body": "{nothing}",
        "reason": "",
    },
    "services.audit.service.record_finding": lambda w: {
        "refund_id": w.refund.id,
        "rule": "A-9",
        "note": "",
    },
    "services.audit.service.dismiss_finding": lambda w: {"finding_id": 0, "reason": ""},
    "services.audit.service.complete_task": lambda w: {
        "task_id": 0,
        "cause": "",
        "plan": "",
        "resolution": "",
    },
    "services.audit.samples.draw_sample": lambda w: {
        "method": SampleMethod.SIMPLE_RANDOM,
        "first": date(2026, 3, 31),
        "last": date(2026, 3, 1),
        "size": 1,
    },
    "services.audit.samples.record_verdict": lambda w: {
        "item_id": 0,
        "verdict": Verdict.COMPLIANT,
        "note": "",
    },
    "services.audit.calendar_changes.set_day": lambda w: {
        "day": date(2026, 3, 14),
        "kind": DayKind.WORKDAY,
        "name": "",
        "reason": "",
    },
    "services.audit.calendar_changes.save_year": lambda w: {
        "year": 2026,
        "holidays": [],
        "workdays": [],
        "replace": False,
        "reason": "",
    },
    "services.audit.calendar_changes.import_year": lambda w: {"year": 2026, "reason": ""},
    "services.audit.calendar_changes.restore": lambda w: {
        "change_id": 0,
        "to": "before",
        "reason": "",
    },
    "services.staff.service.open_console": lambda w: {},
    "services.thresholds.changes.change_thresholds": lambda w: {
        "values": {"nonexistent": 1},  # refused after the guard: NOT_FOUND
        "reason": "",
    },
    "services.thresholds.changes.restore_threshold": lambda w: {
        "key": "nonexistent",
        "version": 0,
        "reason": "",
    },
    "services.assist.service.suggest": lambda w: {"text": "没有订购"},
    "services.assist.service.read_scenarios": lambda w: {},
    "services.assist.service.check_wording": lambda w: {"text": "尽快"},
    "services.assist.service.save_scenario": lambda w: {
        "code": "RATIONAL",
        "value": {},
        "reason": "",
    },
    "services.assist.service.save_keywords": lambda w: {"text": "", "reason": ""},
    "services.assist.service.restore_version": lambda w: {
        "kind": LibraryKind.SCENARIO,
        "key": "RATIONAL",
        "version": 1,
        "reason": "",
    },
    "services.analysis.kpis.monthly_analysis": lambda w: {"month": date(2026, 3, 1)},
    "services.analysis.taxonomy.read_root_causes": lambda w: {},
    "services.analysis.taxonomy.save_root_cause": lambda w: {
        "code": "other",
        "name": "",
        "group": CauseGroup.OTHER,
    },
    "services.analysis.rectification.flag_problem": on_complaint(reason=""),
    "services.analysis.rectification.plan_rectification": lambda w: {
        "rectification_id": 0,
        "plan": "",
        "due_on": date(2026, 3, 31),
    },
    "services.analysis.rectification.check_rectification": lambda w: {
        "rectification_id": 0,
        "passed": True,
        "result": "",
    },
    "services.analysis.rectification.close_rectification": lambda w: {"rectification_id": 0},
}

# the table in words, for this world: who of the actors may do each use case
OWNER_OR_LEAD = {"owner", "lead"}
STAFF = set(ACTORS) - {"partner"}
EXPECTED: dict[UseCase, set[str]] = {
    UseCase.CREATE_COMPLAINT: {
        "owner",
        "first_handler",
        "lead",
        "other_handler",
        "approver",
        "partner",
    },
    UseCase.COMPLETE_TASK: OWNER_OR_LEAD | {"other_handler"},  # B's handler owns the task
    UseCase.READ_COMPLAINT: STAFF,
    UseCase.LIST_COMPLAINTS: STAFF,
    UseCase.READ_CUSTOMER: STAFF,
    UseCase.LIST_STAFF: STAFF,
    UseCase.READ_NOTIFICATIONS: STAFF,
    UseCase.MARK_NOTIFICATIONS_READ: STAFF,
    UseCase.READ_RISK_PROFILE: OWNER_OR_LEAD | {"first_handler", "auditor", "admin"},
    UseCase.CREATE_REFUND: OWNER_OR_LEAD,  # the partner account only for a dispute it took
    UseCase.APPROVE_REFUND: {"approver"},  # band 2+: not the team lead; never the requester
    UseCase.REJECT_REFUND: {"approver"},
    UseCase.APPROVE_SPECIAL_COMPENSATION: {"approver"},
    UseCase.REJECT_SPECIAL_COMPENSATION: {"approver"},
    UseCase.READ_REFUND: STAFF,
    UseCase.LIST_REFUNDS: STAFF,
    UseCase.APPROVAL_QUEUE: STAFF,  # the queue itself holds only what the reader may approve
    UseCase.PREVIEW_REFUND_POLICY: STAFF,
    UseCase.READ_COMPENSATIONS: STAFF,
    UseCase.SAVE_NOTICE_TEMPLATE: {"admin"},
    UseCase.RECORD_FINDING: {"auditor"},
    UseCase.DISMISS_FINDING: {"auditor"},
    UseCase.COMPLETE_CORRECTION: {"auditor"},
    UseCase.DRAW_SAMPLE: {"auditor"},
    UseCase.RECORD_VERDICT: {"auditor"},
    UseCase.READ_CONSOLE: {"auditor", "admin"},
    UseCase.READ_ANALYSIS: {"lead", "approver", "auditor", "admin"},  # C-11
    UseCase.READ_ROOT_CAUSES: STAFF,
    UseCase.SAVE_ROOT_CAUSE: {"admin"},
    UseCase.FLAG_PROBLEM: {"auditor"},  # A-3
    UseCase.PLAN_RECTIFICATION: {"lead", "approver", "auditor"},
    UseCase.CHECK_RECTIFICATION: {"auditor"},
    UseCase.CLOSE_RECTIFICATION: {"auditor"},
    UseCase.CHANGE_CALENDAR: {"admin"},
    UseCase.CHANGE_THRESHOLDS: {"admin"},
    UseCase.SUGGEST_SCENARIOS: STAFF,
    UseCase.CHECK_WORDING: STAFF,
    UseCase.EDIT_ASSIST_LIBRARY: {"admin"},
    UseCase.SEE_COMPLAINT_PRIVATE: OWNER_OR_LEAD | {"first_handler"},
    UseCase.SEE_CUSTOMER_PRIVATE: OWNER_OR_LEAD | {"first_handler"},
    UseCase.SEE_TYPED_NUMBER: {"owner", "first_handler", "lead", "other_handler", "approver"},
}
# everything else acts on the complaint: its owner and the leads of its department (C-2)
for _use in UseCase:
    EXPECTED.setdefault(_use, OWNER_OR_LEAD)


class _Rollback(Exception):
    pass


async def allowed_when_run(function: Callable[..., Any], kwargs: dict[str, Any]) -> bool:
    """Run the use case in a transaction rolled back afterwards; False when PermissionDenied."""
    outcome = True
    try:
        async with in_transaction():
            try:
                await function(**kwargs)
            except PermissionDenied:
                outcome = False
            except DomainError:
                pass  # past the guard: a later typed refusal (input, state, not found)
            raise _Rollback
    except _Rollback:
        return outcome


def test_every_use_case_is_in_the_table_and_has_a_call():
    found = registry.use_cases()
    actions = {use for use, entry in TABLE.items() if not entry.view}
    assert {use for use, _ in found.values()} == actions  # each use case has a function
    assert set(found) == set(CALLS)  # … and this test calls each of them
    assert set(EXPECTED) == set(UseCase)


def _actor_functions() -> set[str]:
    """Every public async function under services/ that takes `actor=` (a use case)."""
    root = pathlib.Path(__file__).resolve().parents[2] / "services"
    names = set()
    for path in root.rglob("*.py"):
        module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        for node in ast.parse(path.read_text()).body:
            if (
                isinstance(node, ast.AsyncFunctionDef)
                and not node.name.startswith("_")
                and any(a.arg == "actor" for a in node.args.kwonlyargs)
            ):
                names.add(f"{module}.{node.name}")
    return names


# functions that take an actor but are steps inside use cases, not use cases of their own
INTERNAL = {
    "services.complaints.lifecycle.take",  # applies a row for the guarded step use cases
    "services.complaints.lifecycle.apply_effects",  # the same, for rows that keep the status
    "services.complaints.routing.route_at_intake",  # inside create_complaint
    "services.complaints.routing.hand_over",  # inside assign
    "services.complaints.deadlines.recompute_provisional",  # run by CHANGE_CALENDAR
    "services.complaints.urgency.refresh_classification",  # inside every complaint step
    "services.complaints.urgency.after_intake",  # inside create_complaint
    "services.complaints.supervision.after_repeat",  # inside create_complaint (C-10)
    "services.complaints.supervision.recheck",  # inside correct_matter_key and archive (C-10)
    "services.complaints.supervision.start",  # inside A-3 rectification's use cases (C-10)
    "services.complaints.supervision.end",  # inside A-3 rectification's use cases (C-10)
    "services.complaints.notifications.notify",
    "services.complaints.notifications.escalate_to_department_head",
    "services.analysis.taxonomy.record_root_cause",  # inside resolve (C-11)
    "services.analysis.rectification.after_root_cause",  # inside resolve (A-3)
}


def test_a_use_case_missing_from_the_registry_fails():
    missing = _actor_functions() - set(registry.use_cases()) - INTERNAL
    assert missing == set(), f"use cases the permission table does not guard: {missing}"


async def test_permission_matrix_every_use_case_against_every_actor():
    w = await world()
    mismatches = []
    for path, (use, function) in sorted(registry.use_cases().items()):
        for name in ACTORS:
            staff = w.staff[name]
            ran = await allowed_when_run(function, {"actor": staff, **CALLS[path](w)})
            if ran != (name in EXPECTED[use]):
                mismatches.append(f"{path} as {name}: {'allowed' if ran else 'denied'}")
    assert mismatches == []


@pytest.mark.parametrize("use", [u for u, e in TABLE.items() if e.view])
async def test_c12_views_of_the_table_for_every_actor(use: UseCase):
    w = await world()
    key = w.customer.id if TABLE[use].subject.value == "customer" else w.complaint.id
    facts = await guard.facts_of(TABLE[use].subject, key)
    seen = {name for name in ACTORS if allows(use, Actor.of(w.staff[name]), facts)}
    assert seen == EXPECTED[use]


async def test_r11_a_handler_of_another_department_cannot_verify_its_refund():
    """The defect: verify_refund checked the role only, so B's handler declined A's refund."""
    from services.refunds import changes

    owner = await f.staff(Role.HANDLER, dept=await f.department())
    stranger = await f.staff(Role.HANDLER, dept=await f.department())
    customer = await f.customer(credit_standing="poor", joined_on=date(2026, 1, 1))
    complaint = await f.complaint(owner, customer)
    await f.refund(owner, complaint)
    refund = await f.refund(owner, complaint)  # the second fee dispute: verify first (R-8)
    assert refund.status == RefundStatus.VERIFYING

    with pytest.raises(PermissionDenied) as refused:
        await changes.verify_refund(
            actor=stranger,
            refund_id=refund.id,
            outcome=Verification(
                cause="不是我的单子", measures="", refund_due=False, liability=Liability.NOT_LIABLE
            ),
        )

    assert refused.value.code.value == "PERMISSION_DENIED"
    assert "owner or a lead of its department" in refused.value.message
    after = await changes.by_id(refund.id)
    assert after.status == RefundStatus.VERIFYING and after.verified_by_id is None


def test_the_table_is_pure():
    """Rules are functions over plain values: the table module does no I/O."""
    from services.permissions import rules, table

    for module in (table, rules):
        source = inspect.getsource(module)
        assert "await" not in source and "tortoise" not in source


async def test_r10_r12_only_an_admin_changes_the_configurable_rules_through_the_table():
    """The thresholds (R-10 allowances, R-12 bands, K-1 …) are a use case of the table too."""
    from services.refunds import limits
    from services.thresholds import changes
    from services.thresholds.models import ThresholdVersion

    lower = {limits.GIFTS: {"mid_high_end_fen": 20000, "group_fen": 15000, "ordinary_fen": 8000}}
    refused = []
    for role in (Role.AUDITOR, Role.DEPUTY_GM, Role.HANDLER):
        with pytest.raises(PermissionDenied) as denied:
            await changes.change_thresholds(actor=await f.staff(role), values=lower, reason="降本")
        refused.append(denied.value.message)
    admin = await f.staff(Role.ADMIN)
    [row] = await changes.change_thresholds(actor=admin, values=lower, reason="降本")

    assert refused == ["Only an admin may do this (change_thresholds)."] * 3
    assert (row.changed_by_id, row.reason) == (admin.id, "降本")
    assert await ThresholdVersion.all().count() == 1
    assert (await limits.gift_allowances()).ordinary_fen == 8000
