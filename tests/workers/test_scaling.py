"""Scaling (README, "Scaling"): the API and the worker are stateless replicas. Two API processes
and two workers share one PostgreSQL and one Redis; the same refund executed through both APIs
at once is executed once (R-14: one notice), and the two workers polling one queue deliver its
SMS once."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from services.config import settings
from services.notices.models import Notice, NoticeStatus
from services.refunds.models import LedgerEntry, Refund, RefundStatus
from services.staff.models import Role
from services.staff.service import issue_token
from services.thresholds import service as thresholds
from tests import factories as f
from tests.app_server import command, free_port
from tests.services.notices.sms_server import ACCOUNT, SECRET, SmsServer

ROOT = Path(__file__).resolve().parents[2]
WORKER = "from workers.__main__ import run\nrun(job_timeout=5, poll_delay=0.05)\n"
EXECUTE = """mutation($id: ID!) { executeRefund(id: $id) {
  __typename ... on Error { code } } }"""


def _env(gateway: SmsServer) -> dict[str, str]:
    return {
        **os.environ,
        "SECRET_KEY": str(settings.secret_key),
        "NOTICE_GATEWAY": "http",
        "NOTICE_HTTP_URL": gateway.url,
        "NOTICE_HTTP_ACCOUNT": ACCOUNT,
        "NOTICE_HTTP_SECRET": SECRET,
        "NOTICE_RELAY_SECONDS": "1",
        "LOG_LEVEL": "WARNING",
    }


async def _api(env: dict[str, str], log: Path) -> tuple[asyncio.subprocess.Process, str]:
    port = free_port()
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            *command(port),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return process, url
            except httpx.TransportError:
                await asyncio.sleep(0.2)
    raise AssertionError(f"an API process did not start (see {log})")


async def _worker(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-c", WORKER, cwd=ROOT, env=env, stdout=out, stderr=out
        )


async def _confirmed_refund() -> tuple[Any, Refund]:
    """A refund walked to CONFIRMED: the next step, execution, credits and notifies."""
    handler = await f.staff(Role.HANDLER)
    refund = await f.confirmed_refund(handler, await f.refund(handler), note="客户确认")
    return handler, refund


async def test_r14_two_apis_and_two_workers_execute_one_refund_and_send_one_sms(
    redis, tmp_path, wall_clock
):
    admin = await f.staff(Role.ADMIN)
    await thresholds.change(
        key="notices.quiet_hours",
        value={"start": "00:00", "end": "00:00"},
        reason="the workers run on the real clock, at any hour",
        changed_by_id=admin.id,
    )
    handler, refund = await _confirmed_refund()
    gateway = await SmsServer().start()
    env = _env(gateway)
    processes: list[asyncio.subprocess.Process] = []
    try:
        urls = []
        for i in range(2):
            process, url = await _api(env, tmp_path / f"api{i}.log")
            processes.append(process)
            urls.append(url)
        for i in range(2):
            processes.append(await _worker(env, tmp_path / f"worker{i}.log"))
        headers = {"Authorization": f"Bearer {issue_token(handler)}"}
        body = {"query": EXECUTE, "variables": {"id": str(refund.id)}}
        async with httpx.AsyncClient(timeout=30) as client:
            answers = await asyncio.gather(
                *(client.post(f"{url}/graphql", json=body, headers=headers) for url in urls * 4)
            )
        kinds = sorted(a.json()["data"]["executeRefund"]["__typename"] for a in answers)

        deadline = time.monotonic() + 60
        while not await Notice.filter(refund_id=refund.id, status=NoticeStatus.SENT).exists():
            assert time.monotonic() < deadline, "the refund's SMS was not sent within 60 s"
            await asyncio.sleep(0.1)
        await asyncio.sleep(2)  # both workers polled again: a second delivery would show now
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
        await gateway.stop()

    winners = [k for k in kinds if not k.endswith("Error")]
    assert len(winners) == 1, kinds  # one execution; the other seven are refused, typed
    assert (await Refund.get(id=refund.id)).status == RefundStatus.EXECUTED
    assert await LedgerEntry.filter(refund_id=refund.id).count() <= 1  # one credit at most
    notices = await Notice.filter(refund_id=refund.id)
    assert len(notices) == 1 and notices[0].status == NoticeStatus.SENT
    assert len(gateway.seen) == 1  # delivered once, though two workers poll one queue
