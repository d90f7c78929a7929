"""C-7 working days from the stored calendar: seeding, an admin's new year, the cache."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.calendar import service
from services.calendar.models import CalendarDay, CalendarYear
from services.calendar.policy import CalendarYearMissing
from services.calendar.seed import add_year, remove_year, seed_years
from services.errors import Conflict, ErrorCode, InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A made-up 2027 schedule (the real one is not announced yet); 2027-02-06 is a Saturday.
HOLIDAYS_2027 = [(date(2027, 1, 1), "元旦")] + [(date(2027, 2, d), "春节") for d in range(5, 14)]
WORKDAYS_2027 = [(date(2027, 2, 14), "春节调休")]


@pytest.fixture
async def no_2027() -> AsyncIterator[None]:
    """2027 is absent before and after the test, whatever the test stores."""
    await remove_year(2027)
    yield
    await remove_year(2027)


def at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


async def stored_days(year: int) -> dict[date, tuple[bool, str]]:
    rows = await CalendarDay.filter(day__gte=date(year, 1, 1), day__lte=date(year, 12, 31))
    return {row.day: (row.is_workday, row.name) for row in rows}


async def snapshot() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    years = await CalendarYear.all().order_by("year").values("id", "year", "source", "loaded_at")
    days = await CalendarDay.all().order_by("day").values("day", "is_workday", "name")
    return years, days


async def test_c7_seeded_calendar_knows_2004_to_2026() -> None:
    calendar = await service.load_calendar()

    assert set(range(2004, 2027)) <= calendar.years
    assert calendar.is_workday(date(2026, 2, 14))
    assert not calendar.is_workday(date(2026, 2, 16))


async def test_c7_acknowledge_deadline_from_the_stored_calendar() -> None:
    friday = at(2026, 2, 13, 15, 0)

    assert await service.add_working_days(friday, 1) == at(2026, 2, 14, 15, 0)
    assert await service.add_working_days(friday, 2) == at(2026, 2, 24, 15, 0)


async def test_c7_working_days_between_from_the_stored_calendar() -> None:
    a = at(2026, 2, 13, 10, 0)
    b = at(2026, 2, 24, 10, 0)

    assert await service.working_days_between(a, b) == 2.0


async def test_c7_a_year_beyond_what_can_be_computed_is_an_error(no_2027: None) -> None:
    with pytest.raises(CalendarYearMissing) as raised:
        await service.add_working_days(at(2100, 3, 1, 9, 0), 1)

    assert raised.value.code == ErrorCode.INVALID_INPUT
    assert "2100" in raised.value.message
    assert not await CalendarYear.exists(year=2100)


async def test_c7_seed_years_is_idempotent(count_queries: Any) -> None:
    before = await snapshot()

    added = await seed_years()

    assert added == []
    assert await snapshot() == before
    assert any("calendar_years" in q for q in count_queries.queries)
    assert not [q for q in count_queries.queries if "INSERT" in q or "DELETE" in q]


async def test_c7_seed_years_restores_a_missing_year() -> None:
    before = await stored_days(2010)
    await remove_year(2010)
    try:
        assert await seed_years(2009, 2011) == [2010]
        assert await stored_days(2010) == before
        assert (await service.load_calendar()).is_workday(date(2010, 2, 20))  # 调休 Saturday
    finally:
        await seed_years()


async def test_c7_admin_adds_2027_and_it_takes_effect_at_once(no_2027: None) -> None:
    stored = await add_year(2027, HOLIDAYS_2027, WORKDAYS_2027)

    assert await stored_days(2027) == stored.days
    assert (await CalendarYear.get(year=2027)).source == "admin"
    assert stored.ignored == [
        (date(2027, 2, 6), "春节"),
        (date(2027, 2, 7), "春节"),
        (date(2027, 2, 13), "春节"),
    ]
    thursday = at(2027, 2, 4, 11, 0)
    assert await service.add_working_days(thursday, 1) == at(2027, 2, 14, 11, 0)


async def test_c7_add_year_refuses_a_stored_year() -> None:
    before = await snapshot()

    with pytest.raises(Conflict) as raised:
        await add_year(2026, [(date(2026, 1, 1), "元旦")], [])

    assert raised.value.code == ErrorCode.CONFLICT
    assert "2026 already has a calendar" in raised.value.message
    assert await snapshot() == before


async def test_c7_add_year_replace_overwrites_the_stored_year(no_2027: None) -> None:
    await add_year(2027, HOLIDAYS_2027, WORKDAYS_2027)

    await add_year(2027, [(date(2027, 1, 1), "元旦")], [], source="国务院办公厅通知", replace=True)

    assert await stored_days(2027) == {date(2027, 1, 1): (False, "元旦")}
    assert (await CalendarYear.get(year=2027)).source == "国务院办公厅通知"
    assert (await service.load_calendar()).is_workday(date(2027, 2, 8))


async def test_c7_add_year_with_a_weekday_workday_stores_nothing(no_2027: None) -> None:
    with pytest.raises(InvalidInput, match="Saturday or Sunday") as raised:
        await add_year(2027, HOLIDAYS_2027, [(date(2027, 2, 15), "春节调休")])

    assert raised.value.field == "workdays"
    assert not await CalendarYear.exists(year=2027)
    assert await stored_days(2027) == {}


async def test_c7_cached_calendar_costs_no_query(count_queries: Any) -> None:
    await service.load_calendar()
    count_queries.queries.clear()

    await service.add_working_days(at(2026, 3, 9, 9, 0), 1)

    assert count_queries.queries == []


async def test_c7_year_added_by_another_process_takes_effect_after_the_check(
    no_2027: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    await service.load_calendar()
    # another process stores 2027: this process's cache is not told
    await CalendarYear.create(year=2027, source="elsewhere")
    await CalendarDay.create(day=date(2027, 1, 1), is_workday=False, name="元旦")
    assert 2027 not in (await service.load_calendar()).years  # within the check interval

    monkeypatch.setattr(service, "CHECK_INTERVAL_SECONDS", 0.0)

    assert not (await service.load_calendar()).is_workday(date(2027, 1, 1))
