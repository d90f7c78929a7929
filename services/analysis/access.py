"""Who reads the monthly analysis and works on rectifications (C-11, A-3): pure rules the
permission table names."""

from __future__ import annotations

from services.permissions.facts import CONSOLE_ROLES, LEAD_ROLES
from services.permissions.rules import Actor


def reads_analysis(a: Actor, _: object = None) -> bool:
    """C-11: leads and managers, auditors and admins (not handlers, not partner accounts)."""
    return not a.partner_intake and any(r in a.roles for r in LEAD_ROLES | CONSOLE_ROLES)


def rectifies(a: Actor, _: object = None) -> bool:
    """A-3: a lead or manager plans a rectification (the owner's side); so may an auditor."""
    return not a.partner_intake and any(r in a.roles for r in LEAD_ROLES | {"auditor"})
