"""Outgoing customer notices (R-14, C-7, C-9): an outbox written in the transaction that decides
to notify; the worker delivers each row, records every attempt, and marks it sent."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from services.timestamps import DomainDatetimeField

if TYPE_CHECKING:
    from services.complaints.models import Complaint
    from services.customers.models import Customer
    from services.refunds.models import Refund
    from services.staff.models import Staff


class NoticeStatus(StrEnum):
    PENDING = "pending"  # waiting for its time (quiet hours, backoff) or for a worker
    SENT = "sent"  # the gateway took it (the outbox gateway: kept for people to read)
    FAILED = "failed"  # refused for good, or out of attempts: flagged for a person
    CANCELLED = "cancelled"  # no longer due, e.g. a revisit invitation after a re-opening


class Channel(StrEnum):
    """How a notice reaches the customer (C-9: in writing, by SMS or e-mail)."""

    SMS = "sms"
    EMAIL = "email"


class Receipt(StrEnum):
    """What the gateway's delivery receipt said about the handset, if it said anything."""

    NONE = "none"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"  # undeliverable: refused, unknown or barred handset
    EXPIRED = "expired"  # the SMS centre gave up: the handset stayed off past the validity


class AttemptOutcome(StrEnum):
    STARTED = "started"  # claimed, result not recorded yet
    SENT = "sent"
    TRANSIENT = "transient"  # will be tried again
    PERMANENT = "permanent"  # the gateway refused it for good
    LOST = "lost"  # the worker died mid-attempt: the gateway may or may not have it


class Notice(Model):
    """One message to one customer; `key` makes writing it twice impossible."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=128, unique=True)  # e.g. "refund:42:executed"
    template = fields.CharField(max_length=40)
    template_version = fields.SmallIntField(default=0)
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="notices", null=True, on_delete=fields.RESTRICT
    )
    complaint: fields.ForeignKeyNullableRelation[Complaint] = fields.ForeignKeyField(
        "models.Complaint", related_name="notices", null=True, on_delete=fields.RESTRICT
    )
    refund: fields.ForeignKeyNullableRelation[Refund] = fields.ForeignKeyField(
        "models.Refund", related_name="notices", null=True, on_delete=fields.RESTRICT
    )
    msisdn = fields.CharField(max_length=11)
    channel = fields.CharEnumField(Channel, max_length=8, default=Channel.SMS)
    email = fields.CharField(max_length=254, default="")  # the address, when by e-mail
    subject = fields.CharField(max_length=200, default="")  # an e-mail's subject line
    body = fields.TextField()
    parts = fields.SmallIntField(default=0)  # SMS parts the gateway sent it as (UCS-2: 70/67)
    urgent = fields.BooleanField(default=False)  # may go out in quiet hours
    status = fields.CharEnumField(NoticeStatus, max_length=12, default=NoticeStatus.PENDING)
    attempts = fields.SmallIntField(default=0)  # claims so far; numbers the attempt rows
    last_error = fields.TextField(default="")
    not_before = fields.DatetimeField(null=True)  # held until then (quiet hours, revisit window)
    next_attempt_at = fields.DatetimeField(null=True)  # due then; moved by backoff
    lease_until = fields.DatetimeField(null=True)  # a worker holds it until then
    gateway = fields.CharField(max_length=16, default="")
    gateway_message_id = fields.CharField(max_length=64, default="")
    receipt = fields.CharEnumField(Receipt, max_length=12, default=Receipt.NONE)
    receipt_at = fields.DatetimeField(null=True)
    flagged_at = fields.DatetimeField(null=True)  # a person must look (permanent failure)
    created_at = DomainDatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)
    customer_id: int | None
    complaint_id: int | None
    refund_id: int | None

    class Meta:
        table = "notices"
        indexes = (
            Index(fields=("status", "id")),
            Index(fields=("status", "next_attempt_at")),
            Index(fields=("complaint_id", "id")),
            Index(fields=("refund_id", "id")),
            Index(fields=("gateway_message_id",)),
        )


class NoticeMessage(Model):
    """One message id a gateway gave for a notice (an SMS sent in parts has one per part), and
    what its delivery receipt said.

    A receipt may arrive before the submit that it answers is recorded (the SMS centre is
    quick, the worker's write is not): it is stored here with no notice yet, and the submit's
    record finds it. (gateway, message_id) is unique, so either order ends in one row."""

    id = fields.BigIntField(primary_key=True)
    gateway = fields.CharField(max_length=16)
    message_id = fields.CharField(max_length=64)
    notice: fields.ForeignKeyNullableRelation[Notice] = fields.ForeignKeyField(
        "models.Notice", related_name="messages", null=True, on_delete=fields.CASCADE
    )
    part = fields.SmallIntField(default=0)  # 1, 2 … in the order sent; 0 until the submit
    receipt = fields.CharEnumField(Receipt, max_length=12, default=Receipt.NONE)
    receipt_at = fields.DatetimeField(null=True)  # the receipt's own time (its done date)
    received_at = fields.DatetimeField(null=True)  # when it reached us
    detail = fields.CharField(max_length=200, default="")  # the receipt's stat and err
    notice_id: int | None

    class Meta:
        table = "notice_messages"
        unique_together = (("gateway", "message_id"),)
        indexes = (Index(fields=("notice_id", "part")),)


class NoticeAttempt(Model):
    """One try at handing a notice to a gateway: when, which gateway, what it answered."""

    id = fields.BigIntField(primary_key=True)
    notice: fields.ForeignKeyRelation[Notice] = fields.ForeignKeyField(
        "models.Notice", related_name="attempt_log", on_delete=fields.CASCADE
    )
    number = fields.SmallIntField()
    gateway = fields.CharField(max_length=16)
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    outcome = fields.CharEnumField(AttemptOutcome, max_length=12, default=AttemptOutcome.STARTED)
    code = fields.CharField(max_length=32, default="")  # the gateway's reply code, or HTTP-5xx …
    message_id = fields.CharField(max_length=64, default="")
    error = fields.TextField(default="")  # never holds a phone number
    notice_id: int

    class Meta:
        table = "notice_attempts"
        unique_together = (("notice_id", "number"),)


class NoticeTemplate(Model):
    """A version of a notice text; the highest version of a kind is the one in use."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=40)
    version = fields.SmallIntField()
    body = fields.TextField()
    reason = fields.TextField(default="")
    changed_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_at = DomainDatetimeField(auto_now_add=True)
    changed_by_id: int | None

    class Meta:
        table = "notice_templates"
        unique_together = (("kind", "version"),)
