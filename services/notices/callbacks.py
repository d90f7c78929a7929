"""The HTTP gateway's delivery receipts, POSTed to us: signed like our partner webhooks, and
replay-protected (docs/notices.md).

    POST /notices/receipts
    Content-Type: application/json
    Tousu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(NOTICE_RECEIPT_SECRET, "<t>." + body)>

    {"receipts": [{"message_id": "m1", "status": "delivered",
                   "at": "2026-03-05T10:01:00+08:00", "detail": "DELIVRD"}]}

`status` is delivered, undelivered or expired; `at` is when the handset got it (or the gateway
gave up), ISO 8601 with its offset. At most MAX_RECEIPTS a request. A request is refused when
its signature is wrong, when its timestamp is more than TOLERANCE_SECONDS from our clock, and
when the same signature was seen before (a replay): the caller keeps the signature of each
request it sends, we keep every signature seen for twice the tolerance.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.notices import delivery
from services.notices.gateways.base import ReceiptReport, ReceiptState

SIGNATURE_HEADER = "Tousu-Signature"
TOLERANCE_SECONDS = 300
MAX_RECEIPTS = 500
MAX_BODY_BYTES = 256 * 1024


class CallbackRefused(Exception):
    """A refused request: `code` and the HTTP `status` to answer with."""

    def __init__(self, code: str, message: str, status: int):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value a sender puts on `body` (what the tests and a provider's adapter do)."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: float) -> str:
    """The request's signature (the replay key) when it is ours and fresh; refused otherwise."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        raise CallbackRefused(
            "BAD_SIGNATURE", f"{SIGNATURE_HEADER} must be t=<unix seconds>,v1=<hex>.", 401
        ) from None
    if not hmac.compare_digest(signature(secret, timestamp, body), given):
        raise CallbackRefused("BAD_SIGNATURE", "The signature does not match the body.", 401)
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise CallbackRefused(
            "STALE_TIMESTAMP",
            f"The timestamp is more than {TOLERANCE_SECONDS} s from our clock.",
            401,
        )
    return given


@dataclass(frozen=True)
class Outcome:
    recorded: int  # receipts that moved or count toward a notice
    kept: int  # receipts for ids no notice has yet (kept until its submit is recorded)


def parse(body: bytes, *, gateway: str) -> list[ReceiptReport]:
    """The receipts of a request, each checked; a malformed one refuses the whole request."""
    try:
        payload: Any = json.loads(body)
        items = payload["receipts"]
        if not isinstance(items, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise CallbackRefused(
            "MALFORMED", 'The body is {"receipts": [{"message_id", "status", "at"}, …]}.', 400
        ) from None
    if len(items) > MAX_RECEIPTS:
        raise CallbackRefused("TOO_MANY", f"At most {MAX_RECEIPTS} receipts a request.", 413)
    reports = []
    for n, item in enumerate(items):
        try:
            message_id = str(item["message_id"]).strip()
            state = ReceiptState(item["status"])
            at = datetime.fromisoformat(item["at"])
            detail = str(item.get("detail", ""))[:200]
        except (KeyError, ValueError, TypeError):
            raise CallbackRefused(
                "MALFORMED",
                f"receipts[{n}] needs message_id, status (delivered, undelivered, expired) "
                "and at (ISO 8601 with its offset).",
                400,
            ) from None
        if not message_id or len(message_id) > 64 or at.tzinfo is None:
            raise CallbackRefused(
                "MALFORMED",
                f"receipts[{n}]: a message id of 1-64 characters, and `at` with its offset.",
                400,
            )
        reports.append(ReceiptReport(gateway, message_id, state, at, detail))
    return reports


async def record(reports: list[ReceiptReport]) -> Outcome:
    recorded = 0
    for report in reports:
        recorded += await delivery.record_report(report)
    return Outcome(recorded=recorded, kept=len(reports) - recorded)
