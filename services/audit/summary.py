"""A-2 monthly summary: the problems found in a month by rule and by branch, the corrections
open and done, and (A-3) the problems that keep coming back. Plain values; the console turns
them into a page with charts and a CSV file."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.audit import rules
from services.audit.models import AuditFinding, CorrectionTask, FindingStatus, TaskStatus
from services.refunds import clock
from services.thresholds import service as thresholds

NO_BRANCH = ""


@dataclass(frozen=True)
class FindingRow:
    id: int
    created_at: datetime
    refund_id: int
    rule: str
    code: str
    params: dict[str, Any]
    source: str
    note: str
    status: str
    responsible: str
    branch: str  # department code, or NO_BRANCH
    branch_name: str
    due_on: date | None
    task_status: str
    done_at: datetime | None
    cause: str
    plan: str
    resolution: str


@dataclass(frozen=True)
class MonthlySummary:
    month: date
    findings: list[FindingRow]
    by_rule: list[tuple[str, int]]
    by_branch: list[tuple[str, str, int]]  # code, name, count
    open_tasks: int
    done_tasks: int
    overdue_tasks: int
    dismissed: int
    repeated: list[tuple[str, str, int]]  # rule, code, count: A-3 asks for supervision
    repeat_threshold: int


def month_bounds(month: date) -> tuple[datetime, datetime]:
    first = month.replace(day=1)
    return clock.local_midnight(first), clock.local_midnight(clock.next_month_start(first))


async def monthly(month: date) -> MonthlySummary:
    start, end = month_bounds(month)
    rows = (
        await AuditFinding.filter(created_at__gte=start, created_at__lt=end)
        .order_by("id")
        .select_related("responsible", "department")
    )
    tasks = {
        t.finding_id: t for t in await CorrectionTask.filter(finding_id__in=[f.id for f in rows])
    }
    today = clock.local_date(clock.now())
    findings = []
    for f in rows:
        task = tasks.get(f.id)
        findings.append(
            FindingRow(
                id=f.id,
                created_at=f.created_at,
                refund_id=f.refund_id,
                rule=f.rule,
                code=f.code,
                params=f.params,
                source=f.source.value,
                note=f.note,
                status=f.status.value,
                responsible=f.responsible.display_name if f.responsible else "",
                branch=f.department.code if f.department else NO_BRANCH,
                branch_name=f.department.name if f.department else "",
                due_on=task.due_on if task else None,
                task_status=task.status.value if task else "",
                done_at=task.done_at if task else None,
                cause=task.cause if task else "",
                plan=task.plan if task else "",
                resolution=task.resolution if task else "",
            )
        )
    by_rule = Counter(f.rule for f in findings)
    branches = Counter((f.branch, f.branch_name) for f in findings)
    problems = Counter((f.rule, f.code) for f in findings)
    threshold = await thresholds.current(rules.REPEAT_ESCALATION)
    return MonthlySummary(
        month=month.replace(day=1),
        findings=findings,
        by_rule=sorted(by_rule.items(), key=_rule_order),
        by_branch=sorted(((c, n, k) for (c, n), k in branches.items()), key=lambda r: -r[2]),
        open_tasks=sum(1 for f in findings if f.task_status == TaskStatus.OPEN),
        done_tasks=sum(
            1
            for f in findings
            if f.task_status == TaskStatus.DONE and f.status != FindingStatus.DISMISSED
        ),
        overdue_tasks=sum(
            1
            for f in findings
            if f.task_status == TaskStatus.OPEN and f.due_on is not None and f.due_on < today
        ),
        dismissed=sum(1 for f in findings if f.status == FindingStatus.DISMISSED),
        repeated=sorted(
            ((rule, code, n) for (rule, code), n in problems.items() if n >= threshold),
            key=lambda r: -r[2],
        ),
        repeat_threshold=threshold,
    )


def _rule_order(item: tuple[str, int]) -> tuple[str, int]:
    letter, _, number = item[0].partition("-")
    return letter, int(number) if number.isdigit() else 0
