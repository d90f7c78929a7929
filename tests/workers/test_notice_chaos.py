"""R-14 under chaos: 1,000 executed refunds, a real arq worker in its own process, SIGKILLed and
its Redis flushed at random moments while it delivers through a real HTTP gateway on loopback.

Afterwards every refund has exactly one notice, sent, and the gateway saw each message at most
twice. One refund is executed through the refund service; 999 more are copies of its row, each
given its notice by the same function execution calls (`notices.refund_executed`), inside a
transaction, twice: the unique notice key is what keeps it to one notice per refund.

A message is seen twice when the worker is killed after the gateway had it and before the
result was recorded; it is resent once the lease runs out. A message could be seen three times
only if a second kill caught its resend too, so before each kill the test lets the previous
kill's lost notices be resent: each notice is exposed to at most one kill.

The kills, flushes and their moments come from one seed, printed first: `CHAOS_SEED=<seed>`
replays a run. A flush under the running worker is sometimes followed by the relay's re-queue
before the kill, so the new worker finds the jobs its predecessor had taken still "in progress"
at the head of the queue (they used to stall it until they expired: `queue_read_limit`).
The run's time limit is a ceiling, not a wait, scaled to how busy the machine is when the chaos
starts: 60 s per unit of load per core, at least 90 s (`CHAOS_DEADLINE_SECONDS` sets it). On a
2-core machine the run takes about 20 s idle, 90-160 s at a load average of 10-12.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from services.customers.models import Customer
from services.notices import service as notices
from services.notices.models import AttemptOutcome, Notice, NoticeAttempt, NoticeStatus
from services.refunds.models import Refund, RefundStatus
from services.staff.models import Role
from services.thresholds import service as thresholds
from tests import factories as f
from tests.services.notices.sms_server import ACCOUNT, SECRET, Reply, SmsServer

ROOT = Path(__file__).resolve().parents[2]
REFUNDS = 1000
KILLS = 4
LEASE_SECONDS = 3
SECONDS_PER_LOAD = 60.0
MIN_SECONDS = 90.0
WORKER = "from workers.__main__ import run\nrun(job_timeout=5, poll_delay=0.05)\n"


async def executed_refunds(n: int) -> list[int]:
    handler = await f.staff(Role.HANDLER)
    first = await f.executed_refund(handler, await f.refund(handler))
    conn = Tortoise.get_connection("default")
    columns = [
        row["column_name"]
        for row in await conn.execute_query_dict(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'refunds' AND column_name <> 'id'"
        )
    ]
    listed = ", ".join(f'"{c}"' for c in columns)
    await conn.execute_query(
        f'INSERT INTO "refunds" ({listed}) SELECT {listed} FROM "refunds", '
        f'generate_series(1, {n - 1}) WHERE "id" = {first.id}'
    )
    return [r.id for r in await Refund.filter(status=RefundStatus.EXECUTED).order_by("id")]


async def write_notices(refund_ids: list[int]) -> None:
    refunds = await Refund.filter(id__in=refund_ids)
    customer = await Customer.get(id=refunds[0].customer_id)
    at = datetime.now(UTC)
    for _ in range(2):  # an event replayed must not write a second notice
        for refund in refunds:
            async with in_transaction():
                await notices.refund_executed(refund=refund, customer=customer, at=at)


async def start_worker(url: str, log: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "NOTICE_GATEWAY": "http",
        "NOTICE_HTTP_URL": url,
        "NOTICE_HTTP_ACCOUNT": ACCOUNT,
        "NOTICE_HTTP_SECRET": SECRET,
        "NOTICE_HTTP_TIMEOUT_SECONDS": "1",
        "NOTICE_LEASE_SECONDS": str(LEASE_SECONDS),
        "NOTICE_RELAY_SECONDS": "1",
        "LOG_LEVEL": "INFO",
    }
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-c", WORKER, cwd=ROOT, env=env, stdout=out, stderr=out
        )


async def kill(worker: asyncio.subprocess.Process) -> None:
    worker.send_signal(signal.SIGKILL)
    await worker.wait()


async def sent() -> int:
    return await Notice.filter(status=NoticeStatus.SENT).count()


async def in_flight() -> set[int]:
    """Notices a killed worker had claimed and not recorded: the gateway may have them."""
    rows = await NoticeAttempt.filter(outcome=AttemptOutcome.STARTED).values_list("notice_id")
    return {r[0] for r in rows}


def time_limit() -> float:
    """Seconds the chaos may take on this machine as busy as it is now."""
    if limit := os.environ.get("CHAOS_DEADLINE_SECONDS"):
        return float(limit)
    load_per_core = os.getloadavg()[0] / (os.cpu_count() or 1)
    return max(MIN_SECONDS, SECONDS_PER_LOAD * load_per_core)


async def until(condition, deadline: float) -> None:
    while not await condition():
        if time.monotonic() > deadline:
            stuck = (
                await Notice.exclude(status=NoticeStatus.SENT)
                .limit(5)
                .values("id", "status", "attempts", "next_attempt_at", "lease_until", "last_error")
            )
            raise AssertionError(f"not all delivered in time (seed printed above); e.g. {stuck}")
        await asyncio.sleep(0.05)


async def test_r14_chaos_every_refund_gets_one_notice_delivered_despite_kills_and_flushes(
    redis, tmp_path, capsys, wall_clock
):
    seed = int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(2**32))
    rng = random.Random(seed)
    with capsys.disabled():
        print(f"\nchaos seed {seed} (replay: CHAOS_SEED={seed})")
    admin = await f.staff(Role.ADMIN)
    await thresholds.change(
        key="notices.quiet_hours",
        value={"start": "00:00", "end": "00:00"},
        reason="the worker runs on the real clock, at any hour",
        changed_by_id=admin.id,
    )
    await thresholds.change(
        key="notices.retry",
        value={"max_attempts": 10, "first_delay_seconds": 1, "max_delay_seconds": 2},
        reason="a timed test: retry within seconds",
        changed_by_id=admin.id,
    )
    refund_ids = await executed_refunds(REFUNDS)
    await write_notices(refund_ids)
    assert await Notice.filter(refund_id__in=refund_ids).count() == REFUNDS
    gateway = await SmsServer(respond=lambda seen: Reply(delay=0.05)).start()
    log = tmp_path / "worker.log"
    limit = time_limit()
    started = time.monotonic()
    deadline = started + limit
    flushes = 0
    worker = await start_worker(gateway.url, log)
    try:
        for round_ in range(KILLS):
            # kill at a random moment once this incarnation is busy delivering
            floor = len(gateway.seen) + rng.randint(30, 120)
            await until(lambda floor=floor: _at_least(gateway, floor), deadline)
            if round_ % 2 == 0:  # flush Redis under the running worker, then kill it later
                await redis.flushall()
                flushes += 1
                await asyncio.sleep(rng.uniform(0.05, 1.5))  # the relay may re-queue first
            await kill(worker)
            lost = await in_flight()
            if round_ % 2 == 1:  # and flush while no worker runs
                await redis.flushall()
                flushes += 1
            await asyncio.sleep(LEASE_SECONDS)  # a killed worker's leases run out
            worker = await start_worker(gateway.url, log)
            await until(lambda lost=lost: _all_sent(lost), deadline)  # resent before next kill
        await until(lambda: _done(), deadline)
    finally:
        if worker.returncode is None:
            await kill(worker)
        await gateway.stop()

    rows = await Notice.filter(refund_id__in=refund_ids)
    assert len(rows) == REFUNDS and {r.refund_id for r in rows} == set(refund_ids)
    assert {r.status for r in rows} == {NoticeStatus.SENT}
    counts = gateway.counts()
    assert set(counts) == {r.key for r in rows}
    assert max(counts.values()) <= 2
    duplicates = sum(n - 1 for n in counts.values())
    texts = {s.reference: s.text for s in gateway.seen}
    assert all(texts[r.key] == r.body for r in rows) and all(s.signed for s in gateway.seen)
    lost = await NoticeAttempt.filter(outcome=AttemptOutcome.LOST).count()
    retried = await NoticeAttempt.filter(outcome=AttemptOutcome.TRANSIENT).count()
    worker_log = log.read_text(errors="replace")
    assert not re.search(r"(?<!\d)1\d{10}(?!\d)", worker_log), "a phone number reached the log"
    with capsys.disabled():
        print(
            f"\nchaos: {REFUNDS} refunds, {KILLS} SIGKILLs, {flushes} FLUSHALLs: "
            f"{len(gateway.seen)} requests, {duplicates} duplicates, {lost} lost attempts, "
            f"{retried} transient failures, {time.monotonic() - started:.1f} s of {limit:.0f} s "
            f"allowed (seed {seed})"
        )


async def _at_least(gateway: SmsServer, n: int) -> bool:
    return len(gateway.seen) >= n or await sent() == REFUNDS


async def _all_sent(ids: set[int]) -> bool:
    return not ids or await Notice.filter(id__in=ids, status=NoticeStatus.SENT).count() == len(ids)


async def _done() -> bool:
    return await sent() == REFUNDS
