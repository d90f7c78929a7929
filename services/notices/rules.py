"""The notice settings an admin may tune at run time (versioned thresholds, audited)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from services.config import settings
from services.notices import policy
from services.thresholds import service as thresholds

QUIET_HOURS = "notices.quiet_hours"
RETRY = "notices.retry"


def _check_quiet_hours(value: Any) -> None:
    policy.quiet_hours_from(value)


def _check_retry(value: Any) -> None:
    policy.retry_policy_from(value)


thresholds.register(
    QUIET_HOURS,
    {"start": "21:00", "end": "08:00"},
    "Non-urgent customer SMS wait from start to end, operator's local time (equal: no quiet).",
    _check_quiet_hours,
)
thresholds.register(
    RETRY,
    {"max_attempts": 8, "first_delay_seconds": 30, "max_delay_seconds": 3600},
    "Customer SMS: attempts before a person is asked to look, and the backoff between them.",
    _check_retry,
)


def zone() -> ZoneInfo:
    return ZoneInfo(settings.timezone)


async def quiet_hours() -> policy.QuietHours:
    return policy.quiet_hours_from(await thresholds.current(QUIET_HOURS))


async def retry_policy() -> policy.RetryPolicy:
    return policy.retry_policy_from(await thresholds.current(RETRY))
