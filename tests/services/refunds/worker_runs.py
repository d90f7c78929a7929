"""A real arq worker in burst mode for the refund tests that need one (wall clock, real Redis)."""

from __future__ import annotations

from dataclasses import replace

from arq.worker import Worker

from workers.settings import WorkerSettings


async def run_worker(*, with_cron: bool) -> None:
    """Run the queued jobs, and with `with_cron` every cron once as at start-up. The crons are
    copies: arq keeps each one's next run on the object, which an earlier worker moved on."""
    crons = [replace(c, next_run=None) for c in WorkerSettings.cron_jobs] if with_cron else None
    worker = Worker(
        functions=WorkerSettings.functions,
        cron_jobs=crons,
        redis_settings=WorkerSettings.redis_settings,
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
    )
    try:
        await worker.async_run()
    finally:
        await worker.close()
