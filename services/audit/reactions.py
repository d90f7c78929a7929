"""The audit's reactions to what refunds publish (services.events)."""

from __future__ import annotations

from collections.abc import Callable

from services.audit import recovery
from services.events import Reaction
from services.refunds.events import PaidBeyondDue


async def on_paid_beyond_due(event: PaidBeyondDue) -> Reaction:
    """R-11, A-1: open the recovery finding, once per refund."""
    finding = await recovery.open_recovery(event.refund, due_fen=event.due_fen)
    if finding is None:
        return Reaction()
    return Reaction(
        records={"finding_id": finding.id, "recover_fen": finding.params["recover_fen"]}
    )


def subscribe_all(subscribe: Callable[..., None]) -> None:
    subscribe(PaidBeyondDue, on_paid_beyond_due)
