"""The development gateway: sends nothing; the notice stays in the outbox for people to read
(GraphQL `notices` on a complaint or refund shows the text the customer would have got)."""

from __future__ import annotations

import logging

from services.notices.gateways.base import Message, SendResult, SendStatus

log = logging.getLogger(__name__)


class OutboxGateway:
    name = "outbox"

    async def send(self, message: Message) -> SendResult:
        log.info("notice %s kept in the outbox, not sent (gateway: outbox)", message.reference)
        return SendResult(
            SendStatus.DELIVERED,
            message_id=f"outbox:{message.reference}"[:64],
            code="outbox",
            detail="not sent: the outbox gateway keeps messages for people to read",
        )

    async def close(self) -> None:
        return None
