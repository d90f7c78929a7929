"""The caller of a request is the partial Staff Tortoise would make of its row (issue 14: it is
built without Tortoise's partial-row fallback, on every request)."""

from __future__ import annotations

import asyncio

from tortoise import connections

from services.errors import Unauthenticated
from services.staff import lifecycle
from services.staff.models import Role, Staff, Track
from services.staff.service import _CALLER_SQL, caller_from_row, issue_token, staff_for_token
from tests import factories as f


async def callers_row(staff_id: int) -> dict[str, object]:
    async with connections.get("default").acquire_connection() as connection:
        return dict(await connection.fetchrow(_CALLER_SQL, [staff_id]))


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


# --- the token checks of concurrent requests share a statement (services/batching.py) -------


def caller_statements(counter: object) -> list[str]:
    return [q for q in counter.queries if "FROM staff WHERE id = ANY" in q]  # type: ignore[attr-defined]


async def test_the_callers_of_concurrent_requests_are_read_in_one_statement(count_queries):
    members = [await f.staff() for _ in range(6)]
    tokens = [issue_token(m) for m in members] * 3  # the same caller twice in a batch, too

    callers = await asyncio.gather(*(staff_for_token(t) for t in tokens))

    assert [c.id for c in callers] == [m.id for m in members] * 3
    assert len(caller_statements(count_queries)) == 1


async def test_a_key_asked_while_a_statement_is_out_goes_out_in_the_next_one():
    """What a request sees was read by a statement sent after it asked: never by the one
    already out, which may have read the row before a revocation committed."""
    from services.batching import Batched

    sent: list[list[int]] = []
    release = asyncio.Event()

    async def fetch(keys: list[int]) -> dict[int, int]:
        sent.append(keys)
        await release.wait()
        return {k: len(sent) for k in keys}

    batched: Batched[int, int] = Batched(fetch)
    early = asyncio.ensure_future(batched.get(1))
    await asyncio.sleep(0.01)  # its statement is out
    late = asyncio.ensure_future(batched.get(1))
    await asyncio.sleep(0.01)
    release.set()

    assert (await early, await late) == (1, 2)  # the late one by the second statement
    assert sent == [[1], [1]]


async def test_i11_a_token_revoked_is_refused_at_once_while_other_checks_run():
    staff = await f.staff()
    others = [await f.staff() for _ in range(3)]
    token = issue_token(staff)
    await lifecycle.log_out_everywhere(staff_id=staff.id, by=None)

    done = await asyncio.gather(
        *(staff_for_token(issue_token(o)) for o in others),
        staff_for_token(token),
        return_exceptions=True,
    )

    assert [d.id for d in done[:3]] == [o.id for o in others]  # type: ignore[union-attr]
    assert isinstance(done[3], Unauthenticated) and "revoked" in done[3].message


async def test_a_check_cancelled_while_waiting_leaves_the_others_answered():
    members = [await f.staff() for _ in range(3)]
    checks = [asyncio.ensure_future(staff_for_token(issue_token(m))) for m in members]
    await asyncio.sleep(0)
    checks[1].cancel()

    done = await asyncio.gather(*checks, return_exceptions=True)

    assert isinstance(done[1], asyncio.CancelledError)
    assert [done[0].id, done[2].id] == [members[0].id, members[2].id]  # type: ignore[union-attr]
    assert (await staff_for_token(issue_token(members[1]))).id == members[1].id


async def test_a_failed_statement_fails_each_check_of_its_batch_and_the_next_batch_runs():
    from services.batching import Batched

    calls: list[list[int]] = []

    async def fetch(keys: list[int]) -> dict[int, str]:
        calls.append(keys)
        if len(calls) == 1:
            raise ConnectionRefusedError("the database is down")
        return {k: f"row {k}" for k in keys}

    batched: Batched[int, str] = Batched(fetch)
    first = await asyncio.gather(batched.get(1), batched.get(2), return_exceptions=True)

    assert all(isinstance(e, ConnectionRefusedError) for e in first)
    assert await asyncio.gather(batched.get(3), batched.get(1)) == ["row 3", "row 1"]
    assert calls == [[1, 2], [3, 1]]
