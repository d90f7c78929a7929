"""C-7 working days: the pure rules, on the real 2004-2026 calendar of chinese_calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from services.calendar.policy import CalendarYearMissing, WorkCalendar, year_exceptions
from services.calendar.seed import exceptions_from_chinese_calendar
from services.errors import ErrorCode, InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEARS = range(2004, 2027)
CALENDAR = WorkCalendar(
    YEARS,
    {day: is_workday for y in YEARS for day, is_workday, _ in exceptions_from_chinese_calendar(y)},
)


def at(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    """A wall-clock instant in Shanghai."""
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def add(start: datetime, n: int) -> datetime:
    return CALENDAR.add_working_days(start, n, SHANGHAI)


def between(a: datetime, b: datetime) -> float:
    return CALENDAR.working_days_between(a, b, SHANGHAI)


# which days work


def test_c7_adjusted_saturday_is_a_working_day() -> None:
    assert CALENDAR.is_workday(date(2026, 2, 14))  # Saturday, 春节调休
    assert CALENDAR.is_workday(date(2026, 2, 28))  # Saturday, 春节调休


def test_c7_weekday_public_holiday_is_not_a_working_day() -> None:
    spring_festival = [date(2026, 2, 16) + timedelta(days=k) for k in range(5)]
    assert not any(CALENDAR.is_workday(day) for day in [*spring_festival, date(2026, 2, 23)])


def test_c7_plain_weekend_is_not_a_working_day_and_plain_weekday_is() -> None:
    assert not CALENDAR.is_workday(date(2026, 3, 7))
    assert not CALENDAR.is_workday(date(2026, 3, 8))
    assert CALENDAR.is_workday(date(2026, 3, 9))


def test_c7_calendar_agrees_with_chinese_calendar_on_every_day_2004_to_2026() -> None:
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert CALENDAR.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_c7_seed_stores_only_days_that_differ_from_the_plain_week() -> None:
    exceptions = {day: (w, name) for day, w, name in exceptions_from_chinese_calendar(2026)}

    assert exceptions[date(2026, 2, 14)] == (True, "春节调休")
    assert exceptions[date(2026, 2, 16)] == (False, "春节")
    assert date(2026, 2, 15) not in exceptions  # a Sunday inside the holiday is a day off anyway


def test_c7_chinese_calendar_without_the_year_is_an_error() -> None:
    with pytest.raises(InvalidInput, match="2027"):
        exceptions_from_chinese_calendar(2027)


# deadlines across the 2026 Spring Festival (holiday Sun 15 - Mon 23 Feb; Sat 14 and 28 work)


def test_c7_acknowledge_deadline_crosses_spring_festival_2026() -> None:
    assert add(at(2026, 2, 13, 15, 0), 1) == at(2026, 2, 14, 15, 0)  # Fri -> adjusted Sat
    assert add(at(2026, 2, 14, 10, 0), 1) == at(2026, 2, 24, 10, 0)  # Sat -> Tue after the break


def test_c7_plan_deadline_three_working_days_spans_spring_festival_2026() -> None:
    assert add(at(2026, 2, 12, 9, 30), 3) == at(2026, 2, 24, 9, 30)


def test_c7_complaint_received_during_the_holiday_is_due_at_end_of_first_working_day() -> None:
    assert add(at(2026, 2, 18, 11, 0), 1) == at(2026, 2, 25, 0, 0)


def test_c7_revisit_window_after_closure_before_the_festival() -> None:
    closed = at(2026, 2, 13, 16, 0)

    assert add(closed, 3) == at(2026, 2, 25, 16, 0)
    assert add(closed, 7) == at(2026, 3, 2, 16, 0)  # Sat 28 Feb works too


# the rule for times of day


def test_c7_deadline_keeps_the_local_time_of_day() -> None:
    assert add(at(2026, 3, 9, 14, 25, 7), 2) == at(2026, 3, 11, 14, 25, 7)


def test_c7_time_of_day_is_read_in_the_operators_zone_not_utc() -> None:
    friday_1700_utc = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)  # Saturday 01:00 in Shanghai

    due = add(friday_1700_utc, 1)

    assert due == at(2026, 3, 10, 0, 0)  # Sat counts from Mon 00:00; due at the end of Monday
    assert due.tzinfo == SHANGHAI


def test_c7_instant_on_a_weekend_counts_from_the_start_of_the_next_working_day() -> None:
    assert add(at(2026, 3, 7, 10, 0), 1) == at(2026, 3, 10, 0, 0)
    assert add(at(2026, 3, 8, 23, 59), 1) == at(2026, 3, 10, 0, 0)


def test_c7_deadline_after_a_day_off_skips_a_holiday_that_follows() -> None:
    # Sat 2 May 2026 (Labour Day break to Tue 5 May): counts from Wed 6; due at the end of it
    assert add(at(2026, 5, 2, 9, 0), 1) == at(2026, 5, 7, 0, 0)


def test_c7_instant_at_midnight_of_a_working_day_keeps_midnight() -> None:
    assert add(at(2026, 3, 9, 0, 0), 1) == at(2026, 3, 10, 0, 0)
    assert add(at(2026, 2, 13, 0, 0), 2) == at(2026, 2, 24, 0, 0)


def test_c7_deadline_always_falls_on_a_working_day() -> None:
    start = at(2026, 1, 1, 7, 45)
    for hours in range(0, 300 * 24, 7):
        for n in (1, 3, 7):
            due = add(start + timedelta(hours=hours), n)
            assert CALENDAR.is_workday(due.date()), (start + timedelta(hours=hours), n)


def test_c7_zero_working_days_keeps_a_working_instant_and_moves_a_day_off() -> None:
    assert add(at(2026, 3, 9, 10, 0), 0) == at(2026, 3, 9, 10, 0)
    assert add(at(2026, 2, 16, 10, 0), 0) == at(2026, 2, 24, 0, 0)


def test_c7_negative_days_count_back() -> None:
    assert add(at(2026, 2, 24, 10, 0), -1) == at(2026, 2, 14, 10, 0)
    assert add(at(2026, 3, 7, 10, 0), -1) == at(2026, 3, 6, 0, 0)  # Sat = Mon 00:00 = Fri 24:00


def test_c7_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        add(datetime(2026, 3, 9, 10, 0), 1)


# working_days_between


def test_c7_working_days_between_counts_part_days_as_fractions() -> None:
    assert between(at(2026, 3, 9, 9, 0), at(2026, 3, 9, 17, 0)) == pytest.approx(1 / 3)


def test_c7_working_days_between_skips_spring_festival_2026() -> None:
    assert between(at(2026, 2, 13, 10, 0), at(2026, 2, 24, 10, 0)) == 2.0


def test_c7_working_days_between_two_days_off_is_zero() -> None:
    assert between(at(2026, 2, 16, 8, 0), at(2026, 2, 22, 20, 0)) == 0.0


def test_c7_working_days_between_from_a_day_off_starts_at_the_next_working_day() -> None:
    assert between(at(2026, 3, 7, 15, 0), at(2026, 3, 9, 12, 0)) == 0.5


def test_c7_working_days_between_is_negative_backwards() -> None:
    assert between(at(2026, 2, 24, 10, 0), at(2026, 2, 13, 10, 0)) == -2.0


def test_c7_working_days_between_undoes_add_working_days() -> None:
    start = at(2025, 12, 20, 3, 17)
    for hours in range(0, 120 * 24, 5):
        for n in (0, 1, 3, 7, 30):
            t = start + timedelta(hours=hours)
            assert between(t, add(t, n)) == n, (t, n)


def test_c7_working_days_between_over_years_matches_chinese_calendar() -> None:
    a, b = date(2004, 3, 1), date(2026, 10, 9)
    expected = len(chinese_calendar.get_workdays(a, b - timedelta(days=1)))

    assert CALENDAR.workdays_in(a, b) == expected
    assert between(at(2004, 3, 1, 0, 0), at(2026, 10, 9, 0, 0)) == expected


# a year without a calendar


def test_c7_year_without_calendar_is_an_error() -> None:
    with pytest.raises(CalendarYearMissing) as raised:
        CALENDAR.is_workday(date(2027, 3, 1))  # a plain Monday: still no guess

    assert raised.value.code == ErrorCode.INVALID_INPUT
    assert raised.value.field == "year"
    assert "2027" in raised.value.message and "add-year 2027" in raised.value.message


def test_c7_deadline_running_into_a_year_without_calendar_is_an_error() -> None:
    with pytest.raises(CalendarYearMissing, match="2027"):
        add(at(2026, 12, 31, 10, 0), 1)


def test_c7_working_days_between_across_an_unknown_year_is_an_error() -> None:
    with pytest.raises(CalendarYearMissing, match="2003"):
        between(at(2003, 12, 31, 10, 0), at(2004, 1, 5, 10, 0))


def test_c7_calendar_refuses_an_exception_that_matches_the_plain_week() -> None:
    with pytest.raises(ValueError, match="no exception"):
        WorkCalendar([2027], {date(2027, 3, 1): True})


# checking an admin's schedule for a year


def test_c7_new_year_schedule_keeps_weekday_holidays_and_weekend_workdays() -> None:
    checked = year_exceptions(
        2027,
        holidays=[(date(2027, 1, 1), "元旦"), (date(2027, 1, 2), "元旦")],
        workdays=[(date(2027, 1, 9), "元旦调休")],
    )

    assert checked.days == {date(2027, 1, 1): (False, "元旦"), date(2027, 1, 9): (True, "元旦调休")}
    assert checked.ignored == [(date(2027, 1, 2), "元旦")]  # a Saturday: a day off anyway


@pytest.mark.parametrize(
    ("holidays", "workdays", "field", "message"),
    [
        ([(date(2027, 1, 1), "")], [(date(2027, 1, 4), "")], "workdays", "Saturday or Sunday"),
        ([(date(2028, 1, 3), "")], [], "holidays", "not in 2027"),
        ([(date(2027, 1, 1), "")], [(date(2026, 12, 26), "")], "workdays", "not in 2027"),
        ([(date(2027, 1, 1), "")], [(date(2027, 1, 1), "")], "workdays", "more than once"),
        ([(date(2027, 1, 2), "")], [], "holidays", "no public holiday on a weekday"),
        ([], [], "holidays", "no public holiday on a weekday"),
        ([(date(2027, 1, 1), "x" * 65)], [], "holidays", "longer than 64"),
    ],
)
def test_c7_new_year_schedule_is_checked(
    holidays: list[tuple[date, str]], workdays: list[tuple[date, str]], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as raised:
        year_exceptions(2027, holidays, workdays)

    assert raised.value.field == field
