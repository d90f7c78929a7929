"""`make run`'s migrate (and the test session's) skips the query machinery of the migration
state's models (services.migration_state): the schema it builds is the one the library's own
run builds."""

from __future__ import annotations

import asyncio
import os
import sys

import asyncpg
import tortoise.models
from tortoise.migrations.schema_generator.state import ModelState
from tortoise.migrations.schema_generator.state_apps import StateApps

from services import migration_state

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CATALOG = {
    "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default"
    " FROM information_schema.columns WHERE table_schema = 'public'",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
    " FROM pg_constraint WHERE connamespace = 'public'::regnamespace",
    "triggers": "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal",
    "functions": "SELECT proname, prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace",
    "migrations": "SELECT app, name FROM tortoise_migrations",
}


async def schema_of(url: str) -> dict[str, list[tuple[object, ...]]]:
    conn = await asyncpg.connect(url)
    try:
        return {k: sorted(tuple(r) for r in await conn.fetch(q)) for k, q in CATALOG.items()}
    finally:
        await conn.close()


def test_ddl_only_puts_the_library_back_and_no_migration_runs_python():
    saved = (ModelState.render, StateApps._init_relations, StateApps._build_initial_querysets)
    filters = tortoise.models.get_filters_for_field
    with migration_state.ddl_only():
        assert StateApps._build_initial_querysets is not saved[2]
        assert tortoise.models.get_filters_for_field is filters  # only while a state renders
    assert (ModelState.render, StateApps._init_relations, StateApps._build_initial_querysets) == (
        saved
    )
    assert migration_state.runs_python() is False


async def test_a_fresh_migrate_without_the_state_queries_builds_the_same_schema():
    """The session's database was migrated the way `make run` does (tests/conftest.py);
    a fresh one is migrated by the library's own run, in its own process."""
    main_url = os.environ["DATABASE_URL"]
    admin_url, fresh = main_url.rsplit("/", 1)[0] + "/postgres", "tousu_library_migrate"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{fresh}"')
        fresh_url = main_url.rsplit("/", 1)[0] + f"/{fresh}"
        script = (
            f"import asyncio\nfrom services import db\nasyncio.run(db.migrate({fresh_url!r}))\n"
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, cwd=ROOT, env={**os.environ, "DATABASE_URL": fresh_url}
        )
        assert await asyncio.wait_for(process.wait(), timeout=600) == 0
        assert await schema_of(fresh_url) == await schema_of(main_url)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
        await admin.close()
