"""What every benchmark shares: servers and a fresh database, timing, and the results table.

Nothing here imports `services` at module level: the settings read the environment once, at
import, so `prepare()` sets DATABASE_URL/REDIS_URL/ENV/SECRET_KEY first and only then imports
the services. The helpers that make rows import them when called.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
DATABASE = "tousu_bench"
# reference data every benchmark may rely on; everything else is truncated between benchmarks
KEEP_TABLES = {"calendar_years", "calendar_days", "tortoise_migrations"}
_STARTED = time.monotonic()


@dataclass
class Options:
    """How the runner was called; benchmarks read `options.quick` to size their work."""

    quick: bool = False
    only: tuple[str, ...] = ()


options = Options()


def scale(default: int, quick: int) -> int:
    """`quick` under --quick, else `default`."""
    return quick if options.quick else default


def note(message: str) -> None:
    """Progress on stderr, so stdout holds only the results."""
    print(f"[{time.monotonic() - _STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


# --- servers and database ----------------------------------------------------------------


class Servers:
    """Embedded PostgreSQL and Redis in a temporary directory, unless BENCH_DATABASE_URL /
    BENCH_REDIS_URL name servers to use (the database user must be allowed CREATE DATABASE:
    a database named `tousu_bench` is dropped and created there)."""

    def __init__(self) -> None:
        self._running: list[Any] = []
        self._tmp: Path | None = None
        self.admin_url = ""
        self.redis_url = ""

    def start(self) -> None:
        sys.path.insert(0, str(ROOT / "scripts"))
        from devservers import EmbeddedPostgres, EmbeddedRedis

        self.admin_url = os.environ.get("BENCH_DATABASE_URL", "")
        self.redis_url = os.environ.get("BENCH_REDIS_URL", "")
        if not (self.admin_url and self.redis_url):
            self._tmp = Path(tempfile.mkdtemp(prefix="tousu-bench-"))
        if not self.admin_url:
            assert self._tmp is not None
            note("starting embedded PostgreSQL")
            pg = EmbeddedPostgres(self._tmp / "pg")
            self.admin_url = pg.start()
            self._running.append(pg)
        if not self.redis_url:
            assert self._tmp is not None
            note("starting embedded Redis")
            redis = EmbeddedRedis(self._tmp / "redis")
            self.redis_url = redis.start()
            self._running.append(redis)

    def stop(self) -> None:
        while self._running:
            self._running.pop().stop()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


async def _create_database(admin_url: str, name: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


_admin_url = ""


async def prepare(servers: Servers) -> None:
    """A fresh `tousu_bench` database, migrated, connected, with the working-day calendar."""
    global _admin_url
    _admin_url = servers.admin_url
    db_url = await _create_database(servers.admin_url, DATABASE)
    os.environ["DATABASE_URL"] = db_url
    os.environ["REDIS_URL"] = servers.redis_url
    os.environ["ENV"] = "bench"  # not "dev": the production schema (introspection off)
    os.environ["SECRET_KEY"] = "bench-only-secret-key"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from services import db, runtime
    from services.calendar.seed import seed_years

    note(f"migrating {DATABASE}")
    await db.migrate()
    await runtime.start()
    await seed_years()


async def extra_database(name: str) -> str:
    """Another fresh database beside `tousu_bench` (e.g. a second table size to alternate
    with), migrated and with the calendar; still connected to `tousu_bench` afterwards."""
    from services import db
    from services.calendar.seed import seed_years

    url = await _create_database(_admin_url, f"{DATABASE}_{name}")
    await db.migrate(url)  # leaves Tortoise configured for `url`, connections closed
    await use_database(url)
    await seed_years()
    await use_database()
    return url


async def use_database(url: str | None = None) -> None:
    """Point Tortoise at another database (`tousu_bench` when None); a few milliseconds.
    The per-process caches of thresholds and calendar are dropped: they belong to a database."""
    from services import db, runtime
    from services.calendar.service import forget_calendar
    from services.thresholds import service as thresholds

    await db.close()
    await runtime.start(url)
    thresholds.forget()
    forget_calendar()


async def drop_database(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(_admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def finish() -> None:
    from services import db

    await db.close()


async def reset() -> None:
    """Empty every table but the reference data, and the Redis database: each benchmark starts
    from the same state whatever ran before it."""
    from redis.asyncio import Redis
    from tortoise import Tortoise

    from services.config import settings
    from services.thresholds import service as thresholds

    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    )
    tables = [r["tablename"] for r in rows if r["tablename"] not in KEEP_TABLES]
    if tables:
        await conn.execute_script(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
    thresholds.forget()
    client = Redis.from_url(settings.redis_url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


# --- rows ----------------------------------------------------------------------------------

_seq = iter(range(1, 10**9))
PASSWORD = "correct horse battery"
_password_hash = ""


async def make_department(code: str = "") -> Any:
    from services.staff.models import Department

    n = next(_seq)
    return await Department.create(code=code or f"BENCH{n}", name=f"Bench department {n}")


async def make_staff(*roles: Any, department: Any = None, username: str = "") -> Any:
    """A member of staff (a complaint handler unless roles are given)."""
    from services.staff.models import Role, Staff
    from services.staff.service import hash_password

    global _password_hash
    _password_hash = _password_hash or hash_password(PASSWORD)
    n = next(_seq)
    return await Staff.create(
        username=username or f"bench{n}",
        display_name=f"Bench staff {n}",
        password_hash=_password_hash,
        roles=[getattr(r, "value", r) for r in (roles or (Role.HANDLER,))],
        department=department,
    )


async def make_customer(msisdn: str = "", **fields: Any) -> Any:
    from datetime import date

    from services.customers.models import Customer

    n = next(_seq)
    values: dict[str, Any] = {
        "name": f"客户{n}",
        "province": "广东",
        "city": "广州",
        "joined_on": date(2020, 1, 1),
    }
    values.update(fields)
    return await Customer.create(msisdn=msisdn or f"137{n:08d}", **values)


def intake(msisdn: str, **overrides: Any) -> Any:
    """What a hotline agent records for a billing complaint; override any field."""
    from services.complaints.models import Category, Channel
    from services.complaints.service import Intake

    values: dict[str, Any] = {
        "msisdn": msisdn,
        "contact_name": "张先生",
        "channel": Channel.HOTLINE,
        "category": Category.BILLING_ERROR,
        "summary": "本月话费多扣了 30 元",
        "customer_request": "退还多扣的费用",
        "service_code": "VOICE-BASIC",
    }
    values.update(overrides)
    return Intake(**values)


# --- timing --------------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: int) -> float:
    """Linear-interpolated percentile (pct in 1..99) of at least one value."""
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=100, method="inclusive")[pct - 1])


@dataclass
class Stats:
    samples: list[float]

    @property
    def median(self) -> float:
        return float(statistics.median(self.samples))

    @property
    def p90(self) -> float:
        return percentile(self.samples, 90)

    def summary(self, scale_by: float = 1.0) -> dict[str, float | int]:
        return {
            "median": self.median * scale_by,
            "p90": self.p90 * scale_by,
            "min": min(self.samples) * scale_by,
            "max": max(self.samples) * scale_by,
            "n": len(self.samples),
        }


async def sample(fn: Callable[[], Awaitable[object]], *, repeat: int, warmup: int = 3) -> Stats:
    """Seconds per call of `fn`: `warmup` untimed calls, then `repeat` timed ones."""
    for _ in range(warmup):
        await fn()
    gc.collect()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - start)
    return Stats(times)


@dataclass
class Throughput:
    """Calls per second of each round, and the seconds of every single call."""

    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> Stats:
        return Stats(self.rates)

    @property
    def latency(self) -> Stats:
        return Stats(self.latencies)


async def interleaved_throughput(
    cases: dict[str, Callable[[], Awaitable[object]]],
    *,
    rounds: int,
    per_round: int,
    warmup: int = 20,
) -> dict[str, Throughput]:
    """Run `per_round` sequential calls of each case per round, the cases taking turns (and
    the order rotating) so that a noisy neighbour slows every case alike."""
    for fn in cases.values():
        for _ in range(warmup):
            await fn()
    names = list(cases)
    out = {name: Throughput() for name in names}
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            fn = cases[name]
            gc.collect()
            times = []
            for _ in range(per_round):
                start = time.perf_counter()
                await fn()
                times.append(time.perf_counter() - start)
            out[name].latencies += times
            out[name].rates.append(per_round / sum(times))
    return out


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


class QueryCounter(logging.Handler):
    """Tortoise logs `"%s: %s", sql, values` for every statement: keep both, and the text."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.queries: list[str] = []
        self.statements: list[tuple[str, list[Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.queries.append(record.getMessage())
        if isinstance(record.args, tuple) and len(record.args) == 2:
            sql, values = record.args
            self.statements.append((str(sql), list(values or [])))  # type: ignore[call-overload]


@contextlib.contextmanager
def count_queries() -> Iterator[QueryCounter]:
    """Every SQL statement Tortoise sends while active (kept out of the normal log)."""
    logger = logging.getLogger("tortoise.db_client")
    counter = QueryCounter()
    old_level, old_propagate = logger.level, logger.propagate
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


# --- results -------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def table(rows: Sequence[dict[str, Any]]) -> str:
    """A plain text table; columns in first-seen order."""
    if not rows:
        return ""
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    cells = [[_fmt(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.ljust(w) if i == 0 else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    out = [line(columns), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def _flatten(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(f"{prefix}.{k}" if prefix else str(k), v)
    else:
        yield prefix, value


def render(name: str, result: dict[str, Any]) -> str:
    """A benchmark's result for the terminal: `rows` (a list of dicts) as a table, `notes`
    line by line, `details` and any other keys as `key: value`; the JSON file has all."""
    parts = [f"== {name} " + "=" * max(0, 70 - len(name))]
    for key, value in result.items():
        if key == "rows" and isinstance(value, list):
            parts.append(table(value))
        elif key == "notes" and isinstance(value, list):
            parts += [f"  * {v}" for v in value]
        elif key in {"raw", "statements", "plans_text"}:
            continue  # bulky: only in the JSON file
        else:
            for k, v in _flatten(key, value):
                if isinstance(v, list) and all(isinstance(x, str) for x in v):
                    parts.append(f"{k}:")
                    parts += [f"    {x}" for x in v]
                else:
                    parts.append(f"{k}: {_fmt(v)}")
    return "\n".join(parts)


def machine(loop: str) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loop": loop,
    }


def write_results(payload: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "latest.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
    return path
