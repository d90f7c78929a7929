"""Intake cost against the size of the complaints table.

`create_complaint` (the real use case: the complaint row, history, urgency rows, deadlines and
routing, then under the matter's advisory lock batch, repeat and supervision checks and
classification, then the arq jobs) is timed against two databases that differ only in the
complaints table: 10,000 rows (the baseline) and 1,000,000 (100,000 with --quick). The two
take turns in short blocks (Tortoise is re-pointed between blocks, a few untimed intakes warm
each block), so a noisy neighbour slows both alike and the ratio holds within one run.

Rows are made in SQL with generate_series: 5,000 distinct matter keys, created over the last
90 days, a third archived, spread over a pool of customers (a quarter as many as the large
table has rows, in both databases). Each timed intake is for a customer with no earlier
complaint, on a matter key the table already holds, so the per-customer work is the same at
both sizes and only the table differs. In each database the SELECTs that one intake sends to
`complaints` are captured and run again under EXPLAIN (ANALYZE), as are two reference look-ups
(batch by matter key and time, repeat by customer, matter key and archive time).
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from typing import Any

from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from bench import common

BASELINE_ROWS = 10_000
MATTER_KEYS = 5_000
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
SECONDS_90_DAYS = 90 * 24 * 3600
WARMUP = 5
POOL_PREFIX = "139"  # customers the generated complaints belong to
FRESH_PREFIX = "136"  # customers of the timed intakes: no complaint before theirs

# Hand-written forms of the batch and repeat look-ups, with $n bound as the app binds them.
REFERENCE_LOOKUPS = {
    "reference batch: customers on a matter key, last 60 min": (
        "SELECT count(DISTINCT customer_id) FROM complaints "
        "WHERE matter_key = $1 AND created_at >= now() - interval '60 minutes'",
        ("matter_key",),
    ),
    "reference repeat: customer + matter key, archived < 3 months": (
        "SELECT id FROM complaints "
        "WHERE customer_id = $1 AND matter_key = $2 AND archived_at >= now() - interval '3 months'",
        ("customer_id", "matter_key"),
    ),
}

# The columns the generated rows vary or that must name real rows; every other NOT NULL
# column without a database default gets its model default (see `Table.extra_columns`).
FILL_SQL = """
INSERT INTO complaints (
    customer_id, contact_name, contact_phone, contact_preference, channel, category,
    service_code, sp_code, province, city, location, staff_involved, summary, details,
    customer_request, matter_key, status, severity, warning_colour, first_handler_id, owner_id,
    department_id, plan, result_cause, result_solution, result_prevention, revisit_note,
    reopen_count, created_at, updated_at, archived_at{extra_columns}
)
SELECT
    $3::int + ((g::bigint * 48271) % $4::int)::int,
    '张先生', '13800000000', 'sms', 'hotline', c.category,
    'svc-' || (g % {keys}), '', '广东', '广州', '', '', '本月话费多扣了 30 元', '',
    '退还多扣的费用',
    c.category || '|svc-' || (g % {keys}) || '|广东/广州|-',
    CASE g % 3 WHEN 0 THEN 'archived' WHEN 1 THEN 'investigating' ELSE 'received' END,
    'minor', 'blue', $5::int, $5::int, $6::int, '', '', '', '', '', 0,
    t.created_at, t.created_at,
    CASE WHEN g % 3 = 0 THEN least(t.created_at + interval '7 days', now()) END{extra_values}
FROM generate_series($1::int, $2::int) AS g
CROSS JOIN LATERAL (
    SELECT now() - ((g::bigint * 2654435761) % {window}) * interval '1 second' AS created_at
) AS t
CROSS JOIN LATERAL (
    SELECT (ARRAY{categories})[1 + (g % {keys}) % {ncat}] AS category
) AS c
"""
FILL_COLUMNS = set(re.findall(r"\b\w+\b", FILL_SQL.split("(", 1)[1].split(")", 1)[0]))
FILL_PARAMS = 6


CUSTOMERS_SQL = """
INSERT INTO customers (msisdn, name, tier, province, city, joined_on, credit_standing,
                       status, sensitive, sensitive_reason, created_at)
SELECT $1::text || lpad(g::text, 8, '0'), '客户' || g, 'ordinary', '广东', '广州',
       '2020-01-01', 'normal', 'active', false, '', now()
