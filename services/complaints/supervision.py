"""C-10 supervised handling (督办) of a matter: when it starts, who owns it, when it ends.

Starts
- by repeat complaints: when ONE customer's complaints on one matter, linked as repeats (C-3:
  each complained again within 3 months of the previous one being archived), number at least
  `rules.SUPERVISION_COMPLAINTS` (3: the first complaint and two repeats) and one of them is
  still open. Complaints of different customers, or a customer's complaints while the earlier
  one is still open, are not repeat complaints and start nothing. Checked at intake when the
  new complaint is a repeat (`urgency.after_intake`), and again for both matters of a key
  correction (`recheck`).
- by A-3: a rectification escalates the matter (`start`, called by the audit/analysis side).

Owner: the complaint manager (投诉主管: an active SUPERVISOR of the customer service centre
track, a department head first), because the seed has the customer service centre supervise
("由客户服务中心按照投诉内部升级流程督办处理"); if there is none, the head of the matter's
department (the department of the complaint that started it, else of the matter's latest
complaint). The owner and the head of the matter's department (who is being urged) are
notified when it starts and when it ends.

Ends (`recheck`): when every complaint on the matter is archived — archiving needs a resolved
complaint revisited with the customer satisfied (C-6), i.e. resolved and verified — and one of
them was archived after supervision started (so a rectification started on a quiet matter
waits for its next complaint to be resolved, or for `end`). A period started by repeat
complaints also ends when a key correction leaves no customer with enough repeat complaints on
the matter. Each period is one `SupervisedMatter` row (the log: cause, reason, owner, start,
end, why, by whom); its start and end are also events in the history of the matter's
complaints. Every entry point takes the matter's advisory lock (lock order rule 1).
"""

from __future__ import annotations

from collections import defaultdict

from tortoise.transactions import in_transaction

from services import clock
from services.complaints import rules
from services.complaints.locking import lock_matter
from services.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintUrgency,
    Status,
    SupervisedMatter,
    SupervisionCause,
    UrgencyReason,
)
from services.complaints.notifications import department_head, notify
from services.errors import ErrorCode, InvalidInput, NotFound
from services.staff.models import Role, Staff, Track
from services.thresholds import service as thresholds


async def open_period(matter_key: str) -> SupervisedMatter | None:
    """The matter's supervision now, if it is supervised."""
    return await SupervisedMatter.get_or_none(matter_key=matter_key, ended_at=None)


async def complaint_manager() -> Staff | None:
    """投诉主管: an active SUPERVISOR on the customer service centre track, heads first."""
    return (
        await Staff.filter(
            track=Track.SERVICE_CENTRE, is_active=True, roles__contains=[Role.SUPERVISOR.value]
        )
        .order_by("-is_department_head", "id")
        .first()
    )


async def owner_for(department_id: int | None) -> Staff | None:
    """Who owns a supervision: the complaint manager, else the matter's department head."""
    return await complaint_manager() or await department_head(department_id)


async def start(
    *,
    matter_key: str,
    reason: str,
    actor: Staff | None,
    cause: SupervisionCause = SupervisionCause.RECTIFICATION,
    complaint_id: int | None = None,
) -> SupervisedMatter:
    """Put a matter under supervised handling (C-10); the open period if it already is.

    For A-3 (a rectification escalates the matter): `start(matter_key=..., reason="...",
    actor=<who escalated, or None for the system>)`. Runs in the caller's transaction if there
    is one (a savepoint), else in its own; takes the matter's lock. Raises InvalidInput for an
    empty key or reason (before touching the database), NotFound when no complaint has the key.
    `complaint_id`: the complaint whose intake started it (repeat complaints), if any.
    """
    key = matter_key.strip().lower()
    if not key:
        raise InvalidInput("matterKey is required.", code=ErrorCode.REQUIRED, field="matterKey")
    if not reason.strip():
        raise InvalidInput("Say why it is supervised.", code=ErrorCode.REQUIRED, field="reason")
    async with in_transaction():
        await lock_matter(key)
        current = await open_period(key)
        if current is not None:
            return current
        latest = await Complaint.filter(matter_key=key).order_by("-created_at", "-id").first()
        if latest is None:
            raise NotFound("No complaint has this matter key.", field="matterKey")
        return await _start(
            key, reason.strip(), actor=actor, cause=cause, trigger_id=complaint_id or latest.id
        )


