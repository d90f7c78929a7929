"""`make run` (scripts/run.py) in a subprocess for the fault tests, and a write load against it.

The stack gets its own data directory and ports, and none of the test session's servers: it
starts its own durable PostgreSQL and its own Redis, as on a developer's machine. Everything it
and its children print goes to one file; the pid of each supervised process is read from the
"<name> started (pid N)" lines run.py prints.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from graphql_schema.ids import parse_id

ROOT = Path(__file__).resolve().parents[2]
HIDDEN = ("DATABASE_URL", "REDIS_URL", "ENV", "SECRET_KEY")  # the test session's, not the stack's
LOGIN = """mutation { login(username: "handler", password: "tousu-demo") {
  ... on LoginSuccess { token } ... on Error { code message } } }"""
CREATE = """mutation($in: CreateComplaintInput!) { createComplaint(input: $in) {
  __typename ... on ComplaintResult { complaint { id } } ... on Error { code } } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    data: Path
    port: int = field(default_factory=_free_port)
    pg_port: int = field(default_factory=_free_port)
    redis_port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.data / "run.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/tousu"

    def start(self, within: float = 120) -> None:
        env = {k: v for k, v in os.environ.items() if k not in HIDDEN}
        env.update(
            TOUSU_DATA_DIR=str(self.data),
            PORT=str(self.port),
            TOUSU_PG_PORT=str(self.pg_port),
            TOUSU_REDIS_PORT=str(self.redis_port),
        )
        self.data.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "scripts" / "run.py")],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the test's terminal is not for it
            )
        self.wait_for(r"Tousu is up", within=within)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def printed(self, pattern: str, *, after: int = 0) -> bool:
        """Whether run.py's output past character `after` has `pattern` (a line regex)."""
        return re.search(pattern, self.output()[after:], re.MULTILINE) is not None

    def wait_for(self, pattern: str, *, within: float) -> None:
        """Block until `pattern` is printed (start-up, before any load runs)."""
        deadline = time.monotonic() + within
        while not self.printed(pattern):
            assert self.process is not None
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no {pattern!r} in run.py's output:\n{self.output()[-3000:]}")
            time.sleep(0.1)

    async def appears(self, pattern: str, *, after: int = 0, within: float = 30) -> float:
        """Wait, without blocking the event loop the load runs on, until `pattern` is printed
        past `after`; the moment it was seen."""
        deadline = time.monotonic() + within
        while not self.printed(pattern, after=after):
            if time.monotonic() > deadline:
                raise AssertionError(f"no {pattern!r} in run.py's output:\n{self.output()[-3000:]}")
            await asyncio.sleep(0.05)
        return time.monotonic()

    def pid(self, name: str) -> int:
        """The pid of the supervised process `name` (PostgreSQL, Redis, API, worker) now."""
        pids = re.findall(rf"^{name} started \(pid (\d+)\)", self.output(), re.MULTILINE)
        return int(pids[-1])

    def kill(self, name: str) -> float:
        """SIGKILL one supervised process; the moment it was sent (time.monotonic)."""
        os.kill(self.pid(name), signal.SIGKILL)
        return time.monotonic()

    def interrupt(self, timeout: float = 60) -> int:
        """Ctrl-C, as in the terminal; run.py's exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.interrupt()
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    async def sql(self, query: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database_url)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


@dataclass
class WriteLoad:
    """`clients` handlers taking complaints as fast as the API answers; every id it confirmed,
    and when each answer (success or not) came."""

    stack: Stack
    clients: int = 4
    acknowledged: list[tuple[float, int]] = field(default_factory=list)
    failed: list[tuple[float, str]] = field(default_factory=list)
    _serial: itertools.count[int] = field(default_factory=itertools.count)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        async with httpx.AsyncClient(base_url=self.stack.url, timeout=10) as http:
            answer = (await http.post("/graphql", json={"query": LOGIN})).json()
        token = answer["data"]["login"]["token"]
        self._tasks = [asyncio.create_task(self._client(token)) for _ in range(self.clients)]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    def succeeded_since(self, moment: float) -> list[float]:
        return [at for at, _ in self.acknowledged if at > moment]

    def failed_since(self, moment: float) -> list[tuple[float, str]]:
        return [(at, why) for at, why in self.failed if at > moment]

    async def _client(self, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=self.stack.url, timeout=5, headers=headers) as http:
            while not self._stop.is_set():
                n = next(self._serial)
                variables = {
                    "in": {
                        "msisdn": "13800138000",
                        "contactName": "张伟",
                        "channel": "HOTLINE",
                        "category": "BILLING_ERROR",
                        "summary": f"故障测试 {n}",
                        "customerRequest": "退还多扣费用",
                        "serviceCode": f"fault-{n}",  # one matter each: no batch lock queue
                    }
                }
                body = {"query": CREATE, "variables": variables}
                try:
                    response = await http.post("/graphql", json=body)
                except httpx.HTTPError as exc:
                    self.failed.append((time.monotonic(), type(exc).__name__))
                    await asyncio.sleep(0.05)
                    continue
                try:
                    answer = response.json()
                except ValueError:
                    why = f"HTTP {response.status_code} not JSON: {response.text[:60]!r}"
                    self.failed.append((time.monotonic(), why))
                    await asyncio.sleep(0.05)
                    continue
                result = (answer.get("data") or {}).get("createComplaint") or {}
                if result.get("__typename") == "ComplaintResult":
                    self.acknowledged.append(
                        (time.monotonic(), parse_id(result["complaint"]["id"]))
                    )
                else:
                    self.failed.append(
                        (time.monotonic(), f"HTTP {response.status_code} {_codes(answer)}")
                    )
                    await asyncio.sleep(0.05)


def _codes(answer: dict[str, object]) -> str:
    """What a refusal said: the payload's code or the GraphQL errors' codes."""
    errors = answer.get("errors") or []
    codes = [str((e.get("extensions") or {}).get("code", e.get("message"))) for e in errors]  # type: ignore[union-attr]
    payload = (answer.get("data") or {}).get("createComplaint")  # type: ignore[union-attr]
    if isinstance(payload, dict):
        codes.append(str(payload.get("code") or payload.get("__typename")))
    return ",".join(codes)
