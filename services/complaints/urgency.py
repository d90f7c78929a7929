"""Urgency detected from the data (C-3 batch and repeat) and classification kept current (C-5).

Runs inside the intake (or key correction) transaction, under the matter's advisory lock
(`locking.matter_lock`: intake takes it in the statement that writes its rows), so the work on
one matter takes turns.

C-3 batch: a complaint is marked batch when SOME window of the configured length (60 minutes)
that contains it crosses the threshold (`policy.batch_crossed`) — windows before and after it,
not only the one ending at it. Detection re-runs around a moment (a complaint entering or
leaving a matter) and adds the marks now due and withdraws those no longer due, each with a
history event: a complaint's mark can change only if it lies within one window length of that
moment, and whether it does depends only on complaints within two window lengths. Look-ups
are by index: (matter_key, created_at) for the batch windows, (customer_id, matter_key,
archived_at) for repeats.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.connection import get_connection
from tortoise.functions import Count

from services.complaints import policy, rules, supervision
from services.complaints.models import (
    MISSED,
    UNRESOLVED,
    Complaint,
    ComplaintEvent,
    ComplaintUrgency,
    Deadline,
    UrgencyReason,
    WarningColour,
)
from services.complaints.notifications import escalate_to_department_head
from services.staff.models import Staff
from services.thresholds import service as thresholds

AUTO_REASONS = (UrgencyReason.BATCH, UrgencyReason.REPEAT)


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


async def after_intake(
    complaint: Complaint, *, actor: Staff, reasons: Collection[str] = ()
) -> list[ComplaintEvent]:
    """C-3, C-5, C-10 for a complaint just taken, under its matter lock, in its transaction:
    batch detection over every window around it, repeat detection, supervision when this
    repeat brings one customer's repeat complaints on the matter to the threshold, and the
    classification of every complaint whose urgency that changed (the customer's other
    unresolved complaints among them). `reasons`: the urgency the intake recorded.

    The new complaint is classified here without reading it back (it has no missed deadline
    and no reason but those recorded now); its classification events are returned for the
    caller to write with the rest of its history, unless a rise to yellow or red wrote them
    already (the escalation follows them)."""
    minutes, arrivals, unresolved, earlier = await _after_lock_reads(complaint)
    batch = await recheck_batch(
        complaint.matter_key, complaint.created_at, withdraw=False, read=(minutes, arrivals)
    )
    repeat = False
    if earlier is not None:
        repeat = bool(await _add([complaint.id], UrgencyReason.REPEAT, *earlier))
        if repeat:
            await supervision.after_repeat(complaint, actor=actor)
    await refresh_classification(
        [cid for cid in (*batch, *unresolved) if cid != complaint.id], actor=actor
    )
    now_reasons = {*reasons}
    if complaint.id in batch:
        now_reasons.add(UrgencyReason.BATCH)
    if repeat:
        now_reasons.add(UrgencyReason.REPEAT)
    before = complaint.warning_colour
    events = _reclassify(
        complaint,
        severity=policy.severity_for(category=complaint.category, reasons=now_reasons),
        colour=policy.warning_colour_for(reasons=now_reasons, other_unresolved=len(unresolved)),
        actor=actor,
        reason="C-5",
    )
    if not events:
        return []
    await complaint.save(update_fields=["severity", "warning_colour", "updated_at"])
    if _rises_to_escalation(before, complaint.warning_colour):
        await ComplaintEvent.bulk_create(events)
        await escalate_to_department_head(complaint, colour=complaint.warning_colour)
        return []
    return events


# After the matter lock, one statement: the matter's complaints within two batch windows
# either side (C-3 batch, by the (matter_key, created_at) index), and the customer's other
# complaints that are unresolved (C-5) or on this matter archived within the repeat window
# (C-3 repeat, by the (customer_id, matter_key, archived_at) index)
_AFTER_LOCK_SQL = """
SELECT true AS on_matter, c.id, c.created_at, c.customer_id, cu.tier,
       NULL::varchar AS status, NULL::varchar AS matter_key, NULL::timestamptz AS archived_at
  FROM complaints c JOIN customers cu ON cu.id = c.customer_id
 WHERE c.matter_key = $1 AND c.created_at >= $2 AND c.created_at <= $3
