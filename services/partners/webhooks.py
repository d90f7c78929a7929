"""Webhooks: a partner's endpoint and secret, the event outbox, signing, delivery and its log.

Events are rows (`partner_webhook_events`), written in the transaction that changed the
dispute: `dispute.created` by `record_created` with the dispute, `dispute.status_changed` by
the trigger on `refund_events` (migration 0013, replacing 0007's) whenever a partner-linked
refund's change moves the dispute's stage (OPEN → REFUNDED or REFUSED: the steps in between
are the operator's, C-12), whoever changed it and through whichever use case; and by
`record_status_changed` when the worker refuses a dispute that opened no refund. The trigger
is the least invasive hook that still misses nothing: the refund code stays as it is, and a
rolled-back change leaves no event behind. An outcome's event is stamped and due at the time
the partner may see it, never before the dispute's release time (services.partners.release,
migration 0026): written with the outcome, sent and listed from then on.

Delivery (`deliver`, run by the worker: a job right after a dispute is created, and a relay
every 10 seconds for everything due) claims an event by moving its next attempt a lease
ahead, POSTs it, logs the attempt, and schedules the next one with exponential backoff until
24 hours after the event. The body is rebuilt from the row, so every attempt sends the same
bytes; the signature is HMAC-SHA256 with the endpoint's secret over f"{timestamp}.{body}",
sent as `Tousu-Signature: t=<unix seconds>,v1=<hex>`. An event may arrive more than once
(a worker dying between the POST and the log): its `id` is stable, and a receiver that has
seen it may ignore the replay.

The POST itself is the worker's (services stay free of network clients): `deliver` takes a
`Sender`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import string
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from tortoise import connections
from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from services import scheduling
from services.config import settings
from services.errors import ErrorCode, InvalidInput
from services.partners import release
from services.partners.models import (
    DisputeStage,
    PartnerDispute,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookState,
)
from services.refunds import clock

DELIVER_WEBHOOK_JOB = "deliver_webhook"
CREATED = "dispute.created"
STATUS_CHANGED = "dispute.status_changed"
RETRY_FOR = timedelta(hours=24)
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 2 * 3600
LEASE = timedelta(minutes=2)  # longer than a POST may take (the sender times out at 10 s)
SIGNATURE_HEADER = "Tousu-Signature"
_SECRET_ALPHABET = string.ascii_letters + string.digits

# (url, headers, body) -> HTTP status; raises on a network error
Sender = Callable[[str, Mapping[str, str], bytes], Awaitable[int]]


@dataclass(frozen=True)
class Registered:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def loopback_allowed() -> bool:
    """http://127.0.0.1 receivers only in development and tests."""
    return settings.env in ("dev", "test")


def check_url(url: str) -> str:
    """An HTTPS URL on a public host name (plain http to loopback in dev and test only)."""
    url = url.strip()
    problem = "The webhook URL must be https://<public host>/<path>."
    if not url or len(url) > 500 or any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidInput(problem, field="url")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.username or parts.password or not host or parts.fragment:
        raise InvalidInput(problem, field="url")
    if parts.scheme == "http" and loopback_allowed() and host in ("127.0.0.1", "localhost"):
        return url
    if parts.scheme != "https" or host == "localhost" or host.endswith(".localhost"):
        raise InvalidInput(problem, field="url")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return url
    if not address.is_global:
        raise InvalidInput(problem, field="url")
    return url


def public_address(address: str) -> bool:
    """May the worker connect to this resolved address? (No private networks: SSRF.)"""
    ip = ipaddress.ip_address(address)
    return ip.is_global or (loopback_allowed() and ip.is_loopback)


async def register(*, partner_id: int, url: str) -> Registered:
    """The partner's endpoint from now on, with a new signing secret; replaces any other."""
    url = check_url(url)
    secret = "whsec_" + "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
    at = clock.now()
    async with in_transaction():
        await WebhookEndpoint.filter(partner_id=partner_id, active=True).update(
            active=False, disabled_at=at
        )
        endpoint = await WebhookEndpoint.create(
            partner_id=partner_id, url=url, secret=secret, created_at=at
        )
    return Registered(endpoint=endpoint, secret=secret)


async def endpoint_of(partner_id: int) -> WebhookEndpoint | None:
    return await WebhookEndpoint.filter(partner_id=partner_id, active=True).order_by("-id").first()


