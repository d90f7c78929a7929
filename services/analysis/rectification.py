"""A-3: a problem that keeps causing complaints is rectified: opened (3 or more complaints of
one root cause on one matter in a month, or flagged by an auditor), planned by its owner,
its result checked, closed. Opening puts the matter under supervised handling (C-10); an
overdue rectification is flagged to the owner's head by the worker."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tortoise import connections
from tortoise.transactions import in_transaction

from services import clock
from services.analysis.models import (
    ComplaintRootCause,
    OpenedBy,
    ProblemKind,
    Rectification,
    RectificationEvent,
    RectificationStatus,
    RootCause,
)
from services.audit.models import AuditFinding
from services.complaints import supervision
from services.complaints.models import Complaint
from services.complaints.notifications import department_head, notify
from services.errors import ErrorCode, IllegalTransition, InvalidInput, NotFound, Problem
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.refunds import clock as local
from services.refunds.models import Refund
from services.staff.models import Staff
from services.thresholds import service as thresholds

REPEATS = "analysis.rectification_repeats"
DAYS = "analysis.rectification_days"
PROBLEM_LOCKS = 16  # the advisory-lock namespace of problems (after every complaint lock)

thresholds.register(
    REPEATS,
    3,
    "A-3: complaints of one root cause on one matter in a calendar month that open a "
    "rectification and put the matter under supervised handling (C-10).",
    thresholds.positive_int,
)
thresholds.register(
    DAYS,
    30,
    "A-3: calendar days a rectification has, from its opening, until it is due.",
    thresholds.positive_int,
)

OPEN_STATES = (RectificationStatus.OPEN, RectificationStatus.PLANNED, RectificationStatus.CHECKED)


def root_cause_key(cause_code: str, matter_key: str) -> str:
    return f"root_cause:{cause_code}|{matter_key}"


def finding_key(rule: str, code: str) -> str:
    return f"finding:{rule}:{code}"


def month_range(day: date) -> tuple[datetime, datetime]:
    first = day.replace(day=1)
    return local.local_midnight(first), local.local_midnight(local.next_month_start(first))


async def _lock_problem(key: str) -> None:
    """Serialise the openings of one problem; taken after every complaint lock."""
    await connections.get("default").execute_query(
        "SELECT pg_advisory_xact_lock($1, hashtext($2))", [PROBLEM_LOCKS, key]
    )


async def _event(rect: Rectification, actor: Staff | None, action: str, note: str = "") -> None:
    await RectificationEvent.create(rectification=rect, actor=actor, action=action, note=note)


async def after_root_cause(row: ComplaintRootCause, *, cause: RootCause, actor: Staff) -> None:
    """Inside the resolve transaction: the complaint that makes a problem repeat opens its
    rectification (A-3)."""
    key = root_cause_key(cause.code, row.matter_key)
    await _lock_problem(key)
    start, end = month_range(local.local_date(row.recorded_at))
    repeats = await ComplaintRootCause.filter(
        cause_id=cause.id, matter_key=row.matter_key, recorded_at__gte=start, recorded_at__lt=end
    ).count()
    if repeats < await thresholds.current(REPEATS):
        return
    if await Rectification.exists(problem_key=key, status__in=list(OPEN_STATES)):
        return
    await _open(
        key=key,
        kind=ProblemKind.ROOT_CAUSE,
        opened_by=OpenedBy.REPEATS,
        reason=f"{repeats} complaints in {local.local_date(start):%Y-%m} with root cause "
        f"{cause.code} on one matter (A-3)",
        cause=cause,
        matter_key=row.matter_key,
        complaint_id=row.complaint_id,
        department_id=row.department_id,
        count=repeats,
        actor=actor,
    )


async def _open(
    *,
    key: str,
    kind: ProblemKind,
    opened_by: OpenedBy,
    reason: str,
    actor: Staff | None,
    cause: RootCause | None = None,
    matter_key: str = "",
    finding: tuple[str, str] = ("", ""),
    complaint_id: int | None = None,
    department_id: int | None = None,
    count: int = 0,
) -> Rectification:
    head = await department_head(department_id)
    days = await thresholds.current(DAYS)
    rect = await Rectification.create(
        problem_kind=kind,
        problem_key=key,
        cause=cause,
        matter_key=matter_key,
        finding_rule=finding[0],
        finding_code=finding[1],
        opened_by=opened_by,
        reason=reason,
        complaints_at_opening=count,
        complaint_id=complaint_id,
        department_id=department_id,
        owner=head,
        due_on=local.local_date(clock.now()) + timedelta(days=days),
    )
    await _event(rect, actor, "opened", reason)
    if matter_key:
        await _supervise(rect, actor=actor)
    return rect


async def _supervise(rect: Rectification, *, actor: Staff | None) -> None:
    """A-3 → C-10: the matter of a rectified problem is handled under supervision."""
    await supervision.start(
        matter_key=rect.matter_key,
        reason=f"A-3 rectification {rect.id}: {rect.reason}",
        actor=actor,
        complaint_id=rect.complaint_id,
    )
    rect.supervised_at = clock.now()
    await rect.save(update_fields=["supervised_at"])
    await _event(rect, actor, "supervised", "matter put under supervised handling (C-10)")


@guarded(UseCase.FLAG_PROBLEM)
async def flag_problem(
    *,
    actor: Staff,
    reason: str,
    finding_id: int | None = None,
    cause_code: str = "",
    complaint_id: int | None = None,
) -> Rectification:
    """An auditor flags a problem: an audit finding's code, or a complaint's root cause on its
    matter. Either way it opens a rectification (A-3)."""
    if not reason.strip():
        raise InvalidInput("Say why it needs rectifying.", code=ErrorCode.REQUIRED, field="reason")
    if (finding_id is None) == (complaint_id is None):
        raise InvalidInput(
            "Name either an audit finding (findingId) or a complaint (complaintId).",
            field="findingId",
        )
    async with in_transaction():
        if finding_id is not None:
            finding = await AuditFinding.get_or_none(id=finding_id)
            if finding is None:
                raise NotFound("No audit finding has this id.", field="findingId")
            refund = await Refund.get(id=finding.refund_id)
            complaint = await Complaint.get(id=refund.complaint_id)
            key = finding_key(finding.rule, finding.code)
            await _lock_problem(key)
            await _refuse_if_open(key)
            return await _open(
                key=key,
                kind=ProblemKind.AUDIT_FINDING,
                opened_by=OpenedBy.AUDITOR,
                reason=reason.strip(),
                finding=(finding.rule, finding.code),
                matter_key=complaint.matter_key,
                complaint_id=complaint.id,
                department_id=finding.department_id or complaint.department_id,
                actor=actor,
            )
        complaint_row = await Complaint.get_or_none(id=complaint_id)
        if complaint_row is None:
            raise NotFound("No complaint has this id.", field="complaintId")
        recorded = await ComplaintRootCause.get_or_none(complaint_id=complaint_row.id)
        code = cause_code.strip()
        cause = await RootCause.get_or_none(code=code) if code else None
        if cause is None and recorded is not None:
            cause = await RootCause.get(id=recorded.cause_id)
        if cause is None:
            raise InvalidInput(
                "The complaint has no root cause recorded: name one (causeCode).",
                field="causeCode",
            )
        key = root_cause_key(cause.code, complaint_row.matter_key)
        await _lock_problem(key)
        await _refuse_if_open(key)
        return await _open(
            key=key,
            kind=ProblemKind.ROOT_CAUSE,
            opened_by=OpenedBy.AUDITOR,
            reason=reason.strip(),
            cause=cause,
            matter_key=complaint_row.matter_key,
            complaint_id=complaint_row.id,
            department_id=cause.department_id or complaint_row.department_id,
            actor=actor,
        )


async def _refuse_if_open(key: str) -> None:
    found = await Rectification.filter(problem_key=key, status__in=list(OPEN_STATES)).first()
    if found is not None:
        raise IllegalTransition(
            f"This problem already has an open rectification ({found.id}).",
            current=found.status.value,
            attempted="flag_problem",
        )


async def _locked(rectification_id: int, action: str, sources: tuple[RectificationStatus, ...]):
    rect = await Rectification.select_for_update().get_or_none(id=rectification_id)
    if rect is None:
        raise NotFound("No rectification has this id.", field="id")
    if rect.status not in sources:
        allowed = ", ".join(s.value for s in sources)
        raise IllegalTransition(
            f"Cannot {action} a rectification that is {rect.status.value}; it must be {allowed}.",
            current=rect.status.value,
            attempted=action,
        )
    return rect


@guarded(UseCase.PLAN_RECTIFICATION)
async def plan_rectification(
    *,
    actor: Staff,
    rectification_id: int,
    plan: str,
    due_on: date,
    owner_id: int | None = None,
) -> Rectification:
    """The owner's plan and due date (A-3); planning again after a failed check is allowed."""
    problems: list[Problem] = []
    if not plan.strip():
        problems.append(Problem("plan", ErrorCode.REQUIRED, "plan is required."))
    if due_on < local.local_date(clock.now()):
        problems.append(Problem("dueOn", ErrorCode.INVALID_INPUT, "dueOn is in the past."))
    if problems:
        raise InvalidInput(
            problems[0].message, code=problems[0].code, field=problems[0].field, problems=problems
        )
    owner = None
    if owner_id is not None:
        owner = await Staff.get_or_none(id=owner_id, is_active=True)
        if owner is None:
            raise NotFound("No active member of staff has this id.", field="ownerId")
    async with in_transaction():
        rect = await _locked(
            rectification_id, "plan", (RectificationStatus.OPEN, RectificationStatus.PLANNED)
        )
        if owner is not None:
            rect.owner_id = owner.id
        elif rect.owner_id is None:
            rect.owner_id = actor.id
        rect.plan, rect.due_on, rect.status = plan.strip(), due_on, RectificationStatus.PLANNED
        rect.overdue_flagged_at = None  # a new due date: flagged again if it passes
        await rect.save()
        await _event(rect, actor, "planned", f"due {due_on.isoformat()}: {plan.strip()}")
    return rect


