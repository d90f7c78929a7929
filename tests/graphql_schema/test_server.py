"""graphql_schema.server.OneWrite against uvicorn's own httptools protocol, each serving an ASGI
app on a real loopback socket: a response is one TCP segment instead of two, and every answer
is the same bytes as uvicorn's (streaming, empty, HEAD, 100-continue, a failing app)."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from graphql_schema.server import OneWrite

App = Callable[[Any, Any, Any], Awaitable[None]]
GET = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"


@asynccontextmanager
async def serving(app: App, protocol: type[HttpToolsProtocol]) -> AsyncIterator[int]:
    """`app` served by `protocol` on 127.0.0.1 (no Date or Server header: answers compare)."""
    config = uvicorn.Config(app, lifespan="off", log_config=None, server_header=False)
    config.load()
    state = ServerState()
    server = await asyncio.get_running_loop().create_server(
        lambda: protocol(config=config, server_state=state, app_state={}), "127.0.0.1", 0
    )
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for connection in list(state.connections):
            connection.shutdown()
        server.close()
        await server.wait_closed()
        if state.tasks:
            await asyncio.wait(state.tasks)


def data_segments_in(sock: socket.socket) -> int:
    """Linux's tcpi_data_segs_in: TCP segments with data this socket received."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 160)
    return int(struct.unpack_from("I", info, 152)[0])


async def start(send: Any, length: int | None, status: int = 200) -> None:
    headers = [] if length is None else [(b"content-length", str(length).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})


async def hello(scope: Any, receive: Any, send: Any) -> None:
    await start(send, 5)
    await send({"type": "http.response.body", "body": b"hello"})


async def segments_per_answer(protocol: type[HttpToolsProtocol]) -> float:
    """Keep-alive requests one after the other; TCP data segments received per answer."""
    async with serving(hello, protocol) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        before = data_segments_in(writer.get_extra_info("socket"))
        for _ in range(10):
            writer.write(GET)
            await reader.readuntil(b"\r\n\r\n")
            assert await reader.readexactly(5) == b"hello"
        after = data_segments_in(writer.get_extra_info("socket"))
        writer.close()
        await writer.wait_closed()
    return (after - before) / 10


async def test_a_response_is_one_tcp_segment_where_uvicorn_sends_two():
    assert await segments_per_answer(HttpToolsProtocol) == 2  # head, then body
    assert await segments_per_answer(OneWrite) == 1


async def exchange(app: App, protocol: type[HttpToolsProtocol], request: bytes) -> bytes:
    """Everything the server sends for `request` until it closes the connection."""
    async with serving(app, protocol) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        answer = await asyncio.wait_for(reader.read(-1), timeout=10)
        writer.close()
        await writer.wait_closed()
    return answer


async def streaming(scope: Any, receive: Any, send: Any) -> None:
    await start(send, None)
    for chunk in (b"one ", b"", b"two"):
        await asyncio.sleep(0.01)
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def empty(scope: Any, receive: Any, send: Any) -> None:
    await start(send, 0)
    await send({"type": "http.response.body", "body": b""})


async def no_content(scope: Any, receive: Any, send: Any) -> None:
    await start(send, None, status=204)
    await send({"type": "http.response.body", "body": b""})


async def echo(scope: Any, receive: Any, send: Any) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await start(send, len(body))
    await send({"type": "http.response.body", "body": body})


async def fails_after_starting(scope: Any, receive: Any, send: Any) -> None:
    await start(send, 9)
    raise RuntimeError("the app failed mid-answer")


async def fails_before_starting(scope: Any, receive: Any, send: Any) -> None:
    raise RuntimeError("the app failed")


async def returns_unfinished(scope: Any, receive: Any, send: Any) -> None:
    await start(send, 9)


CLOSE = b"Host: t\r\nConnection: close\r\n\r\n"
CASES: dict[str, tuple[App, bytes]] = {
    "body": (hello, b"GET / HTTP/1.1\r\n" + CLOSE),
    "streamed": (streaming, b"GET / HTTP/1.1\r\n" + CLOSE),
    "empty body": (empty, b"GET / HTTP/1.1\r\n" + CLOSE),
    "204": (no_content, b"GET / HTTP/1.1\r\n" + CLOSE),
    "HEAD": (hello, b"HEAD / HTTP/1.1\r\n" + CLOSE),
    "HEAD kept alive": (hello, b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\n" + CLOSE),
    "HTTP/1.0": (hello, b"GET / HTTP/1.0\r\nHost: t\r\n\r\n"),
    "100-continue": (
        echo,
        b"POST / HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 4\r\n"
        b"Expect: 100-continue\r\n\r\nping",
    ),
    "pipelined": (hello, GET + GET + b"GET / HTTP/1.1\r\n" + CLOSE),
    "app failed after the head": (fails_after_starting, b"GET / HTTP/1.1\r\n" + CLOSE),
    "app failed before": (fails_before_starting, b"GET / HTTP/1.1\r\n" + CLOSE),
    "app left the body unsent": (returns_unfinished, b"GET / HTTP/1.1\r\n" + CLOSE),
}


@pytest.mark.parametrize("case", CASES)
async def test_every_answer_is_the_bytes_uvicorn_sends(case: str):
    app, request = CASES[case]
    ours = await exchange(app, OneWrite, request)
    theirs = await exchange(app, HttpToolsProtocol, request)
    assert ours == theirs
    assert ours.startswith(b"HTTP/1.1 ") or ours.startswith(b"HTTP/1.0 ")


async def test_a_streamed_answers_head_goes_with_its_first_chunk():
    ours = await exchange(streaming, OneWrite, b"GET / HTTP/1.1\r\n" + CLOSE)
    assert ours.endswith(b"\r\n\r\n4\r\none \r\n3\r\ntwo\r\n0\r\n\r\n")
    assert b"transfer-encoding: chunked" in ours
