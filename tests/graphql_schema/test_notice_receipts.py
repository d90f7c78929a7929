"""POST /notices/receipts: the HTTP gateway's delivery receipts, signed like the partner
webhooks and refused when replayed, stale, forged or malformed."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.applications import Starlette

from graphql_schema.notice_receipts import PATH, ReceiptCallback, route
from services.notices import callbacks, delivery, outbox
from services.notices.gateways.http import HttpGateway
from services.notices.models import Notice, Receipt
from services.notices.templates import TemplateKind
from tests import factories as f
from tests.graphql_schema.test_edge_limits import Body, send_raw
from tests.services.notices.sms_server import ACCOUNT, SECRET, SmsServer

RECEIPT_SECRET = "receipt-callback-secret"
SHANGHAI = ZoneInfo("Asia/Shanghai")
SENT_AT = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
async def api(redis) -> AsyncIterator[httpx.AsyncClient]:
    endpoint = ReceiptCallback(secret=RECEIPT_SECRET)
    app = Starlette(routes=[route(endpoint)])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://tousu"
    ) as client:
        yield client
    await endpoint.close()


@pytest.fixture
async def sent() -> AsyncIterator[Notice]:
    """A notice the HTTP gateway took, with message id m1."""
    server = await SmsServer().start()
    gateway = HttpGateway(url=server.url, account=ACCOUNT, secret=SECRET, timeout_seconds=2)
    customer = await f.customer()
    notice = await outbox.write(
        key="refund:1:executed",
        kind=TemplateKind.REFUND_EXECUTED,
        values={"matter": "重复扣费", "yyyy": "2026", "mm": "03", "dd": "10", "amount": "1.00"},
        msisdn=customer.msisdn,
        at=SENT_AT,
        customer_id=customer.id,
    )
    await delivery.deliver(notice.id, gateway=gateway, at=SENT_AT)
    await gateway.close()
    await server.stop()
    await notice.refresh_from_db()
    assert notice.gateway_message_id == "m1"
    yield notice


def body(*receipts: dict) -> bytes:
    return json.dumps({"receipts": list(receipts)}).encode()


def signed(payload: bytes, *, at: float | None = None, secret: str = RECEIPT_SECRET) -> dict:
    stamp = int(at if at is not None else time.time())
    return {
        "Content-Type": "application/json",
        callbacks.SIGNATURE_HEADER: callbacks.sign(secret, stamp, payload),
    }


DELIVERED = {"message_id": "m1", "status": "delivered", "at": "2026-03-10T10:03:00+08:00"}


async def test_r14_a_signed_receipt_moves_the_notice_to_delivered_at_the_receipts_time(api, sent):
    payload = body(DELIVERED, {**DELIVERED, "message_id": "m404"})

    answer = await api.post(PATH, content=payload, headers=signed(payload))

    assert answer.status_code == 200
    assert answer.json() == {"recorded": 1, "kept": 1}
    await sent.refresh_from_db()
    assert (sent.receipt, sent.receipt_at) == (Receipt.DELIVERED, SENT_AT.replace(minute=3))


async def test_r14_an_expired_receipt_flags_the_notice(api, sent):
    payload = body({**DELIVERED, "status": "expired", "detail": "EXPIRED"})

    answer = await api.post(PATH, content=payload, headers=signed(payload))

    assert answer.status_code == 200
    await sent.refresh_from_db()
    assert sent.receipt == Receipt.EXPIRED and sent.flagged_at is not None


async def test_r14_a_replayed_receipt_request_is_refused(api, sent):
    payload = body(DELIVERED)
    headers = signed(payload)

    assert (await api.post(PATH, content=payload, headers=headers)).status_code == 200
    again = await api.post(PATH, content=payload, headers=headers)

    assert again.status_code == 409 and again.json()["error"]["code"] == "REPLAYED"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        (lambda p: signed(p, secret="not-the-secret"), "BAD_SIGNATURE"),
        (lambda p: {callbacks.SIGNATURE_HEADER: "v1=abc"}, "BAD_SIGNATURE"),
        (lambda p: {}, "BAD_SIGNATURE"),
        (lambda p: signed(p, at=time.time() - 301), "STALE_TIMESTAMP"),
    ],
)
async def test_r14_a_forged_or_stale_receipt_request_changes_nothing(api, sent, headers, code):
    payload = body(DELIVERED)

    answer = await api.post(PATH, content=payload, headers=headers(payload))

    assert (answer.status_code, answer.json()["error"]["code"]) == (401, code)
    await sent.refresh_from_db()
    assert sent.receipt == Receipt.NONE


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        json.dumps({"receipts": "m1"}).encode(),
        body({**DELIVERED, "status": "lost"}),
        body({**DELIVERED, "at": "2026-03-10T10:03:00"}),  # no offset
        body({"status": "delivered", "at": DELIVERED["at"]}),
    ],
)
async def test_r14_a_malformed_receipt_request_is_refused_whole(api, sent, payload):
    answer = await api.post(PATH, content=payload, headers=signed(payload))

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "MALFORMED")


async def test_r14_receipt_callbacks_are_off_without_a_secret(redis):
    app = Starlette(routes=[route(ReceiptCallback(secret=""))])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://tousu"
    ) as client:
        payload = body(DELIVERED)
        answer = await client.post(PATH, content=payload, headers=signed(payload))
    assert answer.status_code == 404


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_i11_a_100mb_receipt_body_is_refused_without_being_read_whole(redis, declared):
    endpoint = ReceiptCallback(secret=RECEIPT_SECRET)
    upload = Body(100 * 1024 * 1024)
    headers = [(b"content-length", str(upload.size).encode())] if declared else []

    status, payload = await send_raw(Starlette(routes=[route(endpoint)]), PATH, upload, headers)
    await endpoint.close()

    assert status == 413
    assert payload["error"]["code"] == "TOO_LARGE"
    assert upload.pulled <= callbacks.MAX_BODY_BYTES + 65536
