"""The one clock of the domain: every use case asks it for "now" (tests may set it)."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
