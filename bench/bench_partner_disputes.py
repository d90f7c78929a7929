"""Disputes per second one API process accepts from a partner client.

The real server: uvicorn with `graphql_schema.app:create_app` as a subprocess on a loopback
port (one process, uvloop, its own pool of `DB_POOL_MAX` connections), against the bench
database and Redis. A partner client of `CLIENTS` concurrent connections (httpx) sends
`submitRefundDispute` with a fresh idempotency key each, for customers spread over 31
provinces and 8 services of the partner (about 250 matter keys: C-3's per-matter lock and
batch window see what a real partner's mix gives them). The baseline is the cheapest
authenticated partner request, `{ me { spCode } }`, at the same concurrency. The two take
turns round by round; each reports requests per second of the round, and the medians and
their ratio are the result. The rate limit and the daily cap are raised for the run (the
rate limit would otherwise be what is measured); each request still pays the Redis check.

Also reported: how busy the API process was during each kind of round (its CPU seconds from
/proc over the round's wall seconds: near 1.0 means one core is the bound), the SQL
statements one dispute sends (counted in this process on the same use case), and the
client-side latency median and p90.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import common

CLIENTS = 16
PROVINCES = [f"省{i:02d}" for i in range(31)]
SERVICES = [f"SVC-{i}" for i in range(8)]
ME = '{"query":"{ me { spCode } }"}'
SUBMIT = (
    "mutation($in: SubmitRefundDisputeInput!, $key: String!) { submitRefundDispute("
    "input: $in, idempotencyKey: $key) { __typename ... on DisputeResult { dispute { id status "
    "decision { flow } } } ... on Error { code message } } }"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of every core, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return float(sum(values) - idle), float(sum(values))


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _setup(customers: int) -> tuple[str, list[str]]:
    from services.customers.models import Customer
    from services.partners import keys, limits
    from services.partners import service as partners
    from services.thresholds import service as thresholds

    partner = await partners.create_partner(sp_code="901234", name="基准合作方")
    for code in SERVICES:
        await partners.add_service(sp_code="901234", service_code=code, name=f"{code} 包月")
    key = (await keys.issue(partner_id=partner.id, label="bench")).key
    await thresholds.change(
        key=limits.RATE_LIMIT,
        value={"per_second": 1_000_000, "burst": 1_000_000},
        reason="benchmark: measure the server, not the limit",
        changed_by_id=None,
    )
    await thresholds.change(
        key=limits.DAILY_DISPUTE_CAP, value=10_000_000, reason="benchmark", changed_by_id=None
    )
    from datetime import date

    rows = [
        Customer(
            msisdn=f"135{i:08d}",
            name=f"客户{i}",
            province=PROVINCES[i % len(PROVINCES)],
            city=f"市{i % 3}",
            joined_on=date(2020, 1, 1),
        )
        for i in range(customers)
    ]
    await Customer.bulk_create(rows, batch_size=1000)
    return key, [r.msisdn for r in rows]


async def _statements_per_dispute(partner_id: int, msisdn: str) -> int:
    from services.partners import disputes
    from services.partners.disputes import ChargeLine, Submission
    from services.partners.models import DisputeReason

    with common.count_queries() as counter:
        await disputes.submit(
            partner_id=partner_id,
            submission=Submission(
                msisdn=msisdn,
                service_code=SERVICES[0],
                charge_lines=(ChargeLine("2026-09", 1000), ChargeLine("2026-10", 1000)),
                reason=DisputeReason.UNKNOWING_SUBSCRIPTION,
            ),
            idempotency_key="count-the-statements",
        )
    return len(counter.queries)


class Server:
    def __init__(self) -> None:
        self.port = _free_port()
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        import httpx

        env = dict(os.environ, LOG_LEVEL="WARNING")
        self.process = await asyncio.create_subprocess_exec(
            *[
                str(Path(sys.executable).with_name("uvicorn")),
                "graphql_schema.app:create_app",
                "--factory",
                "--http",
                "graphql_schema.server:OneWrite",  # as in production: a response in one send
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=common.ROOT,
        )
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    raise RuntimeError("the API process exited during start-up")
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        raise RuntimeError("the API did not answer within 60 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def _round(
    client: Any, url: str, bodies: list[str], headers: dict[str, str], pid: int
) -> tuple[float, float, float, list[float], int]:
    """Send every body with CLIENTS connections: req/s, the API process's CPU share, the
    machine's busy share (all cores), latencies, refusals."""
    queue = list(reversed(bodies))
    latencies: list[float] = []
    refused = 0

    async def worker() -> None:
        nonlocal refused
        while queue:
            body = queue.pop()
            start = time.perf_counter()
            response = await client.post(url, content=body, headers=headers)
            latencies.append(time.perf_counter() - start)
            text = response.text
            if response.status_code != 200 or '"errors"' in text or '"code"' in text:
                refused += 1

    cpu0, machine0, wall0 = _cpu_seconds(pid), _machine_busy(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CLIENTS)))
    wall = time.perf_counter() - wall0
    machine1 = _machine_busy()
    busy = (machine1[0] - machine0[0]) / max(machine1[1] - machine0[1], 1.0)
    return len(bodies) / wall, (_cpu_seconds(pid) - cpu0) / wall, busy, latencies, refused


