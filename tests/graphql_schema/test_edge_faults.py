"""Issue 11: the database down or slow is a typed error (503 UNAVAILABLE with Retry-After,
TIMEOUT), never a plain-text 500; statements and requests have a time limit.

The outage is real: the API talks to the test PostgreSQL through a TCP relay that the test
takes down (every connection cut, new ones refused) and brings back up.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import urlparse

import asyncpg
import httpx
import pytest
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.connection import get_connections
from tortoise.exceptions import OperationalError

from graphql_schema.app import create_app
from graphql_schema.partners import app as partner_api
from graphql_schema.transport import EdgeLimits
from services import db
from services.config import settings
from services.partners import keys
from services.staff.service import issue_token
from tests import factories as f

ME = "{ me { username } }"
COMPLAINTS = "{ complaints(first: 5) { totalCount } }"
LOGIN = 'mutation { login(username: "x", password: "y") { __typename } }'


class Relay:
    """A TCP relay to PostgreSQL: `down()` cuts every connection and refuses new ones."""

    def __init__(self) -> None:
        target = urlparse(settings.database_url)
        self.target = (target.hostname or "127.0.0.1", target.port or 5432)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.links:
            writer.transport.abort()
        await self.server.wait_closed()
        await asyncio.sleep(0.05)  # let the pipes see their ends
        self.links.clear()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream = await asyncio.open_connection(*self.target)
        self.links |= {writer, upstream}
        await asyncio.gather(_pipe(reader, upstream), _pipe(upstream_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.transport.abort()


def client(url: str, **server_settings: str) -> AsyncpgDBClient:
    credentials = db.tortoise_config(url)["connections"]["default"]["credentials"]
    return AsyncpgDBClient(
        connection_name="default",
        **{**credentials, "maxsize": 2, "server_settings": server_settings},
    )


@contextmanager
def api_database(conn: AsyncpgDBClient) -> Iterator[None]:
    """The API's "default" connection, for this test only."""
    handler = get_connections()
    token = handler.set("default", conn)
    try:
        yield
    finally:
        handler.reset(token)


@asynccontextmanager
async def app_client(deadline_seconds: float) -> AsyncIterator[httpx.AsyncClient]:
    keys.reset()
    limits = EdgeLimits(1 << 20, deadline_seconds=deadline_seconds)
    app = create_app(with_lifespan=False, limits=limits)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield http
    await partner_api.shutdown()
    keys.reset()


@pytest.fixture
async def http(redis: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The settings' request deadline: on a busy machine a 1 s one stepped in before the
    outage or the statement timeout could be seen (TIMEOUT where UNAVAILABLE was due)."""
    async with app_client(settings.graphql_deadline_seconds) as http:
        yield http


@pytest.fixture
async def hasty(redis: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A request deadline of 1 s."""
    async with app_client(1.0) as http:
        yield http


@pytest.fixture
async def relay() -> AsyncIterator[Relay]:
    relay = Relay()
    await relay.up()
    conn = client(
        f"postgres://postgres@127.0.0.1:{relay.port}{urlparse(settings.database_url).path}"
    )
    with api_database(conn):
        yield relay
    await conn.close()
    await relay.down()


@asynccontextmanager
async def locked(table: str) -> AsyncIterator[None]:
    """Another session holds `table` locked: any statement on it waits until released."""
    holder = await asyncpg.connect(settings.database_url)
    try:
        async with holder.transaction():
            await holder.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
            yield
    finally:
        await holder.close()


def unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["retry-after"]) > 0
    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["UNAVAILABLE"]


async def post(http: httpx.AsyncClient, path: str, query: str, token: str = "") -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.post(path, json={"query": query}, headers=headers)