UNION ALL
SELECT false, c.id, NULL, NULL, NULL, c.status, c.matter_key, c.archived_at
  FROM complaints c
 WHERE c.customer_id = $4 AND c.id <> $5
   AND (c.status = ANY($6::varchar[])
        OR (c.matter_key = $1 AND c.archived_at >= $7 AND c.archived_at <= $8))
"""


async def _after_lock_reads(
    complaint: Complaint,
) -> tuple[int, list[Arrival], list[int], tuple[str, dict[str, Any]] | None]:
    """The batch window's minutes and the matter's arrivals around the new complaint; the
    customer's other unresolved complaints; the note and evidence of a repeat mark, if the
    customer had a complaint on this matter archived within the repeat window before it."""
    minutes = await thresholds.current(rules.BATCH_WINDOW_MINUTES)
    months = await thresholds.current(rules.REPEAT_WINDOW_MONTHS)
    length = timedelta(minutes=minutes)
    at = complaint.created_at
    since = months_before(at, months)
    rows = await get_connection("default").execute_query_dict(
        _AFTER_LOCK_SQL,
        [
            complaint.matter_key,
            at - 2 * length,
            at + 2 * length,
            complaint.customer_id,
            complaint.id,
            [s.value for s in UNRESOLVED],
            since,
            at,
        ],
    )
    as_stored = Complaint._meta.fields_map["created_at"].to_python_value  # the ORM's time zone
    arrivals = [
        Arrival(
            id=r["id"],
            at=as_stored(r["created_at"]),
            customer_id=r["customer_id"],
            vip=r["tier"] in policy.VIP_TIERS,
        )
        for r in rows
        if r["on_matter"]
    ]
    mine = [r for r in rows if not r["on_matter"]]
    unresolved = [r["id"] for r in mine if r["status"] in UNRESOLVED]
    archived = [
        (as_stored(r["archived_at"]), r["id"])
        for r in mine
        if r["matter_key"] == complaint.matter_key
        and r["archived_at"] is not None
        and since <= r["archived_at"] <= at
    ]
    if not archived:
        return minutes, arrivals, unresolved, None
    archived_at, earlier_id = max(archived)
    return minutes, arrivals, unresolved, _repeat_of(earlier_id, archived_at, months)


# --- C-3 batch -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    """One complaint on a matter's time line, as batch detection sees it."""

    id: int
    at: datetime
    customer_id: int
    vip: bool


@dataclass(frozen=True)
class Window:
    """A window [start, end] of the configured length that crosses the batch threshold."""

    start: datetime
    end: datetime
    ids: tuple[int, ...]
    customers: int
    vip_customers: int
    why: str


def crossing_windows(
    arrivals: Sequence[Arrival],
    *,
    length: timedelta,
    crossed: Callable[[policy.BatchCount], str | None],
) -> list[Window]:
    """Every window [t, t + length] starting at an arrival that crosses the threshold.

    Enough to find every crossing window: any window [s, s + length] holds no more than the one
    starting at its first arrival, and the threshold only rises with the counts. Two pointers
    over the time line: O(n) window moves."""
    line = sorted(arrivals, key=lambda a: (a.at, a.id))
    found: list[Window] = []
    customers: Counter[int] = Counter()
    vips: Counter[int] = Counter()
    j = 0
    for i, first in enumerate(line):
        while j < len(line) and line[j].at <= first.at + length:
            customers[line[j].customer_id] += 1
            if line[j].vip:
                vips[line[j].customer_id] += 1
            j += 1
        why = crossed(policy.BatchCount(customers=len(customers), vip_customers=len(vips)))
        if why is not None:
            found.append(
                Window(
                    start=first.at,
                    end=first.at + length,
                    ids=tuple(sorted(a.id for a in line[i:j])),
                    customers=len(customers),
                    vip_customers=len(vips),
                    why=why,
                )
            )
        for counter, counts in ((customers, True), (vips, first.vip)):
            if counts:
                counter[first.customer_id] -= 1
                if not counter[first.customer_id]:
                    del counter[first.customer_id]
    return found


def batch_members(windows: Iterable[Window]) -> dict[int, Window]:
    """Each complaint in some crossing window, with the widest such window (most customers,
    then the earliest): the evidence its mark shows."""
    best: dict[int, Window] = {}
    for window in windows:
        for cid in window.ids:
            held = best.get(cid)
            if held is None or (window.customers, -window.start.timestamp()) > (
                held.customers,
                -held.start.timestamp(),
            ):
                best[cid] = window
    return best


