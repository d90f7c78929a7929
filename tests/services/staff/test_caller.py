"""The caller of a request is the partial Staff Tortoise would make of its row (issue 14: it is
built without Tortoise's partial-row fallback, on every request)."""

from __future__ import annotations

from tortoise import connections

from services.staff.models import Role, Staff, Track
from services.staff.service import _CALLER_SQL, caller_from_row, issue_token, staff_for_token
from tests import factories as f


async def callers_row(staff_id: int) -> dict[str, object]:
    async with connections.get("default").acquire_connection() as connection:
        return dict(await connection.fetchrow(_CALLER_SQL, staff_id))


async def test_the_caller_is_what_tortoise_makes_of_the_callers_row():
    department = await f.department()
    lead = await f.staff(
        Role.HANDLER, Role.TEAM_LEAD, dept=department, track=Track.SERVICE_CENTRE, head=True
    )
    loner = await f.staff()
    for staff in (lead, loner):
        row = await callers_row(staff.id)

        caller = caller_from_row(row)

        assert vars(caller) == vars(Staff._init_from_db(**row))
        assert type(caller.track) is Track and isinstance(caller.roles, list)


async def test_the_callers_staff_answers_as_the_model_does():
    department = await f.department()
    staff = await f.staff(Role.TEAM_LEAD, dept=department, track=Track.SERVICE_CENTRE)

    caller = await staff_for_token(issue_token(staff))

    assert (caller.id, caller.username, caller.department_id) == (
        staff.id,
        staff.username,
        department.id,
    )
    assert caller.track is Track.SERVICE_CENTRE and caller.has_role(Role.TEAM_LEAD)
    assert not caller.has_role(Role.ADMIN)
    assert caller._partial and caller._saved_in_db  # a partial row: never saved whole
    assert not hasattr(caller, "password_hash")
