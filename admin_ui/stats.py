"""The numbers behind the overview charts: one aggregate query each, months on the operator's
wall clock. Read-only; counted in the database, never by loading rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from tortoise import connections

from services.config import settings
from services.refunds import clock

Counts = dict[str, dict[str, int]]  # month "2026-11" -> key -> count


def months_back(today: date, months: int) -> list[date]:
    """The first days of the last `months` calendar months, oldest first, this one last."""
    return [clock.month_start(today, back) for back in range(months - 1, -1, -1)]


async def _rows(sql: str, params: list[object]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = await connections.get("default").execute_query_dict(sql, params)
    return rows


def _grouped(rows: list[dict[str, object]], key: str) -> Counts:
    counts: Counts = defaultdict(dict)
    for row in rows:
        counts[str(row["month"])][str(row[key])] = int(str(row["n"]))
    return counts


async def complaints_by(column: str, since: datetime) -> Counts:
    """Complaints received per month by category or by warning colour (C-5, C-11)."""
    if column not in ("category", "warning_colour"):
        raise ValueError(column)
    rows = await _rows(
        f"SELECT to_char(created_at AT TIME ZONE $1, 'YYYY-MM') AS month, {column} AS key, "
        "count(*) AS n FROM complaints WHERE created_at >= $2 GROUP BY 1, 2",
        [settings.timezone, since],
    )
    return _grouped(rows, "key")


async def deadline_compliance(since: datetime, now: datetime) -> Counts:
    """Complaint time limits (C-7) that fell due per month: met in time, or not (met late,
    breached, or still pending past due). The revisit window's opening is when a revisit may
    start, not a limit anyone can miss, and a waived limit was set aside: neither is counted."""
    rows = await _rows(
        "SELECT to_char(due_at AT TIME ZONE $1, 'YYYY-MM') AS month, "
        "count(*) FILTER (WHERE state = 'met') AS on_time, "
        "count(*) FILTER (WHERE state IN ('met_late', 'breached') "
        "OR (state = 'pending' AND due_at < $3)) AS late "
        "FROM complaint_deadlines WHERE due_at >= $2 AND due_at < $3 "
        "AND kind <> 'revisit_opens' GROUP BY 1",
        [settings.timezone, since, now],
    )
    return {
        str(row["month"]): {"on_time": int(str(row["on_time"])), "late": int(str(row["late"]))}
        for row in rows
    }


async def refund_execution_compliance(since: datetime) -> Counts:
    """Executed refunds per month (R-13): executed by their execution deadline, or after it."""
    rows = await _rows(
        "SELECT to_char(executed_at AT TIME ZONE $1, 'YYYY-MM') AS month, "
        "count(*) FILTER (WHERE execute_due_at IS NULL OR executed_at <= execute_due_at) "
        "AS on_time, count(*) FILTER (WHERE executed_at > execute_due_at) AS late "
        "FROM refunds WHERE executed_at >= $2 GROUP BY 1",
        [settings.timezone, since],
    )
    return {
        str(row["month"]): {"on_time": int(str(row["on_time"])), "late": int(str(row["late"]))}
        for row in rows
    }


async def refunds_by_band(since: datetime) -> dict[int, tuple[int, int]]:
    """Refunds paid (executed) since `since` per R-12 band: (how many, how much in fen).
    Rejected, declined, cancelled and still open requests paid nothing and are not counted."""
    rows = await _rows(
        "SELECT band, count(*) AS n, coalesce(sum(refund_fen), 0) AS fen FROM refunds "
        "WHERE status = 'executed' AND executed_at >= $1 GROUP BY band",
        [since],
    )
    return {int(str(row["band"])): (int(str(row["n"])), int(str(row["fen"]))) for row in rows}
