"""Reading a customer's risk profile (K-1..K-3) in a refunds table of 1,000,000 rows.

The refunds table is filled in SQL with generate_series (100,000 rows with --quick): 1,000
refunds of one "heavy" customer spread over the last two years, 10 of a "baseline" customer
over the last three years, and the rest spread over a pool of 100,000 customers (about ten
each, over three years). A tenth of all refunds are not executed, a fifth company liable,
one in twenty border roaming. Every customer has a risk_profiles row; the heavy and baseline
customers' rows are computed by `risk_profiles.refresh`, as an execution would.

Measured, for the heavy and the baseline customer, taking turns in the same run:
`risk_profiles.current(customer)` — the SQL statements it sends, each under EXPLAIN (ANALYZE,
BUFFERS), and its median time; the ratio heavy / baseline. For contrast (not what the app
does): the full-history replay (every executed refund of the customer through
policy.special_customer), and `refresh`, the write path an execution runs.

Standalone: `python -m bench.bench_risk_profile [--quick]` (embedded servers, or
BENCH_DATABASE_URL / BENCH_REDIS_URL); the runner `python -m bench` calls `run()`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

from bench import common

HEAVY_REFUNDS = 1_000
BASELINE_REFUNDS = 10
POOL_CUSTOMERS = 100_000
YEAR_SECONDS = 365 * 24 * 3600

CUSTOMERS_SQL = """
INSERT INTO customers (msisdn, name, tier, province, city, joined_on, credit_standing,
                       status, sensitive, sensitive_reason, created_at)
SELECT '135' || lpad(g::text, 8, '0'), '客户' || g, 'ordinary', '广东', '广州',
       '2020-01-01', 'normal', 'active', false, '', now()
FROM generate_series(1, $1::int) AS g
"""

# $1 complaint, $2 staff, $3..$4 the series, $5 first customer id, $6 customers in the
# range, $7 the span of executed_at in seconds back from now
REFUNDS_SQL = """
INSERT INTO refunds (
    complaint_id, customer_id, requested_by_id, track, business_type, liability,
    charge_category, matter, cause, border_roaming, sp_code, service_code, quick,
    charged_fen, should_have_charged_fen, overcharge_fen, refund_fen, multiple, method,
    cash_exception_reason, flow, flow_clause, band, special_customer, vip,
    cause_unknown_on_spot, first_refund, reasons, status, approval_round,
    verification_cause, verification_measures, confirmation_note, closed_reason,
    created_at, updated_at, executed_at, executed_by_id
)
SELECT
    $1::int, $5::int + ((g::bigint * 48271) % $6::int)::int, $2::int, 'branch', 'self_operated',
    CASE WHEN g % 5 = 0 THEN 'company_liable' ELSE 'not_liable' END,
    'goodwill', '话费争议', '', g % 20 = 0, '', '', false,
    a.fen, 0, a.fen, a.fen, 'single', 'account_credit',
    '', 'refund_first', 'R-7(c)', 1, false, false, false, false, '[]',
    CASE WHEN g % 10 = 0 THEN 'awaiting_approval' ELSE 'executed' END, 1,
    '', '', '', '', t.at, t.at,
    CASE WHEN g % 10 = 0 THEN NULL ELSE t.at END,
    CASE WHEN g % 10 = 0 THEN NULL ELSE $2::int END
FROM generate_series($3::int, $4::int) AS g
CROSS JOIN LATERAL (
    SELECT now() - ((g::bigint * 2654435761) % $7::bigint) * interval '1 second' AS at
) AS t
CROSS JOIN LATERAL (SELECT 100 + ((g::bigint * 7919) % 19900)::int AS fen) AS a
"""

PROFILES_SQL = """
INSERT INTO risk_profiles (customer_id, special, since, leaves_on, left_on, triggered_by,
                           trigger_figures, reasons, computed_on, last_refund_id, updated_at)
