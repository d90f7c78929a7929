"""The analysis's reactions to complaint steps (services.events): the root cause a handler gave
when resolving is recorded in the resolve's transaction (C-11), which may open a rectification
(A-3). An unknown or retired code raises, and the whole resolve rolls back."""

from __future__ import annotations

from collections.abc import Callable

from services.analysis import taxonomy
from services.complaints.events import StepTaken
from services.events import Reaction


async def on_step(event: StepTaken) -> Reaction | None:
    code = event.context.get("root_cause")
    if event.action != "resolve" or not code or event.actor is None:
        return None
    row = await taxonomy.record_root_cause(
        complaint=event.complaint, code=code, actor=event.actor, at=event.at
    )
    return Reaction(records={"root_cause_id": row.id})


def subscribe_all(subscribe: Callable[..., None]) -> None:
    subscribe(StepTaken, on_step)