def new_event_id() -> str:
    return "evt_" + uuid.uuid4().hex


async def record_created(dispute: PartnerDispute, *, at: datetime) -> None:
    """The `dispute.created` event, inside the transaction that creates the dispute."""
    await WebhookEvent.create(
        event_id=new_event_id(),
        partner_id=dispute.partner_id,
        dispute=dispute,
        type=CREATED,
        status=dispute.stage.value,
        occurred_at=at,
        next_attempt_at=at,
        created_at=at,
    )


async def record_status_changed(
    dispute: PartnerDispute, before: DisputeStage, after: DisputeStage, *, at: datetime
) -> None:
    """A `dispute.status_changed` event written here rather than by the trigger on
    refund_events: a dispute that opened no refund (its number is no customer's). Like the
    trigger's, it is stamped and due at the time the partner may see it (release.py)."""
    shown_at = release.visible_time(dispute.release_at, at)
    await WebhookEvent.create(
        event_id=new_event_id(),
        partner_id=dispute.partner_id,
        dispute_id=dispute.id,
        type=STATUS_CHANGED,
        status=after.value,
        previous_status=before.value,
        occurred_at=shown_at,
        next_attempt_at=shown_at,
        created_at=at,
    )


async def schedule_created(dispute_id: int) -> None:
    """After commit: deliver the new dispute's event now rather than at the next relay."""
    event = await WebhookEvent.filter(dispute_id=dispute_id, type=CREATED).only("id").first()
    if event is not None:
        await scheduling.schedule(
            DELIVER_WEBHOOK_JOB, key=f"webhook:{event.id}:1", run_at=clock.now(), event_id=event.id
        )


def api_status(status: str) -> str | None:
    """A dispute stage as the partner API names it (OPEN, REFUNDED, REFUSED)."""
    return status.upper() if status else None


def body(event: WebhookEvent, dispute_public_id: str) -> bytes:
    """The JSON the partner receives; the same bytes on every attempt."""
    payload = {
        "id": event.event_id,
        "type": event.type,
        "createdAt": event.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": {
            "disputeId": dispute_public_id,
            "status": api_status(event.status),
            "previousStatus": api_status(event.previous_status),
        },
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: int, payload: bytes) -> str:
    message = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(event: WebhookEvent, secret: str, timestamp: int, payload: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Tousu-Event-Id": event.event_id,
        "Tousu-Event-Type": event.type,
        SIGNATURE_HEADER: f"t={timestamp},v1={signature(secret, timestamp, payload)}",
    }


def backoff(attempt: int) -> timedelta:
    """After the n-th failed attempt: 30 s, 1 min, 2 min, … doubling, at most 2 hours."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempt - 1), MAX_RETRY_SECONDS))


_DUE = """
SELECT e.id, e.dispute_id FROM partner_webhook_events e
WHERE e.state = $1 AND e.next_attempt_at <= $2
  AND NOT EXISTS (
    SELECT 1 FROM partner_webhook_events earlier
    WHERE earlier.dispute_id = e.dispute_id AND earlier.id < e.id AND earlier.state = $1
      AND earlier.next_attempt_at > $2)
