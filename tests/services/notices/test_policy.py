"""Quiet hours and backoff as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.errors import InvalidInput
from services.notices import policy

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = policy.QuietHours(time(21), time(8))


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("at", "quiet"),
    [
        (local(5, 20, 59), False),
        (local(5, 21, 0), True),
        (local(5, 23, 30), True),
        (local(6, 0, 0), True),
        (local(6, 7, 59), True),
        (local(6, 8, 0), False),
        (local(6, 12, 0), False),
    ],
)
def test_quiet_hours_run_across_midnight(at, quiet):
    assert policy.in_quiet_hours(at.astimezone(UTC), NIGHT, SHANGHAI) is quiet


def test_a_notice_written_in_the_evening_waits_until_eight_the_next_morning():
    at = local(5, 22, 30).astimezone(UTC)

    assert policy.release_at(at, NIGHT, SHANGHAI) == local(6, 8, 0)


def test_a_notice_written_after_midnight_waits_until_eight_the_same_morning():
    assert policy.release_at(local(6, 3, 0), NIGHT, SHANGHAI) == local(6, 8, 0)


def test_outside_quiet_hours_a_notice_goes_at_once():
    at = local(6, 9, 15)
    assert policy.release_at(at, NIGHT, SHANGHAI) == at


def test_a_window_within_one_day_and_an_empty_window():
    lunch = policy.QuietHours(time(12), time(14))
    assert policy.release_at(local(6, 13, 0), lunch, SHANGHAI) == local(6, 14, 0)
    assert not policy.in_quiet_hours(local(6, 15, 0), lunch, SHANGHAI)
    never = policy.QuietHours(time(0), time(0))
    assert policy.release_at(local(6, 3, 0), never, SHANGHAI) == local(6, 3, 0)


def test_quiet_hours_setting_is_validated():
    assert policy.quiet_hours_from({"start": "22:30", "end": "07:00"}) == policy.QuietHours(
        time(22, 30), time(7)
    )
    for bad in ({"start": "25:00", "end": "08:00"}, {"start": "21:00"}, "21-8"):
        with pytest.raises(InvalidInput):
            policy.quiet_hours_from(bad)


def test_backoff_doubles_with_jitter_and_is_capped():
    retry = policy.RetryPolicy(max_attempts=8, first_delay_seconds=30, max_delay_seconds=600)

    assert policy.retry_delay(1, retry, 0.0) == timedelta(seconds=15)
    assert policy.retry_delay(1, retry, 0.999) < timedelta(seconds=30)
    assert policy.retry_delay(3, retry, 0.0) == timedelta(seconds=60)
    assert policy.retry_delay(10, retry, 0.5) == timedelta(seconds=450)


def test_retry_setting_is_validated():
    with pytest.raises(InvalidInput):
        policy.retry_policy_from(
            {"max_attempts": 0, "first_delay_seconds": 30, "max_delay_seconds": 60}
        )
    with pytest.raises(InvalidInput):
        policy.retry_policy_from(
            {"max_attempts": 3, "first_delay_seconds": 60, "max_delay_seconds": 30}
        )
