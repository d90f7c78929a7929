"""The rollup the worker keeps (C-11): each scope's analysis of the current and the last month,
stored every 10 minutes, so the API and the console answer a month in a few milliseconds
however long the history. A read uses a rollup at most FRESH old; anything else (an older
month, a scope not rolled up, a stale row) is computed live by the same aggregate SQL."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

from tortoise import connections

from services import clock
from services.analysis import kpis
from services.analysis.models import AnalysisRollup
from services.refunds import clock as local

FRESH = timedelta(minutes=15)
MONTHS = 2  # the current month and the one before


def scope_of(region: str, department_id: int | None) -> str | None:
    """The rollup scope of a read, or None when it is not rolled up (both filters at once)."""
    if region and department_id is not None:
        return None
    if department_id is not None:
        return f"department:{department_id}"
    return f"region:{region}" if region else ""


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def to_payload(a: kpis.MonthlyAnalysis) -> dict[str, Any]:
    return dict(_encode(dataclasses.asdict(a)))


def from_payload(p: dict[str, Any], computed_at: datetime) -> kpis.MonthlyAnalysis:
    def rate(d: dict[str, int]) -> kpis.Rate:
        return kpis.Rate(d["numerator"], d["denominator"])

    return kpis.MonthlyAnalysis(
        month=date.fromisoformat(p["month"]),
        region=p["region"],
        department_id=p["department_id"],
        complaints=p["complaints"],
        complaints_last_month=p["complaints_last_month"],
        complaints_last_year=p["complaints_last_year"],
        by_category=[kpis.Share(**s) for s in p["by_category"]],
        by_channel=[kpis.Share(**s) for s in p["by_channel"]],
        root_causes=[kpis.CauseCount(**c) for c in p["root_causes"]],
        root_causes_recorded=p["root_causes_recorded"],
        resolution=rate(p["resolution"]),
        satisfaction=rate(p["satisfaction"]),
        on_time=[kpis.DeadlineKpi(**k) for k in p["on_time"]],
        repeat=rate(p["repeat"]),
        batch=rate(p["batch"]),
        refunds=kpis.RefundOutcomes(**p["refunds"]),
        refunds_by_band=[kpis.RefundBand(**b) for b in p["refunds_by_band"]],
        refunds_by_rule=[kpis.RefundRule(**r) for r in p["refunds_by_rule"]],
        departments=[
            kpis.DepartmentKpi(
                department_id=d["department_id"],
                code=d["code"],
                name=d["name"],
                complaints=d["complaints"],
                on_time=rate(d["on_time"]),
                causes_fixed=rate(d["causes_fixed"]),
            )
            for d in p["departments"]
        ],
        rectifications=[
            kpis.RectificationLine(
                **{
                    **r,
                    "due_on": date.fromisoformat(r["due_on"]),
                    "opened_at": datetime.fromisoformat(r["opened_at"]),
                    "closed_at": datetime.fromisoformat(r["closed_at"]) if r["closed_at"] else None,
                }
            )
            for r in p["rectifications"]
        ],
        computed_at=computed_at,
    )


async def read(
    month: date, *, region: str = "", department_id: int | None = None
) -> kpis.MonthlyAnalysis | None:
    """The rolled-up analysis when there is one at most FRESH old; else None."""
    scope = scope_of(region, department_id)
    if scope is None:
        return None
    row = await AnalysisRollup.get_or_none(month=month.replace(day=1), scope=scope)
    if row is None or row.computed_at < clock.now() - FRESH:
        return None
    return from_payload(row.payload, row.computed_at)


async def refresh_month(month: date) -> int:
    """Compute and store every scope of one month: the whole, each department and each
    province with complaints that month. Returns how many scopes were stored."""
    month = month.replace(day=1)
    start = local.local_midnight(month)
    end = local.local_midnight(local.next_month_start(month))
    rows = await connections.get("default").execute_query_dict(
        "SELECT DISTINCT department_id, province FROM complaints "
        "WHERE created_at >= $1 AND created_at < $2",
        [start, end],
    )
    departments = sorted({r["department_id"] for r in rows if r["department_id"] is not None})
    provinces = sorted({str(r["province"]) for r in rows if r["province"]})
    scopes: list[tuple[str, str, int | None]] = [("", "", None)]
    scopes += [(f"department:{d}", "", d) for d in departments]
    scopes += [(f"region:{p}", p, None) for p in provinces]
    for scope, region, department_id in scopes:
        at = clock.now()
        result = await kpis.analyse(month, region=region, department_id=department_id)
        await AnalysisRollup.update_or_create(
            month=month, scope=scope, defaults={"payload": to_payload(result), "computed_at": at}
        )
    return len(scopes)


async def refresh(now: datetime | None = None) -> int:
    """The worker: the current and the last month, every scope."""
    today = local.local_date(now or clock.now())
    stored = 0
    for back in range(MONTHS):
        stored += await refresh_month(local.month_start(today, back))
    return stored
