"""Writes over HTTP (issue 14): `createComplaint` and refund chains against one uvicorn process.

One API process (`uvicorn graphql_schema.app:create_app --factory`, uvloop, httptools writing a
response in one send, as in production; the arq scheduler installed, so every deadline's job is
sent to Redis; no worker runs) over the bench database. 16 client connections (keep-alive
HTTP/1.1, a small asyncio client in the runner process, so that a chain can use the answer of
its previous step):

- **me**: `{ me { username } }`, the reference: what a request costs with no work in it;
- **createComplaint**: each request for a customer with no complaint before (seeded in SQL),
  on a matter of its own, taken by a hotline handler and routed by C-8 to another department
  (3 deadlines, an investigator picked by load among 5);
- **refund chain**: `createRefund` -> `approveRefund` (a team lead) -> `confirmRefundAmount` ->
  `executeRefund` on a complaint taken beforehand (one per chain, each of its own customer).

The workloads take turns in rounds of a few seconds (the order rotating), after a warm-up
round; reported are the median over rounds of operations per second (a chain is one
operation), the median latency of an operation, the CPU per operation of the API process and
of PostgreSQL (its processes' /proc counters), and each rate against `me` in the same rounds.
Every answer is checked: a GraphQL error or an error member of a payload counts as failed.

Before and after in one run: `BENCH_BASELINE_TREE=/path/to/other/checkout` starts a second
API process from that tree (same schema; e.g. `git worktree add /tmp/before <commit>`) on the
same database, its rounds interleaved with this tree's, and adds `x baseline`.
`BENCH_HTTP_WRITES_WORKLOADS=createComplaint` runs only that workload (and `me`), to profile
the API process by hand (py-spy).

Runs only by name: `python -m bench --only http_writes` (about six minutes, twelve with a
baseline; `--quick` about two).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from bench import common
from bench.bench_peers import ONE_WRITE, Process, _uvicorn

CLIENTS = 16
ME = "{ me { username } }"
CREATE_COMPLAINT = """mutation($in: CreateComplaintInput!) { createComplaint(input: $in) {
  __typename ... on ComplaintResult { complaint { id status } } ... on Error { code message } } }"""
_REFUND = """__typename ... on RefundResult { refund { id status } }
  ... on Error { code message }"""
CREATE_REFUND = f"""mutation($in: CreateRefundInput!) {{
  createRefund(input: $in) {{ {_REFUND} }} }}"""
APPROVE = f"mutation($id: ID!) {{ approveRefund(id: $id) {{ {_REFUND} }} }}"
CONFIRM = f'mutation($id: ID!) {{ confirmRefundAmount(id: $id, note: "电话确认") {{ {_REFUND} }} }}'
EXECUTE = f"mutation($id: ID!) {{ executeRefund(id: $id) {{ {_REFUND} }} }}"

CUSTOMERS_SQL = """
INSERT INTO customers (msisdn, name, tier, province, city, joined_on, credit_standing,
                       status, sensitive, sensitive_reason, email, created_at)
SELECT $1::text || lpad(g::text, 8, '0'), '客户' || g, 'ordinary', '广东', '广州',
       '2020-01-01', 'good', 'active', false, '', '', now()
FROM generate_series(1, $2::int) AS g
"""


class Client:
    """One keep-alive HTTP/1.1 connection: POST a GraphQL body, read the JSON answer."""

    def __init__(self, host: str, port: int, path: str) -> None:
        self.host, self.port, self.path = host, port, path
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, token: str, query: str, variables: dict[str, Any]) -> Any:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        body = json.dumps({"query": query, "variables": variables}).encode()
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Content-Type: application/json\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        status = await self.reader.readline()
        if not status:
            raise ConnectionError("the server closed the connection")
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        answer = await self.reader.readexactly(length)
        if b" 200 " not in status:
            raise RuntimeError(f"HTTP {status!r}: {answer[:200]!r}")
        return json.loads(answer)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _data(answer: Any, field: str, member: str) -> Any:
    """The payload's `member` (complaint, refund), or an error naming what went wrong."""
    if answer.get("errors"):
        raise RuntimeError(f"{field}: {answer['errors'][0].get('message')}")
    payload = answer["data"][field]
    if member not in payload:
        raise RuntimeError(f"{field}: {payload.get('__typename')} {payload.get('code')}")
    return payload[member]


