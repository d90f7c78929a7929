"""What each KPI of the monthly analysis counts (C-11), in one place: the README, the console's
tooltips and the GraphQL descriptions say the same."""

from __future__ import annotations

KPI: dict[str, str] = {
    "complaints": "Complaints received in the month (created_at in the month, operator's "
    "time zone); compared with the month before and the same month a year earlier.",
    "by_category": "Complaints received in the month per category (type), with the same two "
    "comparisons.",
    "by_channel": "Complaints received in the month per channel, with the same two comparisons.",
    "root_causes": "Root causes recorded in the month (on resolving a complaint), by cause of "
    "the taxonomy, most frequent first (top 10).",
    "resolution": "Of the complaints received in the month, those that now have a result "
    "(RESOLVED, REVISITED or ARCHIVED).",
    "satisfaction": "Of the revisits recorded in the month, the satisfied ones.",
    "on_time": "Per deadline kind, of the limits due in the month that are decided (met, met "
    "late, breached, or still pending after their due time), those met in time. The revisit "
    "window's opening is no limit and is never counted; waived limits are not counted.",
    "repeat": "Of the complaints received in the month, those marked REPEAT (C-3).",
    "batch": "Of the complaints received in the month, those marked BATCH (C-3).",
    "refunds": "Refunds requested in the month: paid (executed), refused (rejected or "
    "declined), cancelled, still open; by R-12 band and by the clause that decided their flow "
    "(R-7 … R-9). Yuan paid counts executed refunds only.",
    "departments": "Per department: complaints received in the month; deadlines due in the "
    "month met in time (as on_time); root causes fixed: of the root causes it owns recorded "
    "in the month, those whose rectification has closed (A-3).",
    "rectifications": "Rectifications open at some time in the month (opened by its end, not "
    "closed before it began): a problem shows until it is closed (A-3).",
}