@guarded(UseCase.CHECK_RECTIFICATION)
async def check_rectification(
    *, actor: Staff, rectification_id: int, passed: bool, result: str
) -> Rectification:
    """An auditor checks the result: passed, it may close; not passed, back to planning."""
    if not result.strip():
        raise InvalidInput("Say what the check found.", code=ErrorCode.REQUIRED, field="result")
    async with in_transaction():
        rect = await _locked(rectification_id, "check", (RectificationStatus.PLANNED,))
        rect.check_result, rect.checked_by_id, rect.checked_at = (
            result.strip(),
            actor.id,
            clock.now(),
        )
        if passed:
            rect.status = RectificationStatus.CHECKED
        await rect.save()
        await _event(rect, actor, "check_passed" if passed else "check_failed", result.strip())
    return rect


@guarded(UseCase.CLOSE_RECTIFICATION)
async def close_rectification(
    *, actor: Staff, rectification_id: int, note: str = ""
) -> Rectification:
    """Close a checked rectification: the root causes it covers count as fixed (C-11)."""
    at = clock.now()
    async with in_transaction():
        rect = await _locked(rectification_id, "close", (RectificationStatus.CHECKED,))
        rect.status, rect.closed_by_id, rect.closed_at = RectificationStatus.CLOSED, actor.id, at
        await rect.save()
        if rect.cause_id is not None:
            await ComplaintRootCause.filter(
                cause_id=rect.cause_id,
                matter_key=rect.matter_key,
                recorded_at__lte=at,
                fixed_at__isnull=True,
            ).update(fixed_at=at)
        await _event(rect, actor, "closed", note.strip())
    return rect