class Work:
    """What the clients do: fresh customers for intakes, taken complaints for chains."""

    def __init__(self, handler_token: str, lead_token: str, chain_complaints: list[int]) -> None:
        self.handler_token, self.lead_token = handler_token, lead_token
        self.intakes = 0
        self.chain_complaints = chain_complaints
        self.failures: dict[str, int] = {}
        self.first_failure: dict[str, str] = {}

    async def me(self, client: Client) -> None:
        answer = await client.post(self.handler_token, ME, {})
        if answer.get("errors") or not answer["data"]["me"]:
            raise RuntimeError("me: no answer")

    async def intake(self, client: Client) -> None:
        self.intakes += 1
        n = self.intakes
        variables = {
            "in": {
                "msisdn": f"137{n:08d}",
                "contactName": "张先生",
                "channel": "HOTLINE",
                "category": "BILLING_ERROR",
                "summary": "本月话费多扣了 30 元",
                "customerRequest": "退还多扣的费用",
                "serviceCode": f"SVC-{n}",
            }
        }
        answer = await client.post(self.handler_token, CREATE_COMPLAINT, variables)
        _data(answer, "createComplaint", "complaint")

    async def chain(self, client: Client) -> None:
        if not self.chain_complaints:
            raise RuntimeError("chain: no complaint left (raise CHAINS)")
        complaint_id = self.chain_complaints.pop()
        refund_input = {
            "complaintId": str(complaint_id),
            "liability": "COMPANY_LIABLE",
            "chargeCategory": "DUPLICATE_RECORD",
            "chargedFen": 3000,
            "shouldHaveChargedFen": 1234,
            "matter": "话费重复扣费",
        }
        created = await client.post(self.handler_token, CREATE_REFUND, {"in": refund_input})
        rid = {"id": _data(created, "createRefund", "refund")["id"]}
        _data(await client.post(self.lead_token, APPROVE, rid), "approveRefund", "refund")
        confirmed = await client.post(self.handler_token, CONFIRM, rid)
        _data(confirmed, "confirmRefundAmount", "refund")
        executed = _data(
            await client.post(self.handler_token, EXECUTE, rid), "executeRefund", "refund"
        )
        if executed["status"] != "EXECUTED":
            raise RuntimeError(f"executeRefund: {executed['status']}")


async def _round(
    work: Work, name: str, clients: list[Client], seconds: float
) -> tuple[int, float, list[float], int]:
    """Every client repeats the operation until `seconds` have passed; operations done,
    seconds taken, latency of each, failures."""
    operation = {"me": work.me, "createComplaint": work.intake, "refund chain": work.chain}[name]
    done = 0
    failed = 0
    latencies: list[float] = []
    stop = time.monotonic() + seconds

    async def loop(client: Client) -> None:
        nonlocal done, failed
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                await operation(client)
            except Exception as exc:
                failed += 1
                work.failures[name] = work.failures.get(name, 0) + 1
                work.first_failure.setdefault(name, repr(exc)[:300])
                client.close()  # a fresh connection for the next operation
                continue
            latencies.append(time.perf_counter() - started)
            done += 1

    for client in clients:  # uvicorn closes a connection idle for 5 s: open them anew
        client.close()
    started = time.monotonic()
    await asyncio.gather(*(loop(c) for c in clients))
    return done, time.monotonic() - started, latencies, failed


