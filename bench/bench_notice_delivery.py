"""Notice delivery: notices per second of one arq worker against a loopback HTTP SMS gateway.

N pending notices (R-14 texts) are queued by the relay, then one in-process arq worker in burst
mode (the production `deliver_notice` job, `delivery.deliver`: one claim statement, the signed
POST, one record statement) delivers them through `HttpGateway` to a gateway in another
process (plain asyncio + uvloop, checks the HMAC, answers code 0 at once), so the gateway's CPU
is not the worker's. Timed from the worker's start to the last notice recorded as sent.

Rows vary what could bound it: arq's `max_jobs` (jobs in flight) and `poll_delay` (the pause
between reads of the queue; arq's default is 0.5 s and WorkerSettings keeps it). `cpu` is the
worker process's CPU seconds per wall second (1.0 = one core saturated); `gateway cpu` the same
for the gateway process. Standalone: `python -m bench.bench_notice_delivery [--quick]`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import common

SECRET = "bench-secret"
ACCOUNT = "bench"
# (max_jobs, poll_delay seconds): arq's default poll, WorkerSettings as shipped, then variations
CASES = [(20, 0.5), (20, 0.05), (5, 0.05), (50, 0.05), (100, 0.05)]


# --- the gateway, in its own process ---------------------------------------------------------


async def _serve() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        n = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = {}
                for line in head.decode("latin-1").split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                signed = hmac.new(
                    SECRET.encode(),
                    headers.get("x-sms-timestamp", "").encode() + b"." + body,
                    hashlib.sha256,
                ).hexdigest()
                ok = hmac.compare_digest(signed, headers.get("x-sms-signature", ""))
                json.loads(body)
                n += 1
                reply = json.dumps(
                    {"code": "0" if ok else "4001", "message_id": f"b{id(writer)}-{n}"}
                ).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(len(reply)).encode()
                    + b"\r\n\r\n"
                    + reply
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


async def _start_gateway() -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.bench_notice_delivery",
        "--serve",
        cwd=common.ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    port = int((await proc.stdout.readline()).decode().strip())
    return proc, f"http://127.0.0.1:{port}/sms/send"


def _cpu_seconds(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


# --- the worker ------------------------------------------------------------------------------


async def _notices(n: int) -> None:
    from services.notices.models import Notice
    from services.notices.templates import SPECS, TemplateKind

    body = SPECS[TemplateKind.REFUND_EXECUTED].default
    due = datetime.now(UTC) - timedelta(seconds=1)
    await Notice.bulk_create(
        [
            Notice(
                key=f"refund:{i}:executed",
                template=TemplateKind.REFUND_EXECUTED.value,
                msisdn=f"138{i:08d}",
                body=body.format(
                    matter="话费重复扣费",
                    yyyy="2026",
                    mm="03",
                    dd="05",
                    amount=f"{i % 100}.00",
                    signature="【中国移动】",
                ),
                not_before=due,
                next_attempt_at=due,
            )
            for i in range(1, n + 1)
        ],
        batch_size=1000,
    )


async def _reset() -> None:
    from tortoise import Tortoise

    conn = Tortoise.get_connection("default")
    await conn.execute_script(
        'DELETE FROM "notice_attempts"; '
        'UPDATE "notices" SET "status" = \'pending\', "attempts" = 0, "lease_until" = NULL, '
        '"sent_at" = NULL, "next_attempt_at" = now() - interval \'1 second\''
    )


async def _round(url: str, gateway_pid: int, n: int, max_jobs: int, poll: float) -> dict[str, Any]:
    from arq.worker import Worker
    from redis.asyncio import Redis

    from services.config import settings
    from services.notices.gateways.http import HttpGateway
    from services.notices.models import Notice, NoticeStatus
    from workers import notices as jobs
    from workers.queue import ArqScheduler
    from workers.settings import WorkerSettings

    await _reset()
    client = Redis.from_url(settings.redis_url)
    await client.flushdb()
    await client.aclose()
    queue = await ArqScheduler.connect(settings.redis_url)
    gateway = HttpGateway(url=url, account=ACCOUNT, secret=SECRET, timeout_seconds=10)
    try:
        started = time.perf_counter()
        queued = await jobs.relay_notices({"redis": queue.pool})
        relay_seconds = time.perf_counter() - started
        worker = Worker(
            functions=[f for f in WorkerSettings.functions if f.name == "deliver_notice"],
            redis_pool=queue.pool,
            burst=True,
            max_jobs=max_jobs,
            poll_delay=poll,
            handle_signals=False,
            ctx={jobs.GATEWAY: gateway},
        )
        cpu, gateway_cpu = time.process_time(), _cpu_seconds(gateway_pid)
        started = time.perf_counter()
        await worker.async_run()
        seconds = time.perf_counter() - started
        cpu, gateway_cpu = time.process_time() - cpu, _cpu_seconds(gateway_pid) - gateway_cpu
    finally:
        await gateway.close()
        await queue.close()
    sent = await Notice.filter(status=NoticeStatus.SENT).count()
    assert queued == n and sent == n, (queued, sent, n)
    return {
        "max_jobs": max_jobs,
        "poll_delay s": poll,
        "notices": n,
        "seconds": round(seconds, 2),
        "notices/s": round(n / seconds),
        "cpu": round(cpu / seconds, 2),
        "gateway cpu": round(gateway_cpu / seconds, 2),
        "relay s": round(relay_seconds, 2),
    }


async def run() -> dict[str, Any]:
    from services.notices import rules
    from services.thresholds import service as thresholds

    n = common.scale(3000, 1000)
    await thresholds.change(
        key=rules.QUIET_HOURS,
        value={"start": "00:00", "end": "00:00"},
        reason="benchmark runs at any hour",
        changed_by_id=None,
    )
    await _notices(n)
    gateway, url = await _start_gateway()
    rows = []
    try:
        for max_jobs, poll in CASES:
            common.note(f"notice delivery: {n} notices, max_jobs={max_jobs}, poll_delay={poll}")
            rows.append(await _round(url, gateway.pid, n, max_jobs, poll))
    finally:
        gateway.terminate()
        await gateway.wait()
    shipped = rows[1]
    best = max(rows, key=lambda r: r["notices/s"])
    return {
        "rows": rows,
        "one_worker_as_shipped_per_s": shipped["notices/s"],
        "best_per_s": best["notices/s"],
        "notes": [
            "per notice: 2 SQL statements (claim: UPDATE…RETURNING with the attempt INSERT in "
            "one CTE; record: UPDATE of attempt and notice in one CTE), 1 HTTP POST on a "
            "kept-alive connection, and arq's own Redis round trips (in-progress key, job "
            "read, retry counter, job delete)",
            "cpu near 1.0 means the worker's single event loop is the bound (Python time in "
            "arq, asyncpg, httpx, json, hmac), not PostgreSQL or the gateway",
            "poll_delay 0.5 (arq's default): a read takes at most max(5 x max_jobs, 100) jobs, "
            "then the loop sleeps what is left of the 0.5 s, so the slots idle between reads",
        ],
    }


# --- standalone --------------------------------------------------------------------------------


async def _standalone() -> None:
    servers = common.Servers()
    servers.start()
    try:
        await common.prepare(servers)
        await common.reset()
        try:
            result = await run()
        finally:
            await common.finish()
        print(common.render("notice_delivery", result))
    finally:
        servers.stop()


if __name__ == "__main__":
    if "--serve" in sys.argv:
        with contextlib.suppress(ImportError):
            import uvloop

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        asyncio.run(_serve())
    else:
        from bench.__main__ import _loop_factory

        common.options.quick = "--quick" in sys.argv
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(_standalone())
