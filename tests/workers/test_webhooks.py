"""Partner webhooks end to end: a receiver on loopback verifies each event with the code the
partner guide prints; retries with backoff; every status change is an event; the real worker."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from arq.worker import Worker

from services import clock, scheduling
from services.complaints.models import Complaint
from services.config import settings
from services.partners import disputes, webhooks
from services.partners.models import WebhookDelivery, WebhookEvent, WebhookState
from services.refunds import execution
from services.scheduling import Job
from services.staff.models import Role
from tests import factories as f
from workers import webhooks as jobs
from workers.queue import ArqScheduler
from workers.settings import WorkerSettings

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "partners.md"


def guide_verify() -> Any:
    """The `verify` function exactly as docs/partners.md prints it."""
    code = next(
        block
        for block in re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
        if "def verify(" in block
    )
    namespace: dict[str, Any] = {}
    exec(compile(code, str(GUIDE), "exec"), namespace)
    return namespace["verify"]


class Receiver:
    """A partner's endpoint on 127.0.0.1: answers the next queued status, verifying each
    signature first (a bad one is answered 400)."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.received: list[dict[str, Any]] = []
        self.secret = ""
        self.verify = guide_verify()
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> Receiver:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/tousu/events"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in head[1:] if line)
        }
        body = await reader.readexactly(int(headers["content-length"]))
        # the receiver's clock is the domain clock, which tests move (to a release time, …)
        signature = headers.get("tousu-signature", "")
        valid = self.verify(self.secret, signature, body, now=clock.now().timestamp())
        self.received.append(
            {"line": head[0], "headers": headers, "body": json.loads(body), "valid": valid}
        )
        status = (self.statuses.pop(0) if self.statuses else 200) if valid else 400
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n".encode())
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = await Receiver().start()
    yield server
    await server.stop()


async def disputed(receiver: Receiver) -> Any:
    """A partner with the receiver registered, and one dispute (refund first, band 0)."""
    partner = await f.partner()
    registered = await webhooks.register(partner_id=partner.id, url=receiver.url)
    receiver.secret = registered.secret
    customer = await f.customer()
    dispute = await disputes.submit(
        partner_id=partner.id, submission=f.submission(customer.msisdn), idempotency_key="1"
    )
    await disputes.open_dispute(dispute.id)  # the worker, right after the commit
    await dispute.refresh_from_db()
    return dispute


async def log_of(event: WebhookEvent) -> list[tuple[int | None, str]]:
    rows = await WebhookDelivery.filter(event_id=event.id).order_by("id")
    return [(r.http_status, r.error) for r in rows]


async def test_the_new_disputes_event_is_posted_signed_and_verified_by_the_receiver(receiver):
    dispute = await disputed(receiver)
    event = await WebhookEvent.get(dispute_id=dispute.id)

    state = await jobs.deliver_webhook({}, event.id)

    (got,) = receiver.received
    assert (state, got["valid"], got["line"]) == ("delivered", True, "POST /tousu/events HTTP/1.1")
    assert got["headers"]["tousu-event-id"] == got["body"]["id"] == event.event_id
    assert got["body"]["type"] == "dispute.created"
    assert got["body"]["data"] == {
        "disputeId": dispute.public_id,
        "status": "OPEN",
        "previousStatus": None,
    }
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", got["headers"]["tousu-signature"])
    assert await log_of(event) == [(200, "")]


async def test_a_tampered_body_or_another_secret_does_not_verify(receiver):
    verify = guide_verify()
    now = 1_800_000_000
    body = b'{"id":"evt_1"}'
    header = f"t={now},v1={webhooks.signature('whsec_right', now, body)}"

    assert verify("whsec_right", header, body, now=now)
    assert not verify("whsec_right", header, body.replace(b"1", b"2"), now=now)
    assert not verify("whsec_wrong", header, body, now=now)
    assert not verify("whsec_right", header, body, now=now + 301)  # a replayed capture
    assert not verify("whsec_right", "garbage", body, now=now)


