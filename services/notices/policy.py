"""Delivery rules as pure functions: quiet hours, backoff, and dates as a customer reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.errors import InvalidInput


@dataclass(frozen=True)
class QuietHours:
    """Local times between which non-urgent notices wait; start == end means no quiet hours."""

    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # across midnight, 21:00-08:00


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    first_delay_seconds: int
    max_delay_seconds: int


def _hhmm(value: Any, field: str) -> time:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise InvalidInput(
            f"{field} is a local time written HH:MM, e.g. 21:00.", field=field
        ) from None


def quiet_hours_from(value: Any) -> QuietHours:
    if not isinstance(value, dict) or set(value) != {"start", "end"}:
        raise InvalidInput('Quiet hours are {"start": "21:00", "end": "08:00"}.', field="value")
    return QuietHours(_hhmm(value["start"], "start"), _hhmm(value["end"], "end"))


def retry_policy_from(value: Any) -> RetryPolicy:
    names = {"max_attempts", "first_delay_seconds", "max_delay_seconds"}
    if not isinstance(value, dict) or set(value) != names:
        raise InvalidInput(f"The retry policy names exactly {sorted(names)}.", field="value")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value.values()):
        raise InvalidInput("Every retry number is a whole number above zero.", field="value")
    policy = RetryPolicy(**value)
    if policy.max_delay_seconds < policy.first_delay_seconds:
        raise InvalidInput("The longest delay cannot be shorter than the first.", field="value")
    return policy


def in_quiet_hours(at: datetime, quiet: QuietHours, zone: ZoneInfo) -> bool:
    return quiet.contains(at.astimezone(zone).time())


def release_at(at: datetime, quiet: QuietHours, zone: ZoneInfo) -> datetime:
    """The first instant from `at` outside quiet hours: `at` itself, or the next morning's end."""
    if not in_quiet_hours(at, quiet, zone):
        return at
    local = at.astimezone(zone)
    morning = datetime.combine(local.date(), quiet.end, tzinfo=zone)
    if morning <= local:
        morning = datetime.combine(local.date() + timedelta(days=1), quiet.end, tzinfo=zone)
    return morning.astimezone(at.tzinfo)


def retry_delay(attempt: int, policy: RetryPolicy, jitter: float) -> timedelta:
    """Exponential backoff with equal jitter: half the step fixed, half random (jitter in [0,1))."""
    step = min(policy.max_delay_seconds, policy.first_delay_seconds * 2 ** max(attempt - 1, 0))
    return timedelta(seconds=step / 2 + jitter * step / 2)


def date_parts(at: datetime, zone: ZoneInfo) -> dict[str, str]:
    """R-14's {yyyy}, {mm}, {dd}: the operator's calendar date, zero-padded."""
    local = at.astimezone(zone)
    return {"yyyy": f"{local.year:04d}", "mm": f"{local.month:02d}", "dd": f"{local.day:02d}"}


def customer_time(at: datetime, zone: ZoneInfo) -> str:
    """A due time as a customer reads it: 3月5日18:00."""
    local = at.astimezone(zone)
    return f"{local.month}月{local.day}日{local.hour:02d}:{local.minute:02d}"
