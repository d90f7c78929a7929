"""Issue 11 against the real server: the API in its own uvicorn process (its lifespan, its
PostgreSQL connections with `statement_timeout`), its memory read from /proc."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from services.config import settings
from services.staff.service import issue_token
from tests import factories as f
from tests.app_server import serving
from tests.graphql_schema.test_edge_limits import GB23

ROOT = Path(__file__).resolve().parents[2]
LIMIT = settings.graphql_max_body_bytes
pytestmark = pytest.mark.usefixtures("wall_clock")  # the server process reads the wall clock


class Server:
    def __init__(self, process: subprocess.Popen[bytes], port: int):
        self.process, self.port = process, port
        self.url = f"http://127.0.0.1:{port}"

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    env = {**os.environ, "DB_STATEMENT_TIMEOUT_MS": "300", "GRAPHQL_DEADLINE_SECONDS": "5"}
    with serving(env=env, log=subprocess.DEVNULL, timeout=30) as (process, url):
        yield Server(process, int(url.rsplit(":", 1)[1]))


async def _stream_until_answered(port: int, total: int) -> tuple[int, bytes]:
    """POST a chunked body of `total` bytes; stop sending once the server answers."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    answer = asyncio.ensure_future(reader.read(65536))
    sent, chunk = 0, b" " * 65536
    try:
        while sent < total and not answer.done():
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await asyncio.wait_for(writer.drain(), timeout=5)
            sent += len(chunk)
    except (ConnectionError, TimeoutError):
        pass
    raw = await asyncio.wait_for(answer, timeout=10)
    while b"\r\n\r\n" not in raw or not raw.rstrip().endswith(b"}"):
        more = await asyncio.wait_for(reader.read(65536), timeout=10)
        if not more:
            break
        raw += more
    writer.transport.abort()
    return sent, raw


async def test_i11_the_real_server_answers_a_100mb_body_413_without_reading_it(server):
    total = 100 * 1024 * 1024
    before = server.rss_mb()

    sent, raw = await _stream_until_answered(server.port, total)
    after = server.rss_mb()

    head, _, body = raw.partition(b"\r\n\r\n")
    print(f"413 after {sent / 1e6:.1f} MB of 100 MB sent; API RSS {before:.0f} -> {after:.0f} MB")
    assert head.startswith(b"HTTP/1.1 413")
    assert b"PAYLOAD_TOO_LARGE" in body
    assert sent < total / 4
    assert after - before < 20


async def test_i11_the_real_server_refuses_the_23gb_query_in_milliseconds_with_flat_memory(
    server,
):
    handler = await f.staff()
    await f.complaint(handler)
    before = server.rss_mb()

    async with httpx.AsyncClient(base_url=server.url) as http:
        started = time.perf_counter()
        response = await http.post(
            "/graphql",
            json={"query": GB23},
            headers={"Authorization": f"Bearer {issue_token(handler)}"},
        )
        elapsed = time.perf_counter() - started
    after = server.rss_mb()

    print(f"23 GB query refused in {elapsed * 1000:.0f} ms; API RSS {before:.0f} -> {after:.0f} MB")
    assert response.json()["data"] is None
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["QUERY_TOO_COSTLY"]
    assert after - before < 20


async def test_i11_the_real_servers_statements_stop_at_the_statement_timeout(server):
    handler = await f.staff()
    holder = await asyncpg.connect(settings.database_url)
    try:
        async with holder.transaction(), httpx.AsyncClient(base_url=server.url) as http:
            await holder.execute("LOCK TABLE complaints IN ACCESS EXCLUSIVE MODE")
            started = time.perf_counter()
            response = await http.post(
                "/graphql",
                json={"query": "{ complaints(first: 1) { totalCount } }"},
                headers={"Authorization": f"Bearer {issue_token(handler)}"},
                timeout=10,
            )
            elapsed = time.perf_counter() - started
    finally:
        await holder.close()

    body: Any = json.loads(response.content)
    print(f"statement timeout (300 ms) answered after {elapsed:.2f} s")
    assert response.status_code == 503
    # the statement's own timeout, at its field: the request deadline (5 s, no path) did not
    # have to step in
    assert [(e["extensions"]["code"], e.get("path")) for e in body["errors"]] == [
        ("TIMEOUT", ["complaints"])
    ]
