"""The worker outlives Redis (`workers.resilient`): a Redis of its own, killed and started again."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

from arq.connections import ArqRedis, RedisSettings
from arq.worker import func
from devservers import EmbeddedRedis

from workers.queue import ArqScheduler
from workers.resilient import REDIS_DOWN, Worker


async def note(ctx: dict[str, Any], n: int) -> None:
    ctx.setdefault("ran", []).append(n)


async def test_the_worker_outlives_a_killed_redis_and_runs_jobs_queued_once_it_is_back(
    tmp_path: Path,
) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    url = server.start()
    ran: list[int] = []
    worker = Worker(
        functions=[func(note, name="note")],
        redis_settings=RedisSettings(port=server.port),
        poll_delay=0.05,
        handle_signals=False,
        ctx={"ran": ran},
    )
    running = asyncio.create_task(worker.async_run())
    try:
        await asyncio.sleep(0.3)
        assert server.process is not None
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        await asyncio.sleep(1.0)  # the worker meets the dead connection and backs off
        outage_seen = worker.outage_started is not None
        server.start()
        queue = await ArqScheduler.connect(url)
        try:
            await queue.pool.enqueue_job("note", 1)
            for _ in range(200):
                if ran:
                    break
                await asyncio.sleep(0.05)
        finally:
            await queue.close()
        still_running = not running.done()
    finally:
        running.cancel()
        await worker.close()
        server.stop()

    assert outage_seen and still_running
    assert ran == [1]
    assert worker.outage_started is None


async def test_a_redis_error_while_taking_a_job_gives_its_slot_back() -> None:
    worker = Worker(
        functions=[func(note, name="note")],
        redis_settings=RedisSettings(port=1),
        handle_signals=False,
    )
    worker._pool = ArqRedis(host="127.0.0.1", port=1)  # nothing listens there
    free = (worker.job_counter, worker.sem._value)

    try:
        await worker.start_jobs([b"some-job"])
        raised = False
    except REDIS_DOWN:
        raised = True
    finally:
        await worker._pool.aclose()

    assert raised
    assert (worker.job_counter, worker.sem._value) == free  # twenty of these stopped arq
