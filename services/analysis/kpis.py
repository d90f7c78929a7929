"""C-11: the month's analysis a service-quality office signs. Every number is one aggregate
query over indexed columns (complaints.created_at, complaint_deadlines.due_at,
complaint_events (action, at), complaint_root_causes.recorded_at, refunds.created_at), never
rows loaded into Python; a region (province or city) or a department narrows every table to
the complaints it concerns. Definitions: README "Monthly analysis: KPI definitions"."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.expressions import Q

from services import clock
from services.analysis.models import Rectification, RectificationStatus
from services.complaints.models import DeadlineKind
from services.errors import InvalidInput, NotFound
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.refunds import clock as local
from services.staff.models import Department, Staff

# the limits a deadline kind sets; REVISIT_OPENS is when the revisit window opens, not a limit
# anyone can miss, so it is never counted as met or missed
LIMIT_KINDS = tuple(k for k in DeadlineKind if k != DeadlineKind.REVISIT_OPENS)
RESOLVED_STATES = ("resolved", "revisited", "archived")
REFUSED_STATES = ("rejected", "declined")
TOP_CAUSES = 10


@dataclass(frozen=True)
class Rate:
    """`numerator` of `denominator`; `rate` is None when there is nothing to count."""

    numerator: int
    denominator: int

    @property
    def rate(self) -> float | None:
        return round(self.numerator / self.denominator, 4) if self.denominator else None


@dataclass(frozen=True)
class Share:
    """One line of a distribution, this month and the two it is compared with."""

    key: str
    count: int
    last_month: int
    last_year: int


@dataclass(frozen=True)
class CauseCount:
    code: str
    name: str
    group: str
    count: int


@dataclass(frozen=True)
class DeadlineKpi:
    kind: str
    on_time: int
    late: int

    @property
    def met(self) -> Rate:
        return Rate(self.on_time, self.on_time + self.late)


@dataclass(frozen=True)
class RefundBand:
    band: int
    requested: int
    paid: int
    paid_fen: int


@dataclass(frozen=True)
class RefundRule:
    clause: str
    requested: int
    paid: int
    paid_fen: int


@dataclass(frozen=True)
class RefundOutcomes:
    requested: int
    requested_fen: int
    paid: int
    paid_fen: int
    refused: int
    refused_fen: int
    cancelled: int
    open: int


@dataclass(frozen=True)
class DepartmentKpi:
    department_id: int | None
    code: str
    name: str
    complaints: int
    on_time: Rate
    causes_fixed: Rate


@dataclass(frozen=True)
class RectificationLine:
    id: int
    problem: str
    opened_by: str
    status: str
    owner: str
    department: str
    due_on: date
    opened_at: datetime
    closed_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class MonthlyAnalysis:
    month: date
    region: str
    department_id: int | None
    complaints: int
    complaints_last_month: int
    complaints_last_year: int
    by_category: list[Share]
    by_channel: list[Share]
    root_causes: list[CauseCount]
    root_causes_recorded: int
    resolution: Rate
    satisfaction: Rate
    on_time: list[DeadlineKpi]
    repeat: Rate
    batch: Rate
    refunds: RefundOutcomes
    refunds_by_band: list[RefundBand]
    refunds_by_rule: list[RefundRule]
    departments: list[DepartmentKpi]
    rectifications: list[RectificationLine] = field(default_factory=list)
    computed_at: datetime | None = None  # the worker's rollup; None: computed for this read

    @property
    def on_time_total(self) -> Rate:
        return Rate(
            sum(k.on_time for k in self.on_time), sum(k.on_time + k.late for k in self.on_time)
        )


def parse_month(value: str) -> date:
    """`YYYY-MM` → the month's first day, refused (field `month`) before the database."""
    text = (value or "").strip()
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(text)
        first = date(int(year), int(month), 1)
    except ValueError:
        raise InvalidInput("month is YYYY-MM, e.g. 2026-03.", field="month") from None
    if not 2000 <= first.year <= 2999:
        raise InvalidInput("month is between 2000-01 and 2999-12.", field="month")
    return first