async def test_c12_the_disputes_status_changes_are_events_and_the_refunds_steps_are_not(
    receiver, monkeypatch
):
    dispute = await disputed(receiver)
    staff = await f.staff(Role.HANDLER)  # given a handler who owns the dispute's complaint
    await Complaint.filter(id=dispute.complaint_id).update(owner_id=staff.id)
    await execution.confirm_amount(actor=staff, refund_id=dispute.refund_id, note="客户确认")
    await execution.execute(actor=staff, refund_id=dispute.refund_id)

    attempted = await jobs.relay_webhooks({})
    monkeypatch.setattr(clock, "now", lambda: dispute.release_at)  # the outcome's release
    attempted += await jobs.relay_webhooks({})

    changes = [
        (e.type, e.previous_status, e.status)
        for e in await WebhookEvent.filter(dispute_id=dispute.id).order_by("id")
    ]
    assert changes == [  # confirming the amount is the operator's step: no event
        ("dispute.created", "", "open"),
        ("dispute.status_changed", "open", "refunded"),
    ]
    assert attempted == 2 and all(r["valid"] for r in receiver.received)
    assert [r["body"]["data"]["status"] for r in receiver.received] == ["OPEN", "REFUNDED"]


async def test_a_disputes_events_arrive_in_order_and_a_failed_one_holds_the_next_back(
    receiver, monkeypatch
):
    dispute = await disputed(receiver)
    staff = await f.staff(Role.HANDLER)
    await Complaint.filter(id=dispute.complaint_id).update(owner_id=staff.id)
    await execution.confirm_amount(actor=staff, refund_id=dispute.refund_id, note="客户确认")
    await execution.execute(actor=staff, refund_id=dispute.refund_id)
    _created, changed = await WebhookEvent.filter(dispute_id=dispute.id).order_by("id")
    receiver.statuses = [503]  # the receiver fails the first POST only
    start = clock.now()
    released = dispute.release_at  # the outcome's event is due from then (partners.release)

    def at(seconds: float) -> None:
        monkeypatch.setattr(clock, "now", lambda: start + timedelta(seconds=seconds))

    at(0)
    first = await jobs.relay_webhooks({})
    early = await webhooks.deliver(changed.id, at=released, send=jobs.post)
    at((released - start).total_seconds())
    second = await jobs.relay_webhooks({})

    assert (first, early, second) == (1, None, 2)  # the change waits for the creation
    assert [(r["body"]["type"], r["body"]["data"]["status"]) for r in receiver.received] == [
        ("dispute.created", "OPEN"),
        ("dispute.created", "OPEN"),
        ("dispute.status_changed", "REFUNDED"),
    ]


async def test_retries_with_backoff_after_the_receiver_fails(receiver, monkeypatch):
    dispute = await disputed(receiver)
    event = await WebhookEvent.get(dispute_id=dispute.id)
    receiver.statuses = [500, 503]
    start = clock.now()

    def at(seconds: float) -> None:
        monkeypatch.setattr(clock, "now", lambda: start + timedelta(seconds=seconds))

    at(0)
    first = await jobs.relay_webhooks({})
    at(20)
    too_early = await jobs.relay_webhooks({})  # the first retry waits 30 s
    at(31)
    second = await jobs.relay_webhooks({})  # the next waits 60 s more
    at(92)
    third = await jobs.relay_webhooks({})

    await event.refresh_from_db()
    assert (first, too_early, second, third) == (1, 0, 1, 1)
    assert (event.state, event.attempts) == (WebhookState.DELIVERED, 3)
    assert await log_of(event) == [(500, "HTTP 500"), (503, "HTTP 503"), (200, "")]
    assert {r["body"]["id"] for r in receiver.received} == {event.event_id}  # a stable id
    assert all(r["valid"] for r in receiver.received)


async def test_a_receiver_that_is_down_is_logged_and_retried(receiver):
    dispute = await disputed(receiver)
    await receiver.stop()
    event = await WebhookEvent.get(dispute_id=dispute.id)

    await jobs.deliver_webhook({}, event.id)
    receiver._server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)  # for stop

    await event.refresh_from_db()
    ((status, error),) = await log_of(event)
    assert status is None and "Connect" in error
    assert event.state == WebhookState.PENDING and event.next_attempt_at is not None


