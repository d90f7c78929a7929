"""Starting a process that uses the services: the reactions wired, then the database.

Every entry point (the API, the worker, the CLIs, the benchmarks, the tests) starts through
`start`, so no process can take a step whose notices nobody writes."""

from __future__ import annotations

from services import db, wiring


async def start(
    database_url: str | None = None, *, statement_timeout_ms: int | None = None
) -> None:
    wiring.install()
    await db.init(database_url, statement_timeout_ms=statement_timeout_ms)
