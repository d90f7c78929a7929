"""The one clock of the domain: every use case, and every timestamp a model writes, asks it for
"now". Production reads the wall clock; tests pin it (`pin`, `freeze`) so no rule depends on
the day the suite happens to run.

Security time (token expiry, throttles, leases compared with the database's own `now()`) is
wall time and does not come from here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_source: Callable[[], datetime] | None = None


def now() -> datetime:
    """The domain's current instant, timezone-aware (UTC)."""
    return _source() if _source is not None else datetime.now(UTC)


def freeze(at: datetime) -> None:
    """Stop the clock at `at`: every call answers the same instant until it is set again."""
    _require_aware(at)
    global _source
    _source = lambda: at  # noqa: E731


def pin(at: datetime) -> None:
    """Start the clock at `at` and let it run at wall speed: ordering is kept, the date is not
    today's."""
    _require_aware(at)
    started = time.monotonic()
    global _source
    _source = lambda: at + timedelta(seconds=time.monotonic() - started)  # noqa: E731


def use_wall_clock() -> None:
    global _source
    _source = None


def is_wall_clock() -> bool:
    return _source is None


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None:
        raise ValueError("the domain clock needs a timezone-aware datetime")
