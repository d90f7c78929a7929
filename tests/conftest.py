"""A real PostgreSQL and Redis for the whole session; a clean database for every test.

Embedded servers start from the pip-installed binaries unless TEST_DATABASE_URL /
TEST_REDIS_URL point at others. Migrations run once; each test starts from truncated tables
(the working-day calendar, reference data, is kept).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
pytest_plugins = ["tests.log_scan"]  # every log line of the session scanned for phone numbers

_servers: list[Any] = []
_DATA = ROOT / ".data" / f"test-{os.getpid()}"  # one per pytest process: runs may overlap
KEEP_TABLES = {"calendar_years", "calendar_days", "tortoise_migrations"}


def _create_database(admin_url: str, name: str) -> str:
    import asyncpg

    async def create() -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def _start_servers() -> None:
    """Start the servers and point the settings at them before anything imports services.

    Runs when this root conftest is imported, which pytest does before any other conftest or
    test module (those import `services.config`, which reads the environment once).
    """
    from devservers import EmbeddedPostgres, EmbeddedRedis

    data = _DATA
    db_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not db_url:
        pg = EmbeddedPostgres(data / "pg")
        admin = pg.start()
        _servers.append(pg)
        db_url = _create_database(admin, "tousu_test")
    if not redis_url:
        redis = EmbeddedRedis(data / "redis")
        redis_url = redis.start()
        _servers.append(redis)
    os.environ["DATABASE_URL"] = db_url
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("ENV", "test")
    os.environ.setdefault("SECRET_KEY", "test-secret-key")


_start_servers()


def pytest_unconfigure(config: pytest.Config) -> None:
    for server in reversed(_servers):
        server.stop()
    shutil.rmtree(_DATA, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
async def database() -> AsyncIterator[None]:
    from tortoise import Tortoise

    from services import db, migration_state, runtime
    from services.calendar.seed import seed_years

    with migration_state.ddl_only():  # as `make run` migrates (test_migration_state.py)
        await db.migrate()
    await runtime.start()
    await seed_years()
    yield
    await Tortoise.close_connections()


@pytest.fixture(autouse=True)
async def clean_tables(database: None) -> None:
    from tortoise import Tortoise

    from services.assist import library as assist_library
    from services.thresholds import service as thresholds

    conn = Tortoise.get_connection("default")
    tables = [
        row["tablename"]
        for row in await conn.execute_query_dict(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        if row["tablename"] not in KEEP_TABLES
    ]
    if tables:
        await conn.execute_script(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
    await _forget_years_beyond_the_seed(conn)
    thresholds.forget()
    assist_library.forget()


async def _forget_years_beyond_the_seed(conn: Any) -> None:
    """Years a test provisioned or stored past the seeded ones go: the next test starts from
    the confirmed 2004-2026 calendar whatever ran before it."""
    from services.calendar.seed import FIRST_YEAR, LAST_YEAR
    from services.calendar.service import forget_calendar

    first, last = f"'{FIRST_YEAR}-01-01'", f"'{LAST_YEAR}-12-31'"
    removed = await conn.execute_query_dict(
        f"DELETE FROM calendar_years WHERE year NOT BETWEEN {FIRST_YEAR} AND {LAST_YEAR} "
        "RETURNING year"
    )
    if removed:
        await conn.execute_query(
            f"DELETE FROM calendar_days WHERE day < {first}::date OR day > {last}::date"
        )
        forget_calendar()


# A Tuesday, a working day in a confirmed calendar year: tests never depend on today's date.
PINNED_AT = (2026, 3, 10, 10, 0)


@pytest.fixture(autouse=True)
def domain_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """The domain clock starts at PINNED_AT (Asia/Shanghai) and runs from there; a test that
    needs the wall clock (a worker subprocess compares with it) asks for `wall_clock`."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from services import clock

    if "wall_clock" in request.fixturenames:
        clock.use_wall_clock()
    else:
        clock.pin(datetime(*PINNED_AT, tzinfo=ZoneInfo("Asia/Shanghai")))
    yield
    clock.use_wall_clock()


@pytest.fixture
def wall_clock() -> None:
    """The domain clock reads the machine's clock in this test (see `domain_clock`)."""


@pytest.fixture
async def redis() -> AsyncIterator[Any]:
    from redis.asyncio import Redis

    from services.config import settings

    client = Redis.from_url(settings.redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


class QueryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.queries: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.queries.append(record.getMessage())


@pytest.fixture
def count_queries() -> Iterator[QueryCounter]:
    """Every SQL statement Tortoise sends while the fixture is active."""
    logger = logging.getLogger("tortoise.db_client")
    counter = QueryCounter()
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    yield counter
    logger.removeHandler(counter)
    logger.setLevel(old_level)