async def test_delivery_gives_up_24_hours_after_the_event():
    partner = await f.partner()
    await webhooks.register(partner_id=partner.id, url="https://sp.example.com/hooks")
    customer = await f.customer()
    dispute = await disputes.submit(
        partner_id=partner.id, submission=f.submission(customer.msisdn), idempotency_key="1"
    )
    event = await WebhookEvent.get(dispute_id=dispute.id)

    async def failing(url: str, headers: Any, body: bytes) -> int:
        return 502

    attempts = 0
    at = event.occurred_at
    while (state := await webhooks.deliver(event.id, at=at, send=failing)) is WebhookState.PENDING:
        attempts += 1
        await event.refresh_from_db()
        assert event.next_attempt_at is not None
        at = event.next_attempt_at

    assert state is WebhookState.FAILED and at - event.occurred_at <= timedelta(hours=24)
    assert attempts + 1 == await WebhookDelivery.filter(event_id=event.id).count() >= 15


async def test_an_event_without_an_endpoint_is_skipped():
    partner = await f.partner()
    customer = await f.customer()
    dispute = await disputes.submit(
        partner_id=partner.id, submission=f.submission(customer.msisdn), idempotency_key="1"
    )
    event = await WebhookEvent.get(dispute_id=dispute.id)

    state = await jobs.deliver_webhook({}, event.id)
    again = await jobs.deliver_webhook({}, event.id)

    assert (state, again) == ("skipped", None)


async def test_the_worker_never_connects_to_a_private_address():
    with pytest.raises(jobs.RefusedAddress):
        await jobs.post("http://10.1.2.3/hook", {}, b"{}")
    with pytest.raises(jobs.RefusedAddress):
        await jobs.post("https://169.254.169.254/latest/meta-data", {}, b"{}")


class OnlyWebhookJobs(ArqScheduler):
    """The real queue, but without the complaint's deadline jobs (due in a working day: a
    burst worker would wait for them)."""

    async def schedule_many(self, jobs: Sequence[Job]) -> None:
        await super().schedule_many([j for j in jobs if j.job == webhooks.DELIVER_WEBHOOK_JOB])


async def test_the_real_worker_runs_the_job_queued_when_the_dispute_was_created(receiver):
    queue = OnlyWebhookJobs((await ArqScheduler.connect(settings.redis_url)).pool)
    await queue.pool.flushdb()
    scheduling.install(queue)
    try:
        dispute = await disputed(receiver)
    finally:
        scheduling.install(None)
        await queue.close()
    worker = Worker(
        functions=WorkerSettings.functions,
        redis_settings=WorkerSettings.redis_settings,
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
    )
    try:
        await worker.async_run()
    finally:
        await worker.close()

    event = await WebhookEvent.get(dispute_id=dispute.id)
    assert event.state == WebhookState.DELIVERED
    assert [r["body"]["id"] for r in receiver.received] == [event.event_id]


async def test_c12_the_relay_does_not_send_an_outcome_before_its_release_time(
    receiver, monkeypatch
):
    """A refund-first dispute refunded at once: its outcome's event is written with the
    refund, but dated and due at the dispute's release time (services.partners.release);
    the relay sends the creation now and the outcome only from then, dated then."""
    dispute = await disputed(receiver)
    staff = await f.staff(Role.HANDLER)
    await Complaint.filter(id=dispute.complaint_id).update(owner_id=staff.id)
    await execution.confirm_amount(actor=staff, refund_id=dispute.refund_id, note="客户确认")
    executed = await execution.execute(actor=staff, refund_id=dispute.refund_id)
    release_at = dispute.release_at

    def at(moment: Any) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    at(executed.executed_at)
    now = await jobs.relay_webhooks({})
    at(release_at - timedelta(seconds=1))
    just_before = await jobs.relay_webhooks({})
    at(release_at)
    then = await jobs.relay_webhooks({})

    assert executed.executed_at < release_at - timedelta(days=5)  # refunded days before
    assert (now, just_before, then) == (1, 0, 1)
    sent = [(r["body"]["type"], r["body"]["data"]["status"]) for r in receiver.received]
    assert sent == [("dispute.created", "OPEN"), ("dispute.status_changed", "REFUNDED")]
    shown_at = release_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert receiver.received[1]["body"]["createdAt"] == shown_at
    assert all(r["valid"] for r in receiver.received)
