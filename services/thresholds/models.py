"""Thresholds an admin tunes at run time; every change is a new version (who, when, why)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from services.timestamps import DomainDatetimeField

if TYPE_CHECKING:
    from services.staff.models import Staff


class ThresholdVersion(Model):
    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64)
    version = fields.IntField()
    value: fields.Field[Any] = fields.JSONField()
    reason = fields.TextField(default="")
    changed_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    changed_by_id: int | None
    created_at = DomainDatetimeField(auto_now_add=True)

    class Meta:
        table = "threshold_versions"
        unique_together = (("key", "version"),)