async def flag_overdue(now: datetime | None = None) -> int:
    """The worker: each open rectification past its due date is told to the head of its
    owner's department once per due date (A-3). Returns how many were flagged."""
    now = now or clock.now()
    today = local.local_date(now)
    flagged = 0
    due = await Rectification.filter(
        status__in=[RectificationStatus.OPEN, RectificationStatus.PLANNED],
        due_on__lt=today,
        overdue_flagged_at__isnull=True,
    ).order_by("id")
    for rect in due:
        async with in_transaction():
            row = await Rectification.select_for_update().get(id=rect.id)
            if row.overdue_flagged_at is not None or row.status not in (
                RectificationStatus.OPEN,
                RectificationStatus.PLANNED,
            ):
                continue
            owner = await Staff.get_or_none(id=row.owner_id) if row.owner_id else None
            head = await department_head(owner.department_id if owner else row.department_id)
            if head is not None and row.complaint_id is not None:
                await notify(
                    [head.id],
                    complaint_id=row.complaint_id,
                    kind="rectification_overdue",
                    key=f"rectification_overdue:{row.id}:{row.due_on.isoformat()}",
                    message=f"整改 {row.id} 已超期（应于 {row.due_on.isoformat()} 完成）",
                )
            row.overdue_flagged_at = now
            await row.save(update_fields=["overdue_flagged_at", "updated_at"])
            await _event(
                row,
                None,
                "overdue_flagged",
                f"told {head.username}" if head else "no department head to tell",
            )
            flagged += 1
    return flagged


async def open_for_repeated_findings(now: datetime | None = None) -> int:
    """The worker (A-3): an audit finding code found `audit.repeat_escalation` (3) times or
    more this month opens a rectification of that problem, once while it is open; its matter
    goes under supervision when the findings' complaints share one. Returns how many opened."""
    from services.audit import rules as audit_rules

    at = now or clock.now()
    start, end = month_range(local.local_date(at))
    threshold = await thresholds.current(audit_rules.REPEAT_ESCALATION)
    rows = await connections.get("default").execute_query_dict(
        "SELECT f.rule, f.code, count(*) AS n, count(DISTINCT c.matter_key) AS matters, "
        "min(c.matter_key) AS matter_key, max(c.id) AS complaint_id, "
        "max(f.department_id) AS department_id FROM audit_findings f "
        "JOIN refunds r ON r.id = f.refund_id JOIN complaints c ON c.id = r.complaint_id "
        "WHERE f.created_at >= $1 AND f.created_at < $2 AND f.status <> 'dismissed' "
        "GROUP BY f.rule, f.code HAVING count(*) >= $3 ORDER BY f.rule, f.code",
        [start, end, threshold],
    )
    opened = 0
    for row in rows:
        key = finding_key(str(row["rule"]), str(row["code"]))
        async with in_transaction():
            await _lock_problem(key)
            if await Rectification.exists(problem_key=key, status__in=list(OPEN_STATES)):
                continue
            n = int(row["n"])
            await _open(
                key=key,
                kind=ProblemKind.AUDIT_FINDING,
                opened_by=OpenedBy.REPEATS,
                reason=f"{n} audit findings {row['rule']} {row['code']} in "
                f"{local.local_date(start):%Y-%m} (A-3)",
                finding=(str(row["rule"]), str(row["code"])),
                matter_key=str(row["matter_key"]) if int(row["matters"]) == 1 else "",
                complaint_id=int(row["complaint_id"]),
                department_id=row["department_id"],
                count=n,
                actor=None,
            )
            opened += 1
    return opened
