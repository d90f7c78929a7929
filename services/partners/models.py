"""Partner content providers (SPs, R-2), their API keys, services, disputes and webhooks.

A dispute links a partner to the complaint and the refund it created; the refund itself is an
ordinary refund work order (services.refunds), decided by the same policy as every other.
Webhook events are an outbox: `dispute.created` is written with the dispute, and every later
change of its stage by a trigger on `refund_events` (migration 0013, replacing 0007's), in the
transaction that changed it. The worker delivers them and logs each attempt.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from services.timestamps import DomainDatetimeField

if TYPE_CHECKING:
    from services.complaints.models import Complaint
    from services.customers.models import Customer
    from services.refunds.models import Refund
    from services.staff.models import Staff


class PartnerStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # its keys stop working (within the key cache window)


class DisputeReason(StrEnum):
    """Why the partner's customer disputes the charge."""

    UNKNOWING_SUBSCRIPTION = "unknowing_subscription"  # 不知情定制
    SERVICE_UNUSABLE = "service_unusable"  # 业务无法使用
    BILLING_ERROR = "billing_error"  # 信息费误计


class DisputeStage(StrEnum):
    """What a partner sees of its dispute: the outcome, never the steps that lead to it (C-12).

    The refund's own steps (verification, approval, the customer's confirmation) would tell a
    partner that its customer is special (R-9) or has had refunds (R-12 band 0); they all read
    OPEN. A number that is no customer's is OPEN too, then REFUSED like any refusal."""

    OPEN = "open"  # taken; the operator is handling it
    REFUNDED = "refunded"  # the refund was executed
    REFUSED = "refused"  # closed without a refund: rejected, declined, cancelled


class WebhookState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # still failing 24 hours after the event: no more attempts
    SKIPPED = "skipped"  # the partner had no active endpoint when it was due


class Partner(Model):
    """A content provider (SP) billed through the operator: Monternet (梦网), information fees."""

    id = fields.IntField(primary_key=True)
    sp_code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=100)
    contact_name = fields.CharField(max_length=100, default="")
    contact_email = fields.CharField(max_length=200, default="")
    contact_phone = fields.CharField(max_length=20, default="")
    status = fields.CharEnumField(PartnerStatus, max_length=12, default=PartnerStatus.ACTIVE)
    # the system account complaints and refunds of this partner are taken under (C-2)
    intake_staff: fields.OneToOneRelation[Staff] = fields.OneToOneField(
        "models.Staff", related_name="partner", on_delete=fields.RESTRICT
    )
    created_at = DomainDatetimeField(auto_now_add=True)
    updated_at = DomainDatetimeField(auto_now=True)
    intake_staff_id: int

    class Meta:
        table = "partners"


class PartnerService(Model):
    """A service of the partner's SP code that its customers are billed for."""

    id = fields.IntField(primary_key=True)
    partner: fields.ForeignKeyRelation[Partner] = fields.ForeignKeyField(
        "models.Partner", related_name="services", on_delete=fields.RESTRICT
    )
    service_code = fields.CharField(max_length=64)
    name = fields.CharField(max_length=100)
    monternet = fields.BooleanField(default=True)  # R-7(a): monthly or per-use Monternet service
    created_at = DomainDatetimeField(auto_now_add=True)
    partner_id: int

    class Meta:
        table = "partner_services"
        unique_together = (("partner", "service_code"),)


class PartnerApiKey(Model):
    """An API key: `tsk_<prefix>_<secret>`, shown once; the prefix stays visible, the key is
    stored as its SHA-256. Several may be active at once (rotation)."""

    id = fields.IntField(primary_key=True)
    partner: fields.ForeignKeyRelation[Partner] = fields.ForeignKeyField(
        "models.Partner", related_name="api_keys", on_delete=fields.RESTRICT
    )
    prefix = fields.CharField(max_length=16, unique=True)
    key_hash = fields.CharField(max_length=64)
    label = fields.CharField(max_length=100, default="")
    created_at = DomainDatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)
    # use, recorded at most every keys.USE_FLUSH_SECONDS per process (no write per request)
    last_used_at = fields.DatetimeField(null=True)
    use_count = fields.BigIntField(default=0)
    partner_id: int

    class Meta:
        table = "partner_api_keys"
        indexes = (Index(fields=("partner_id", "id")),)


