"""Complaint rules as pure functions (C-3, C-4, C-6, C-12)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from services.complaints.models import Channel, Status, UrgencyReason
from services.customers.models import Tier
from services.staff.models import Role


@dataclass(frozen=True)
class Step:
    """One life-cycle step of C-6: the statuses it may start from and where it leads."""

    action: str
    sources: frozenset[Status]
    target: Status
    timestamp: str | None  # the Complaint field that records when it happened


STEPS: dict[str, Step] = {
    s.action: s
    for s in (
        Step("acknowledge", frozenset({Status.RECEIVED}), Status.ACKNOWLEDGED, "acknowledged_at"),
        Step(
            "start_investigation",
            frozenset({Status.ACKNOWLEDGED}),
            Status.INVESTIGATING,
            "investigation_started_at",
        ),
        Step(
            "propose_plan",
            frozenset({Status.INVESTIGATING}),
            Status.PLAN_PROPOSED,
            "plan_proposed_at",
        ),
        Step(
            "start_resolution",
            frozenset({Status.PLAN_PROPOSED}),
            Status.RESOLVING,
            "resolution_started_at",
        ),
        Step("resolve", frozenset({Status.RESOLVING}), Status.RESOLVED, "resolved_at"),
        Step("record_revisit", frozenset({Status.RESOLVED}), Status.REVISITED, "revisited_at"),
        Step("archive", frozenset({Status.REVISITED}), Status.ARCHIVED, "archived_at"),
        # an objection after the result re-opens it for a second investigation (C-6)
        Step("reopen", frozenset({Status.RESOLVED, Status.REVISITED}), Status.INVESTIGATING, None),
    )
}

HANDLING_ROLES = frozenset(
    {Role.HANDLER, Role.TEAM_LEAD, Role.SUPERVISOR, Role.MANAGER, Role.DEPUTY_GM}
)
LEAD_ROLES = frozenset({Role.TEAM_LEAD, Role.SUPERVISOR, Role.MANAGER, Role.DEPUTY_GM})
IMPORTANT_TIERS = frozenset({Tier.GOLD_AND_ABOVE, Tier.GOVERNMENT_CONTACT, Tier.GROUP_CONTACT})


def matter_key(
    *, category: str, service_code: str, province: str, city: str, sp_code: str = ""
) -> str:
    """C-4: the same matter = the same category, service/product, region (and SP for partners)."""
    parts = [category, service_code, f"{province}/{city}", sp_code]
    return "|".join(p.strip().lower() or "-" for p in parts)


def intake_urgency(
    *, tier: Tier, sensitive: bool, channel: Channel
) -> list[tuple[UrgencyReason, str]]:
    """C-3 reasons known from the customer record and the channel at intake, with why."""
    reasons: list[tuple[UrgencyReason, str]] = []
    if tier in IMPORTANT_TIERS:
        reasons.append((UrgencyReason.IMPORTANT_CUSTOMER, f"customer tier is {tier.value}"))
    if sensitive:
        reasons.append((UrgencyReason.SENSITIVE_CUSTOMER, "customer is designated sensitive"))
    if channel == Channel.ABOVE_LEVEL:
        reasons.append((UrgencyReason.OVER_LEVEL, "lodged with an above-level body"))
    return reasons


def can_handle(roles: Collection[str]) -> bool:
    return any(r in roles for r in HANDLING_ROLES)


def can_act_on(
    *,
    staff_id: int,
    roles: Collection[str],
    staff_department_id: int | None,
    owner_id: int,
    department_id: int | None,
) -> bool:
    """The owner acts on a complaint (first-contact responsibility); leads of its department too."""
    if not can_handle(roles):
        return False
    if staff_id == owner_id:
        return True
    is_lead = any(r in roles for r in LEAD_ROLES)
    return is_lead and (department_id is None or department_id == staff_department_id)


def may_see_phone(
    *,
    staff_id: int,
    roles: Collection[str],
    staff_department_id: int | None,
    owner_id: int,
    first_handler_id: int,
    department_id: int | None,
) -> bool:
    """C-12: only the people who handle a complaint see the customer's number unmasked."""
    if staff_id in (owner_id, first_handler_id):
        return can_handle(roles)
    return can_act_on(
        staff_id=staff_id,
        roles=roles,
        staff_department_id=staff_department_id,
        owner_id=owner_id,
        department_id=department_id,
    )