async def end(*, matter_key: str, reason: str, actor: Staff | None) -> SupervisedMatter | None:
    """End the matter's supervision by hand (e.g. A-3: the rectification was verified); the
    period ended, or None if the matter was not supervised."""
    key = matter_key.strip().lower()
    if not key:
        raise InvalidInput("matterKey is required.", code=ErrorCode.REQUIRED, field="matterKey")
    if not reason.strip():
        raise InvalidInput("Say why it ends.", code=ErrorCode.REQUIRED, field="reason")
    async with in_transaction():
        await lock_matter(key)
        period = await open_period(key)
        if period is None:
            return None
        latest = await Complaint.filter(matter_key=key).order_by("-created_at", "-id").first()
        await _end(period, reason.strip(), actor=actor, complaint_id=latest.id if latest else None)
        return period


async def recheck(
    matter_key: str, *, actor: Staff | None, complaint_id: int | None = None
) -> SupervisedMatter | None:
    """Start or end the matter's supervision as its complaints now stand; the period started
    or ended, if any. Call it in the transaction that changed the matter (a repeat complaint
    taken, a key corrected, a complaint archived), after the change; `complaint_id` is the
    complaint whose change it was (its history gets the event)."""
    async with in_transaction():
        await lock_matter(matter_key)
        period = await open_period(matter_key)
        needed = await thresholds.current(rules.SUPERVISION_COMPLAINTS)
        chains = await repeat_chains(matter_key)
        if period is None:
            for customer_id, (ids, still_open) in sorted(chains.items()):
                if len(ids) >= needed and still_open:
                    return await _start(
                        matter_key,
                        f"{len(ids)} complaints of one customer on this matter, each a repeat "
                        f"of the one before (threshold {needed}): complaints {sorted(ids)}",
                        actor=None,
                        cause=SupervisionCause.REPEAT_COMPLAINTS,
                        trigger_id=complaint_id or max(ids),
                        customer_id=customer_id,
                        count=len(ids),
                    )
            return None
        if period.cause == SupervisionCause.REPEAT_COMPLAINTS and not any(
            len(ids) >= needed for ids, _ in chains.values()
        ):
            why = (
                f"no customer has {needed} repeat complaints on this matter any more "
                "(a matter key was corrected, C-4)"
            )
            await _end(period, why, actor=actor, complaint_id=complaint_id)
            return period
        if await _resolved_and_verified(matter_key, period):
            why = (
                "every complaint on the matter is resolved, revisited with the customer "
                "satisfied and archived"
            )
            await _end(period, why, actor=actor, complaint_id=complaint_id)
            return period
        return None


async def after_repeat(complaint: Complaint, *, actor: Staff | None) -> SupervisedMatter | None:
    """Intake: the new complaint is a repeat (C-3); start supervision if that brings its
    customer's repeat complaints on the matter to the threshold."""
    return await recheck(complaint.matter_key, actor=actor, complaint_id=complaint.id)


