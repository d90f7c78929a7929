"""One month's analysis (C-11) as history grows: 10,000 complaints over 24 months (the
baseline) against 1,000,000 over 24 months (100,000 with --quick).

Both databases are filled in SQL with generate_series, every table the analysis reads in the
same proportions: complaints (8 categories, 8 channels, 4 provinces, 5 departments, 60% with
a result), three deadlines each (acknowledge, initial plan, the revisit window's opening; one
in twenty acknowledgements breached), a root cause for every complaint with a result, a
`created` history event for each and a revisit event for half, REPEAT on one in twenty and
BATCH on one in fifty, and a refund on one in ten (a tenth of them rejected, a tenth
cancelled). The month analysed is the last full calendar month.

Measured, the two databases taking turns in blocks: `kpis.analyse(month)` (every statement
aggregate SQL over indexed columns), the same for one department and for one province, and
the read the API and the console do, `kpis.monthly_analysis`, which answers from the rollup
the worker keeps (`analysis_rollups`: a month's figures per scope, refreshed every 10 minutes
for the current and the last month) when it is fresh. Also: the worker's refresh of one
month, and each statement of a live analysis at the large size under EXPLAIN (ANALYZE).

Standalone: `python -m bench.bench_analysis [--quick]`; the runner `python -m bench` calls
`run()`.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, date, datetime
from typing import Any

from bench import common

BASELINE_ROWS = 10_000
DEPARTMENTS = 5
POOL_CUSTOMERS = 20_000
SPAN_SECONDS = 730 * 24 * 3600  # 24 months
CATEGORIES = [
    "tariff_dispute",
    "billing_error",
    "network_fault",
    "value_added_service",
    "staff_attitude",
    "service_handling",
    "broadband",
    "other",
]
CHANNELS = [
    "hotline",
    "store",
    "customer_manager",
    "app_web",
    "social_media",
    "letter_fax",
    "visit",
    "above_level",
]
PROVINCES = ["广东", "北京", "上海", "浙江"]


def _array(values: list[str]) -> str:
    return "ARRAY['" + "','".join(values) + "']"


def _conn() -> Any:
    from tortoise import Tortoise

    return Tortoise.get_connection("default")


async def _one(sql: str, *values: Any) -> Any:
    rows = await _conn().execute_query_dict(sql, list(values))
    return next(iter(rows[0].values())) if rows else None


async def insert_select(
    table: str, model: Any, exprs: dict[str, str], source: str, time_expr: str, params: list[Any]
) -> None:
    """INSERT INTO table SELECT exprs FROM source; every other NOT NULL column without a
    database default (Tortoise keeps defaults in Python) gets its model default, or the
    type's zero, and a timestamp gets `time_expr`."""
    fields = {
        column: model._meta.fields_map[name]
        for name, column in model._meta.fields_db_projection.items()
    }
    missing = await _conn().execute_query_dict(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = $1 "
        "AND is_nullable = 'NO' AND column_default IS NULL ORDER BY ordinal_position",
        [table],
    )
    columns, values = list(exprs), list(exprs.values())
    for row in missing:
        column, data_type = row["column_name"], row["data_type"]
        if column in exprs:
            continue
        columns.append(column)
        if data_type.startswith(("timestamp", "date")):
            values.append(f"{time_expr}::{data_type}")
            continue
        default = getattr(fields.get(column), "default", None)
        default = default() if callable(default) else default
        if default is None:
            numeric = ("integer", "smallint", "bigint", "numeric", "real", "double")
            text = "0" if data_type.startswith(numeric) else ""
            text = {"boolean": "false", "json": "{}", "jsonb": "{}"}.get(data_type, text)
        elif isinstance(default, bool):
            text = "true" if default else "false"
        elif isinstance(default, dict | list):
            text = json.dumps(default)
        else:
            text = str(getattr(default, "value", default))
        params.append(text)
        values.append(f"${len(params)}::text::{data_type}")
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}"
    await _conn().execute_query(sql, params)