async def _seed(chains: int) -> dict[str, Any]:
    """Departments, a hotline handler, investigators, a team lead; customers for intakes
    (SQL) and complaints for the chains (through the use case)."""
    from tortoise import Tortoise

    from services.complaints import service
    from services.staff.models import Role
    from services.staff.service import issue_token

    hotline = await common.make_department("HOTLINE")
    cs = await common.make_department("CS")
    for code in ("NET", "MKT"):
        await common.make_department(code)
    handler = await common.make_staff(Role.HANDLER, department=hotline)
    for _ in range(5):
        await common.make_staff(Role.HANDLER, department=cs)
    lead = await common.make_staff(Role.TEAM_LEAD, department=hotline)
    conn = Tortoise.get_connection("default")
    await conn.execute_query(CUSTOMERS_SQL, ["137", 200_000])
    await conn.execute_query(CUSTOMERS_SQL, ["135", chains])
    complaint_ids: list[int] = []

    async def take(numbers: range) -> None:
        for n in numbers:
            taken = await service.create_complaint(
                actor=handler, intake=common.intake(f"135{n:08d}", service_code=f"CHAIN-{n}")
            )
            complaint_ids.append(taken.id)

    await asyncio.gather(*(take(range(1 + i, chains + 1, 8)) for i in range(8)))
    await conn.execute_script("VACUUM (ANALYZE)")
    return {
        "handler_token": issue_token(handler),
        "lead_token": issue_token(lead),
        "complaints": complaint_ids,
    }


async def _postmaster() -> int:
    """The pid of the PostgreSQL server the bench uses (the parent of this connection's
    backend); 0 when it is not on this machine."""
    from tortoise import Tortoise

    rows = await Tortoise.get_connection("default").execute_query_dict(
        "SELECT pg_backend_pid() AS pid"
    )
    return _parent(int(rows[0]["pid"]))


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(stat[1])


def _postgres_cpu(postmaster: int) -> float:
    """CPU seconds of the server's processes (backends, and its own) so far."""
    if not postmaster:
        return 0.0
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat[1]) == postmaster or int(entry.name) == postmaster:
            total += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return total


class TreeProcess(Process):
    """The API process of a checkout (`root`): uvicorn imports the app from there; `http`, its
    protocol (uvicorn's httptools for a baseline checkout, which may not have `ONE_WRITE`)."""

    def __init__(self, name: str, root: Path, http: str = "httptools") -> None:
        super().__init__(
            name,
            _uvicorn("graphql_schema.app:create_app", "--factory", http=http),
            dict(os.environ, LOG_LEVEL="WARNING"),
            "/graphql",
        )
        self.root = root

    def _spawn(self) -> None:
        argv = [a.replace("{port}", str(self.port)) for a in self.argv]
        self.process = subprocess.Popen(
            argv, env=self.env, cwd=self.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )


def _servers() -> list[TreeProcess]:
    """This tree's API, and the baseline's when BENCH_BASELINE_TREE names another checkout
    (e.g. `git worktree add /tmp/before <commit>`) of the same schema."""
    servers = [TreeProcess("this tree", common.ROOT, http=ONE_WRITE)]
    other = os.environ.get("BENCH_BASELINE_TREE", "")
    if other:
        servers.append(TreeProcess("baseline", Path(other).resolve()))
    return servers