async def repeat_chains(matter_key: str) -> dict[int, tuple[set[int], bool]]:
    """Per customer: their complaints on the matter linked as repeats (each repeat and the
    archived complaint it repeats), and whether one of them is still open."""
    rows = await ComplaintUrgency.filter(
        reason=UrgencyReason.REPEAT, complaint__matter_key=matter_key
    ).values("complaint_id", "complaint__customer_id", "complaint__status", "evidence")
    chains: dict[int, set[int]] = defaultdict(set)
    still_open: dict[int, bool] = defaultdict(bool)
    for row in rows:
        customer = row["complaint__customer_id"]
        chains[customer].add(row["complaint_id"])
        earlier = (row["evidence"] or {}).get("earlier_complaint_id")
        if earlier is not None:
            chains[customer].add(int(earlier))
        still_open[customer] |= row["complaint__status"] != Status.ARCHIVED
    return {c: (ids, still_open[c]) for c, ids in chains.items()}


async def _resolved_and_verified(matter_key: str, period: SupervisedMatter) -> bool:
    if await Complaint.filter(matter_key=matter_key).exclude(status=Status.ARCHIVED).exists():
        return False
    return await Complaint.filter(
        matter_key=matter_key, archived_at__gte=period.flagged_at
    ).exists()


async def _start(
    matter_key: str,
    reason: str,
    *,
    actor: Staff | None,
    cause: SupervisionCause,
    trigger_id: int,
    customer_id: int | None = None,
    count: int = 0,
) -> SupervisedMatter:
    trigger = await Complaint.get(id=trigger_id)
    owner = await owner_for(trigger.department_id)
    period = await SupervisedMatter.create(
        matter_key=matter_key,
        cause=cause,
        reason=reason,
        complaints_at_flag=count,
        flagged_by_complaint_id=trigger_id,
        customer_id=customer_id,
        owner=owner,
        started_by=actor,
    )
    owner_text = (
        f"owner {owner.display_name}" if owner else "no complaint manager or head: no owner"
    )
    await _history(
        matter_key,
        trigger_id,
        actor=actor,
        action="supervision_started",
        to_value=cause.value,
        reason=f"supervised handling (C-10): {reason}; {owner_text}",
    )
    head = await department_head(trigger.department_id)
    await notify(
        [owner.id if owner else None, head.id if head else None],
        complaint_id=trigger_id,
        kind="supervision",
        key=f"supervision:{period.id}:started",
        message=f"事项 {matter_key} 转入督办 (C-10): {reason}",
    )
    return period


async def _end(
    period: SupervisedMatter, reason: str, *, actor: Staff | None, complaint_id: int | None
) -> None:
    period.ended_at = clock.now()
    period.end_reason = reason
    period.ended_by = actor
    period.ended_by_complaint_id = complaint_id
    await period.save(
        update_fields=["ended_at", "end_reason", "ended_by_id", "ended_by_complaint_id"]
    )
    subject = complaint_id or period.flagged_by_complaint_id
    if subject is None:
        return
    await _history(
        period.matter_key,
        subject,
        actor=actor,
        action="supervision_ended",
        from_value=period.cause.value,
        reason=f"supervised handling ended (C-10): {reason}",
    )
    trigger = await Complaint.get_or_none(id=subject)
    head = await department_head(trigger.department_id if trigger else None)
    await notify(
        [period.owner_id, head.id if head else None],
        complaint_id=subject,
        kind="supervision",
        key=f"supervision:{period.id}:ended",
        message=f"事项 {period.matter_key} 督办结束: {reason}",
    )


async def _history(
    matter_key: str,
    subject_id: int,
    *,
    actor: Staff | None,
    action: str,
    reason: str,
    from_value: str = "",
    to_value: str = "",
) -> None:
    """The event on the complaint concerned and on every open complaint of the matter."""
    open_ids: list[int] = [
        int(i)  # type: ignore[call-overload]
        for i in await Complaint.filter(matter_key=matter_key)
        .exclude(status=Status.ARCHIVED)
        .values_list("id", flat=True)
    ]
    await ComplaintEvent.bulk_create(
        [
            ComplaintEvent(
                complaint_id=cid,
                actor=actor,
                action=action,
                field="supervision",
                from_value=from_value,
                to_value=to_value,
                reason=reason,
            )
            for cid in sorted({subject_id, *open_ids})
        ]
    )
