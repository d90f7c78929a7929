"""Partner webhooks: the job that delivers a new dispute's event at once, and the relay that
every 10 seconds delivers whatever is due (status changes the trigger wrote, retries, events
whose job Redis lost). Both call `services.partners.webhooks.deliver`, whose database claim
makes a second run of either harmless.

The POST is a small HTTP/1.1 client on asyncio streams rather than a general HTTP library, for
one reason: it connects to the very address it checked. The partner's host name is resolved
here, every address must be public (no private, loopback or link-local networks: a partner
cannot point the worker at the operator's internal services, and DNS cannot be re-bound
between the check and the connection), and TLS still verifies the certificate against the
host name. Loopback is allowed in ENV=dev/test only, for the test receiver. Redirects are not
followed; only the status line of the answer is read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from services import clock
from services.partners import disputes, webhooks
from services.partners.models import WebhookState
from services.partners.webhooks import Sender

log = logging.getLogger(__name__)
SENDER = "webhook_sender"  # ctx key: tests may put another Sender there
TIMEOUT_SECONDS = 10.0
RELAY_BATCH = 100
RELAY_CONCURRENCY = 20


class RefusedAddress(Exception):
    """The URL's host resolves to an address the worker must not connect to."""


async def _address(host: str, port: int) -> str:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(webhooks.public_address(a) for a in addresses):
        raise RefusedAddress(f"{host} resolves to an address that is not public")
    return addresses[0]


async def _post(url: str, headers: Mapping[str, str], body: bytes) -> int:
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if secure else 80)
    address = await _address(host, port)
    reader, writer = await asyncio.open_connection(
        address,
        port,
        ssl=ssl.create_default_context() if secure else None,
        server_hostname=host if secure else None,
    )
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = [
            f"POST {target} HTTP/1.1",
            f"Host: {parts.netloc}",
            "User-Agent: Tousu-Webhooks/1",
            "Connection: close",
            f"Content-Length: {len(body)}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body)
        await writer.drain()
        status_line = (await reader.readline()).decode("latin-1")
        version, _, rest = status_line.partition(" ")
        if not version.startswith("HTTP/") or not rest[:3].isdigit():
            raise ConnectionError(f"not an HTTP answer: {status_line[:60]!r}")
        return int(rest[:3])
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)


async def post(url: str, headers: Mapping[str, str], body: bytes) -> int:
    """POST the event; the HTTP status, or an exception (refused address, timeout, network)."""
    try:
        return await asyncio.wait_for(_post(url, headers, body), TIMEOUT_SECONDS)
    except TimeoutError:
        raise TimeoutError(f"no answer within {TIMEOUT_SECONDS:.0f} s") from None


def _sender(ctx: dict[str, Any]) -> Sender:
    sender: Sender = ctx.get(SENDER, post)
    return sender


async def deliver_webhook(ctx: dict[str, Any], event_id: int) -> str | None:
    """One event, now (scheduled when a dispute is created); the relay does the retries."""
    state = await webhooks.deliver(event_id, at=clock.now(), send=_sender(ctx))
    return state.value if state else None


async def open_dispute(ctx: dict[str, Any], dispute_id: int) -> bool:
    """Right after a customer's dispute is submitted: its complaint and refund (R-2)."""
    return await disputes.open_dispute(dispute_id)


async def relay_webhooks(ctx: dict[str, Any]) -> int:
    """Every 10 s: open the customers' disputes whose job was lost, refuse the due disputes of
    numbers that are no customer's, then each due event (new status changes, retries, lost
    jobs): disputes a few at a time, each dispute's events in the order they happened."""
    await disputes.open_waiting(at=clock.now(), limit=RELAY_BATCH)
    await disputes.refuse_unmatched(at=clock.now(), limit=RELAY_BATCH)
    due = await webhooks.due(at=clock.now(), limit=RELAY_BATCH)
    if not due:
        return 0
    send = _sender(ctx)
    gate = asyncio.Semaphore(RELAY_CONCURRENCY)

    async def in_order(event_ids: list[int]) -> int:
        """One dispute's due events, oldest first; a failure holds the later ones back."""
        attempted = 0
        async with gate:
            for event_id in event_ids:
                state = await webhooks.deliver(event_id, at=clock.now(), send=send)
                if state is None:
                    break
                attempted += 1
                if state is not WebhookState.DELIVERED:
                    break
        return attempted

    attempted = sum(await asyncio.gather(*(in_order(ids) for ids in due)))
    log.info("webhook relay: %s attempts", attempted)
    return attempted
