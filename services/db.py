"""Tortoise configuration; init/close for the API lifespan, the worker and the CLI."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypeVar

from tortoise import Tortoise

from services.config import settings

MODEL_MODULES = [
    "services.staff.models",
    "services.customers.models",
    "services.complaints.models",
    "services.calendar.models",
    "services.thresholds.models",
    "services.refunds.models",
    "services.notices.models",
    "services.partners.models",
    "services.audit.models",
]


def tortoise_config(database_url: str | None = None) -> dict[str, Any]:
    url = database_url or settings.database_url
    return {
        "connections": {
            "default": {
                "engine": "tortoise.backends.asyncpg",
                "credentials": _credentials(url),
            }
        },
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "services.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _credentials(url: str) -> dict[str, Any]:
    from urllib.parse import unquote, urlparse

    parsed = urlparse(url)
    return {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": unquote(parsed.username or "postgres"),
        "password": unquote(parsed.password or ""),
        "database": parsed.path.lstrip("/") or "tousu",
        "minsize": 1,
        "maxsize": settings.db_pool_max,
    }


TORTOISE_ORM = tortoise_config()


async def init(database_url: str | None = None) -> None:
    """Connect for this process: every task sees the connections (servers run requests in
    tasks other than the one that ran the lifespan)."""
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close() -> None:
    await Tortoise.close_connections()


async def migrate(database_url: str | None = None) -> None:
    """Apply the committed migrations (never generate_schemas)."""
    from tortoise.migrations.api.migrate import migrate as run

    await run(config=tortoise_config(database_url))
    await Tortoise.close_connections()


T = TypeVar("T")


def group_by(rows: Iterable[T], attr: str) -> dict[Any, list[T]]:
    """Rows by one of their attributes, order kept: what a DataLoader batch returns per key."""
    grouped: dict[Any, list[T]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, attr)].append(row)
    return grouped
