"""The HTTP protocol uvicorn serves the app with: `uvicorn --http graphql_schema.server:OneWrite`.

uvicorn's httptools protocol writes a response in two socket sends, the status line and headers
when the app starts the response, then the body: two TCP segments, two wake-ups of the client
(issue 14: the two writes were 8% of a `me` request's CPU in a py-spy profile; one write less
measured about 1% of its server CPU, within a shared machine's noise). `OneWrite` is that
protocol with the head held back and written with the body's first bytes, in one send.
Everything else is uvicorn's: its parser, keep-alive, pipelining, flow control, 100-continue,
access log and errors.

When the head still goes out on its own: a HEAD request's (no body is written), and whenever
the cycle closes the connection first (the app failed after starting the response, or
returned without finishing it). A streaming response's head goes with its first chunk.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"  # the interim answer uvicorn's cycle may write first


class HeadWithBody(asyncio.Transport):
    """The connection's transport as one request's response cycle uses it (`write`, `close`,
    `is_closing`): its first write other than 100 Continue, the head, is held and prefixed to
    the next write, or written before the connection is closed."""

    __slots__ = ("held", "holding", "transport")

    def __init__(self, transport: asyncio.Transport, *, hold: bool) -> None:
        self.transport = transport
        self.holding = hold
        self.held: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self.held is not None:
            data, self.held = self.held + data, None
        elif self.holding and data != CONTINUE:
            self.holding = False
            self.held = bytes(data)
            return
        self.transport.write(data)

    def close(self) -> None:
        if self.held is not None:
            self.transport.write(self.held)
            self.held = None
        self.transport.close()

    def is_closing(self) -> bool:
        return self.transport.is_closing()


class OneWrite(HttpToolsProtocol):
    """uvicorn's httptools protocol; each response's head and first body bytes in one send."""

    def on_headers_complete(self) -> None:
        before = self.cycle
        super().on_headers_complete()
        if self.cycle is not before:  # a request to answer (an upgrade to WebSocket makes none)
            hold = self.cycle.scope["method"] != "HEAD"  # a HEAD's response writes no body
            self.cycle.transport = HeadWithBody(self.transport, hold=hold)
