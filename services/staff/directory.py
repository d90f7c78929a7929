"""The staff directory a front end picks people from (an "assign to" picker), as use cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.expressions import Q

from services import approval_bands as bands
from services.permissions.facts import PARTNER_INTAKE_PREFIX
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.staff.models import Department, Role, Staff, Track

MAX_STAFF = 200


@dataclass(frozen=True)
class StaffFilter:
    """Every given criterion must hold; roles match when the person holds any of them."""

    roles: Sequence[Role] = ()
    department_id: int | None = None
    approves_band: int | None = None  # may approve refunds of this band (or higher)
    track: Track | None = None
    search: str = ""  # part of the username or display name
    include_inactive: bool = False


def roles_approving(band: int) -> list[Role]:
    """R-12: the roles whose own band covers `band` (bands.role_band, not a second table)."""
    return [r for r in Role if (bands.role_band(r.value) or -1) >= band]


@guarded(UseCase.LIST_STAFF)
async def list_staff(*, actor: Staff, criteria: StaffFilter, first: int = MAX_STAFF) -> list[Staff]:
    """Staff matching `criteria`, by display name; never a partner's intake account."""
    qs = Staff.exclude(username__startswith=PARTNER_INTAKE_PREFIX)
    if not criteria.include_inactive:
        qs = qs.filter(is_active=True)
    if criteria.department_id is not None:
        qs = qs.filter(department_id=criteria.department_id)
    if criteria.track is not None:
        qs = qs.filter(track=criteria.track)
    wanted = set(criteria.roles)
    if criteria.approves_band is not None:
        approving = set(roles_approving(criteria.approves_band))
        wanted = wanted & approving if wanted else approving
        if not wanted:
            return []
    if wanted:
        qs = qs.filter(Q(*(Q(roles__contains=[r.value]) for r in sorted(wanted)), join_type="OR"))
    if criteria.search:
        qs = qs.filter(
            Q(username__icontains=criteria.search) | Q(display_name__icontains=criteria.search)
        )
    limit = max(1, min(first, MAX_STAFF))
    return await qs.order_by("display_name", "id").limit(limit)


@guarded(UseCase.LIST_STAFF)
async def list_departments(*, actor: Staff) -> list[Department]:
    """Every department, by code."""
    return await Department.all().order_by("code")