async def fill(rows: int) -> dict[str, Any]:
    """Staff, departments, customers, the taxonomy, and `rows` complaints with everything the
    analysis reads."""
    from services.analysis import taxonomy
    from services.analysis.models import ComplaintRootCause
    from services.complaints.models import (
        Complaint,
        ComplaintEvent,
        ComplaintUrgency,
        Deadline,
    )
    from services.refunds.models import Refund

    started = time.monotonic()
    departments = [await common.make_department() for _ in range(DEPARTMENTS)]
    handler = await common.make_staff(department=departments[0])
    await taxonomy.ensure_defaults()
    first_cause = await _one("SELECT min(id) FROM root_causes")
    await _conn().execute_query(
        "INSERT INTO customers (msisdn, name, tier, province, city, joined_on, credit_standing, "
        "status, sensitive, sensitive_reason, created_at) "
        "SELECT '134' || lpad(g::text, 8, '0'), '客户' || g, 'ordinary', '广东', '广州', "
        "'2020-01-01', 'normal', 'active', false, '', now() FROM generate_series(1, $1::int) g",
        [POOL_CUSTOMERS],
    )
    first_customer = await _one("SELECT min(id) FROM customers")
    status = (
        "CASE WHEN g % 10 < 4 THEN 'archived' WHEN g % 10 < 5 THEN 'revisited' "
        "WHEN g % 10 < 6 THEN 'resolved' WHEN g % 10 < 8 THEN 'investigating' ELSE 'received' END"
    )
    await insert_select(
        "complaints",
        Complaint,
        {
            "customer_id": "$1::int + ((g::bigint * 48271) % $2::int)::int",
            "contact_name": "'张先生'",
            "contact_phone": "'13800000000'",
            "channel": f"({_array(CHANNELS)})[1 + g % 8]",
            "category": f"({_array(CATEGORIES)})[1 + (g / 7) % 8]",
            "service_code": "'svc-' || (g % 5000)",
            "province": f"({_array(PROVINCES)})[1 + (g / 3) % 4]",
            "city": f"({_array(PROVINCES)})[1 + (g / 3) % 4]",
            "summary": "'本月话费多扣了 30 元'",
            "customer_request": "'退还多扣的费用'",
            "matter_key": "'k|svc-' || (g % 5000)",
            "status": status,
            "first_handler_id": "$3::int",
            "owner_id": "$3::int",
            "department_id": f"$4::int + g % {DEPARTMENTS}",
            "created_at": "t.at",
            "updated_at": "t.at",
        },
        "FROM generate_series(1, $5::int) AS g CROSS JOIN LATERAL (SELECT now() - "
        "((g::bigint * 2654435761) % $6::bigint) * interval '1 second' AS at) AS t",
        "t.at",
        [first_customer, POOL_CUSTOMERS, handler.id, departments[0].id, rows, SPAN_SECONDS],
    )
    await _conn().execute_script("VACUUM (ANALYZE) complaints")
    await insert_select(
        "complaint_deadlines",
        Deadline,
        {
            "complaint_id": "c.id",
            "kind": "k.kind",
            "key": "k.kind",
            "due_at": "c.created_at + k.days * interval '1 day'",
            "state": "CASE WHEN k.kind = 'acknowledge' AND c.id % 20 = 0 THEN 'breached' "
            "ELSE 'met' END",
            "met_at": "c.created_at + (k.days - 0.1) * interval '1 day'",
            "created_at": "c.created_at",
        },
        "FROM complaints c CROSS JOIN (VALUES ('acknowledge', 1), ('initial_plan', 3), "
        "('revisit_opens', 6)) AS k(kind, days)",
        "c.created_at",
        [],
    )
    await insert_select(
        "complaint_root_causes",
        ComplaintRootCause,
        {
            "complaint_id": "c.id",
            "cause_id": f"$1::int + c.id % {len(taxonomy.DEFAULTS)}",
            "department_id": "c.department_id",
            "matter_key": "c.matter_key",
            "recorded_by_id": "$2::int",
            "recorded_at": "c.created_at + interval '2 days'",
            "fixed_at": "CASE WHEN c.id % 3 = 0 THEN c.created_at + interval '20 days' END",
        },
        "FROM complaints c WHERE c.status IN ('resolved', 'revisited', 'archived')",
        "c.created_at",
        [first_cause, handler.id],
    )
    await insert_select(
        "complaint_events",
        ComplaintEvent,
        {
            "complaint_id": "c.id",
            "action": "e.action",
            "field": "'status'",
            "to_value": "CASE WHEN e.action = 'created' THEN 'received' "
            "WHEN c.id % 5 = 0 THEN 'investigating' ELSE 'revisited' END",
            "at": "c.created_at + e.days * interval '1 day'",
        },
        "FROM complaints c CROSS JOIN LATERAL (VALUES ('created', 0), "
        "(CASE WHEN c.id % 2 = 0 THEN 'record_revisit' END, 6)) AS e(action, days) "
        "WHERE e.action IS NOT NULL",
        "c.created_at",
        [],
    )
    await insert_select(
        "complaint_urgencies",
        ComplaintUrgency,
        {
            "complaint_id": "c.id",
            "reason": "CASE WHEN c.id % 20 = 0 THEN 'repeat' ELSE 'batch' END",
            "created_at": "c.created_at",
        },
        "FROM complaints c WHERE c.id % 20 = 0 OR c.id % 50 = 1",
        "c.created_at",
        [],
    )
    await insert_select(
        "refunds",
        Refund,
        {
            "complaint_id": "c.id",
            "customer_id": "c.customer_id",
            "requested_by_id": "$1::int",
            "track": "'branch'",
            "business_type": "'self_operated'",
            "liability": "'not_liable'",
            "charge_category": "'goodwill'",
            "matter": "'话费争议'",
            "charged_fen": "a.fen",
            "should_have_charged_fen": "0",
            "overcharge_fen": "a.fen",
            "refund_fen": "a.fen",
            "multiple": "'single'",
            "method": "'account_credit'",
            "flow": "'refund_first'",
            "flow_clause": "CASE WHEN c.id % 3 = 0 THEN 'R-7(c)' ELSE 'R-8' END",
            "band": "(c.id / 10) % 5",
            "reasons": "'[]'",
            "status": "CASE WHEN c.id % 100 = 10 THEN 'rejected' WHEN c.id % 100 = 20 "
            "THEN 'cancelled' ELSE 'executed' END",
            "created_at": "c.created_at + interval '1 day'",
            "updated_at": "c.created_at + interval '1 day'",
            "executed_at": "CASE WHEN c.id % 100 IN (10, 20) THEN NULL "
            "ELSE c.created_at + interval '3 days' END",
        },
        "FROM complaints c CROSS JOIN LATERAL (SELECT 100 + ((c.id::bigint * 7919) % 19900)::int "
        "AS fen) AS a WHERE c.id % 10 = 0",
        "c.created_at",
        [handler.id],
    )
    for table in (
        "complaint_deadlines",
        "complaint_root_causes",
        "complaint_events",
        "complaint_urgencies",
        "refunds",
    ):
        await _conn().execute_script(f"VACUUM (ANALYZE) {table}")
    return {"department_id": departments[1].id, "seconds": round(time.monotonic() - started, 1)}


