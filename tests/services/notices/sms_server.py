"""A small real SMS gateway on loopback, speaking the API of services/notices/gateways/http.py.

Plain asyncio streams and HTTP/1.1 with keep-alive: it checks the HMAC signature, logs every
message it sees (before answering, as a real gateway would have it by then), and answers as
`respond` says: a reply code, an HTTP status, garbage, silence (for timeouts) or a dropped
connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

ACCOUNT = "tousu-test"
SECRET = "loopback-secret"


@dataclass
class Seen:
    reference: str
    msisdn: str
    text: str
    signed: bool


@dataclass
class Reply:
    status: int = 200
    body: bytes | None = None  # None: the API's JSON with `code`
    code: str = "0"
    delay: float = 0.0
    hang: bool = False  # never answer (the client times out)
    drop: bool = False  # close the connection without answering


Respond = Callable[[Seen], Reply | Awaitable[Reply]]


@dataclass
class SmsServer:
    respond: Respond = field(default=lambda seen: Reply())
    seen: list[Seen] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms/send"

    def counts(self) -> Counter[str]:
        return Counter(s.reference for s in self.seen)

    async def start(self) -> SmsServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if not await self._answer(headers, body, writer):
                    return
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _answer(
        self, headers: dict[str, str], body: bytes, writer: asyncio.StreamWriter
    ) -> bool:
        expected = hmac.new(
            SECRET.encode(),
            headers.get("x-sms-timestamp", "").encode() + b"." + body,
            hashlib.sha256,
        ).hexdigest()
        signed = hmac.compare_digest(expected, headers.get("x-sms-signature", ""))
        payload = json.loads(body)
        seen = Seen(payload["reference"], payload["msisdn"], payload["text"], signed)
        self.seen.append(seen)
        reply = self.respond(seen)
        if not isinstance(reply, Reply):
            reply = await reply
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.hang:
            await asyncio.sleep(3600)
        if reply.drop:
            return False
        if reply.body is not None:
            content = reply.body
        else:
            code = reply.code if signed else "4001"
            message_id = f"m{next(self._ids)}" if code == "0" else ""
            content = json.dumps({"code": code, "message_id": message_id, "message": "ok"}).encode()
        writer.write(
            f"HTTP/1.1 {reply.status} X\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(content)}\r\n\r\n".encode()
            + content
        )
        await writer.drain()
        return True
