"""An SMS gateway's HTTP API: one signed JSON POST per message.

Request (the API this service speaks; a provider adapter or proxy maps it if theirs differs):

    POST <NOTICE_HTTP_URL>
    Content-Type: application/json; charset=utf-8
    X-Sms-Account:   <NOTICE_HTTP_ACCOUNT>
    X-Sms-Timestamp: <unix seconds>
    X-Sms-Signature: hex(HMAC-SHA256(<NOTICE_HTTP_SECRET>, "<timestamp>." + body))

    {"account": "...", "msisdn": "13812341234", "text": "尊敬的客户,…",
     "reference": "refund:42:executed"}

`reference` is the notice key: the same for every retry of a notice, so the gateway can drop a
repeat. Reply: HTTP 200 with JSON `{"code": "0", "message_id": "…", "message": "…"}`:

- code 0: accepted; a delivery receipt may follow, by `message_id` → sent;
- 1001 invalid number, 1002 number blocked or unsubscribed, 1003 content refused → failed for
  good, flagged for a person;
- 2001 throttled, 2002 busy → retried;
- 4001 bad signature, 4002 unknown account, 4003 clock skew: our configuration → retried (a
  person fixes it), flagged when the attempts run out;
- any other code, or a body that is not that JSON → retried;
- HTTP 400, 413, 422: this request can never succeed → failed, flagged;
- any other HTTP status (5xx, 429, 401, 404 …), a timeout, a refused or reset connection →
  retried.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from services.notices.gateways.base import Message, SendResult, SendStatus

PERMANENT_CODES = {"1001": "invalid number", "1002": "number blocked", "1003": "content refused"}
TRANSIENT_CODES = {
    "2001": "throttled",
    "2002": "busy",
    "4001": "bad signature (check NOTICE_HTTP_SECRET)",
    "4002": "unknown account (check NOTICE_HTTP_ACCOUNT)",
    "4003": "clock skew (check the worker's clock)",
}
PERMANENT_HTTP = {400, 413, 422}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def classify(status_code: int, content: bytes) -> SendResult:
    """The gateway's answer as a result: pure, so every reply in the table above is testable."""
    if status_code != 200:
        kind = SendStatus.PERMANENT if status_code in PERMANENT_HTTP else SendStatus.TRANSIENT
        return SendResult(kind, code=f"HTTP-{status_code}", detail=f"HTTP status {status_code}")
    try:
        reply: Any = json.loads(content)
        code = str(reply["code"])
    except (ValueError, KeyError, TypeError):
        return SendResult(
            SendStatus.TRANSIENT, code="malformed-reply", detail="the reply is not the API's JSON"
        )
    message = str(reply.get("message", ""))[:200]
    if code == "0":
        message_id = str(reply.get("message_id") or "")[:64]
        return SendResult(SendStatus.ACCEPTED, message_id=message_id, code=code, detail=message)
    if code in PERMANENT_CODES:
        return SendResult(
            SendStatus.PERMANENT, code=code, detail=f"{PERMANENT_CODES[code]}: {message}"
        )
    reason = TRANSIENT_CODES.get(code, "unknown reply code")
    return SendResult(SendStatus.TRANSIENT, code=code, detail=f"{reason}: {message}")


class HttpGateway:
    name = "http"

    def __init__(
        self,
        *,
        url: str,
        account: str,
        secret: str,
        timeout_seconds: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.url = url
        self.account = account
        self._secret = secret
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_seconds),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=100),
            transport=transport,
        )

    async def send(self, message: Message) -> SendResult:
        body = json.dumps(
            {
                "account": self.account,
                "msisdn": message.msisdn,
                "text": message.text,
                "reference": message.reference,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Sms-Account": self.account,
            "X-Sms-Timestamp": timestamp,
            "X-Sms-Signature": signature(self._secret, timestamp, body),
        }
        try:
            response = await self._client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            return SendResult(SendStatus.TRANSIENT, code="timeout", detail=type(exc).__name__)
        except httpx.HTTPError as exc:  # refused, reset, protocol errors
            return SendResult(SendStatus.TRANSIENT, code="http-error", detail=type(exc).__name__)
        return classify(response.status_code, response.content)

    async def close(self) -> None:
        await self._client.aclose()
