"""What every SMS gateway offers the delivery loop: send one message, say how it went."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


@dataclass(frozen=True)
class Message:
    reference: str  # the notice key: stable across retries, so a gateway can spot a repeat
    msisdn: str
    text: str
    email: str = ""  # set for a notice by e-mail: the address
    subject: str = ""  # an e-mail's subject line


class SendStatus(StrEnum):
    ACCEPTED = "accepted"  # the gateway took it; a delivery receipt may follow
    DELIVERED = "delivered"  # the gateway says it is delivered already (the outbox gateway)
    TRANSIENT = "transient"  # try again later: timeouts, 5xx, throttling, garbled replies
    PERMANENT = "permanent"  # never: invalid or blocked number, content refused


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    message_id: str = ""
    code: str = ""  # the gateway's reply code, or e.g. HTTP-503, timeout
    detail: str = ""  # for people; never holds the phone number
    parts: int = 1  # SMS parts sent (a long UCS-2 text goes as several, each with its own id)
    part_ids: tuple[str, ...] = ()  # every part's message id, in order; () means (message_id,)

    @property
    def taken(self) -> bool:
        return self.status in (SendStatus.ACCEPTED, SendStatus.DELIVERED)


class Gateway(Protocol):
    name: str

    async def send(self, message: Message) -> SendResult:
        """Hand one message over; every failure comes back as a result, never raised."""
        ...

    async def close(self) -> None: ...


class ReceiptState(StrEnum):
    """A delivery receipt's final word (intermediate ones, ENROUTE or ACCEPTD, are not kept)."""

    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    EXPIRED = "expired"


@dataclass(frozen=True)
class ReceiptReport:
    """What a gateway heard about one message id, for `delivery.record_receipt`."""

    gateway: str
    message_id: str
    state: ReceiptState
    at: datetime  # the receipt's own time (when the handset got it, or the centre gave up)
    detail: str = ""


OnReceipt = Callable[[ReceiptReport], Awaitable[Any]]


class Gateways:
    """One gateway per channel (C-9): SMS and e-mail; `send` routes by the message."""

    name = "channels"

    def __init__(self, *, sms: Gateway, email: Gateway):
        self.sms, self.email = sms, email

    def for_channel(self, channel: str) -> Gateway:
        return self.email if channel == "email" else self.sms

    async def send(self, message: Message) -> SendResult:
        return await (self.email if message.email else self.sms).send(message)

    async def start(self) -> None:
        for gateway in {id(g): g for g in (self.sms, self.email)}.values():
            start = getattr(gateway, "start", None)
            if start is not None:
                await start()

    async def close(self) -> None:
        for gateway in {id(g): g for g in (self.sms, self.email)}.values():
            await gateway.close()