async def test_i11_the_database_down_is_503_unavailable_on_every_endpoint_until_it_is_back(
    http, relay
):
    handler = await f.staff()
    key = await f.partner_key(await f.partner())
    token = issue_token(handler)
    before = await post(http, "/graphql", ME, token)

    await relay.down()
    started = time.perf_counter()
    answers = {
        "staff, token lookup": await post(http, "/graphql", ME, token),
        "staff, in a resolver": await post(http, "/graphql", LOGIN),
        "partner, key lookup": await post(http, "/partner/graphql", "{ me { spCode } }", key),
        "readyz": await http.get("/readyz"),
    }
    elapsed = time.perf_counter() - started
    await relay.up()
    after = await post(http, "/graphql", ME, token)

    print(f"4 requests answered 503 in {elapsed * 1000:.0f} ms while the database was down")
    assert before.json()["data"]["me"]["username"] == handler.username
    for answer in answers.values():
        unavailable(answer)
    assert answers["staff, in a resolver"].json()["errors"][0]["path"] == ["login"]
    assert answers["readyz"].json()["status"] == "unavailable"
    assert answers["readyz"].json()["checks"]["postgresql"]["ok"] is False
    assert (await http.get("/healthz")).json() == {"status": "ok"}  # alive all the same
    assert after.status_code == 200 and after.json()["data"]["me"]["username"] == handler.username


async def test_i11_the_apis_connections_cancel_statements_past_the_statement_timeout():
    config = db.tortoise_config(statement_timeout_ms=200)
    conn = AsyncpgDBClient(
        connection_name="timed", **config["connections"]["default"]["credentials"]
    )
    try:
        shown = await conn.execute_query_dict("SHOW statement_timeout")
        started = time.perf_counter()
        with pytest.raises(asyncpg.QueryCanceledError) as raised:
            await conn.execute_query("SELECT pg_sleep(5)")
        elapsed = time.perf_counter() - started
    finally:
        await conn.close()

    print(f"a 5 s statement cancelled after {elapsed:.2f} s (statement_timeout 200 ms)")
    assert shown == [{"statement_timeout": "200ms"}]
    assert db.is_statement_timeout(raised.value) and not db.is_outage(raised.value)


async def test_i11_a_statement_past_the_timeout_is_a_typed_timeout_error(http):
    handler = await f.staff()
    conn = client(settings.database_url, statement_timeout="300")

    with api_database(conn):
        async with locked("complaints"):
            response = await post(http, "/graphql", COMPLAINTS, issue_token(handler))
    await conn.close()

    assert response.status_code == 503 and int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["data"] is None
    assert [(e["extensions"]["code"], e["path"]) for e in body["errors"]] == [
        ("TIMEOUT", ["complaints"])
    ]


async def test_i11_a_request_past_the_deadline_is_a_typed_timeout_error(hasty):
    handler = await f.staff()

    started = time.perf_counter()
    async with locked("complaints"):
        response = await post(hasty, "/graphql", COMPLAINTS, issue_token(handler))
    elapsed = time.perf_counter() - started
    after = await post(hasty, "/graphql", COMPLAINTS, issue_token(handler))

    print(f"deadline of 1 s answered after {elapsed:.2f} s")
    assert response.status_code == 503 and int(response.headers["retry-after"]) > 0
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["TIMEOUT"]
    assert elapsed >= 1.0  # it waited for the deadline (the lock is never released in time)
    assert after.json()["data"]["complaints"]["totalCount"] == 0


def _wrapped(exc: BaseException) -> BaseException:
    """As Tortoise raises it: its own error, the driver's as the cause."""
    try:
        raise OperationalError(str(exc)) from exc
    except OperationalError as outer:
        return outer


@pytest.mark.parametrize(
    ("exc", "outage"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (
            asyncpg.ConnectionDoesNotExistError("connection was closed in the middle"),
            True,
        ),
        (asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"), True),
        (socket.gaierror(-3, "Temporary failure in name resolution"), True),
        (TimeoutError(), True),
        (
            OSError(
                "Multiple exceptions: [Errno 111] Connect call failed, [Errno 99] Cannot assign"
            ),
            True,
        ),
        (asyncpg.CannotConnectNowError("the database system is starting up"), True),
        (
            asyncpg.InterfaceError("cannot perform operation: another operation is …"),
            False,
        ),
        (FileNotFoundError(2, "No such file"), False),
        (OSError("something else"), False),
        (ValueError("a bug"), False),
    ],
)
@pytest.mark.parametrize("as_raised", [False, True], ids=["driver", "tortoise"])
def test_i11_every_way_of_losing_the_database_is_an_outage_and_nothing_else(exc, outage, as_raised):
    """Seen once killing PostgreSQL under load: one answer `Unexpected error.` among 302."""
    assert db.is_outage(_wrapped(exc) if as_raised else exc) is outage
