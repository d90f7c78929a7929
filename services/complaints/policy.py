"""Complaint rules as pure functions (C-3, C-4, C-6, C-12)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from services.complaints.models import (
    Category,
    Channel,
    Severity,
    UrgencyReason,
    WarningColour,
)
from services.customers.models import Tier
from services.permissions.facts import (  # noqa: F401 - the rule facts, re-exported
    HANDLING_ROLES,
    IMPORTANT_TIERS,
    LEAD_ROLES,
    VIP_TIERS,
)


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
    """A handler or lead (the permission table's `handling`, by roles alone)."""
    return any(r in roles for r in HANDLING_ROLES)


@dataclass(frozen=True)
class BatchCount:
    customers: int
    vip_customers: int


def batch_crossed(count: BatchCount, *, customers_over: int, vip_at_least: int) -> str | None:
    """C-3 batch: more than N customers, or M VIP customers, on one matter in the window.

    The seed says "超过10宗普通客户或5个VIP客户": more than 10 ordinary, or 5 VIP. A VIP is a
    customer too, so VIPs count toward the first threshold as well (10 ordinary + 1 VIP is a
    batch). Distinct customers count, not complaints. Returns why, or None.
    """
    if count.vip_customers >= vip_at_least:
        return f"{count.vip_customers} VIP customers (threshold {vip_at_least})"
    if count.customers > customers_over:
        return f"{count.customers} customers (more than {customers_over})"
    return None


def severity_for(*, category: str, reasons: Collection[str]) -> Severity:
    """C-5: group disputes and major matters are major; attitude and handling errors moderate."""
    if UrgencyReason.MAJOR in reasons or UrgencyReason.BATCH in reasons:
        return Severity.MAJOR
    if category in (Category.STAFF_ATTITUDE, Category.SERVICE_HANDLING):
        return Severity.MODERATE
    return Severity.MINOR


COLOURS = (WarningColour.BLUE, WarningColour.YELLOW, WarningColour.RED)


def warning_colour_for(
    *, reasons: Collection[str], other_unresolved: int, missed_deadlines: int = 0
) -> WarningColour:
    """C-5: red for media or regulators; yellow for a second unresolved complaint or a group;
    each missed deadline (breached, or met late) raises the colour one level (C-7), for good."""
    if UrgencyReason.MAJOR in reasons or UrgencyReason.OVER_LEVEL in reasons:
        base = 2
    elif other_unresolved >= 1 or UrgencyReason.BATCH in reasons:
        base = 1
    else:
        base = 0
    return COLOURS[min(base + missed_deadlines, len(COLOURS) - 1)]
