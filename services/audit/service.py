"""The refund audit's use cases (A-1, A-2): check every refund, record findings, give each a
correction task for the person responsible, close them.

Checking is idempotent: a refund has one audit_checks row, re-checked until it settles (closed,
or executed and verified: open_checks.settled), and a problem already found is not found twice.
Each use case is one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from tortoise.transactions import in_transaction

from services.audit import facts as audit_facts
from services.audit import open_checks, policy, rules
from services.audit.models import (
    AuditCheck,
    AuditFinding,
    CorrectionTask,
    FindingSource,
    FindingStatus,
    SampleItem,
    TaskStatus,
)
from services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.refunds import clock
from services.refunds.models import Refund, RefundStatus
from services.staff.models import Role, Staff
from services.thresholds import service as thresholds

BATCH = 200
NOTE_MAX = 2000


def require_auditor(actor: Staff) -> None:
    if not actor.has_role(Role.AUDITOR):
        raise PermissionDenied("Only an auditor may do this.")


@dataclass(frozen=True)
class CheckRun:
    checked: int
    new_findings: int


async def coverage() -> tuple[int, int]:
    """A-1 is 100%: (executed refunds, of which checked)."""
    executed = await Refund.filter(status=RefundStatus.EXECUTED).count()
    checked = await AuditCheck.filter(refund__status=RefundStatus.EXECUTED).count()
    return executed, checked


async def check_unchecked(*, limit: int = 5000) -> CheckRun:
    """Check every refund not checked yet, and again every one not settled (what the worker's
    sweep and the console run): a refund is re-checked until nothing more can be found."""
    unchecked = await (
        Refund.filter(audit_check__id__isnull=True)
        .order_by("id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    unsettled = await (  # the longest unchecked first, so every one gets its turn
        AuditCheck.filter(settled_at__isnull=True)
        .order_by("checked_at", "refund_id")
        .limit(limit)
        .values_list("refund_id", flat=True)
    )
    return await check_refunds(sorted(set(cast(list[int], [*unchecked, *unsettled]))))


async def check_refunds(refund_ids: list[int]) -> CheckRun:
    """Check these refunds (again, if they were): store each check and new findings. A check
    that finds what the stored one says, of a refund not settling now, writes nothing."""
    history = await audit_facts.BandsHistory.load()
    open_days = await thresholds.current(rules.OPEN_REFUND_DAYS)
    now = clock.now()
    checked = found = 0
    for start in range(0, len(refund_ids), BATCH):
        ids = refund_ids[start : start + BATCH]
        refunds = await Refund.filter(id__in=ids).order_by("id")
        loaded = await audit_facts.load([r for r in refunds if r.status is RefundStatus.EXECUTED])
        stored = {c.refund_id: c for c in await AuditCheck.filter(refund_id__in=ids)}
        known: dict[int, set[str]] = defaultdict(set)
        for refund_id, code in await AuditFinding.filter(
            refund_id__in=ids, source=FindingSource.AUTOMATIC
        ).values_list("refund_id", "code"):
            known[refund_id].add(code)
        same: list[int] = []
        for refund in refunds:
            findings, basis = _check(refund, loaded.get(refund.id), history, now, open_days)
            done = open_checks.settled(
                status=refund.status.value,
                flow=refund.flow,
                verified_at=refund.verified_at,
                findings=findings,
            )
            check = stored.get(refund.id)
            unchanged = check is not None and (check.passed, check.finding_count, check.basis) == (
                not findings,
                len(findings),
                basis,
            )
            if done or not unchanged or any(f.code not in known[refund.id] for f in findings):
                found += await _store_check(
                    refund, findings, basis, settled_at=now if done else None
                )
            elif check is not None:
                same.append(check.id)
            checked += 1
        await AuditCheck.filter(id__in=same).update(checked_at=now)  # checked, nothing new
    return CheckRun(checked, found)


def _check(
    refund: Refund,
    loaded: tuple[policy.RefundFacts, datetime] | None,
    history: audit_facts.BandsHistory,
    now: datetime,
    open_days: int,
) -> tuple[list[policy.Finding], dict[str, object]]:
    """The findings of one refund, executed (the policy's checks) or not, and their basis."""
    basis: dict[str, object] = {"status": refund.status.value}
    if loaded is None:
        unexecuted = _unexecuted(refund)
        return open_checks.check_unexecuted(unexecuted, now=now, open_days=open_days), basis
    facts, decided_at = loaded
    bands = history.at(decided_at)
    basis["bands"] = {
        "band0_max_fen": bands.band0_max_fen,
        "liable_max_fen": list(bands.liable_max_fen),
        "not_liable_max_fen": list(bands.not_liable_max_fen),
    }
    return policy.check_refund(facts, bands=bands, now=now), basis


def _unexecuted(refund: Refund) -> open_checks.UnexecutedRefund:
    return open_checks.UnexecutedRefund(
        refund_id=refund.id,
        status=refund.status.value,
        created_at=refund.created_at,
        closed_at=refund.closed_at,
        verify_due_at=refund.verify_due_at,
        verified_at=refund.verified_at,
        agree_due_at=refund.agree_due_at,
        confirmed_at=refund.confirmed_at,
        execute_due_at=refund.execute_due_at,
    )


async def _store_check(
    refund: Refund,
    findings: list[policy.Finding],
    basis: dict[str, object],
    *,
    settled_at: datetime | None,
) -> int:
    async with in_transaction():
        check, _ = await AuditCheck.get_or_create(
            refund_id=refund.id,
            defaults={"passed": not findings, "finding_count": len(findings)},
        )
        check = await AuditCheck.select_for_update().get(id=check.id)
        known = set(
            await AuditFinding.filter(
                refund_id=refund.id, source=FindingSource.AUTOMATIC
            ).values_list("code", flat=True)
        )
        new = [f for f in findings if f.code not in known]
        for finding in new:
            await _create_finding(
                refund,
                rule=finding.rule,
                code=finding.code,
                params=finding.params,
                source=FindingSource.AUTOMATIC,
                responsible_id=_responsible(refund, finding.responsible),
            )
        check.passed = not findings
        check.finding_count = len(findings)
        check.basis = basis
        check.settled_at = settled_at
        await check.save()
    return len(new)


def _responsible(refund: Refund, whose: policy.Responsible) -> int:
    if whose is policy.Responsible.APPROVER and refund.approved_by_id:
        return refund.approved_by_id
    if whose is policy.Responsible.EXECUTOR and refund.executed_by_id:
        return refund.executed_by_id
    return refund.requested_by_id


async def due_on(today: date | None = None) -> date:
    days = await thresholds.current(rules.CORRECTION_DAYS)
    return (today or clock.local_date(clock.now())) + timedelta(days=days)


async def _create_finding(
    refund: Refund,
    *,
    rule: str,
    code: str,
    params: dict[str, object],
    source: FindingSource,
    responsible_id: int,
    note: str = "",
    created_by: Staff | None = None,
    sample_item_id: int | None = None,
) -> AuditFinding:
    """A finding and, with it, the correction task for the person responsible (A-2)."""
    responsible = await Staff.get(id=responsible_id)
    finding = await AuditFinding.create(
        refund_id=refund.id,
        rule=rule,
        code=code,
        params=params,
        source=source,
        sample_item_id=sample_item_id,
        note=note,
        responsible_id=responsible.id,
        department_id=responsible.department_id,
        created_by=created_by,
    )
    await CorrectionTask.create(finding=finding, assignee_id=responsible.id, due_on=await due_on())
    return finding


@guarded(UseCase.RECORD_FINDING)
async def record_finding(
    *,
    actor: Staff,
    refund_id: int,
    rule: str,
    note: str,
    responsible_id: int | None = None,
    sample_item_id: int | None = None,
) -> AuditFinding:
    """An auditor's finding on a refund (from a sample review or not), citing its rule."""
    require_auditor(actor)
    if rule not in policy.RULES:
        raise InvalidInput(f"Cite one of the rules: {', '.join(policy.RULES)}.", field="rule")
    if not note.strip() or len(note) > NOTE_MAX:
        raise InvalidInput(f"Say what is wrong (1 to {NOTE_MAX} characters).", field="note")
    refund = await Refund.get_or_none(id=refund_id)
    if refund is None:
        raise NotFound("No refund has this id.", field="refund")
    if responsible_id is not None and not await Staff.exists(id=responsible_id):
        raise NotFound("No member of staff has this id.", field="responsible")
    if sample_item_id is not None and not await SampleItem.exists(
        id=sample_item_id, refund_id=refund_id
    ):
        raise NotFound("That sampled refund is not this refund.", field="item")
    async with in_transaction():
        return await _create_finding(
            refund,
            rule=rule,
            code="review",
            params={},
            source=FindingSource.REVIEW,
            responsible_id=responsible_id or refund.requested_by_id,
            note=note.strip(),
            created_by=actor,
            sample_item_id=sample_item_id,
        )


@guarded(UseCase.DISMISS_FINDING)
async def dismiss_finding(*, actor: Staff, finding_id: int, reason: str) -> AuditFinding:
    """No problem after all (e.g. a documented special decision): closed with the reason."""
    require_auditor(actor)
    if not reason.strip():
        raise InvalidInput("Say why the finding is dismissed.", field="reason")
    async with in_transaction():
        finding = await AuditFinding.select_for_update().get_or_none(id=finding_id)
        if finding is None:
            raise NotFound("No finding has this id.", field="id")
        if finding.status is not FindingStatus.OPEN:
            raise Conflict(f"The finding is {finding.status.value} already.")
        finding.status = FindingStatus.DISMISSED
        finding.status_reason = reason.strip()
        finding.closed_at = clock.now()
        await finding.save()
        await CorrectionTask.filter(finding_id=finding.id, status=TaskStatus.OPEN).update(
            status=TaskStatus.DONE,
            resolution=reason.strip(),
            done_by_id=actor.id,
            done_at=finding.closed_at,
        )
    return finding


@guarded(UseCase.COMPLETE_CORRECTION)
async def complete_task(
    *, actor: Staff, task_id: int, cause: str, plan: str, resolution: str
) -> CorrectionTask:
    """A-2/A-3: the correction is done: why it happened, the rectification plan, what was done."""
    require_auditor(actor)
    texts = {"cause": cause.strip(), "plan": plan.strip(), "resolution": resolution.strip()}
    for name, text in texts.items():
        if not text or len(text) > NOTE_MAX:
            raise InvalidInput(f"{name} is 1 to {NOTE_MAX} characters.", field=name)
    async with in_transaction():
        task = await CorrectionTask.select_for_update().get_or_none(id=task_id)
        if task is None:
            raise NotFound("No correction task has this id.", field="id")
        if task.status is TaskStatus.DONE:
            raise Conflict("The correction task is done already.")
        at = clock.now()
        task.cause, task.plan, task.resolution = texts["cause"], texts["plan"], texts["resolution"]
        task.status, task.done_by, task.done_at = TaskStatus.DONE, actor, at
        await task.save()
        await AuditFinding.filter(id=task.finding_id, status=FindingStatus.OPEN).update(
            status=FindingStatus.CORRECTED, closed_at=at, status_reason=texts["resolution"]
        )
    return task