async def run() -> dict[str, Any]:
    if "http_writes" not in common.options.only:  # minutes: only when asked for
        return {"skipped": "run it by name: python -m bench --only http_writes"}
    servers = _servers()
    rounds = common.scale(5, 2)
    seconds = float(common.scale(8, 4))
    # enough for 5 rounds of 8 s at 180 chains/s on each server (a round that ran out spun on
    # errors and counted 0: 2,500 each ran out at 137/s)
    chains = common.scale(7_500, 800) * len(servers)
    common.note(f"seeding: 200,000 customers in SQL, {chains:,} complaints for refund chains")
    seeded = await _seed(chains)
    work = Work(seeded["handler_token"], seeded["lead_token"], seeded["complaints"])
    names = ["me", "createComplaint", "refund chain"]
    only = os.environ.get("BENCH_HTTP_WRITES_WORKLOADS", "")  # e.g. createComplaint, to profile
    if only:
        names = [n for n in names if n in {w.strip() for w in only.split(",")} or n == "me"]
    cases = [(name, server.name) for name in names for server in servers]
    rates: dict[tuple[str, str], list[float]] = {c: [] for c in cases}
    latencies: dict[tuple[str, str], list[float]] = {c: [] for c in cases}
    cpu: dict[tuple[str, str], list[float]] = {c: [] for c in cases}
    pg_cpu: dict[tuple[str, str], list[float]] = {c: [] for c in cases}
    postmaster = await _postmaster()
    failures: dict[tuple[str, str], int] = {c: 0 for c in cases}
    client_cpu = 0.0
    for server in servers:
        await server.start()
    try:
        clients = {
            s.name: [Client("127.0.0.1", s.port, "/graphql") for _ in range(CLIENTS)]
            for s in servers
        }
        for server in servers:
            for name in names:  # warm: connections, caches, prepared statements
                await _round(work, name, clients[server.name], 1.0)
        for r in range(rounds):
            order = cases[r % len(cases) :] + cases[: r % len(cases)]
            for name, which in order:
                server = next(s for s in servers if s.name == which)
                cpu_before = server.cpu_seconds()
                pg_before = _postgres_cpu(postmaster)
                own_before = resource.getrusage(resource.RUSAGE_SELF)
                common.note(f"round {r + 1}/{rounds}: {name} on {which}")
                done, took, times, failed = await _round(work, name, clients[which], seconds)
                own = resource.getrusage(resource.RUSAGE_SELF)
                client_cpu += own.ru_utime + own.ru_stime - own_before.ru_utime
                client_cpu -= own_before.ru_stime
                rates[(name, which)].append(done / took)
                latencies[(name, which)] += times
                cpu[(name, which)].append((server.cpu_seconds() - cpu_before) / max(done, 1))
                pg_cpu[(name, which)].append((_postgres_cpu(postmaster) - pg_before) / max(done, 1))
                failures[(name, which)] += failed
        for group in clients.values():
            for c in group:
                c.close()
    finally:
        for server in servers:
            server.stop()

    def median(case: tuple[str, str]) -> float:
        return statistics.median(rates[case]) if rates[case] else float("nan")

    rows = []
    for name, which in cases:
        times = latencies[(name, which)]
        row = {
            "workload": name,
            "server": which,
            "ops/s median": median((name, which)),
            "ops/s min": min(rates[(name, which)]),
            "ops/s max": max(rates[(name, which)]),
            "ms median": statistics.median(times) * 1000 if times else 0.0,
            "ms p90": common.percentile(times, 90) * 1000 if times else 0.0,
            "API CPU ms/op": statistics.median(cpu[(name, which)]) * 1000,
            "PG CPU ms/op": statistics.median(pg_cpu[(name, which)]) * 1000,
            "x me": common.ratio(median((name, which)), median(("me", which))),
        }
        if len(servers) > 1:
            row["x baseline"] = common.ratio(median((name, which)), median((name, "baseline")))
        row["failed"] = failures[(name, which)]
        rows.append(row)
    return {
        "rows": rows,
        "notes": [
            f"{rounds} rounds of {seconds:g} s per workload and server, order rotating, "
            f"{CLIENTS} keep-alive connections to each uvicorn process (uvloop, httptools; "
            "this tree's writing a response in one send)",
            "a refund chain is four requests: createRefund, approveRefund, "
            "confirmRefundAmount, executeRefund",
            f"client CPU (this process) over all rounds: {client_cpu:.1f} s",
            *(f"first failure of {k}: {v}" for k, v in work.first_failure.items()),
        ],
        "raw": {"rates": {f"{n} / {w}": v for (n, w), v in rates.items()}},
    }
