"""Urgency detected from the data (C-3 batch and repeat) and classification kept current (C-5).

Runs inside the intake transaction. A transaction-scoped advisory lock per matter key makes
concurrent intakes of one matter take turns, so a batch threshold crossed by two complaints
arriving together is never missed. Every look-up is by index: (matter_key, created_at) for the
batch window, (customer_id, matter_key, archived_at) for repeats.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from tortoise.connection import get_connection
from tortoise.functions import Count

from services.complaints import policy, rules
from services.complaints.models import (
    MISSED,
    Complaint,
    ComplaintEvent,
    ComplaintUrgency,
    Deadline,
    SupervisedMatter,
    UrgencyReason,
    WarningColour,
)
from services.complaints.notifications import escalate_to_department_head
from services.permissions.facts import UNRESOLVED
from services.staff.models import Staff
from services.thresholds import service as thresholds

AUTO_REASONS = (UrgencyReason.BATCH, UrgencyReason.REPEAT)


async def lock_matter(matter_key: str) -> None:
    """Serialise intakes of one matter until the transaction ends."""
    await get_connection("default").execute_query(
        "SELECT pg_advisory_xact_lock(hashtext($1))", [matter_key]
    )


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's end)."""
    year, month = divmod(moment.month - 1 - months, 12)
    year, month = moment.year + year, month + 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


async def unresolved_of(customer_id: int) -> list[int]:
    rows = await Complaint.filter(customer_id=customer_id, status__in=UNRESOLVED).only("id")
    return [row.id for row in rows]


async def after_intake(complaint: Complaint, *, actor: Staff) -> None:
    """C-3, C-5, C-10 for a complaint just taken, under its matter lock, in its transaction:
    batch and repeat detection, supervision, and the classification of every complaint whose
    urgency that changed."""
    batch = await detect_batch(complaint)
    await detect_repeat(complaint)
    await check_supervision(complaint)
    await refresh_classification(
        [complaint.id, *batch, *await unresolved_of(complaint.customer_id)], actor=actor
    )


async def detect_batch(complaint: Complaint) -> list[int]:
    """Mark every complaint of the window once the batch threshold is crossed; ids newly marked."""
    minutes = await thresholds.current(rules.BATCH_WINDOW_MINUTES)
    start = complaint.created_at - timedelta(minutes=minutes)
    rows = await Complaint.filter(
        matter_key=complaint.matter_key,
        created_at__gte=start,
        created_at__lte=complaint.created_at,
    ).values("id", "customer_id", "customer__tier")
    customers = {r["customer_id"] for r in rows}
    vips = {r["customer_id"] for r in rows if r["customer__tier"] in policy.VIP_TIERS}
    why = policy.batch_crossed(
        policy.BatchCount(customers=len(customers), vip_customers=len(vips)),
        customers_over=await thresholds.current(rules.BATCH_CUSTOMERS),
        vip_at_least=await thresholds.current(rules.BATCH_VIP_CUSTOMERS),
    )
    if why is None:
        return []
    ids = sorted(r["id"] for r in rows)
    evidence = {
        "matter_key": complaint.matter_key,
        "window_start": start.isoformat(),
        "window_end": complaint.created_at.isoformat(),
        "window_minutes": minutes,
        "customers": len(customers),
        "vip_customers": len(vips),
        "complaint_ids": ids,
    }
    return await _add(ids, UrgencyReason.BATCH, f"batch: {why} within {minutes} minutes", evidence)


async def detect_repeat(complaint: Complaint) -> bool:
    """C-3 repeat: the customer's earlier complaint on this matter, archived within the window."""
    months = await thresholds.current(rules.REPEAT_WINDOW_MONTHS)
    since = months_before(complaint.created_at, months)
    earlier = (
        await Complaint.filter(
            customer_id=complaint.customer_id,
            matter_key=complaint.matter_key,
            archived_at__gte=since,
            archived_at__lte=complaint.created_at,
        )
        .exclude(id=complaint.id)
        .order_by("-archived_at")
        .first()
    )
    if earlier is None or earlier.archived_at is None:
        return False
    evidence = {
        "earlier_complaint_id": earlier.id,
        "earlier_archived_at": earlier.archived_at.isoformat(),
        "window_months": months,
    }
    note = f"repeat of complaint {earlier.id}, archived {earlier.archived_at.date().isoformat()}"
    return bool(await _add([complaint.id], UrgencyReason.REPEAT, note, evidence))


