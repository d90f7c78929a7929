"""Tousu beside two peers over one database: PostGraphile 4.14.1 and a raw asyncpg endpoint
running Tousu's own SQL (`bench/peer_raw.py`). One uvicorn (or node) process each, the same
queries, rounds interleaved, wrk for throughput and an open-loop fixed-rate client for
latency under a steady offered load (latency counted from the moment each request was due,
so a slow server cannot slow the clock down: no coordinated omission).

The database is seeded through the use cases (intake, acknowledge, investigation, promises,
refunds), then multiplied in SQL to the issue's size (20,000 customers, 100,000 complaints with
their deadlines, urgencies and history, 20,000 refunds; `--quick`: a tenth). The due-soonest
queue is also timed as it was before migration 0016 (a correlated subquery per complaint),
in the same database, with both plans.

Needs `wrk` (Debian: `apt-get install wrk`) and Node 20 with npm: PostGraphile is installed
into bench/.peers on first use (`npm install postgraphile@4.14.1`). A peer that cannot start
is skipped with a note. `BENCH_PEERS_SEED_ONLY=1` (with BENCH_DATABASE_URL) stops after the
seeding and prints a token, to profile a server against the database by hand.
`BENCH_BASELINE_TREE=<a checkout>` adds that checkout's API ("Tousu before", same venv and
database) to the rounds: a before/after in one run (`x before`). `CPU ms/req` is the server's
CPU per request in the throughput rounds, the figure a loaded machine moves least.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import common

PEERS_DIR = common.ROOT / "bench" / ".peers"
POSTGRAPHILE = "postgraphile@4.14.1"
SEED_COMPLAINTS = common.scale(400, 200)
SEED_CUSTOMERS = common.scale(200, 100)
COMPLAINTS = common.scale(100_000, 10_000)
CUSTOMERS = common.scale(20_000, 2_000)
REFUNDS = common.scale(20_000, 2_000)
ROUNDS = common.scale(3, 2)
SECONDS = common.scale(8, 3)
CONNECTIONS = 16
OPEN_LOOP_SECONDS = common.scale(10, 4)

TOUSU, POSTGRAPHILE_NAME, RAW = "Tousu", "PostGraphile 4.14.1", "raw asyncpg"
BEFORE = "Tousu before"  # BENCH_BASELINE_TREE: another checkout's API, for a before/after
# the open-loop runs only: this tree's API as README "Scaling" deploys it on a machine of more
# than one core, two processes (uvicorn --workers 2) behind one port
TWO_PROCESSES = "Tousu, 2 processes"


def _tousu(server: str) -> bool:
    return server in (TOUSU, BEFORE, TWO_PROCESSES)


# --- the workloads, as each server is asked --------------------------------------------------

T_ME = "{ me { username } }"
T_PAGE = """{ complaints(first: 50) { edges { node { id status category createdAt
  customer { name msisdn } owner { username department { name } } firstHandler { username }
  urgency { reason } deadlines { kind dueAt state } history { action at actor { username } }
} } } }"""
T_ONE = """query($id: ID!) { complaint(id: $id) { id status summary createdAt
  customer { name msisdn } owner { username department { name } } firstHandler { username }
  urgency { reason } deadlines { kind dueAt state } history { action at reason actor { username } }
} }"""
T_DUE = """{ complaints(orderBy: DUE_SOONEST, first: 50) { edges { node { id status
  deadlines { kind dueAt state } } } } }"""

P_ME = "query($id: Int!) { staffById(id: $id) { username } }"
_P_NODE = """id status category createdAt
  customerByCustomerId { name msisdn }
  staffByOwnerId { username departmentByDepartmentId { name } }
  staffByFirstHandlerId { username }
  complaintUrgenciesByComplaintId(orderBy: ID_ASC) { nodes { reason } }
  complaintDeadlinesByComplaintId(orderBy: [DUE_AT_ASC, ID_ASC]) { nodes { kind dueAt state } }
  complaintEventsByComplaintId(orderBy: ID_ASC) {
    nodes { action at reason staffByActorId { username } } }"""
P_PAGE = "{ allComplaints(first: 50, orderBy: ID_DESC) { nodes { " + _P_NODE + " } } }"
P_ONE = "query($id: Int!) { complaintById(id: $id) { summary " + _P_NODE + " } }"
P_DUE = """{ allComplaints(first: 50, orderBy: [NEXT_DUE_AT_ASC, ID_ASC]) { nodes { id status
  complaintDeadlinesByComplaintId(orderBy: [DUE_AT_ASC, ID_ASC]) { nodes { kind dueAt state } }
} } }"""

WORKLOADS = {
    "me": "`me` (the caller's staff row)",
    "page": "handler page: 50 complaints with customer, owner, deadlines, urgency, history",
    "one": "one complaint with its history",
    "due": "`orderBy: DUE_SOONEST`, first 50",
}


def _body(server: str, workload: str, complaint_id: int, staff_id: int) -> dict[str, Any]:
    if _tousu(server):
        query = {"me": T_ME, "page": T_PAGE, "one": T_ONE, "due": T_DUE}[workload]
        variables: dict[str, Any] = {"id": str(complaint_id)} if workload == "one" else {}
        return {"query": query, "variables": variables}
    if server == POSTGRAPHILE_NAME:
        query = {"me": P_ME, "page": P_PAGE, "one": P_ONE, "due": P_DUE}[workload]
        variables = (
            {"id": complaint_id}
            if workload == "one"
            else {"id": staff_id}
            if workload == "me"
            else {}
        )
        return {"query": query, "variables": variables}
    return {"w": workload, "id": complaint_id}


# --- processes -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Process:
    def __init__(
        self, name: str, argv: list[str], env: dict[str, str], path: str, cwd: Path | None = None
    ) -> None:
        self.name, self.argv, self.env, self.path = name, argv, env, path
        self.cwd = cwd or common.ROOT
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def _spawn(self) -> None:
        argv = [a.replace("{port}", str(self.port)) for a in self.argv]
        self.process = subprocess.Popen(
            argv, env=self.env, cwd=self.cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    async def start(self) -> None:
        import httpx

        self._spawn()
        assert self.process is not None
        deadline = time.monotonic() + 90
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    err = self.process.stderr.read().decode()[-800:] if self.process.stderr else ""
                    raise RuntimeError(f"{self.name} exited during start-up: {err}")
                try:
                    await client.post(self.url, json={}, timeout=2)
                    return
                except httpx.TransportError:
                    await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within 90 s")

    def cpu_seconds(self) -> float:
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


ONE_WRITE = "graphql_schema.server:OneWrite"  # this tree's protocol: a response in one send


def _uvicorn(app: str, *extra: str, http: str = "httptools") -> list[str]:
    """`http`: uvicorn's httptools protocol, or this tree's `ONE_WRITE` (for this tree's API
    only: a baseline checkout may not have it)."""
    return [
        str(Path(sys.executable).with_name("uvicorn")),
        app,
        *extra,
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--no-access-log",
        "--log-level",
        "warning",
        "--loop",
        "uvloop",
        "--http",
        http,
    ]


def _postgraphile_bin() -> Path | None:
    binary = PEERS_DIR / "node_modules" / ".bin" / "postgraphile"
    if not binary.exists() and shutil.which("npm"):
        common.note(f"installing {POSTGRAPHILE} into {PEERS_DIR}")
        PEERS_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", POSTGRAPHILE],
            cwd=PEERS_DIR,
            check=False,
            stdout=subprocess.DEVNULL,
        )
    return binary if binary.exists() else None


# --- seeding -------------------------------------------------------------------------------


async def _seed_through_use_cases() -> dict[str, Any]:
    """A few hundred complaints the way the app makes them: intake, acknowledgement,
    investigation, promises, refunds; urgency (batch, important customers) from detection."""
    from services import clock
    from services.complaints import service as complaints
    from services.complaints import timekeeping
    from services.customers.models import Tier
    from services.refunds import service as refunds
    from services.refunds.decisions import RefundRequest
    from services.refunds.policy import ChargeCategory, Liability
    from services.staff.models import Role

    rng = random.Random(14)
    departments = [await common.make_department() for _ in range(3)]
    handlers = [await common.make_staff(department=departments[i % 3]) for i in range(12)]
    lead = await common.make_staff(Role.HANDLER, Role.TEAM_LEAD, department=departments[0])
    customers = [
        await common.make_customer(
            tier=Tier.GOLD_AND_ABOVE if i % 10 == 0 else Tier.ORDINARY, credit_standing="good"
        )
        for i in range(SEED_CUSTOMERS)
    ]
    services = [f"SVC-{i}" for i in range(8)]
    made = []
    for i in range(SEED_COMPLAINTS):
        actor = handlers[i % len(handlers)]
        customer = customers[i % len(customers)]
        complaint = await complaints.create_complaint(
            actor=actor,
            intake=common.intake(customer.msisdn, service_code=rng.choice(services)),
        )
        made.append(complaint)
        step = i % 4
        try:
            if step >= 1:
                await complaints.acknowledge(actor=actor, complaint_id=complaint.id)
            if step >= 2:
                await complaints.start_investigation(actor=actor, complaint_id=complaint.id)
            if i % 5 == 0:
                await timekeeping.record_promise(
                    actor=actor,
                    complaint_id=complaint.id,
                    promise="两个工作日内回复",
                    due_at=clock.now() + timedelta(hours=rng.randint(2, 96)),
                )
            if i % 5 == 1:
                await refunds.create_refund(
                    actor=actor,
                    complaint_id=complaint.id,
                    request=RefundRequest(
                        liability=Liability.COMPANY_LIABLE,
                        charge_category=ChargeCategory.DUPLICATE_RECORD,
                        charged_fen=3000,
                        should_have_charged_fen=1234,
                    ),
                    order=refunds.WorkOrder(matter="话费重复扣费", cause="计费系统重复出账"),
                )
        except Exception as exc:  # a step the rules refuse leaves the complaint where it is
            common.note(f"seed: complaint {complaint.id} step refused: {exc!r}"[:160])
    return {"lead": lead, "handler": handlers[0], "complaints": made}


async def _columns(conn: Any, table: str) -> list[str]:
    rows = await conn.execute_query_dict(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'"
        " AND table_name = $1 AND column_name <> 'id' ORDER BY ordinal_position",
        [table],
    )
    return [r["column_name"] for r in rows]


async def _copy(
    conn: Any, table: str, times: int, overrides: dict[str, str], *, with_id: str | None = None
) -> None:
    """INSERT ... SELECT the table's rows `times` more times (k = 1..times), each column as is
    or by its override (an SQL expression over `t` and `k`)."""
    columns = await _columns(conn, table)
    names = (['"id"'] if with_id else []) + [f'"{c}"' for c in columns]
    values = ([with_id] if with_id else []) + [overrides.get(c, f't."{c}"') for c in columns]
    await conn.execute_script(
        f'INSERT INTO "{table}" ({", ".join(names)}) SELECT {", ".join(values)}'
        f' FROM "{table}" t, generate_series(1, {times}) k'
    )


async def _multiply() -> dict[str, int]:
    """The seed, multiplied in SQL to the issue's size (triggers off for the fill: the copies
    keep their due times' order, so the kept next due time is copied consistently)."""
    from tortoise import Tortoise
    from tortoise.transactions import in_transaction

    conn = Tortoise.get_connection("default")
    counts = (
        await conn.execute_query_dict(
            "SELECT (SELECT max(id) FROM customers) AS cu, (SELECT max(id) FROM complaints) AS co,"
            " (SELECT count(*) FROM refunds) AS re"
        )
    )[0]
    cu, co = int(counts["cu"]), int(counts["co"])
    customer_times = max(0, CUSTOMERS // cu - 1)
    complaint_times = max(0, COMPLAINTS // co - 1)
    refund_times = max(0, REFUNDS // max(1, int(counts["re"])) - 1)
    shift = "(k * interval '7 minutes')"
    async with in_transaction() as tx:  # one connection: SET LOCAL holds for the fill
        await tx.execute_script("SET LOCAL session_replication_role = replica")
        await _copy(
            tx,
            "customers",
            customer_times,
            {"msisdn": f"(13000000000 + t.id + k * {cu})::text", "name": "t.name || k::text"},
            with_id=f"t.id + k * {cu}",
        )
        customer_of = f"t.customer_id + (k % {customer_times + 1}) * {cu}"
        # complaints and their rows: complaint k of an original is id + k * co
        await _copy(
            tx,
            "complaints",
            complaint_times,
            {
                "customer_id": customer_of,
                "created_at": f"t.created_at - {shift}",
                "updated_at": f"t.updated_at - {shift}",
                "next_due_at": f"t.next_due_at + {shift}",
            },
            with_id=f"t.id + k * {co}",
        )
        by_complaint = {"complaint_id": f"t.complaint_id + k * {co}"}
        await _copy(
            tx,
            "complaint_deadlines",
            complaint_times,
            {**by_complaint, "due_at": f"t.due_at + {shift}"},
        )
        await _copy(tx, "complaint_events", complaint_times, by_complaint)
        await _copy(tx, "complaint_urgencies", complaint_times, by_complaint)
        if refund_times and counts["re"]:
            await _copy(
                tx,
                "refunds",
                min(refund_times, complaint_times),
                {**by_complaint, "customer_id": customer_of},
            )
    for table in (
        "customers",
        "complaints",
        "complaint_deadlines",
        "complaint_events",
        "complaint_urgencies",
        "refunds",
    ):
        await conn.execute_script(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f' (SELECT max(id) FROM "{table}"))'
        )
    await conn.execute_script("VACUUM (ANALYZE)")
    found = (
        await conn.execute_query_dict(
            "SELECT (SELECT count(*) FROM customers) AS customers,"
            " (SELECT count(*) FROM complaints) AS complaints,"
            " (SELECT count(*) FROM complaint_deadlines) AS deadlines,"
            " (SELECT count(*) FROM complaint_events) AS events,"
            " (SELECT count(*) FROM complaint_urgencies) AS urgencies,"
            " (SELECT count(*) FROM refunds) AS refunds"
        )
    )[0]
    return {k: int(v) for k, v in found.items()}


# --- the due-soonest queue before and after migration 0016 ----------------------------------

OLD_NEXT_DUE = (
    "(SELECT min(d.due_at) FROM complaint_deadlines d WHERE d.complaint_id = c.id"
    " AND d.state = 'pending' AND d.kind <> 'revisit_opens')"
)
OLD_QUEUE = [
    f"SELECT count(*) FROM complaints c WHERE {OLD_NEXT_DUE} IS NOT NULL",
    f"SELECT c.id, {OLD_NEXT_DUE} AS next_due FROM complaints c WHERE {OLD_NEXT_DUE} IS NOT NULL"
    " ORDER BY 2, c.id LIMIT 51",
]
NEW_QUEUE = [
    "SELECT count(*) FROM complaints c WHERE c.next_due_at IS NOT NULL",
    "SELECT c.id, c.next_due_at FROM complaints c WHERE c.next_due_at IS NOT NULL"
    " ORDER BY c.next_due_at, c.id LIMIT 51",
    "SELECT c.id, c.next_due_at FROM complaints c WHERE c.next_due_at IS NOT NULL"
    " AND c.owner_id = $1 ORDER BY c.next_due_at, c.id LIMIT 51",
    "SELECT c.id, c.next_due_at FROM complaints c WHERE c.next_due_at IS NOT NULL"
    " AND (c.breach_open OR c.next_due_at <= now()) ORDER BY c.next_due_at, c.id LIMIT 51",
]


async def _queue_before_after(owner_id: int) -> dict[str, Any]:
    from tortoise import Tortoise

    conn = Tortoise.get_connection("default")
    out: dict[str, Any] = {"plans": {}, "ms": {}}
    for label, statements in (
        ("before (subquery per complaint)", OLD_QUEUE),
        ("after (next_due_at)", NEW_QUEUE),
    ):
        for sql in statements:
            values = [owner_id] if "$1" in sql else []
            plan = await conn.execute_query_dict(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", values)
            text = "\n".join(r["QUERY PLAN"] for r in plan)
            took = float(re.search(r"Execution Time: ([\d.]+) ms", text).group(1))  # type: ignore[union-attr]
            out["plans"][f"{label}: {sql[:90]}"] = text
            out["ms"][f"{label}: {sql[:90]}"] = took
    return out


# --- load ------------------------------------------------------------------------------------

_LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
{auth}
local bodies = {{ {bodies} }}
local n = #bodies
request = function()
  return wrk.format(nil, nil, nil, bodies[math.random(1, n)])
end
"""


def _lua(bodies: list[dict[str, Any]], token: str | None, directory: Path) -> Path:
    auth = f'wrk.headers["Authorization"] = "Bearer {token}"' if token else ""
    quoted = ", ".join("[==[" + json.dumps(b, ensure_ascii=False) + "]==]" for b in bodies)
    path = directory / f"script-{random.randrange(10**9)}.lua"
    path.write_text(_LUA.format(auth=auth, bodies=quoted))
    return path


def _wrk(url: str, script: Path, seconds: int) -> tuple[float, int]:
    done = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", done).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", done)
    return rate, int(bad.group(1)) if bad else 0


OFFERED = (("page", 100.0), ("due", 50.0))  # the open-loop rates (issue 14's goals)


async def _offer(
    name: str,
    server: Process,
    workload: str,
    offered: float,
    complaint_ids: list[int],
    staff_id: int,
    token: str,
) -> dict[str, float]:
    common.note(f"open loop: {name} {workload} at {offered:.0f}/s")
    bodies = [_body(name, workload, cid, staff_id) for cid in complaint_ids[:50]]
    return await _open_loop(
        server.url, bodies, token if _tousu(name) else None, offered, OPEN_LOOP_SECONDS
    )


async def _open_loop(
    url: str, bodies: list[dict[str, Any]], token: str | None, rate: float, seconds: int
) -> dict[str, float]:
    """Offer `rate` requests a second for `seconds`, each sent at its due moment whatever the
    ones before it are doing; latency is counted from that due moment."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    payloads = [json.dumps(b).encode() for b in bodies]
    latencies: list[float] = []
    failed = 0
    limits = httpx.Limits(max_connections=512, max_keepalive_connections=512)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        start = time.monotonic() + 0.2
        total = int(rate * seconds)

        async def one(i: int) -> None:
            nonlocal failed
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            try:
                answer = await client.post(
                    url,
                    content=payloads[i % len(payloads)],
                    headers={**headers, "Content-Type": "application/json"},
                )
                if answer.status_code != 200:
                    failed += 1
            except httpx.HTTPError:
                failed += 1
            latencies.append((time.monotonic() - due) * 1000)

        await asyncio.gather(*(one(i) for i in range(total)))
        took = time.monotonic() - start
    return {
        "achieved_per_s": (total - failed) / took,
        "p50_ms": common.percentile(latencies, 50),
        "p99_ms": common.percentile(latencies, 99),
        "failed": failed,
    }


async def _check(url: str, body: dict[str, Any], token: str | None) -> str:
    """One request: the answer must be data, not errors (a wrong peer query fails loudly)."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=60) as client:
        answer = await client.post(url, json=body, headers=headers)
    parsed = answer.json()
    if answer.status_code != 200 or parsed.get("errors") or not parsed.get("data"):
        raise RuntimeError(f"{url}: {answer.status_code} {answer.text[:400]}")
    return answer.text


# --- the run --------------------------------------------------------------------------------


async def run() -> dict[str, Any]:
    from services.config import settings
    from services.staff.service import issue_token

    if "peers" not in common.options.only:  # minutes, and wrk and npm: only when asked for
        return {"skipped": "run it by name: python -m bench --only peers"}
    if not shutil.which("wrk"):
        return {"skipped": "wrk is not installed (Debian: apt-get install wrk)"}
    common.note(f"seeding {SEED_COMPLAINTS} complaints through the use cases")
    seeded = await _seed_through_use_cases()
    common.note(f"multiplying to {COMPLAINTS:,} complaints in SQL")
    sizes = await _multiply()
    common.note(f"seeded: {sizes}")
    lead = seeded["lead"]
    token = issue_token(lead)
    if os.environ.get("BENCH_PEERS_SEED_ONLY"):  # to profile by hand: the database stays
        return {"seeded": sizes, "lead_id": lead.id, "token": token}
    queue = await _queue_before_after(seeded["handler"].id)

    env = dict(os.environ, LOG_LEVEL="WARNING")
    servers: dict[str, Process] = {
        TOUSU: Process(
            TOUSU,
            _uvicorn("graphql_schema.app:create_app", "--factory", http=ONE_WRITE),
            env,
            "/graphql",
        ),
        RAW: Process(
            RAW,
            _uvicorn("bench.peer_raw:app"),
            dict(env, RAW_DATABASE_URL=settings.database_url, RAW_STAFF_ID=str(lead.id)),
            "/",
        ),
    }
    notes: list[str] = []
    baseline = os.environ.get("BENCH_BASELINE_TREE")
    if baseline:  # the same API from another checkout (its code, this database and venv)
        tree = common.ROOT / baseline  # an absolute path stays itself
        servers[BEFORE] = Process(
            BEFORE,
            _uvicorn("graphql_schema.app:create_app", "--factory"),
            dict(env, PYTHONPATH=str(tree)),
            "/graphql",
            cwd=tree,
        )
    binary = _postgraphile_bin()
    if binary is None:
        notes.append("PostGraphile skipped: npm could not install it")
    else:
        servers[POSTGRAPHILE_NAME] = Process(
            POSTGRAPHILE_NAME,
            [
                str(binary),
                "-c",
                settings.database_url,
                "-s",
                "public",
                "-n",
                "127.0.0.1",
                "-p",
                "{port}",
                "--disable-query-log",
                "--disable-default-mutations",
            ],
            env,
            "/graphql",
        )
    complaint_ids = random.Random(1).sample(range(1, sizes["complaints"] + 1), 200)
    rows: list[dict[str, Any]] = []
    raw: dict[str, Any] = {"throughput": {}, "open_loop": {}, "cpu": {}}
    started: dict[str, Process] = {}
    workdir = Path(tempfile.mkdtemp(prefix="tousu-peers-"))
    try:
        for name, server in servers.items():
            try:
                await server.start()
                started[name] = server
            except RuntimeError as exc:
                notes.append(f"{name} skipped: {exc}"[:300])
        scripts: dict[tuple[str, str], Path] = {}
        for name, server in started.items():
            for workload in WORKLOADS:
                bodies = [_body(name, workload, cid, lead.id) for cid in complaint_ids[:50]]
                auth = token if _tousu(name) else None
                await _check(server.url, bodies[0], auth)
                scripts[(name, workload)] = _lua(bodies, auth, workdir)
                _wrk(server.url, scripts[(name, workload)], 1)  # warm
        for round_ in range(ROUNDS):
            common.note(f"throughput round {round_ + 1}/{ROUNDS}")
            order = list(started.items())
            if round_ % 2:
                order.reverse()
            for workload in WORKLOADS:
                for name, server in order:
                    cpu = server.cpu_seconds()
                    rate, bad = _wrk(server.url, scripts[(name, workload)], SECONDS)
                    share = (server.cpu_seconds() - cpu) / SECONDS
                    raw["throughput"].setdefault(f"{workload}|{name}", []).append(rate)
                    raw["cpu"].setdefault(f"{workload}|{name}", []).append(share)
                    if bad:
                        notes.append(f"{name} {workload}: {bad} non-2xx answers in a round")
        for workload, offered in OFFERED:
            for name, server in started.items():
                raw["open_loop"][f"{workload}|{name}"] = await _offer(
                    name, server, workload, offered, complaint_ids, lead.id, token
                )
        for server in started.values():  # the machine's two cores for the two processes
            server.stop()
        two = Process(
            TWO_PROCESSES,
            _uvicorn(
                "graphql_schema.app:create_app", "--factory", "--workers", "2", http=ONE_WRITE
            ),
            env,
            "/graphql",
        )
        try:
            await two.start()
            started[TWO_PROCESSES] = two
            for _ in range(20):  # each process answers a few first (plans, prepared queries)
                await _check(two.url, _body(TOUSU, "page", complaint_ids[0], lead.id), token)
            for workload, offered in OFFERED:
                raw["open_loop"][f"{workload}|{TWO_PROCESSES}"] = await _offer(
                    TWO_PROCESSES, two, workload, offered, complaint_ids, lead.id, token
                )
        except RuntimeError as exc:
            notes.append(f"{TWO_PROCESSES} skipped: {exc}"[:300])
    finally:
        for server in started.values():
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    for workload, label in WORKLOADS.items():
        peer = raw["throughput"].get(f"{workload}|{POSTGRAPHILE_NAME}")
        floor = raw["throughput"].get(f"{workload}|{RAW}")
        before = raw["throughput"].get(f"{workload}|{BEFORE}")
        for name in started:
            if name == TWO_PROCESSES:  # open loop only
                continue
            rates = raw["throughput"][f"{workload}|{name}"]
            rows.append(
                {
                    "workload": label[:48],
                    "server": name,
                    "req/s median": median(rates),
                    "x PostGraphile": median(rates) / median(peer) if peer else float("nan"),
                    "x raw": median(rates) / median(floor) if floor else float("nan"),
                    "x before": median(rates) / median(before)
                    if before and _tousu(name)
                    else float("nan"),
                    "server CPU": median(raw["cpu"][f"{workload}|{name}"]),
                    "CPU ms/req": 1000 * median(raw["cpu"][f"{workload}|{name}"]) / median(rates)
                    if median(rates)
                    else float("nan"),
                }
            )
    for key, result in raw["open_loop"].items():
        workload, name = key.split("|")
        rows.append(
            {
                "workload": f"{workload} offered at {'100' if workload == 'page' else '50'}/s",
                "server": name,
                "req/s median": result["achieved_per_s"],
                "x PostGraphile": float("nan"),
                "x raw": float("nan"),
                "x before": float("nan"),
                "server CPU": float("nan"),
                "CPU ms/req": float("nan"),
                "p50 ms": result["p50_ms"],
                "p99 ms": result["p99_ms"],
            }
        )
    before = sum(v for k, v in queue["ms"].items() if k.startswith("before"))
    after = sum(v for k, v in list(queue["ms"].items()) if k.startswith("after"))
    notes += [
        f"database: {sizes}",
        f"{ROUNDS} interleaved rounds of {SECONDS} s per server and workload, wrk -t1 "
        f"-c{CONNECTIONS}; open loop: {OPEN_LOOP_SECONDS} s at the offered rate (latency from "
        "each request's due moment)",
        "server CPU = the server process's CPU seconds / wall seconds of the round (1.0 = a core)",
        f"{TWO_PROCESSES}: the same API as uvicorn --workers 2 (README, Scaling), open loop "
        "only, run alone after the other servers stopped; every other row is one process",
        "PostGraphile reads the same tables (no auth: `me` is staffById); its due-soonest "
        "orders by the same next_due_at column (migration 0016)",
        "due-soonest in PostgreSQL, EXPLAIN ANALYZE: before (count + page by a subquery per "
        f"complaint) {before:.1f} ms, after (count + page + owner page + overdue page on "
        f"next_due_at) {after:.1f} ms",
    ]
    return {
        "rows": rows,
        "notes": notes,
        "queue_ms": queue["ms"],
        "plans_text": queue["plans"],
        "raw": raw,
    }