SELECT id, false, NULL, NULL, NULL, '[]', '{}', '[]', current_date, NULL, now()
FROM customers ON CONFLICT (customer_id) DO NOTHING
"""


def _conn() -> Any:
    from tortoise import Tortoise

    return Tortoise.get_connection("default")


async def _one(sql: str, *values: Any) -> Any:
    rows = await _conn().execute_query_dict(sql, list(values))
    return next(iter(rows[0].values())) if rows else None


async def fill(total: int) -> dict[str, Any]:
    """Customers, one complaint each for the two measured customers, and `total` refunds."""
    from services.complaints import service as complaints

    handler = await common.make_staff()
    heavy = await common.make_customer(credit_standing="good")
    baseline = await common.make_customer(credit_standing="good")
    complaint = await complaints.create_complaint(actor=handler, intake=common.intake(heavy.msisdn))
    await _conn().execute_query(CUSTOMERS_SQL, [POOL_CUSTOMERS])
    first_pool = await _one("SELECT min(id) FROM customers WHERE msisdn LIKE '135%'")
    common.note(f"risk_profile: filling refunds to {total:,} rows")
    pool_rows = total - HEAVY_REFUNDS - BASELINE_REFUNDS
    batches = [
        # (first g, last g, first customer, customers, span)
        (1, HEAVY_REFUNDS, heavy.id, 1, 2 * YEAR_SECONDS),
        (HEAVY_REFUNDS + 1, HEAVY_REFUNDS + BASELINE_REFUNDS, baseline.id, 1, 3 * YEAR_SECONDS),
        (
            HEAVY_REFUNDS + BASELINE_REFUNDS + 1,
            total,
            first_pool,
            POOL_CUSTOMERS,
            3 * YEAR_SECONDS,
        ),
    ]
    for first_g, last_g, first_customer, customers, span in batches:
        await _conn().execute_query(
            REFUNDS_SQL,
            [complaint.id, handler.id, first_g, last_g, first_customer, customers, span],
        )
    await _conn().execute_query(PROFILES_SQL)
    await _conn().execute_script("VACUUM (ANALYZE) refunds")
    await _conn().execute_script("VACUUM (ANALYZE) risk_profiles")
    return {"heavy": heavy, "baseline": baseline, "pool_rows": pool_rows}


async def refresh(customer: Any) -> Any:
    from tortoise.transactions import in_transaction

    from services.refunds import risk_profiles

    async with in_transaction():
        return await risk_profiles.refresh(customer, at=datetime.now(UTC))


def _walk(node: dict[str, Any], depth: int = 0) -> list[tuple[int, dict[str, Any]]]:
    out = [(depth, node)]
    for child in node.get("Plans", []):
        out += _walk(child, depth + 1)
    return out


async def explain(sql: str, values: list[Any]) -> dict[str, Any]:
    rows = await _conn().execute_query_dict(
        "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, values
    )
    doc = rows[0]["QUERY PLAN"]
    plan = (json.loads(doc) if isinstance(doc, str) else doc)[0]
    nodes = _walk(plan["Plan"])
    buffers = plan["Plan"].get("Shared Hit Blocks", 0) + plan["Plan"].get("Shared Read Blocks", 0)
    return {
        "nodes": [
            "  " * depth
            + node["Node Type"]
            + (f" using {node['Index Name']}" if "Index Name" in node else "")
            + (f" on {node['Relation Name']}" if "Relation Name" in node else "")
            + f" (rows {node.get('Actual Rows', 0):g})"
            for depth, node in nodes
        ],
        "seq_scans": [n["Relation Name"] for _, n in nodes if n["Node Type"] == "Seq Scan"],
        "rows": plan["Plan"].get("Actual Rows", 0),
        "buffers": buffers,
        "execution_ms": plan.get("Execution Time"),
    }


async def read_cost(customer: Any) -> dict[str, Any]:
    """The statements one profile read sends, each explained."""
    from services.refunds import risk_profiles

    await risk_profiles.current(customer)  # thresholds cache warm, as in a running app
    with common.count_queries() as counter:
        profile = await risk_profiles.current(customer)
    plans = [await explain(sql, values) for sql, values in counter.statements]
    return {
        "statements": len(counter.statements),
        "plans": plans,
        "special": profile.special,
        "since": profile.since.isoformat() if profile.since else None,
    }


async def full_history(customer: Any) -> Any:
    """The alternative the app does not take: replay every executed refund of the customer."""
    from services.refunds import clock, policy
    from services.refunds.models import Refund

    rows = await Refund.filter(customer_id=customer.id, executed_at__isnull=False).values_list(
        "executed_at", "refund_fen", "liability", "border_roaming"
    )
    facts = [
        policy.RefundFact(clock.local_date(at), fen, policy.Liability(liability), roaming)
        for at, fen, liability, roaming in rows
    ]
    return policy.special_customer(refunds=facts, today=clock.local_date(clock.now()))


async def run() -> dict[str, Any]:
    from services.refunds import risk_profiles

    total = common.scale(1_000_000, 100_000)
    rounds = common.scale(20, 6)
    per_round = common.scale(25, 10)
    made = await fill(total)
    heavy, baseline = made["heavy"], made["baseline"]
    for customer in (heavy, baseline):
        await refresh(customer)
    rows_in_table = await _one("SELECT count(*) FROM refunds")
    own = {
        name: await _one("SELECT count(*) FROM refunds WHERE customer_id = $1", c.id)
        for name, c in (("heavy", heavy), ("baseline", baseline))
    }
    costs = {"heavy": await read_cost(heavy), "baseline": await read_cost(baseline)}
    common.note(f"risk_profile: {rounds} rounds x {per_round} reads per case")
    timed = await common.interleaved_throughput(
        {
            "read heavy": lambda: risk_profiles.current(heavy),
            "read baseline": lambda: risk_profiles.current(baseline),
            "full-history replay heavy (not used)": lambda: full_history(heavy),
            "full-history replay baseline (not used)": lambda: full_history(baseline),
            "refresh heavy (execution path)": lambda: refresh(heavy),
            "refresh baseline (execution path)": lambda: refresh(baseline),
        },
        rounds=rounds,
        per_round=per_round,
        warmup=5,
    )
    medians = {name: t.latency.median for name, t in timed.items()}
    rows = [
        {
            "case": name,
            "n": len(t.latencies),
            "ms median": t.latency.median * 1000,
            "ms p90": t.latency.p90 * 1000,
        }
        for name, t in timed.items()
    ]
    plans = {
        f"{who} statement {i + 1}": [
            *plan["nodes"],
            f"rows {plan['rows']}, buffers {plan['buffers']}, execution {plan['execution_ms']} ms",
        ]
        for who, cost in costs.items()
        for i, plan in enumerate(cost["plans"])
    }
    indexes = {
        r["indexname"]: r["indexdef"].split(" USING ", 1)[-1]
        for r in await _conn().execute_query_dict(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename IN ('refunds', 'risk_profiles')"
        )
    }
    used = sorted({i for plan in plans.values() for line in plan for i in indexes if i in line})
    return {
        "rows": rows,
        "refunds_in_table": rows_in_table,
        "refunds_of_customer": own,
        "sql_statements_per_read": {who: cost["statements"] for who, cost in costs.items()},
        "seq_scans_in_read": sorted(
            {s for c in costs.values() for p in c["plans"] for s in p["seq_scans"]}
        ),
        "special": {who: cost["special"] for who, cost in costs.items()},
        "read_heavy_vs_baseline": round(
            common.ratio(medians["read heavy"], medians["read baseline"]), 2
        ),
        "full_history_heavy_vs_read_heavy": round(
            common.ratio(medians["full-history replay heavy (not used)"], medians["read heavy"]),
            2,
        ),
        "indexes_in_plans": {name: indexes[name] for name in used},
        "plans": plans,
        "notes": [
            "read = services.refunds.risk_profiles.current: the stored profile row (unique "
            "index on customer_id) + the customer's refunds since the first day of the month "
            "two months back (index on refunds(customer_id, executed_at)) for today's figures",
            "refresh = what an execution runs in its transaction: lock the row, replay the "
            "policy from two months before `since` (or before today), store",
            "full-history replay: every executed refund of the customer, what a read would "
            "cost without the stored profile; not used by the app",
            "both customers are read in the same run, cases taking turns",
        ],
    }


async def _standalone() -> dict[str, Any]:
    servers = common.Servers()
    servers.start()
    try:
        await common.prepare(servers)
        try:
            await common.reset()
            return await run()
        finally:
            await common.finish()
    finally:
        servers.stop()


def main(argv: list[str]) -> int:
    common.options.quick = "--quick" in argv
    result = asyncio.run(_standalone())
    print(common.render("risk_profile", result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