async def _add(
    complaint_ids: list[int], reason: UrgencyReason, note: str, evidence: dict[str, Any]
) -> list[int]:
    have = set(
        await ComplaintUrgency.filter(complaint_id__in=complaint_ids, reason=reason).values_list(
            "complaint_id", flat=True
        )
    )
    new = [cid for cid in complaint_ids if cid not in have]
    await ComplaintUrgency.bulk_create(
        [
            ComplaintUrgency(complaint_id=cid, reason=reason, note=note, evidence=evidence)
            for cid in new
        ]
    )
    await ComplaintEvent.bulk_create(
        [
            ComplaintEvent(
                complaint_id=cid,
                action="urgency_added",
                field="urgency",
                to_value=reason.value,
                reason=note,
            )
            for cid in new
        ]
    )
    return new


async def clear_detected(complaint_id: int) -> None:
    """Withdraw this complaint's own batch/repeat reasons before detection re-runs (C-4)."""
    found = ComplaintUrgency.filter(complaint_id=complaint_id, reason__in=list(AUTO_REASONS))
    for row in await found:
        await ComplaintEvent.create(
            complaint_id=complaint_id,
            action="urgency_removed",
            field="urgency",
            from_value=row.reason.value,
            reason="matter key corrected; detection re-runs (C-4)",
        )
    await found.delete()


async def refresh_classification(
    complaint_ids: Iterable[int], *, actor: Staff | None, reason: str = "C-5"
) -> None:
    """Recompute severity and warning colour (C-5); yellow or red goes to the department head."""
    ids = sorted(set(complaint_ids))
    if not ids:
        return
    complaints = await Complaint.filter(id__in=ids).select_for_update().order_by("id")
    reasons: dict[int, set[str]] = {cid: set() for cid in ids}
    for cid, reason in await ComplaintUrgency.filter(complaint_id__in=ids).values_list(
        "complaint_id", "reason"
    ):
        reasons[cid].add(reason)
    unresolved = dict(
        await Complaint.filter(
            customer_id__in={c.customer_id for c in complaints}, status__in=UNRESOLVED
        )
        .annotate(n=Count("id"))
        .group_by("customer_id")
        .values_list("customer_id", "n")
    )
    missed = dict(
        await Deadline.filter(complaint_id__in=ids, state__in=list(MISSED))
        .annotate(n=Count("id"))
        .group_by("complaint_id")
        .values_list("complaint_id", "n")
    )
    for complaint in complaints:
        # the customer's other unresolved complaints (this one is among them while unresolved)
        others = (
            unresolved.get(complaint.customer_id, 0) - 1 if complaint.status in UNRESOLVED else 0
        )
        severity = policy.severity_for(category=complaint.category, reasons=reasons[complaint.id])
        colour = policy.warning_colour_for(
            reasons=reasons[complaint.id],
            other_unresolved=others,
            missed_deadlines=missed.get(complaint.id, 0),
        )
        await _apply(complaint, severity=severity, colour=colour, actor=actor, reason=reason)


async def _apply(
    complaint: Complaint, *, severity: Any, colour: WarningColour, actor: Staff | None, reason: str
) -> None:
    events = []
    rises = _rank(colour) > _rank(complaint.warning_colour)
    for field, value in (("severity", severity), ("warning_colour", colour)):
        before = getattr(complaint, field)
        if before != value:
            events.append(
                ComplaintEvent(
                    complaint_id=complaint.id,
                    actor=actor,
                    action="classified",
                    field=field,
                    from_value=before.value,
                    to_value=value.value,
                    reason=reason,
                )
            )
            setattr(complaint, field, value)
    if not events:
        return
    await complaint.save(update_fields=["severity", "warning_colour", "updated_at"])
    await ComplaintEvent.bulk_create(events)
    if rises and colour in (WarningColour.YELLOW, WarningColour.RED):
        await escalate_to_department_head(complaint, colour=colour)


def _rank(colour: WarningColour) -> int:
    return policy.COLOURS.index(colour)


async def check_supervision(complaint: Complaint) -> bool:
    """C-10: the Nth complaint on one matter puts the matter under supervised handling (督办)."""
    if await SupervisedMatter.exists(matter_key=complaint.matter_key):
        return False
    count = await Complaint.filter(matter_key=complaint.matter_key).count()
    if count < await thresholds.current(rules.SUPERVISION_COMPLAINTS):
        return False
    await SupervisedMatter.create(
        matter_key=complaint.matter_key,
        complaints_at_flag=count,
        flagged_by_complaint_id=complaint.id,
    )
    await ComplaintEvent.create(
        complaint_id=complaint.id,
        action="supervision_started",
        field="matter_key",
        to_value=complaint.matter_key,
        reason=f"complaint number {count} on this matter: supervised handling (C-10)",
    )
    return True