FROM generate_series(1, $2::int) AS g
"""


def _conn() -> Any:
    from tortoise import Tortoise

    return Tortoise.get_connection("default")


async def _one(sql: str, *values: Any) -> Any:
    rows = await _conn().execute_query_dict(sql, list(values))
    return next(iter(rows[0].values())) if rows else None


class Table:
    """The complaints table, filled in SQL to a given number of rows."""

    def __init__(self, pool: int, handler_id: int, department_id: int) -> None:
        self.pool = pool
        self.handler_id = handler_id
        self.department_id = department_id
        self.first_customer_id = 0
        self.generated = 0

    async def make_customers(self, fresh: int) -> None:
        await _conn().execute_query(CUSTOMERS_SQL, [POOL_PREFIX, self.pool])
        self.first_customer_id = await _one(
            "SELECT min(id) FROM customers WHERE msisdn LIKE $1", POOL_PREFIX + "%"
        )
        await _conn().execute_query(CUSTOMERS_SQL, [FRESH_PREFIX, fresh])
        await _conn().execute_script("VACUUM (ANALYZE) customers")

    async def extra_columns(self) -> tuple[str, list[Any]]:
        """The INSERT for this schema: NOT NULL columns that FILL_SQL does not name and the
        database has no default for (Tortoise keeps defaults in Python) get the model's
        default, or the type's zero; timestamps get the row's created_at."""
        from services.complaints.models import Complaint

        fields = {
            column: Complaint._meta.fields_map[name]
            for name, column in Complaint._meta.fields_db_projection.items()
        }
        missing = await _conn().execute_query_dict(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'complaints' "
            "AND is_nullable = 'NO' AND column_default IS NULL ORDER BY ordinal_position"
        )
        columns, exprs, values = [], [], []
        for row in missing:
            column, data_type = row["column_name"], row["data_type"]
            if column in FILL_COLUMNS:
                continue
            columns.append(column)
            if data_type.startswith(("timestamp", "date")):
                exprs.append(f"t.created_at::{data_type}")
                continue
            default = getattr(fields.get(column), "default", None)
            default = default() if callable(default) else default
            if default is None:
                text = {"boolean": "false", "json": "{}", "jsonb": "{}"}.get(data_type, "")
                numeric = ("integer", "smallint", "bigint", "numeric", "real", "double")
                text = "0" if data_type.startswith(numeric) else text
            elif isinstance(default, bool):
                text = "true" if default else "false"
            elif isinstance(default, (dict, list)):
                text = json.dumps(default)
            else:
                text = str(getattr(default, "value", default))
            values.append(text)
            exprs.append(f"${FILL_PARAMS + len(values)}::text::{data_type}")
        sql = FILL_SQL.format(
            extra_columns="".join(f", {c}" for c in columns),
            extra_values="".join(f", {e}" for e in exprs),
            keys=MATTER_KEYS,
            window=SECONDS_90_DAYS,
            categories="['" + "','".join(CATEGORIES) + "']",
            ncat=len(CATEGORIES),
        )
        return sql, values

    async def fill_to(self, rows: int) -> float:
        """Generate rows until the table holds `rows`; seconds taken (VACUUM ANALYZE aside)."""
        have = await _one("SELECT count(*) FROM complaints")
        started = time.monotonic()
        if rows > have:
            sql, extra = await self.extra_columns()
            values = [
                self.generated + 1,
                self.generated + rows - have,
                self.first_customer_id,
                self.pool,
                self.handler_id,
                self.department_id,
                *extra,
            ]
            async with in_transaction() as conn:
                with contextlib.suppress(OperationalError):  # needs a superuser: else checked
                    async with in_transaction():  # (a savepoint: a refusal keeps the outer)
                        # the generated rows name real customers and staff by construction:
                        # skip the three foreign-key checks per row, half the fill time
                        await conn.execute_script("SET LOCAL session_replication_role = replica")
                await conn.execute_query(sql, values)
            self.generated += rows - have
        seconds = time.monotonic() - started
        # as after a bulk load in production: statistics current, visibility map set, and no
        # autovacuum of the new rows starting in the middle of the measurement
        await _conn().execute_script("VACUUM (ANALYZE) complaints")
        return seconds


class Intakes:
    """Complaints taken through the real use case, each by a customer new to complaining."""

    def __init__(self, handler: Any) -> None:
        self.handler = handler
        self.n = 0

    async def known(self) -> Any:
        """On a matter key the generated rows use (~2 rows each at 10,000, ~200 at 1,000,000)."""
        from services.complaints.models import Category

        svc = (self.n * 37) % MATTER_KEYS
        category = Category(CATEGORIES[svc % len(CATEGORIES)])
        return await self._take(category=category, service_code=f"svc-{svc}")

    async def new(self) -> Any:
        """On a matter key no complaint has had: the same work at every table size."""
        from services.complaints.models import Category

        return await self._take(category=Category.BILLING_ERROR, service_code=f"new-{self.n}")

    async def _take(self, **intake: Any) -> Any:
        from services.complaints import service

        self.n += 1
        return await service.create_complaint(
            actor=self.handler, intake=common.intake(f"{FRESH_PREFIX}{self.n:08d}", **intake)
        )


def _walk(node: dict[str, Any], depth: int = 0) -> list[tuple[int, dict[str, Any]]]:
    out = [(depth, node)]
    for child in node.get("Plans", []):
        out += _walk(child, depth + 1)
    return out


async def explain(sql: str, values: list[Any]) -> dict[str, Any]:
    """Run a statement under EXPLAIN (ANALYZE, BUFFERS); its plan's nodes and timings."""
    rows = await _conn().execute_query_dict(
        "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, values
    )
    doc = rows[0]["QUERY PLAN"]
    plan = (json.loads(doc) if isinstance(doc, str) else doc)[0]
    nodes = _walk(plan["Plan"])
    text_rows = await _conn().execute_query_dict("EXPLAIN (ANALYZE, BUFFERS) " + sql, values)
    return {
        "nodes": [
            "  " * depth
            + node["Node Type"]
            + (f" using {node['Index Name']}" if "Index Name" in node else "")
            + (f" on {node['Relation Name']}" if "Relation Name" in node else "")
            + f" (rows {node.get('Actual Rows', 0):g}"
            + (f", heap fetches {node['Heap Fetches']}" if "Heap Fetches" in node else "")
            + ")"
            for depth, node in nodes
        ],
        "node_types": sorted({node["Node Type"] for _, node in nodes}),
        "scans_on_complaints": sorted(
            {
                node["Node Type"] + (f" using {node['Index Name']}" if "Index Name" in node else "")
                for _, node in nodes
                if node.get("Relation Name") == "complaints"
            }
        ),
        "execution_ms": plan.get("Execution Time"),
        "plan_text": [next(iter(r.values())) for r in text_rows],
    }