class _Scope:
    """The month's bounds and the filter on complaints (alias `c`), as SQL parameters."""

    def __init__(self, month: date, region: str, department_id: int | None):
        self.params: list[Any] = []
        self.month = month
        self.region = region
        self.department_id = department_id
        self.filters = ""
        if region:
            n = self.add(region)
            self.filters += f" AND (c.province = ${n} OR c.city = ${n})"
        if department_id is not None:
            self.filters += f" AND c.department_id = ${self.add(department_id)}"

    def add(self, value: Any) -> int:
        self.params.append(value)
        return len(self.params)

    def bounds(self, months_back: int = 0) -> tuple[int, int]:
        first = local.month_start(self.month, months_back)
        start = self.add(local.local_midnight(first))
        end = self.add(local.local_midnight(local.next_month_start(first)))
        return start, end


def _join(s: _Scope, alias: str) -> str:
    """The join to the complaints a region or a department narrows to; none without them
    (every row counts, and reading a month's complaints again would cost a scan)."""
    return f" JOIN complaints c ON c.id = {alias}.complaint_id" if s.filters else ""


async def _rows(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await connections.get("default").execute_query_dict(sql, params)
    return rows


def _int(value: Any) -> int:
    return int(value or 0)


@guarded(UseCase.READ_ANALYSIS)
async def monthly_analysis(
    *, actor: Staff, month: date, region: str = "", department_id: int | None = None
) -> MonthlyAnalysis:
    """C-11 for one month, optionally one region (province or city) or one department: from the
    worker's rollup while it is fresh, else computed now."""
    from services.analysis import rollup

    region = region.strip()
    if department_id is not None and not await Department.exists(id=department_id):
        raise NotFound("No department has this id.", field="department")
    kept = await rollup.read(month, region=region, department_id=department_id)
    return kept or await analyse(month, region=region, department_id=department_id)


async def analyse(
    month: date, *, region: str = "", department_id: int | None = None
) -> MonthlyAnalysis:
    month = month.replace(day=1)
    if department_id is not None and not await Department.exists(id=department_id):
        raise NotFound("No department has this id.", field="department")
    now = clock.now()

    def scope() -> _Scope:
        return _Scope(month, region, department_id)

    # independent aggregates: on their own pooled connections at once, unless inside a
    # transaction (one connection: one statement at a time)
    parts: tuple[Awaitable[Any], ...] = (
        _distribution(month, region, department_id),
        _root_causes(scope()),
        _resolution(scope()),
        _satisfaction(scope()),
        _on_time(scope(), now),
        _urgency_shares(scope()),
        _refunds(scope()),
        _departments(scope(), now),
        _rectifications(month, now),
    )
    results: list[Any]
    if isinstance(connections.get("default"), TransactionalDBClient):
        results = [await part for part in parts]
    else:
        results = list(await asyncio.gather(*parts))
    (categories, channels, totals), (causes, recorded), resolution, satisfaction = results[:4]
    on_time, (repeat, batch), (refunds, by_band, by_rule), departments = results[4:8]
    rectifications = results[8]
    return MonthlyAnalysis(
        month=month,
        region=region,
        department_id=department_id,
        complaints=totals[0],
        complaints_last_month=totals[1],
        complaints_last_year=totals[2],
        by_category=categories,
        by_channel=channels,
        root_causes=causes,
        root_causes_recorded=recorded,
        resolution=resolution,
        satisfaction=satisfaction,
        on_time=on_time,
        repeat=repeat,
        batch=batch,
        refunds=refunds,
        refunds_by_band=by_band,
        refunds_by_rule=by_rule,
        departments=departments,
        rectifications=rectifications,
    )


async def _distribution(
    month: date, region: str, department_id: int | None
) -> tuple[list[Share], list[Share], tuple[int, int, int]]:
    """Complaints received by category and by channel: this month, last month, a year ago."""
    s = _Scope(month, region, department_id)
    now_start, now_end = s.bounds()
    last_start, last_end = s.bounds(1)
    year_start, year_end = s.bounds(12)
    periods = (
        f"CASE WHEN c.created_at >= ${now_start} AND c.created_at < ${now_end} THEN 0 "
        f"WHEN c.created_at >= ${last_start} AND c.created_at < ${last_end} THEN 1 ELSE 2 END"
    )
    where = (
        f"((c.created_at >= ${now_start} AND c.created_at < ${now_end}) OR "
        f"(c.created_at >= ${last_start} AND c.created_at < ${last_end}) OR "
        f"(c.created_at >= ${year_start} AND c.created_at < ${year_end})){s.filters}"
    )
    rows = await _rows(
        f"SELECT {periods} AS period, c.category, c.channel, count(*) AS n FROM complaints c "
        f"WHERE {where} GROUP BY 1, 2, 3",
        s.params,
    )
    totals = [0, 0, 0]
    category: dict[str, list[int]] = {}
    channel: dict[str, list[int]] = {}
    for row in rows:
        period, n = _int(row["period"]), _int(row["n"])
        totals[period] += n
        category.setdefault(str(row["category"]), [0, 0, 0])[period] += n
        channel.setdefault(str(row["channel"]), [0, 0, 0])[period] += n

    def shares(counts: dict[str, list[int]]) -> list[Share]:
        lines = [Share(k, v[0], v[1], v[2]) for k, v in counts.items()]
        return sorted(lines, key=lambda x: (-x.count, -x.last_month, x.key))

    return shares(category), shares(channel), (totals[0], totals[1], totals[2])


async def _root_causes(s: _Scope) -> tuple[list[CauseCount], int]:
    start, end = s.bounds()
    rows = await _rows(
        "SELECT rc.code, rc.name, rc.group, count(*) AS n FROM complaint_root_causes r "
        f"JOIN root_causes rc ON rc.id = r.cause_id{_join(s, 'r')} "
        f"WHERE r.recorded_at >= ${start} AND r.recorded_at < ${end}{s.filters} "
        "GROUP BY rc.code, rc.name, rc.group ORDER BY n DESC, rc.code",
        s.params,
    )
    causes = [
        CauseCount(str(r["code"]), str(r["name"]), str(r["group"]), _int(r["n"])) for r in rows
    ]
    return causes[:TOP_CAUSES], sum(c.count for c in causes)


async def _resolution(s: _Scope) -> Rate:
    start, end = s.bounds()
    states = s.add(list(RESOLVED_STATES))
    row = (
        await _rows(
            f"SELECT count(*) AS n, count(*) FILTER (WHERE c.status = ANY(${states})) AS done "
            "FROM complaints c "
            f"WHERE c.created_at >= ${start} AND c.created_at < ${end}{s.filters}",
            s.params,
        )
    )[0]
    return Rate(_int(row["done"]), _int(row["n"]))


async def _satisfaction(s: _Scope) -> Rate:
    """Revisits recorded in the month (the history's status step), satisfied or not."""
    start, end = s.bounds()
    row = (
        await _rows(
            "SELECT count(*) AS n, count(*) FILTER (WHERE e.to_value = 'revisited') AS satisfied "
            f"FROM complaint_events e{_join(s, 'e')} "
            "WHERE e.action IN ('record_revisit', 'record_unsatisfied_revisit') "
            f"AND e.field = 'status' AND e.at >= ${start} "
            f"AND e.at < ${end}{s.filters}",
            s.params,
        )
    )[0]
    return Rate(_int(row["satisfied"]), _int(row["n"]))


def _deadline_counts(s: _Scope, now: datetime) -> tuple[str, str]:
    """The on-time and late FILTER clauses of deadlines (alias d) that fell due by `now`."""
    at = s.add(now)
    on_time = "d.state = 'met'"
    late = f"(d.state IN ('met_late', 'breached') OR (d.state = 'pending' AND d.due_at < ${at}))"
    return on_time, late


async def _on_time(s: _Scope, now: datetime) -> list[DeadlineKpi]:
    start, end = s.bounds()
    kinds = s.add([k.value for k in LIMIT_KINDS])
    on_time, late = _deadline_counts(s, now)
    join = _join(s, "d")
    rows = await _rows(
        f"SELECT d.kind, count(*) FILTER (WHERE {on_time}) AS on_time, "
        f"count(*) FILTER (WHERE {late}) AS late FROM complaint_deadlines d{join} "
        f"WHERE d.due_at >= ${start} AND d.due_at < ${end} AND d.kind = ANY(${kinds}){s.filters} "
        "GROUP BY d.kind",
        s.params,
    )
    found = {str(r["kind"]): r for r in rows}
    return [
        DeadlineKpi(k.value, _int(found[k.value]["on_time"]), _int(found[k.value]["late"]))
        if k.value in found
        else DeadlineKpi(k.value, 0, 0)
        for k in LIMIT_KINDS
    ]


async def _urgency_shares(s: _Scope) -> tuple[Rate, Rate]:
    start, end = s.bounds()
    row = (
        await _rows(
            "SELECT count(*) AS n, "
            "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM complaint_urgencies u "
            "WHERE u.complaint_id = c.id AND u.reason = 'repeat')) AS repeat, "
            "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM complaint_urgencies u "
            "WHERE u.complaint_id = c.id AND u.reason = 'batch')) AS batch "
            "FROM complaints c "
            f"WHERE c.created_at >= ${start} AND c.created_at < ${end}{s.filters}",
            s.params,
        )
    )[0]
    n = _int(row["n"])
    return Rate(_int(row["repeat"]), n), Rate(_int(row["batch"]), n)


async def _refunds(s: _Scope) -> tuple[RefundOutcomes, list[RefundBand], list[RefundRule]]:
    """Refunds requested in the month: by band and by the clause that decided their flow;
    what was paid (executed), refused (rejected or declined), cancelled, still open."""
    start, end = s.bounds()
    refused = s.add(list(REFUSED_STATES))
    join = _join(s, "r")
    rows = await _rows(
        "SELECT r.band, r.flow_clause, count(*) AS n, coalesce(sum(r.refund_fen), 0) AS fen, "
        "count(*) FILTER (WHERE r.status = 'executed') AS paid, "
        "coalesce(sum(r.refund_fen) FILTER (WHERE r.status = 'executed'), 0) AS paid_fen, "
        f"count(*) FILTER (WHERE r.status = ANY(${refused})) AS refused, "
        f"coalesce(sum(r.refund_fen) FILTER (WHERE r.status = ANY(${refused})), 0) AS refused_fen, "
        "count(*) FILTER (WHERE r.status = 'cancelled') AS cancelled "
        f"FROM refunds r{join} WHERE r.created_at >= ${start} AND r.created_at < ${end}{s.filters} "
        "GROUP BY r.band, r.flow_clause",
        s.params,
    )
    bands: dict[int, list[int]] = {}
    clauses: dict[str, list[int]] = {}
    total = [0] * 7
    for r in rows:
        n, paid, paid_fen = _int(r["n"]), _int(r["paid"]), _int(r["paid_fen"])
        for target in (
            bands.setdefault(_int(r["band"]), [0, 0, 0]),
            clauses.setdefault(str(r["flow_clause"]), [0, 0, 0]),
        ):
            target[0] += n
            target[1] += paid
            target[2] += paid_fen
        for i, key in enumerate(
            ("n", "fen", "paid", "paid_fen", "refused", "refused_fen", "cancelled")
        ):
            total[i] += _int(r[key])
    outcomes = RefundOutcomes(
        requested=total[0],
        requested_fen=total[1],
        paid=total[2],
        paid_fen=total[3],
        refused=total[4],
        refused_fen=total[5],
        cancelled=total[6],
        open=total[0] - total[2] - total[4] - total[6],
    )
    return (
        outcomes,
        [RefundBand(b, *v) for b, v in sorted(bands.items())],
        [RefundRule(c, *v) for c, v in sorted(clauses.items())],
    )


async def _departments(s: _Scope, now: datetime) -> list[DepartmentKpi]:
    """Per department: complaints received, deadlines met on time, root causes fixed (of the
    causes it owns recorded in the month, those whose rectification has closed)."""
    month, region, department_id = s.month, s.region, s.department_id
    s = _Scope(month, region, department_id)
    start, end = s.bounds()
    received = await _rows(
        "SELECT c.department_id AS d, count(*) AS n FROM complaints c "
        f"WHERE c.created_at >= ${start} AND c.created_at < ${end}{s.filters} GROUP BY 1",
        s.params,
    )
    s = _Scope(month, region, department_id)
    start, end = s.bounds()
    kinds = s.add([k.value for k in LIMIT_KINDS])
    on_time, late = _deadline_counts(s, now)
    deadlines = await _rows(
        f"SELECT c.department_id AS d, count(*) FILTER (WHERE {on_time}) AS on_time, "
        f"count(*) FILTER (WHERE {late}) AS late FROM complaint_deadlines d "
        # by primary key (LIMIT keeps the planner from a hash join over every complaint)
        "CROSS JOIN LATERAL (SELECT department_id, province, city FROM complaints "
        "WHERE id = d.complaint_id LIMIT 1) AS c "
        f"WHERE d.due_at >= ${start} AND d.due_at < ${end} AND d.kind = ANY(${kinds}){s.filters} "
        "GROUP BY 1",
        s.params,
    )
    s = _Scope(month, region, department_id)
    start, end = s.bounds()
    fixed = await _rows(
        "SELECT r.department_id AS d, count(*) AS n, "
        "count(*) FILTER (WHERE r.fixed_at IS NOT NULL) AS fixed FROM complaint_root_causes r "
        f"{_join(s, 'r')} "
        f"WHERE r.recorded_at >= ${start} AND r.recorded_at < ${end}{s.filters} GROUP BY 1",
        s.params,
    )
    table: dict[int | None, list[int]] = {}
    for row in received:
        table.setdefault(row["d"], [0, 0, 0, 0, 0])[0] = _int(row["n"])
    for row in deadlines:
        line = table.setdefault(row["d"], [0, 0, 0, 0, 0])
        line[1], line[2] = _int(row["on_time"]), _int(row["on_time"]) + _int(row["late"])
    for row in fixed:
        line = table.setdefault(row["d"], [0, 0, 0, 0, 0])
        line[3], line[4] = _int(row["fixed"]), _int(row["n"])
    names = {
        d.id: (d.code, d.name)
        for d in await Department.filter(id__in=[k for k in table if k is not None])
    }
    lines = [
        DepartmentKpi(
            department_id=key,
            code=names.get(key, ("", ""))[0] if key is not None else "",
            name=names.get(key, ("", ""))[1] if key is not None else "",
            complaints=v[0],
            on_time=Rate(v[1], v[2]),
            causes_fixed=Rate(v[3], v[4]),
        )
        for key, v in table.items()
    ]
    return sorted(lines, key=lambda x: (-x.complaints, x.code))


async def _rectifications(month: date, now: datetime) -> list[RectificationLine]:
    """Every rectification open at some time in the month: opened by its end, not closed
    before it began (A-3: it shows until closed)."""
    start = local.local_midnight(month)
    end = local.local_midnight(local.next_month_start(month))
    today = local.local_date(now)
    rows = (
        await Rectification.filter(
            Q(closed_at__isnull=True) | Q(closed_at__gte=start), opened_at__lt=end
        )
        .select_related("cause", "owner", "department")
        .order_by("id")
    )
    lines = []
    for r in rows:
        if r.cause is not None:
            problem = f"{r.cause.name}（{r.cause.code}）· {r.matter_key}"
        else:
            problem = f"{r.finding_rule} {r.finding_code} · {r.matter_key}".strip()
        lines.append(
            RectificationLine(
                id=r.id,
                problem=problem,
                opened_by=r.opened_by.value,
                status=r.status.value,
                owner=r.owner.display_name if r.owner else "",
                department=r.department.name if r.department else "",
                due_on=r.due_on,
                opened_at=r.opened_at,
                closed_at=r.closed_at,
                overdue=r.status != RectificationStatus.CLOSED and r.due_on < today,
            )
        )
    return lines
