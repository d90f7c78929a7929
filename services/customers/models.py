"""Customers: one phone number (MSISDN) each."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from services.timestamps import DomainDatetimeField


class Tier(StrEnum):
    ORDINARY = "ordinary"
    MID_HIGH_END = "mid_high_end"
    GOLD_AND_ABOVE = "gold_and_above"
    GROUP_CONTACT = "group_contact"
    GOVERNMENT_CONTACT = "government_contact"


class CreditStanding(StrEnum):
    GOOD = "good"
    NORMAL = "normal"
    POOR = "poor"


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class Customer(Model):
    id = fields.IntField(primary_key=True)
    msisdn = fields.CharField(max_length=11, unique=True)
    name = fields.CharField(max_length=100)
    # where written notices go when the customer prefers e-mail (C-9); "" when none is known
    email = fields.CharField(max_length=254, default="")
    tier = fields.CharEnumField(Tier, max_length=24, default=Tier.ORDINARY)
    province = fields.CharField(max_length=32)
    city = fields.CharField(max_length=32)
    joined_on = fields.DateField()
    credit_standing = fields.CharEnumField(
        CreditStanding, max_length=12, default=CreditStanding.NORMAL
    )
    status = fields.CharEnumField(CustomerStatus, max_length=12, default=CustomerStatus.ACTIVE)
    cancelled_on = fields.DateField(null=True)
    sensitive = fields.BooleanField(default=False)
    sensitive_reason = fields.TextField(default="")
    created_at = DomainDatetimeField(auto_now_add=True)

    class Meta:
        table = "customers"