# a column quoted by the ORM ("customer_id" =) or named through an alias (c.customer_id =)
_CONDITION = re.compile(
    r'(?:"(\w+)"|\b\w+\.(\w+))\s*(=|>=|<=|<>|!=|<|>| IN\b| NOT IN\b| = ANY\b)', re.IGNORECASE
)


def describe(sql: str) -> str:
    """`complaints where customer_id=, matter_key=, archived_at>=` from a SELECT's SQL."""
    where = sql.split(" WHERE ", 1)[1] if " WHERE " in sql else ""
    conditions = []
    for quoted, aliased, op in _CONDITION.findall(where.split(" ORDER BY ")[0]):
        column = quoted or aliased
        op = op.strip().upper()
        text = f"{column} {op}" if op.endswith("IN") else f"{column}{op}"
        if text not in conditions:
            conditions.append(text)
    lock = " for update" if "FOR UPDATE" in sql.upper() else ""
    return "complaints where " + (", ".join(conditions) or "-") + lock


def intake_selects(statements: list[tuple[str, list[Any]]]) -> dict[str, tuple[str, list[Any]]]:
    """The distinct SELECTs of an intake that read `complaints`, by what they filter on."""
    found: dict[str, tuple[str, list[Any]]] = {}
    for sql, values in statements:
        reads = 'FROM "complaints"' in sql or "FROM complaints " in sql
        if not sql.lstrip().upper().startswith("SELECT") or not reads:
            continue
        found.setdefault(describe(sql), (sql, values))
    return found


async def plans_at_this_size(intakes: Intakes) -> dict[str, Any]:
    """One more intake, recorded; then each of its SELECTs on complaints, and the reference
    look-ups, under EXPLAIN ANALYZE."""
    await intakes.known()  # the caches of thresholds and calendar filled, as in a running app
    with common.count_queries() as counter:
        complaint = await intakes.known()
    archived = await _conn().execute_query_dict(
        "SELECT customer_id, matter_key FROM complaints "
        "WHERE archived_at IS NOT NULL ORDER BY archived_at DESC LIMIT 1"
    )
    out: dict[str, Any] = {"statements_per_intake": len(counter.statements)}
    for label, (sql, values) in intake_selects(counter.statements).items():
        out[f"intake: {label}"] = await explain(sql, values)
    for label, (sql, params) in REFERENCE_LOOKUPS.items():
        source = archived[0] if "customer_id" in params else {"matter_key": complaint.matter_key}
        out[label] = await explain(sql, [source[p] for p in params])
    return out


async def _page_once() -> None:
    from services.complaints import queries

    await queries.page(queries.ComplaintFilter(), first=50, after_id=None)


KINDS = ("known matter", "new matter")


