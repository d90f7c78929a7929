"""What every SMS gateway offers the delivery loop: send one message, say how it went."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class Message:
    reference: str  # the notice key: stable across retries, so a gateway can spot a repeat
    msisdn: str
    text: str


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

    @property
    def taken(self) -> bool:
        return self.status in (SendStatus.ACCEPTED, SendStatus.DELIVERED)


class Gateway(Protocol):
    name: str

    async def send(self, message: Message) -> SendResult:
        """Hand one message over; every failure comes back as a result, never raised."""
        ...

    async def close(self) -> None: ...
