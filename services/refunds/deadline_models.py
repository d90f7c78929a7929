"""R-13 time limits of a refund as rows, enforced like a complaint's (C-7): the refund's own
`*_due_at` columns say when a step is due; a row here records what became of that limit."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from services.timestamps import DomainDatetimeField

if TYPE_CHECKING:
    from services.refunds.models import Refund


class RefundDeadlineKind(StrEnum):
    """The R-13 limits, each met by one step of the refund."""

    VERIFY = "verify"  # verify first: verification within 1 (VIP) or 3 working days
    AGREE = "agree"  # bill adjustment: amount and date agreed (the customer confirms)
    EXECUTE = "execute"  # executed within 48 hours / 3 working days of the confirmation


class RefundDeadlineState(StrEnum):
    PENDING = "pending"
    MET = "met"
    MET_LATE = "met_late"  # the step came after the due time (both times kept)
    BREACHED = "breached"  # the worker found it due and unmet
    WAIVED = "waived"  # no longer runs: the refund closed, or the limit was set again


class RefundDeadline(Model):
    """One R-13 limit of one refund; at most one pending row per refund and kind."""

    id = fields.IntField(primary_key=True)
    refund: fields.ForeignKeyRelation[Refund] = fields.ForeignKeyField(
        "models.Refund", related_name="deadlines", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(RefundDeadlineKind, max_length=12)
    due_at = fields.DatetimeField()
    state = fields.CharEnumField(
        RefundDeadlineState, max_length=12, default=RefundDeadlineState.PENDING
    )
    met_at = fields.DatetimeField(null=True)
    breached_at = fields.DatetimeField(null=True)
    created_at = DomainDatetimeField(auto_now_add=True)
    refund_id: int

    class Meta:
        table = "refund_deadlines"
        unique_together = (("refund", "kind", "due_at"),)
        indexes = (Index(fields=("state", "due_at")), Index(fields=("refund_id", "id")))