ORDER BY e.id
LIMIT $3
"""


async def due(*, at: datetime, limit: int = 100) -> list[list[int]]:
    """The events due now, in order per dispute: one list per dispute, oldest event first.

    A partner sees a dispute's changes in the order they happened: an event waits while an
    earlier event of its dispute is still waiting for a retry (the relay sends each list in
    order and stops a list at its first failure; `_claim` refuses an event with an earlier
    one pending). The disputes come in the order they were submitted, not of their events:
    outcomes released at one instant (release.py) are sent in an order that says nothing of
    which outcome really came first."""
    rows = await connections.get("default").execute_query_dict(
        _DUE, [WebhookState.PENDING.value, at, limit]
    )
    by_dispute: dict[int, list[int]] = {}
    for row in rows:
        by_dispute.setdefault(row["dispute_id"], []).append(row["id"])
    return [by_dispute[dispute_id] for dispute_id in sorted(by_dispute)]


async def _claim(event_id: int, at: datetime) -> bool:
    earlier = WebhookEvent.filter(
        dispute_id=Subquery(WebhookEvent.filter(id=event_id).values("dispute_id")),
        id__lt=event_id,
        state=WebhookState.PENDING,
    )
    if await earlier.exists():
        return False
    claimed = await WebhookEvent.filter(
        id=event_id, state=WebhookState.PENDING, next_attempt_at__lte=at
    ).update(next_attempt_at=at + LEASE)
    return bool(claimed)


async def deliver(event_id: int, *, at: datetime, send: Sender) -> WebhookState | None:
    """One attempt at one due event; None when it is not due or another worker has it."""
    if not await _claim(event_id, at):
        return None
    event = await WebhookEvent.get(id=event_id).select_related("dispute")
    endpoint = await endpoint_of(event.partner_id)
    if endpoint is None:
        event.state = WebhookState.SKIPPED
        event.next_attempt_at = None
        await event.save(update_fields=["state", "next_attempt_at"])
        return event.state
    payload = body(event, event.dispute.public_id)
    timestamp = int(at.timestamp())
    status: int | None = None
    error = ""
    started = time.perf_counter()
    try:
        status = await send(
            endpoint.url, headers(event, endpoint.secret, timestamp, payload), payload
        )
    except Exception as exc:  # the receiver's problem, recorded for the partner to see
        error = f"{type(exc).__name__}: {exc}"[:500]
    elapsed_ms = int((time.perf_counter() - started) * 1000)
    ok = status is not None and 200 <= status < 300
    if status is not None and not ok:
        error = f"HTTP {status}"
    await _record(event, endpoint, at=at, status=status, error=error, ms=elapsed_ms, ok=ok)
    return event.state


async def _record(
    event: WebhookEvent,
    endpoint: WebhookEndpoint,
    *,
    at: datetime,
    status: int | None,
    error: str,
    ms: int,
    ok: bool,
) -> None:
    event.attempts += 1
    if ok:
        event.state, event.delivered_at, event.next_attempt_at = WebhookState.DELIVERED, at, None
    else:
        retry_at = at + backoff(event.attempts)
        if retry_at > event.occurred_at + RETRY_FOR:
            event.state, event.next_attempt_at = WebhookState.FAILED, None
        else:
            event.next_attempt_at = retry_at
    async with in_transaction():
        await WebhookDelivery.create(
            event=event,
            attempt=event.attempts,
            attempted_at=at,
            url=endpoint.url,
            http_status=status,
            error=error,
            duration_ms=ms,
        )
        await event.save(update_fields=["attempts", "state", "delivered_at", "next_attempt_at"])


# the partner's view ----------------------------------------------------------------------


async def events_of(
    partner_id: int, *, first: int, dispute_public_id: str | None = None
) -> list[WebhookEvent]:
    """The partner's events, newest first (another partner's dispute id finds nothing); an
    outcome's event only from the time the partner may see it (release.py)."""
    query = WebhookEvent.filter(partner_id=partner_id, occurred_at__lte=clock.now())
    query = query.select_related("dispute")
    if dispute_public_id is not None:
        query = query.filter(dispute__public_id=dispute_public_id)
    # by the time shown, then by dispute, not by event id: event ids follow the real order of
    # outcomes that show at one instant (release.py); one dispute's events keep their order
    return await query.order_by("-occurred_at", "-dispute_id", "-id").limit(first)


async def deliveries_for(event_ids: Sequence[int]) -> dict[int, list[WebhookDelivery]]:
    found: dict[int, list[WebhookDelivery]] = {i: [] for i in event_ids}
    for row in await WebhookDelivery.filter(event_id__in=list(event_ids)).order_by("id"):
        found[row.event_id].append(row)
    return found


async def register_once(*, partner_id: int, url: str, idempotency_key: str) -> Registered:
    """`register` under the partner's idempotency key: a retry answers with the first result."""
    from services.refunds import idempotency

    if not (idempotency_key or "").strip():
        raise InvalidInput(
            "idempotencyKey is required on every partner mutation.",
            code=ErrorCode.REQUIRED,
            field="idempotencyKey",
        )

    async def replay(endpoint_id: int) -> Registered:
        endpoint = await WebhookEndpoint.get(id=endpoint_id, partner_id=partner_id)
        return Registered(endpoint=endpoint, secret=endpoint.secret)

    return await idempotency.once(
        scope=f"partner:{partner_id}:webhook",
        key=idempotency_key,
        actor_id=partner_id,
        request={"url": url.strip()},
        run=lambda: register(partner_id=partner_id, url=url),
        result_id=lambda done: done.endpoint.id,
        replay=replay,
    )