class PartnerDispute(Model):
    """A refund dispute a partner submitted: the complaint and refund it created, and what the
    partner said. Its `stage` is the outcome, kept by the trigger on refund_events (migrations
    0013, 0026); the partner sees it from `release_at` on (services.partners.release). A
    number that is no customer's opens nothing: the dispute is refused by the worker at
    `refuse_at`, a moment drawn within the time a person takes to refuse one."""

    id = fields.IntField(primary_key=True)
    public_id = fields.CharField(max_length=32, unique=True)  # what the partner sees
    partner: fields.ForeignKeyRelation[Partner] = fields.ForeignKeyField(
        "models.Partner", related_name="disputes", on_delete=fields.RESTRICT
    )
    service: fields.ForeignKeyRelation[PartnerService] = fields.ForeignKeyField(
        "models.PartnerService", related_name="disputes", on_delete=fields.RESTRICT
    )
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    complaint: fields.OneToOneNullableRelation[Complaint] = fields.OneToOneField(
        "models.Complaint", related_name="partner_dispute", null=True, on_delete=fields.RESTRICT
    )
    refund: fields.OneToOneNullableRelation[Refund] = fields.OneToOneField(
        "models.Refund", related_name="partner_dispute", null=True, on_delete=fields.RESTRICT
    )
    msisdn = fields.CharField(max_length=20, default="")  # as submitted, normalised
    stage = fields.CharEnumField(DisputeStage, max_length=12, default=DisputeStage.OPEN)
    stage_changed_at = fields.DatetimeField(null=True)
    quoted_fen = fields.IntField(default=0)  # what the rules refund for the charges submitted
    refuse_at = fields.DatetimeField(null=True)  # a number that is no customer's
    # the partner sees the outcome no earlier than this (services.partners.release, C-12);
    # NULL for disputes submitted before it existed
    release_at = fields.DatetimeField(null=True)
    reason = fields.CharEnumField(DisputeReason, max_length=32)
    description = fields.TextField(default="")
    evidence: fields.Field[list[str]] = fields.JSONField(default=list)
    charge_lines: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    claimed_fen = fields.IntField()
    created_at = DomainDatetimeField(auto_now_add=True)
    partner_id: int
    service_id: int
    customer_id: int | None
    complaint_id: int | None
    refund_id: int | None

    class Meta:
        table = "partner_disputes"
        indexes = (
            Index(fields=("partner_id", "id")),  # a partner's disputes, newest first
            Index(fields=("partner_id", "customer_id", "id")),
            Index(fields=("partner_id", "msisdn", "id")),
            Index(fields=("refuse_at",)),  # the worker's due refusals
        )


class PartnerDailyUsage(Model):
    """Disputes a partner submitted on one operator day, for the daily cap."""

    id = fields.IntField(primary_key=True)
    partner: fields.ForeignKeyRelation[Partner] = fields.ForeignKeyField(
        "models.Partner", related_name=False, on_delete=fields.CASCADE
    )
    day = fields.DateField()
    disputes = fields.IntField(default=0)
    partner_id: int

    class Meta:
        table = "partner_daily_usage"
        unique_together = (("partner", "day"),)


class WebhookEndpoint(Model):
    """Where a partner receives events; at most one active per partner (registering replaces)."""

    id = fields.IntField(primary_key=True)
    partner: fields.ForeignKeyRelation[Partner] = fields.ForeignKeyField(
        "models.Partner", related_name="webhook_endpoints", on_delete=fields.RESTRICT
    )
    url = fields.CharField(max_length=500)
    secret = fields.CharField(max_length=80)  # signs the events; needed in clear to sign
    active = fields.BooleanField(default=True)
    created_at = DomainDatetimeField(auto_now_add=True)
    disabled_at = fields.DatetimeField(null=True)
    partner_id: int

    class Meta:
        table = "partner_webhook_endpoints"
        indexes = (Index(fields=("partner_id", "active")),)


class WebhookEvent(Model):
    """One event for a partner (outbox row). Also written by the trigger on refund_events:
    every NOT NULL column is set there explicitly (Tortoise defaults are not column defaults)."""

    id = fields.BigIntField(primary_key=True)
    event_id = fields.CharField(max_length=40, unique=True)  # stable: the same on every retry
    partner: fields.ForeignKeyRelation[Partner] = fields.ForeignKeyField(
        "models.Partner", related_name=False, on_delete=fields.RESTRICT
    )
    dispute: fields.ForeignKeyRelation[PartnerDispute] = fields.ForeignKeyField(
        "models.PartnerDispute", related_name="webhook_events", on_delete=fields.RESTRICT
    )
    type = fields.CharField(max_length=40)
    status = fields.CharField(max_length=24)  # the stage the dispute moved to (DisputeStage)
    previous_status = fields.CharField(max_length=24, default="")
    occurred_at = fields.DatetimeField()
    refund_event_id = fields.BigIntField(null=True, unique=True)
    state = fields.CharEnumField(WebhookState, max_length=12, default=WebhookState.PENDING)
    attempts = fields.SmallIntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    created_at = DomainDatetimeField(auto_now_add=True)
    partner_id: int
    dispute_id: int

    class Meta:
        table = "partner_webhook_events"
        indexes = (
            Index(fields=("state", "next_attempt_at")),  # the relay's due events
            Index(fields=("partner_id", "id")),
            Index(fields=("dispute_id", "id")),
        )


class WebhookDelivery(Model):
    """One attempt to deliver an event: when, where, the HTTP status or the error."""

    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation[WebhookEvent] = fields.ForeignKeyField(
        "models.WebhookEvent", related_name="deliveries", on_delete=fields.CASCADE
    )
    attempt = fields.SmallIntField()
    attempted_at = fields.DatetimeField()
    url = fields.CharField(max_length=500)
    http_status = fields.SmallIntField(null=True)
    error = fields.TextField(default="")
    duration_ms = fields.IntField(default=0)
    event_id: int

    class Meta:
        table = "partner_webhook_deliveries"
        indexes = (Index(fields=("event_id", "id")),)