def last_full_month() -> date:
    from services import clock
    from services.refunds import clock as local

    return local.month_start(local.local_date(clock.now()), 1)


def _walk(node: dict[str, Any], depth: int = 0) -> list[tuple[int, dict[str, Any]]]:
    out = [(depth, node)]
    for child in node.get("Plans", []):
        out += _walk(child, depth + 1)
    return out


async def explain(sql: str, values: list[Any]) -> dict[str, Any]:
    rows = await _conn().execute_query_dict("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, values)
    doc = rows[0]["QUERY PLAN"]
    plan = (json.loads(doc) if isinstance(doc, str) else doc)[0]
    return {
        "nodes": [
            "  " * depth
            + node["Node Type"]
            + (f" using {node['Index Name']}" if "Index Name" in node else "")
            + (f" on {node['Relation Name']}" if "Relation Name" in node else "")
            + f" (rows {node.get('Actual Rows', 0):g})"
            for depth, node in _walk(plan["Plan"])
        ],
        "execution_ms": plan.get("Execution Time"),
    }


class Size:
    def __init__(self, label: str, rows: int, url: str | None) -> None:
        self.label = label
        self.rows = rows
        self.url = url
        self.department_id = 0
        self.fill_seconds = 0.0
        self.refresh_seconds = 0.0
        self.times: dict[str, list[float]] = {case: [] for case in CASES}

    async def build(self) -> None:
        await common.use_database(self.url)
        common.note(f"analysis: filling {self.rows:,} complaints over 24 months")
        filled = await fill(self.rows)
        self.department_id = filled["department_id"]
        self.fill_seconds = filled["seconds"]
        from services.analysis import rollup

        started = time.monotonic()
        await rollup.refresh_month(last_full_month())
        self.refresh_seconds = round(time.monotonic() - started, 2)

    async def block(self, repeat: int) -> None:
        from services.analysis import kpis
        from services.staff.models import Role

        await common.use_database(self.url)
        month = last_full_month()
        reader = await common.make_staff(Role.AUDITOR)
        calls = {
            "live, whole month": lambda: kpis.analyse(month),
            "live, one department": lambda: kpis.analyse(month, department_id=self.department_id),
            "live, one province": lambda: kpis.analyse(month, region="北京"),
            "monthly_analysis (rollup)": lambda: kpis.monthly_analysis(actor=reader, month=month),
        }
        for case, call in calls.items():
            self.times[case] += (await common.sample(call, repeat=repeat, warmup=1)).samples


CASES = (
    "live, whole month",
    "live, one department",
    "live, one province",
    "monthly_analysis (rollup)",
)


async def plans() -> dict[str, Any]:
    from services.analysis import kpis

    with common.count_queries() as counter:
        await kpis.analyse(last_full_month())
    out = {}
    for n, (sql, values) in enumerate(counter.statements):
        if sql.lstrip().upper().startswith("SELECT") and "FROM" in sql:
            plan = await explain(sql, values)
            out[f"{n:02d} {sql[:70]}"] = [*plan["nodes"], f"execution {plan['execution_ms']} ms"]
    return out


async def run() -> dict[str, Any]:
    large_rows = common.scale(1_000_000, 100_000)
    blocks = common.scale(6, 3)
    repeat = common.scale(5, 3)
    large_url = await common.extra_database("analysis_large")
    small = Size("baseline", BASELINE_ROWS, None)
    large = Size("large", large_rows, large_url)
    sizes = [small, large]
    explained: dict[str, Any] = {}
    try:
        for size in sizes:
            await size.build()
        common.note(f"analysis: {blocks} blocks, {BASELINE_ROWS:,} and {large_rows:,} taking turns")
        for b in range(blocks):
            for size in sizes if b % 2 == 0 else reversed(sizes):
                await size.block(repeat)
        await common.use_database(large_url)
        explained = await plans()
    finally:
        await common.use_database()
        await common.drop_database(large_url)
    rows_out: list[dict[str, Any]] = []
    ratios: dict[str, float] = {}
    for case in CASES:
        base = common.Stats(small.times[case])
        for size in sizes:
            stats = common.Stats(size.times[case])
            rows_out.append(
                {
                    "case": f"{case} @ {size.rows:,}",
                    "n": len(stats.samples),
                    "ms median": stats.median * 1000,
                    "ms p90": stats.p90 * 1000,
                    "x baseline": common.ratio(stats.median, base.median),
                }
            )
        ratios[case] = round(float(rows_out[-1]["x baseline"]), 2)
    return {
        "rows": rows_out,
        "large_vs_baseline": ratios,
        "goal": "one month's analysis at 1,000,000 complaints within 2x of 10,000",
        "worker_refresh_seconds": {f"{s.rows:,}": s.refresh_seconds for s in sizes},
        "fill_seconds": {f"{s.rows:,}": s.fill_seconds for s in sizes},
        "month": f"{last_full_month():%Y-%m}",
        "plans_at_large": explained,
        "at": datetime.now(UTC).isoformat(),
    }


def main(argv: list[str]) -> int:
    from bench.__main__ import main as run_all

    return run_all(["--only", "analysis", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
