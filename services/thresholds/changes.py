"""Changing the thresholds (the configurable numbers of DOMAIN.md: R-10 allowances, R-12 bands,
K-1, C-3 …) as use cases of the permission table: only an admin, every change audited with
who and why (services.thresholds.service stores the versions)."""

from __future__ import annotations

from typing import Any

from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.staff.models import Staff
from services.thresholds import service
from services.thresholds.models import ThresholdVersion


@guarded(UseCase.CHANGE_THRESHOLDS)
async def change_thresholds(
    *, actor: Staff, values: dict[str, Any], reason: str
) -> list[ThresholdVersion]:
    """Several keys changed together for one reason, all or none."""
    return await service.change_many(values=values, reason=reason, changed_by_id=actor.id)


@guarded(UseCase.CHANGE_THRESHOLDS)
async def restore_threshold(
    *, actor: Staff, key: str, version: int, reason: str
) -> ThresholdVersion:
    """An old version (0: the shipped default) made current again, as a new version."""
    return await service.restore(key=key, version=version, reason=reason, changed_by_id=actor.id)