async def run() -> dict[str, Any]:
    import json

    import httpx

    rounds = common.scale(7, 3)
    per_round = common.scale(300, 120)
    warmup = 60
    customers = rounds * per_round + warmup + 10
    key, numbers = await _setup(customers)
    from services.partners.models import Partner, PartnerDispute

    partner = await Partner.get(sp_code="901234")
    statements = await _statements_per_dispute(partner.id, numbers.pop())
    server = Server()
    await server.start()
    assert server.process is not None
    pid = server.process.pid
    url = f"{server.url}/partner/graphql"
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    serial = iter(range(10**9))

    def dispute_body(msisdn: str) -> str:
        n = next(serial)
        return json.dumps(
            {
                "query": SUBMIT,
                "variables": {
                    "key": f"bench-{n}",
                    "in": {
                        "msisdn": msisdn,
                        "serviceCode": SERVICES[n % len(SERVICES)],
                        "reason": "UNKNOWING_SUBSCRIPTION",
                        "chargeLines": [
                            {"period": "2026-09", "amountFen": 1000},
                            {"period": "2026-10", "amountFen": 1000},
                        ],
                        "description": "客户称从未定制",
                        "evidence": ["ticket:bench"],
                    },
                },
            },
            ensure_ascii=False,
        )

    results: dict[str, dict[str, list[Any]]] = {
        name: {"rates": [], "cpu": [], "machine": [], "latencies": [], "refused": []}
        for name in ("me (baseline)", "submitRefundDispute")
    }
    try:
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:
            await _round(client, url, [ME] * warmup, headers, pid)
            await _round(
                client, url, [dispute_body(numbers.pop()) for _ in range(warmup)], headers, pid
            )
            common.note(
                f"partner disputes: {rounds} rounds x {per_round} requests, {CLIENTS} clients"
            )
            for r in range(rounds):
                kinds = ["me (baseline)", "submitRefundDispute"]
                for name in kinds if r % 2 == 0 else reversed(kinds):
                    if name == "me (baseline)":
                        bodies = [ME] * per_round
                    else:
                        bodies = [dispute_body(numbers.pop()) for _ in range(per_round)]
                    rate, cpu, machine, latencies, refused = await _round(
                        client, url, bodies, headers, pid
                    )
                    entry = results[name]
                    entry["rates"].append(rate)
                    entry["cpu"].append(cpu)
                    entry["machine"].append(machine)
                    entry["latencies"] += latencies
                    entry["refused"].append(refused)
    finally:
        await server.stop()
    made = await PartnerDispute.all().count()
    base = statistics.median(results["me (baseline)"]["rates"])
    rows = []
    for name, entry in results.items():
        throughput = common.Stats(entry["rates"])
        latency = common.Stats(entry["latencies"])
        rows.append(
            {
                "request": name,
                "req/s median": throughput.median,
                "req/s p90": throughput.p90,
                "x baseline": common.ratio(throughput.median, base),
                "API CPU share": statistics.median(entry["cpu"]),
                "machine busy": statistics.median(entry["machine"]),
                "ms median": latency.median * 1000,
                "ms p90": latency.p90 * 1000,
                "refused": sum(entry["refused"]),
            }
        )
    disputes_per_second = rows[1]["req/s median"]
    return {
        "rows": rows,
        "disputes_per_second_median": disputes_per_second,
        "ratio_to_baseline": rows[1]["x baseline"],
        "sql_statements_per_dispute": statements,
        "disputes_created": made,
        "notes": [
            f"one uvicorn process, {CLIENTS} concurrent client connections on loopback",
            f"{len(SERVICES)} services x {len(PROVINCES)} provinces x 3 cities of customers: "
            "about 250 matter keys (C-3 lock and batch window per matter)",
            "API CPU share = the API process's CPU seconds / wall seconds of the round "
            "(1.0 = one core busy); machine busy = share of all cores busy (client, API, "
            f"PostgreSQL, Redis together, {os.cpu_count()} cores)",
            f"one dispute sends {statements} SQL statements (counted in-process on the use case)",
        ],
        "raw": {
            k: {"rates": v["rates"], "cpu": v["cpu"], "machine": v["machine"]}
            for k, v in results.items()
        },
    }