async def recheck_batch(
    matter_key: str,
    *moments: datetime,
    withdraw: bool | Collection[int] = True,
    read: tuple[int, Sequence[Arrival]] | None = None,
) -> list[int]:
    """Add the batch marks of `matter_key` now due around `moments` (where a complaint entered
    or left the matter) and withdraw those no longer due (`withdraw`: all of them, none, or
    only these complaints'); the ids whose marks changed. A complaint arriving takes no
    customer out of a window, and a mark made under an earlier threshold stands: intake only
    adds; a key correction withdraws on the matter left, and the moved complaint's own mark."""
    customers_over = await thresholds.current(rules.BATCH_CUSTOMERS)
    vip_at_least = await thresholds.current(rules.BATCH_VIP_CUSTOMERS)
    lo, hi = min(moments), max(moments)
    if read is not None:  # the caller read the matter's arrivals (`after_intake`)
        minutes, arrivals = read[0], list(read[1])
        length = timedelta(minutes=minutes)
    else:
        minutes = await thresholds.current(rules.BATCH_WINDOW_MINUTES)
        length = timedelta(minutes=minutes)
        rows = await Complaint.filter(
            matter_key=matter_key,
            created_at__gte=lo - 2 * length,
            created_at__lte=hi + 2 * length,
        ).values("id", "created_at", "customer_id", "customer__tier")
        arrivals = [
            Arrival(
                id=r["id"],
                at=r["created_at"],
                customer_id=r["customer_id"],
                vip=r["customer__tier"] in policy.VIP_TIERS,
            )
            for r in rows
        ]
    windows = crossing_windows(
        arrivals,
        length=length,
        crossed=lambda count: policy.batch_crossed(
            count, customers_over=customers_over, vip_at_least=vip_at_least
        ),
    )
    members = batch_members(windows)
    on_matter = {a.id for a in arrivals}
    # only these can change: a window holding one of the others holds none of the moments
    scope = [a.id for a in arrivals if lo - length <= a.at <= hi + length]
    due = {cid: members[cid] for cid in scope if cid in members}
    if not due and not withdraw:
        return []  # nothing to add, nothing that may be withdrawn: the marks need not be read
    marks = {
        m.complaint_id: m
        for m in await ComplaintUrgency.filter(complaint_id__in=scope, reason=UrgencyReason.BATCH)
    }
    added = [cid for cid in due if cid not in marks]
    for window in sorted({due[cid] for cid in added}, key=lambda w: (w.start, w.ids)):
        ids = [cid for cid in added if due[cid] == window]
        await _add(
            ids,
            UrgencyReason.BATCH,
            _batch_note(window, minutes),
            _evidence(matter_key, window, minutes),
        )
    withdrawn = [
        cid
        for cid in marks
        if cid not in due and (withdraw is True or (withdraw is not False and cid in withdraw))
    ]
    await _withdraw(
        withdrawn,
        UrgencyReason.BATCH,
        f"batch withdrawn: no {minutes}-minute window holding this complaint crosses the "
        "threshold any more (a complaint left the matter, C-4)",
    )
    # kept marks whose evidence names a complaint no longer on the matter show the window now
    for cid, mark in marks.items():
        named: list[int] = list(mark.evidence.get("complaint_ids", []))  # type: ignore[call-overload]
        if cid in due and not set(named) <= on_matter:
            mark.evidence = _evidence(matter_key, due[cid], minutes)
            mark.note = _batch_note(due[cid], minutes)
            await mark.save(update_fields=["evidence", "note"])
    return sorted([*added, *withdrawn])


def _batch_note(window: Window, minutes: int) -> str:
    return f"batch: {window.why} within {minutes} minutes"


def _evidence(matter_key: str, window: Window, minutes: int) -> dict[str, Any]:
    return {
        "matter_key": matter_key,
        "window_start": window.start.isoformat(),
        "window_end": window.end.isoformat(),
        "window_minutes": minutes,
        "customers": window.customers,
        "vip_customers": window.vip_customers,
        "complaint_ids": list(window.ids),
    }


# --- C-3 repeat ------------------------------------------------------------------------------


