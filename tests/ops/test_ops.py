"""What an operator sees: /healthz, /readyz, /metrics, request ids from the API into the
worker's jobs, JSON logs, and a worker that is quiet when idle. Real PostgreSQL and Redis."""

from __future__ import annotations

import json
import logging
import pickle
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from arq.constants import job_key_prefix

from graphql_schema.app import create_app
from services import logs, scheduling
from services.complaints.models import Complaint, Deadline, DeadlineKind, DeadlineState
from services.config import settings
from services.notices.models import Notice
from services.staff.models import Role
from services.staff.service import issue_token
from tests import factories as f
from workers import metrics as worker_metrics
from workers.__main__ import SETTINGS
from workers.queue import REQUEST_ID, ArqScheduler
from workers.resilient import Worker

HEALTH_KEY = "arq:queue:health-check"
CREATE = """mutation CreateComplaint($in: CreateComplaintInput!) { createComplaint(input: $in) {
  __typename ... on ComplaintResult { complaint { id } } ... on Error { code message } } }"""


def intake(msisdn: str) -> dict[str, Any]:
    return {
        "msisdn": msisdn,
        "contactName": "张先生",
        "channel": "HOTLINE",
        "category": "BILLING_ERROR",
        "summary": "本月话费多扣 30 元",
        "customerRequest": "退还多扣费用",
    }


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(with_lifespan=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        sample, _, value = line.rpartition(" ")
        found = dict(re.findall(r'(\w+)="([^"]*)"', sample))
        if sample.split("{")[0] == name and all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return 0.0


async def test_healthz_says_alive_without_asking_anything(http):
    response = await http.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert re.fullmatch(r"[0-9a-f]{16}", response.headers["x-request-id"])


async def test_readyz_names_what_is_missing_a_worker_heartbeat_here(http, redis):
    await redis.delete(HEALTH_KEY)

    response = await http.get("/readyz")

    body = response.json()
    assert response.status_code == 503 and int(response.headers["retry-after"]) > 0
    assert body["status"] == "unready"
    assert body["checks"]["postgresql"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["worker"] == {
        "ok": False,
        "error": "no worker heartbeat in the last 11 s",
    }
    assert body["checks"]["calendar"]["ok"] is True
    assert body["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert "worker" in body["errors"][0]["message"]


async def test_readyz_is_ready_with_postgresql_redis_a_worker_and_a_calendar(http, redis):
    await redis.psetex(HEALTH_KEY, 11_000, "Mar-10 10:00:00 j_complete=3 j_failed=0")

    response = await http.get("/readyz")

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert body["checks"]["worker"]["heartbeat"].startswith("Mar-10 10:00:00 j_complete=3")
    assert 0 <= body["checks"]["worker"]["secondsSinceHeartbeat"] <= 1
    assert body["checks"]["calendar"]["lastConfirmedDay"] == "2026-12-31"
    assert body["checks"]["calendar"]["warning"] is None


async def test_metrics_count_operations_by_name_errors_by_code_and_read_the_outbox(http, redis):
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    headers = {"Authorization": f"Bearer {issue_token(handler)}"}
    before = (await http.get("/metrics")).text

    ok = await http.post(
        "/graphql",
        json={"query": CREATE, "variables": {"in": intake(customer.msisdn)}},
        headers=headers,
    )
    bad = await http.post(
        "/graphql", json={"query": CREATE, "variables": {"in": intake("12345")}}, headers=headers
    )
    unnamed = await http.post("/graphql", json={"query": "{ me { username } }"})
    after = (await http.get("/metrics")).text

    assert ok.json()["data"]["createComplaint"]["__typename"] == "ComplaintResult"
    assert bad.json()["data"]["createComplaint"]["code"] == "INVALID_MSISDN"
    assert unnamed.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    def grew(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    staff = {"endpoint": "staff"}
    assert (
        grew("tousu_graphql_requests_total", operation="CreateComplaint", outcome="ok", **staff)
        == 2
    )
    assert grew("tousu_graphql_request_seconds_count", operation="CreateComplaint", **staff) == 2
    assert grew("tousu_graphql_requests_total", operation="me", outcome="error", **staff) == 1
    assert grew("tousu_graphql_errors_total", code="INVALID_MSISDN", kind="payload", **staff) == 1
    assert grew("tousu_graphql_errors_total", code="UNAUTHENTICATED", kind="top", **staff) == 1
    assert grew("tousu_http_responses_total", path="/graphql", status="200") >= 2
    # the notices the new complaint queued (its acknowledgement SMS, if any) are in the outbox
    pending = await Notice.filter(status="pending").count()
    assert (
        metric(after, "tousu_notice_outbox_due") + metric(after, "tousu_notice_outbox_held")
        == pending
    )


async def test_metrics_show_the_outbox_age_and_breached_deadlines(http):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    ack = await Deadline.get(complaint_id=complaint.id, kind=DeadlineKind.ACKNOWLEDGE)
    ack.state, ack.breached_at = DeadlineState.BREACHED, ack.due_at
    await ack.save()
    await Notice.filter(status="pending").delete()
    now = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # the pinned domain clock
    await Notice.create(
        key="ops-test:1",
        template="ops_test",
        msisdn="13800138000",
        body="测试",
        next_attempt_at=now - timedelta(minutes=5),
    )

    text = (await http.get("/metrics")).text

    assert metric(text, "tousu_notice_outbox_due") == 1
    assert 299 <= metric(text, "tousu_notice_outbox_oldest_due_seconds") <= 301
    assert metric(text, "tousu_deadlines_breached", kind="complaint") == 1
    assert "13800138000" not in text


async def test_a_request_id_goes_from_the_api_into_the_job_it_queued(
    http, redis, wall_clock, caplog
):
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    queue = await ArqScheduler.connect(settings.redis_url)
    scheduling.install(queue)
    try:
        response = await http.post(
            "/graphql",
            json={"query": CREATE, "variables": {"in": intake(customer.msisdn)}},
            headers={"Authorization": f"Bearer {issue_token(handler)}", "X-Request-ID": "req-42"},
        )
    finally:
        scheduling.install(None)
        await queue.close()
    assert response.headers["x-request-id"] == "req-42"
    assert response.json()["data"]["createComplaint"]["__typename"] == "ComplaintResult"
    complaint = await Complaint.get()
    deadline = await Deadline.get(complaint_id=complaint.id, kind=DeadlineKind.ACKNOWLEDGE)
    prefix = f"enforce_deadline:deadline:{deadline.id}:"
    queued_ids = [j.decode() for j in await redis.zrange("arq:queue", 0, -1)]
    [job_id] = [j for j in queued_ids if j.startswith(prefix)]
    assert logs.request_id.get() is None  # the request's id ended with the request
    queued = pickle.loads(await redis.get(f"{job_key_prefix}{job_id}"))
    assert (queued["k"], queued[REQUEST_ID]) == ({"deadline_id": deadline.id}, "req-42")

    others = [j for j in queued_ids if j != job_id]  # later deadlines, notices: not this test's
    if others:
        await redis.zrem("arq:queue", *others)
    await redis.zadd("arq:queue", {job_id: int(time.time() * 1000)})  # due now, not tomorrow
    before = worker_metrics.JOBS.labels("enforce_deadline", "ok")._value.get()
    caplog.set_level(logging.DEBUG, logger="arq.worker")
    worker = Worker(
        **{
            **{
                k: v
                for k, v in SETTINGS.items()
                if k in ("functions", "job_serializer", "job_deserializer", "redis_settings")
            },
            "cron_jobs": [],
            "burst": True,
            "max_burst_jobs": 1,
            "poll_delay": 0.01,
            "handle_signals": False,
        }
    )
    try:
        await worker.main()
    finally:
        await worker.close()

    lines = [r for r in caplog.records if r.name == "arq.worker" and job_id in r.getMessage()]
    assert lines and {getattr(r, "request_id", None) for r in lines} == {"req-42"}
    assert worker_metrics.JOBS.labels("enforce_deadline", "ok")._value.get() == before + 1


def test_json_logs_carry_the_request_id_and_mask_phone_numbers():
    handler = logging.StreamHandler()
    handler.setFormatter(logs.formatter("json"))
    record = logging.LogRecord(
        "tousu.test", logging.INFO, __file__, 1, "sent to %s", ("13812345678",), None
    )
    token = logs.request_id.set("req-7")
    try:
        logs.clean_record(record)
    finally:
        logs.request_id.reset(token)

    line = json.loads(handler.format(record))

    assert line["message"] == "sent to 138****5678"
    assert (line["level"], line["logger"], line["request_id"]) == ("INFO", "tousu.test", "req-7")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])


def test_an_idle_worker_is_quiet_at_info():
    logs.configure("INFO", "text")
    arq_log = logging.getLogger("arq.worker")
    console = next(h for h in logging.getLogger().handlers if isinstance(h, logs.ConsoleHandler))
    seen: list[logging.LogRecord] = []
    console.addFilter(lambda record: seen.append(record) or False)  # count, print nothing
    try:
        for _ in range(10):  # a minute of cron jobs that found nothing to do
            arq_log.info("%6.2fs → %s(%s)%s", 0.98, "cron:relay_notices", "", "")
            arq_log.info("%6.2fs ← %s ● %s", 0.01, "cron:relay_notices", 0)
        arq_log.info("recording health: Mar-10 10:00:00 j_complete=20 j_failed=0")
        arq_log.warning("%6.2fs ! %s failed, %s: %s", 0.5, "deliver_notice:1", "OSError", "x")
    finally:
        console.filters.clear()
        console.addFilter(logs.PhoneScrubber())

    shown = [r for r in seen if r.levelno >= console.level]
    assert [r.levelname for r in shown] == ["WARNING"]
