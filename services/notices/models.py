"""Outgoing customer notices (R-14, C-9): an outbox written in the transaction that decides
to notify; a worker delivers each row and marks it sent (delivery comes with the notices issue)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from services.customers.models import Customer


class NoticeStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Notice(Model):
    """One message to one customer; `key` makes writing it twice impossible."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=128, unique=True)  # e.g. "refund:42:executed"
    template = fields.CharField(max_length=40)
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="notices", null=True, on_delete=fields.RESTRICT
    )
    msisdn = fields.CharField(max_length=11)
    body = fields.TextField()
    status = fields.CharEnumField(NoticeStatus, max_length=12, default=NoticeStatus.PENDING)
    attempts = fields.SmallIntField(default=0)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)
    customer_id: int | None

    class Meta:
        table = "notices"
        indexes = (Index(fields=("status", "id")),)
