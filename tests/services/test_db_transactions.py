"""Issue 11: a transaction whose BEGIN fails or is cancelled (the request deadline, while the
database hangs) gives its connection back to the pool and leaves the task's connection as it
was. Tortoise's own transaction kept the connection for good: 20 such requests and the API
waited for a connection on every request, the database long back."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tortoise import connections
from tortoise.backends.asyncpg.client import TransactionWrapper
from tortoise.transactions import in_transaction

from services import db
from services.staff.models import Staff


def pool() -> Any:
    client = connections.get("default")
    assert not isinstance(client, TransactionWrapper)  # the task's own, not a transaction's
    return client._pool


def in_use(of: Any) -> int:
    return sum(1 for holder in of._holders if holder._in_use is not None)


async def test_i11_a_begin_cancelled_by_the_deadline_gives_its_connection_back(monkeypatch):
    await Staff.all().count()  # the pool exists
    connections_of = pool()
    sent = asyncio.Event()
    begin = TransactionWrapper.begin

    async def hangs(self: TransactionWrapper) -> None:
        sent.set()
        await asyncio.Event().wait()  # a database that does not answer

    async def transaction() -> None:
        async with in_transaction():
            pass

    monkeypatch.setattr(TransactionWrapper, "begin", hangs)
    request = asyncio.create_task(transaction())
    await sent.wait()
    request.cancel()  # what the request deadline does
    with pytest.raises(asyncio.CancelledError):
        await request
    monkeypatch.setattr(TransactionWrapper, "begin", begin)

    assert in_use(connections_of) == 0
    async with in_transaction():  # the pool serves transactions as before
        assert await Staff.all().count() == 0


async def test_i11_a_begin_refused_gives_its_connection_back_and_the_task_its_connection(
    monkeypatch,
):
    await Staff.all().count()
    connections_of = pool()

    async def refused(self: TransactionWrapper) -> None:
        raise ConnectionResetError("the database went away")

    monkeypatch.setattr(TransactionWrapper, "begin", refused)
    with pytest.raises(ConnectionResetError) as raised:
        async with in_transaction():
            pass

    assert db.is_outage(raised.value)
    assert in_use(connections_of) == 0
    assert pool() is connections_of  # this task is no longer inside the transaction
