"""The assist libraries as versioned content (S-2): every edit of a scenario or of the keyword
library is a new row (who, when, why); the shipped texts are version 1 and are not stored."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from services.timestamps import DomainDatetimeField

if TYPE_CHECKING:
    from services.staff.models import Staff


class LibraryKind(StrEnum):
    SCENARIO = "scenario"  # key: the scenario code (DOMAIN.md §5)
    KEYWORDS = "keywords"  # key: "library", the whole keyword library as its text


class AssistVersion(Model):
    """One version of one scenario or of the keyword library."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(LibraryKind, max_length=12)
    key = fields.CharField(max_length=32)
    version = fields.IntField()
    value: fields.Field[Any] = fields.JSONField()
    reason = fields.TextField(default="")
    changed_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    changed_by_id: int | None
    created_at = DomainDatetimeField(auto_now_add=True)

    class Meta:
        table = "assist_versions"
        unique_together = (("kind", "key", "version"),)
        table_description = "One version of a handler-assist scenario or of the keyword library."
