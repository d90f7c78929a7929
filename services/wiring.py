"""The composition root of the services: which package reacts to which event, and where the
permission table reads its facts (services.permission_facts registers the loaders).

complaints and refunds publish (services.events); notices, audit and analysis, which sit above
them, react. This is the only module that knows both sides, and nothing in services imports it but
`services.runtime`. The import-layering test (tests/test_layering.py) keeps it that way.
"""

from __future__ import annotations

from services import events, permission_facts
from services.analysis import reactions as analysis_reactions
from services.audit import reactions as audit_reactions
from services.notices import confirmations, delivery
from services.notices import reactions as notice_reactions


def install() -> None:
    """Subscribe every reaction and register the permission table's loaders (idempotent)."""
    permission_facts.install()
    notice_reactions.subscribe_all(events.subscribe)
    audit_reactions.subscribe_all(events.subscribe)
    analysis_reactions.subscribe_all(events.subscribe)
    delivery.on_delivered(confirmations.on_delivered)  # C-9: the result told when delivered
    events.mark_wired()
