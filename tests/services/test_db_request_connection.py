"""Issue 14: a request's statements share one pooled connection (`db.one_connection`), taken at
its first statement and given back at its end; a transaction begun in the request takes that
connection when it is idle, so a request never holds two. Seen from PostgreSQL: the backend
that answers each statement (`pg_backend_pid()`)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from services import db
from services.staff.models import Staff
from tests.services.test_db_transactions import in_use, pool


async def backend() -> int:
    _, rows = await connections.get("default").execute_query("SELECT pg_backend_pid() AS pid")
    return int(rows[0]["pid"])


async def test_i14_a_requests_statements_are_answered_by_one_backend():
    await Staff.all().count()  # the pool exists
    the_pool = pool()
    async with db.one_connection():
        first = await backend()
        assert in_use(the_pool) == 1
        assert [await backend() for _ in range(5)] == [first] * 5
        assert await Staff.all().count() == 0  # the ORM's reads too
        assert await backend() == first
    assert in_use(the_pool) == 0  # given back at the end


async def test_i14_statements_of_one_request_sent_side_by_side_take_turns():
    """Resolvers run side by side: their statements wait for each other on the one
    connection instead of failing with asyncpg's "another operation is in progress"."""
    async with db.one_connection():
        pids = await asyncio.gather(*(backend() for _ in range(8)))
    assert len(set(pids)) == 1


async def test_i14_a_transaction_in_a_request_takes_its_connection_instead_of_a_second():
    await Staff.all().count()
    the_pool = pool()
    async with db.one_connection():
        before = await backend()
        async with in_transaction():
            assert in_use(the_pool) == 1
            assert await backend() == before  # the same backend, now in the transaction
        assert in_use(the_pool) == 0  # it went back with the transaction
        await backend()  # a later statement takes one again
        assert in_use(the_pool) == 1
    assert in_use(the_pool) == 0


async def test_i14_a_request_whose_statement_fails_gives_its_connection_back():
    await Staff.all().count()
    the_pool = pool()
    failed: Any = None
    try:
        async with db.one_connection():
            await connections.get("default").execute_query("SELECT 1 / 0")
    except Exception as exc:
        failed = exc
    assert failed is not None
    assert in_use(the_pool) == 0
    async with db.one_connection():
        await backend()  # the pool still serves


async def test_i14_outside_a_request_every_statement_takes_and_gives_back_a_connection():
    await Staff.all().count()
    the_pool = pool()
    await backend()
    assert in_use(the_pool) == 0


async def test_i14_a_request_cancelled_during_its_statement_gives_its_connection_back():
    await Staff.all().count()
    the_pool = pool()

    async def request() -> None:
        async with db.one_connection():
            await connections.get("default").execute_query("SELECT pg_sleep(5)")

    task = asyncio.ensure_future(request())
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert in_use(the_pool) == 0
    async with db.one_connection():
        assert await backend() > 0  # the connection was reset or replaced, and serves
