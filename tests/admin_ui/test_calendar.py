"""The working-day calendar page (C-7): the month view, the calculator, and edits that move
deadlines, each recorded and restorable. The calendar is kept between tests, so every test that
edits it puts the seeded years back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from services.audit.models import CalendarChange
from services.calendar import seed
from services.calendar.models import CalendarDay, CalendarYear
from services.calendar.service import add_working_days, forget_calendar, operator_zone
from tests.admin_ui.conftest import Console, text_of


@pytest.fixture
async def calendar_restored() -> AsyncIterator[None]:
    """Whatever a test does to 2026 or 2027, the seeded calendar is back afterwards."""
    yield
    await seed.remove_year(2026)
    await seed.remove_year(2027)
    await seed.seed_years(2026, 2026)
    forget_calendar()


def calc(start: str, days: int) -> str:
    return f"/admin/calendar?month=2026-12&start={start}&days={days}"


async def test_c7_month_view_shows_holidays_and_adjusted_working_days(admin: Console):
    page = await admin.get("/admin/calendar?month=2026-10")

    assert page.status_code == 200
    text = text_of(page.text)
    assert "2026年10月" in text
    assert 'data-day="2026-10-01"' in page.text and "国庆节" in text
    assert 'class="day holiday' in page.text and 'class="day adjusted' in page.text
    assert "周一" in text  # weeks start on Monday


async def test_c7_adding_a_holiday_moves_a_deadline(admin: Console, calendar_restored: None):
    before = await admin.get(calc("2026-12-01T09:00", 1))
    assert "到期时间：2026-12-02 09:00" in before.text

    response = await admin.post(
        "/admin/calendar/day",
        {"day": "2026-12-02", "kind": "holiday", "name": "临时放假", "reason": "测试"},
    )
    after = await admin.get(calc("2026-12-01T09:00", 1))

    assert response.status_code == 303
    assert "到期时间：2026-12-03 09:00" in after.text
    start = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    due = await add_working_days(start, 1)
    assert due.astimezone(operator_zone()).date().isoformat() == "2026-12-03"
    change = await CalendarChange.get(year=2026)
    assert (change.action, change.reason, change.changed_by_id) == (
        "set_day",
        "测试",
        admin.staff.id,
    )
    assert ["2026-12-02", False, "临时放假"] in change.after
    assert ["2026-12-02", False, "临时放假"] not in change.before


async def test_a_calendar_edit_can_be_undone_from_its_history(
    admin: Console, calendar_restored: None
):
    await admin.post(
        "/admin/calendar/day",
        {"day": "2026-12-02", "kind": "holiday", "name": "临时放假", "reason": "测试"},
    )
    change = await CalendarChange.get(year=2026)

    response = await admin.post(
        "/admin/calendar/restore", {"change": str(change.id), "to": "before", "reason": "撤销"}
    )

    assert response.status_code == 303
    assert not await CalendarDay.exists(day="2026-12-02")
    page = await admin.get(calc("2026-12-01T09:00", 1))
    assert "到期时间：2026-12-02 09:00" in page.text
    assert await CalendarChange.filter(year=2026).count() == 2


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"day": "2026-12-05", "kind": "holiday", "name": "x"},
            "2026-12-05 是周六，本来就休息，无需设为节假日。",
        ),
        (
            {"day": "2026-12-02", "kind": "workday", "name": "x"},
            "2026-12-02 是周三：调休上班日只能是周六或周日。",
        ),
        ({"day": "2026-12-02", "kind": "holiday", "name": ""}, "请填写「名称」。"),
        (
            {"day": "2026-13-02", "kind": "holiday", "name": "x"},
            "「日期」请按 2026-01-31 的格式填写日期。",
        ),
    ],
)
async def test_c7_a_day_that_cannot_be_so_is_refused_and_nothing_changes(
    admin: Console, form: dict[str, str], message: str
):
    response = await admin.post("/admin/calendar/day", {**form, "reason": "测试"})

    assert response.status_code == 400
    assert message in text_of(response.text)
    assert await CalendarChange.all().count() == 0


async def test_c7_an_admin_confirms_a_provisional_year_from_the_announced_schedule(
    admin: Console, calendar_restored: None
):
    provisional = await admin.get("/admin/calendar?month=2027-02")
    assert 'id="year-provisional"' in provisional.text
    assert (await CalendarYear.get(year=2027)).provisional

    response = await admin.post(
        "/admin/calendar/year",
        {
            "year": "2027",
            "holidays": "2027-01-01 元旦\n2027-02-05..2027-02-11 春节",
            "workdays": "2027-02-14 春节调休",
            "reason": "国务院办公厅通知",
        },
    )
    page = await admin.get("/admin/calendar?month=2027-02")

    assert response.status_code == 303
    assert not (await CalendarYear.get(year=2027)).provisional
    assert 'data-day="2027-02-08"' in page.text and "春节" in page.text
    assert 'id="year-provisional"' not in page.text
    due = await admin.get("/admin/calendar?start=2027-02-04T09:00&days=1")
    assert "到期时间：2027-02-12 09:00" in due.text


@pytest.mark.parametrize(
    ("holidays", "workdays", "message"),
    [
        ("2027-01-01 元旦\n2027-02-31 春节", "", "第 2 行「2027-02-31 春节」无法识别"),
        ("2027-01-01 元旦", "2027-02-15 春节调休", "2027-02-15 是周一：调休上班日只能是周六或周日"),
        ("2026-01-01 元旦", "", "2026-01-01 不在 2027 年"),
        ("2027-01-02 元旦", "", "至少要有一个落在工作日的法定节假日"),
    ],
)
async def test_c7_a_schedule_that_is_wrong_is_refused_and_nothing_changes(
    admin: Console, holidays: str, workdays: str, message: str
):
    response = await admin.post(
        "/admin/calendar/year",
        {"year": "2027", "holidays": holidays, "workdays": workdays, "reason": "x"},
    )

    assert response.status_code == 400
    assert message in text_of(response.text)
    assert not await CalendarYear.exists(year=2027)


async def test_a_stored_year_is_not_replaced_unless_asked(admin: Console):
    response = await admin.post(
        "/admin/calendar/year",
        {"year": "2026", "holidays": "2026-01-01 元旦", "workdays": "", "reason": "x"},
    )

    assert response.status_code == 400
    assert "2026 年已有日历；如需替换，请勾选「该年已有日历时替换」。" in text_of(response.text)
    assert await CalendarChange.all().count() == 0


async def test_an_auditor_sees_the_calendar_but_cannot_edit_it(auditor: Console):
    page = await auditor.get("/admin/calendar")
    response = await auditor.post(
        "/admin/calendar/day",
        {"day": "2026-12-02", "kind": "holiday", "name": "x", "reason": "x"},
    )

    assert page.status_code == 200 and "设置某一天" not in page.text
    assert response.status_code == 403
    assert not await CalendarDay.exists(day="2026-12-02")


async def test_c7_the_calculator_counts_into_a_provisional_year_and_says_so(admin: Console):
    # 1 Jan 2027 (Friday) is New Year's Day, computed by rule: 3 working days from 31 Dec 09:00
    # are Mon 4, Tue 5 and Wed 6 January
    page = await admin.get("/admin/calendar?start=2026-12-31T09:00&days=3")

    result = text_of(page.text)
    assert "2027-01-06 09:00" in result and "暂定" in result


async def test_c7_a_month_of_a_year_nobody_stored_shows_the_computed_holidays_as_provisional(
    admin: Console,
):
    page = await admin.get("/admin/calendar?month=2027-02")

    assert 'data-day="2027-02-08"' in page.text and "春节" in page.text
    assert 'id="year-provisional"' in page.text and "2027 年日历为暂定" in text_of(page.text)


async def test_calendar_changes_are_listed_with_who_and_why(
    admin: Console, calendar_restored: None
):
    staff = admin.staff
    await admin.post(
        "/admin/calendar/day",
        {"day": "2026-12-02", "kind": "holiday", "name": "临时放假", "reason": "台风停工"},
    )

    page = await admin.get("/admin/calendar?month=2026-12")

    text = text_of(page.text)
    assert "台风停工" in text and staff is not None and staff.display_name in text
    assert "新增/修改：2026-12-02" in text


async def test_c7_admins_see_a_banner_60_days_before_the_confirmed_calendar_ends(
    admin: Console,
):
    from services import clock

    clock.freeze(datetime(2026, 11, 29, 1, 0, tzinfo=UTC))

    page = text_of((await admin.get("/admin/complaints")).text)

    assert "工作日历仅确认到 2026-12-31（剩 32 天）" in page
    assert "2027 年安排公布后" in page


async def test_c7_after_the_last_confirmed_day_the_banner_says_how_long_ago(admin: Console):
    from services import clock

    clock.freeze(datetime(2027, 1, 4, 2, 0, tzinfo=UTC))

    page = text_of((await admin.get("/admin/complaints")).text)

    assert "工作日历仅确认到 2026-12-31，已过去 4 天" in page


async def test_c7_the_calendar_banner_is_for_admins_not_auditors(auditor: Console):
    from services import clock

    clock.freeze(datetime(2026, 11, 29, 1, 0, tzinfo=UTC))

    page = await auditor.get("/admin/complaints")

    assert page.status_code == 200 and 'id="calendar-warning"' not in page.text


async def test_c7_no_banner_while_the_confirmed_calendar_reaches_beyond_60_days(admin: Console):
    page = await admin.get("/admin/complaints")  # the pinned clock: March 2026

    assert 'id="calendar-warning"' not in page.text


async def test_c7_confirming_a_year_in_the_editor_recounts_deadlines_into_their_history(
    admin: Console, calendar_restored: None
):
    from services import clock
    from services.complaints.models import ComplaintEvent, Deadline, DeadlineKind
    from services.staff.models import Role
    from tests import factories as f

    # Wed 3 Feb 2027, 2027 computed by rule: acknowledge Thu 4 Feb, plan Thu 4, Thu 11, Fri 12
    clock.freeze(datetime(2027, 2, 3, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai
    complaint = await f.complaint(await f.staff(Role.HANDLER))
    listed = await admin.get("/admin/complaints")
    assert 'class="badge provisional"' in listed.text and "暂定" in text_of(listed.text)

    response = await admin.post(
        "/admin/calendar/year",
        {
            "year": "2027",
            "holidays": "2027-01-01 元旦\n2027-02-05..2027-02-11 春节",
            "workdays": "2027-02-14 春节调休",
            "reason": "国务院办公厅通知",
        },
    )

    assert response.status_code == 303
    plan = await Deadline.get(complaint_id=complaint.id, kind=DeadlineKind.INITIAL_PLAN)
    assert plan.due_at == datetime(2027, 2, 14, 2, 0, tzinfo=UTC)  # Thu 4, Fri 12, Sun 14
    assert not plan.provisional
    moved = await ComplaintEvent.get(complaint_id=complaint.id, action="deadline_recomputed")
    assert admin.staff is not None and moved.actor_id == admin.staff.id
    assert datetime.fromisoformat(moved.from_value) == datetime(2027, 2, 12, 2, 0, tzinfo=UTC)
    assert datetime.fromisoformat(moved.to_value) == plan.due_at
    assert "2027 年工作日历已由管理员确认" in moved.reason
    listed = await admin.get("/admin/complaints")
    assert 'class="badge provisional"' not in listed.text