def _repeat_of(earlier_id: int, archived_at: datetime, months: int) -> tuple[str, dict[str, Any]]:
    note = f"repeat of complaint {earlier_id}, archived {archived_at.date().isoformat()}"
    evidence = {
        "earlier_complaint_id": earlier_id,
        "earlier_archived_at": archived_at.isoformat(),
        "window_months": months,
    }
    return note, evidence


async def recheck_repeats(customer_id: int, matter_key: str) -> list[int]:
    """Repeat marks of one customer's complaints on one matter, made right again after a
    complaint entered or left it (C-4); the ids whose marks changed."""
    months = await thresholds.current(rules.REPEAT_WINDOW_MONTHS)
    rows = await Complaint.filter(customer_id=customer_id, matter_key=matter_key).values(
        "id", "created_at", "archived_at"
    )
    due: dict[int, tuple[int, datetime]] = {}
    for row in rows:
        since = months_before(row["created_at"], months)
        earlier = [
            (e["archived_at"], e["id"])
            for e in rows
            if e["id"] != row["id"]
            and e["archived_at"] is not None
            and since <= e["archived_at"] <= row["created_at"]
        ]
        if earlier:
            archived_at, earlier_id = max(earlier)
            due[row["id"]] = (earlier_id, archived_at)
    marks = {
        m.complaint_id: m
        for m in await ComplaintUrgency.filter(
            complaint_id__in=[r["id"] for r in rows], reason=UrgencyReason.REPEAT
        )
    }
    added = [cid for cid in due if cid not in marks]
    for cid in added:
        await _add([cid], UrgencyReason.REPEAT, *_repeat_of(*due[cid], months))
    withdrawn = [cid for cid in marks if cid not in due]
    await _withdraw(
        withdrawn,
        UrgencyReason.REPEAT,
        "repeat withdrawn: no complaint of this customer on this matter was archived within "
        f"{months} months before it (matter key corrected, C-4)",
    )
    for cid, mark in marks.items():
        if cid in due and mark.evidence.get("earlier_complaint_id") != due[cid][0]:
            mark.note, mark.evidence = _repeat_of(*due[cid], months)
            await mark.save(update_fields=["evidence", "note"])
    return sorted([*added, *withdrawn])


# --- marks and their history -----------------------------------------------------------------


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


async def _withdraw(complaint_ids: list[int], reason: UrgencyReason, why: str) -> None:
    if not complaint_ids:
        return
    await ComplaintEvent.bulk_create(
        [
            ComplaintEvent(
                complaint_id=cid,
                action="urgency_removed",
                field="urgency",
                from_value=reason.value,
                reason=why,
            )
            for cid in complaint_ids
        ]
    )
    await ComplaintUrgency.filter(complaint_id__in=complaint_ids, reason=reason).delete()


async def refresh_classification(
    complaint_ids: Iterable[int], *, actor: Staff | None, reason: str = "C-5"
) -> None:
    """Recompute severity and warning colour (C-5); yellow or red goes to the department head."""
    ids = sorted(set(complaint_ids))
    if not ids:
        return
    complaints = await Complaint.filter(id__in=ids).select_for_update().order_by("id")
    reasons: dict[int, set[str]] = {cid: set() for cid in ids}
    for cid, urgency in await ComplaintUrgency.filter(complaint_id__in=ids).values_list(
        "complaint_id", "reason"
    ):
        reasons[cid].add(urgency)
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


def _reclassify(
    complaint: Complaint, *, severity: Any, colour: WarningColour, actor: Staff | None, reason: str
) -> list[ComplaintEvent]:
    """Set severity and colour on the row (not saved); their history events."""
    events = []
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
    return events


def _rises_to_escalation(before: WarningColour, after: WarningColour) -> bool:
    """C-5: a rise to yellow or red goes to the department head."""
    return _rank(after) > _rank(before) and after in (WarningColour.YELLOW, WarningColour.RED)


async def _apply(
    complaint: Complaint, *, severity: Any, colour: WarningColour, actor: Staff | None, reason: str
) -> None:
    before = complaint.warning_colour
    events = _reclassify(complaint, severity=severity, colour=colour, actor=actor, reason=reason)
    if not events:
        return
    await complaint.save(update_fields=["severity", "warning_colour", "updated_at"])
    await ComplaintEvent.bulk_create(events)
    if _rises_to_escalation(before, colour):
        await escalate_to_department_head(complaint, colour=colour)


def _rank(colour: WarningColour) -> int:
    return policy.COLOURS.index(colour)
