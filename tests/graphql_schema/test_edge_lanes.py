"""Issue 14, the edge's fixed cost: a GraphQL request goes from RequestId straight to its
endpoint (graphql_schema.app.TousuApp), and its deadline shares one timer
(graphql_schema.deadline), each with the behaviour it had."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Route

from graphql_schema import deadline, ops
from graphql_schema.app import GRAPHQL_METHODS, TousuApp
from graphql_schema.deadline import Deadline


class Spy:
    """An endpoint that notes each scope it is called with; it fails when asked to."""

    def __init__(self) -> None:
        self.scopes: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.scopes.append(scope)
        if scope["path"] == "/fails":
            raise RuntimeError("a bug in the endpoint")
        await JSONResponse({"data": None})(scope, receive, send)


def client(spy: Spy) -> httpx.AsyncClient:
    routes = [Route(p, spy, methods=list(GRAPHQL_METHODS)) for p in ("/graphql", "/fails")]
    app = TousuApp(
        graphql={"/graphql": spy, "/fails": spy},
        routes=[*routes, Route("/other", lambda r: JSONResponse({"other": True}))],
        middleware=[Middleware(ops.RequestId)],
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://t")


async def test_a_graphql_request_skips_starlettes_router_and_keeps_its_request_id():
    spy = Spy()
    async with client(spy) as http:
        answer = await http.post("/graphql", json={}, headers={"X-Request-ID": "abc-1"})
        again = await http.post("/graphql", json={})

    assert answer.status_code == 200 and answer.json() == {"data": None}
    assert answer.headers["x-request-id"] == "abc-1"
    assert len(again.headers["x-request-id"]) == 16
    assert "router" not in spy.scopes[0] and "endpoint" not in spy.scopes[0]
    assert isinstance(spy.scopes[0]["app"], TousuApp)


async def test_what_is_not_a_graphql_request_takes_starlettes_way():
    spy = Spy()
    async with client(spy) as http:
        put = await http.put("/graphql", json={})
        other = await http.get("/other")
        slash = await http.post("/graphql/", json={})

    assert put.status_code == 405 and put.headers["allow"]
    assert put.headers["x-request-id"]
    assert other.json() == {"other": True} and other.headers["x-request-id"]
    assert slash.status_code == 307  # Starlette's redirect to /graphql
    assert spy.scopes == []


async def test_an_endpoint_that_fails_is_answered_500_as_before():
    spy = Spy()
    async with client(spy) as http:
        answer = await http.post("/fails", json={})

    assert answer.status_code == 500
    assert answer.text == "Internal Server Error"


async def test_a_deadline_raises_timeout_error_at_its_time_as_asyncio_timeout_does():
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        async with Deadline(0.2):
            await asyncio.sleep(5)
    elapsed = time.monotonic() - started

    assert 0.2 <= elapsed < 0.2 + deadline.TICK + 0.5


async def test_a_cancellation_from_elsewhere_is_not_turned_into_a_timeout():
    async def waits() -> None:
        async with Deadline(5):
            await asyncio.sleep(5)

    task = asyncio.ensure_future(waits())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_requests_deadlines_share_one_timer_that_stops_when_none_is_pending(monkeypatch):
    loop = asyncio.get_running_loop()
    await asyncio.sleep(deadline.TICK * 3)  # a sweep left by an earlier test has stopped
    timers: list[float] = []
    call_at = loop.call_at  # asyncio's call_later and asyncio.timeout's timer go through it

    def counted(when: float, *args: Any, **kwargs: Any) -> Any:
        timers.append(when)
        return call_at(when, *args, **kwargs)

    monkeypatch.setattr(loop, "call_at", counted)
    for _ in range(100):
        async with Deadline(30):
            await asyncio.sleep(0)
    monkeypatch.undo()
    await asyncio.sleep(deadline.TICK * 3)

    assert len(timers) == 1  # the sweep's; asyncio.timeout: one per request
    assert deadline._sweeper is not None and not deadline._sweeper.ticking
    assert deadline._sweeper.pending == {}
