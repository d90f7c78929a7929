"""K-1: a run that recomputes every stored risk profile after the thresholds changed.

PostgreSQL holds its progress: the last customer done (a keyset cursor), moved forward in the
same transaction as each batch of profiles, so a run resumes where a killed worker left it.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from services.timestamps import DomainDatetimeField


class RecomputeStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    SUPERSEDED = "superseded"  # the thresholds changed again: a newer run takes over


class RiskRecomputeRun(Model):
    """One recompute of the stored profiles under one version of the K-1 thresholds."""

    id = fields.IntField(primary_key=True)
    threshold_version = fields.IntField(unique=True)  # 0: the shipped defaults
    status = fields.CharEnumField(RecomputeStatus, max_length=12, default=RecomputeStatus.RUNNING)
    total = fields.IntField()  # stored profiles when the run started
    done = fields.IntField(default=0)
    changed = fields.IntField(default=0)  # profiles whose special flag flipped
    last_customer_id = fields.IntField(default=0)
    batches = fields.IntField(default=0)
    started_at = DomainDatetimeField(auto_now_add=True)
    updated_at = DomainDatetimeField(auto_now=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "risk_recompute_runs"