class Size:
    """One database and what the intakes there need."""

    def __init__(self, label: str, rows: int, url: str | None) -> None:
        self.label = label
        self.rows = rows
        self.url = url  # None: the runner's `tousu_bench`
        self.intakes: Intakes | None = None
        self.fill_seconds = 0.0
        self.times: dict[str, list[float]] = {kind: [] for kind in (*KINDS, "page")}

    async def use(self) -> None:
        await common.use_database(self.url)

    async def build(self, pool: int, fresh: int) -> None:
        await self.use()
        dept = await common.make_department()
        handler = await common.make_staff(department=dept)
        table = Table(pool=pool, handler_id=handler.id, department_id=dept.id)
        await table.make_customers(fresh=fresh)
        common.note(f"intake: filling complaints to {self.rows:,} rows")
        self.fill_seconds = round(await table.fill_to(self.rows), 1)
        self.intakes = Intakes(handler)

    async def block(self, *, warmup: int, intakes: int, pages: int) -> None:
        """Warm this database's connection, then time intakes of each kind and pages."""
        assert self.intakes is not None
        await self.use()
        for _ in range(warmup):
            await self.intakes.known()
        calls = {KINDS[0]: self.intakes.known, KINDS[1]: self.intakes.new}
        for kind, call in calls.items():
            self.times[kind] += (await common.sample(call, repeat=intakes, warmup=0)).samples
        self.times["page"] += (await common.sample(_page_once, repeat=pages, warmup=1)).samples


async def run() -> dict[str, Any]:
    from services import scheduling
    from services.config import settings
    from workers.queue import ArqScheduler

    large_rows = common.scale(1_000_000, 100_000)
    blocks = common.scale(10, 5)
    per_block = common.scale(10, 8)
    block_warmup = 3
    pool = large_rows // 4
    fresh = blocks * (2 * per_block + block_warmup) + 10  # + the probes
    large_url = await common.extra_database("large")
    small = Size("baseline", BASELINE_ROWS, None)
    large = Size("large", large_rows, large_url)
    sizes = [small, large]
    queue = await ArqScheduler.connect(settings.redis_url)
    scheduling.install(queue)  # as the app's lifespan does: intake enqueues its deadline jobs
    plans: dict[str, Any] = {}
    try:
        for size in sizes:
            await size.build(pool=pool, fresh=fresh)
        common.note(
            f"intake: {blocks} blocks x {per_block} intakes, {BASELINE_ROWS:,} and "
            f"{large_rows:,} rows taking turns"
        )
        for b in range(blocks):
            for size in sizes if b % 2 == 0 else reversed(sizes):
                await size.block(warmup=block_warmup, intakes=per_block, pages=common.scale(2, 1))
        for size in sizes:
            assert size.intakes is not None
            await size.use()
            plans[f"{size.rows:,} rows"] = await plans_at_this_size(size.intakes)
        indexes = {
            r["indexname"]: r["indexdef"].split(" USING ", 1)[-1]
            for r in await _conn().execute_query_dict(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'complaints'"
            )
        }
    finally:
        scheduling.install(None)
        await queue.close()
        await common.use_database()
        await common.drop_database(large_url)

    rows_out: list[dict[str, Any]] = []
    ratios: dict[str, float] = {}
    for kind in (*KINDS, "page"):
        base = common.Stats(small.times[kind])
        what = f"create_complaint, {kind}" if kind in KINDS else "complaints page(50)"
        for size in sizes:
            stats = common.Stats(size.times[kind])
            rows_out.append(
                {
                    "case": f"{what} @ {size.rows:,}",
                    "n": len(stats.samples),
                    "ms median": stats.median * 1000,
                    "ms p90": stats.p90 * 1000,
                    "x baseline": common.ratio(stats.median, base.median),
                }
            )
        ratios[what] = round(rows_out[-1]["x baseline"], 2)
    lookups: dict[str, Any] = {}
    statements: dict[str, int] = {}
    for size_label, found in plans.items():
        statements[size_label] = found.pop("statements_per_intake")
        for name, plan in found.items():
            lookups[f"{name} @ {size_label}"] = [
                *plan["nodes"],
                f"execution {plan['execution_ms']} ms",
            ]
    used = {i for plan in lookups.values() for line in plan for i in indexes if i in line}
    return {
        "rows": rows_out,
        "large_vs_baseline": ratios,
        "indexes_in_plans": {name: indexes[name] for name in sorted(used)},
        "sql_statements_per_intake": statements,
        "fill_seconds": {f"{s.rows:,} rows": s.fill_seconds for s in sizes},
        "plans": lookups,
        "notes": [
            "x baseline = median at this size / median at 10,000 rows, blocks alternating "
            "in the same run",
            "known matter: the key has history (at 1,000,000 rows ~200 complaints); "
            "new matter: a key never seen (identical work at both sizes)",
            "`complaints page(50)` = services.complaints.queries.page with no filter "
            "(its total count reads every row)",
        ],
        "plans_text": {
            f"{name} @ {size_label}": plan["plan_text"]
            for size_label, found in plans.items()
            for name, plan in found.items()
        },
        "raw": {
            f"{size.label}.{kind}_ms": [t * 1000 for t in times]
            for size in sizes
            for kind, times in size.times.items()
        },
    }
