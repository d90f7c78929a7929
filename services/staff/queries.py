"""Staff and department look-ups for loaders."""

from __future__ import annotations

from collections.abc import Sequence

from services.staff.models import Department, Staff


async def staff_by_ids(ids: Sequence[int]) -> dict[int, Staff]:
    return {s.id: s for s in await Staff.filter(id__in=list(ids))}


async def departments_by_ids(ids: Sequence[int]) -> dict[int, Department]:
    return {d.id: d for d in await Department.filter(id__in=list(ids))}
