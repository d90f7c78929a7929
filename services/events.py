"""Domain events: how a step taken in one package reaches another without importing it.

The complaint and refund packages publish what happened (a step taken, a refund executed);
the packages above them (notices, audit) react. The reactions are wired in one place,
`services.wiring.install()`, which every entry point calls once through `services.runtime`;
publishing before that is an error, never a silently lost notice.

A reaction runs inside the publisher's transaction (the notice it writes commits or rolls back
with the step) and may return
- `records`: what it wrote, for the publisher's history row (`{"notice_id": 12}`), and
- `after_commit`: work for after the commit (waking the outbox).
The publisher passes the `Published` it got to `after_commit()` once its transaction is over.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

AfterCommit = Callable[[], Awaitable[Any]]
E = TypeVar("E")


@dataclass
class Reaction:
    """What one reaction did: rows it wrote (for history) and work for after the commit."""

    records: dict[str, Any] = field(default_factory=dict)
    after_commit: list[AfterCommit] = field(default_factory=list)


@dataclass
class Published:
    """Every reaction to one event, merged."""

    records: dict[str, Any] = field(default_factory=dict)
    after_commit: list[AfterCommit] = field(default_factory=list)


Handler = Callable[[Any], Awaitable[Reaction | None]]

_handlers: dict[type, list[Handler]] = {}
_wired = False


class NotWired(RuntimeError):
    """An event was published before `services.wiring.install()` ran."""


def subscribe(event_type: type[E], handler: Callable[[E], Awaitable[Reaction | None]]) -> None:
    handlers = _handlers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def mark_wired() -> None:
    global _wired
    _wired = True


def handlers_of(event_type: type) -> tuple[Handler, ...]:
    return tuple(_handlers.get(event_type, ()))


async def publish(event: Any) -> Published:
    """Run every reaction to `event`, in the caller's transaction, in subscription order."""
    if not _wired:
        raise NotWired(
            f"{type(event).__name__} published before services.wiring.install(): "
            "start the process through services.runtime.start()"
        )
    published = Published()
    for handler in _handlers.get(type(event), ()):
        reaction = await handler(event)
        if reaction is not None:
            published.records |= reaction.records
            published.after_commit.extend(reaction.after_commit)
    return published


async def after_commit(*published: Published | None) -> None:
    """The work the reactions left for after the commit (call it outside the transaction)."""
    for one in published:
        if one is not None:
            for work in one.after_commit:
                await work()
