"""Rule facts defined once: the roles that handle and lead, the VIP and important tiers. Rules
and permissions import them from here (the statuses of an unresolved complaint are
services.complaints.models.UNRESOLVED)."""

from __future__ import annotations

from services.customers.models import Tier
from services.roles import Role

HANDLING_ROLES = frozenset(
    {Role.HANDLER, Role.TEAM_LEAD, Role.SUPERVISOR, Role.MANAGER, Role.DEPUTY_GM}
)
LEAD_ROLES = frozenset({Role.TEAM_LEAD, Role.SUPERVISOR, Role.MANAGER, Role.DEPUTY_GM})
CONSOLE_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})

# C-3 important customers: gold card and above, government and group contacts
IMPORTANT_TIERS = frozenset({Tier.GOLD_AND_ABOVE, Tier.GOVERNMENT_CONTACT, Tier.GROUP_CONTACT})
# VIP for batch detection (C-3) and R-13's "VIP、贵宾客户": every tier above ordinary
VIP_TIERS = frozenset(set(Tier) - {Tier.ORDINARY})

# the account a partner's disputes are taken under (services.partners): it cannot log in
PARTNER_INTAKE_PREFIX = "partner:"
