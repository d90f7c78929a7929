"""A member of staff's own notifications (C-5 escalations, C-7 breaches): reading them,
marking them read."""

from __future__ import annotations

from collections.abc import Sequence

from services import clock
from services.complaints.models import Notification
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.staff.models import Staff

MAX_NOTIFICATIONS = 100


@guarded(UseCase.READ_NOTIFICATIONS)
async def my_notifications(
    *, actor: Staff, unread_only: bool = False, first: int = 50
) -> list[Notification]:
    """The actor's own notifications, newest first (1 to 100 of them)."""
    mine = Notification.filter(recipient_id=actor.id)
    if unread_only:
        mine = mine.filter(read_at__isnull=True)
    return await mine.order_by("-id").limit(max(1, min(first, MAX_NOTIFICATIONS)))


@guarded(UseCase.MARK_NOTIFICATIONS_READ)
async def mark_notifications_read(
    *, actor: Staff, ids: Sequence[int] | None = None
) -> list[Notification]:
    """Mark the actor's notifications read: those in `ids`, or all unread when `ids` is None.

    Only the actor's own: an id of someone else's notification is passed over, as if it did
    not exist. One already read keeps its first `read_at`. Returns the notifications named
    (all of the actor's that were unread, when `ids` is None), as stored afterwards.
    """
    mine = Notification.filter(recipient_id=actor.id)
    if ids is not None:
        mine = mine.filter(id__in=list(ids))
        names = [n.id for n in await mine.only("id")]
    else:
        names = [n.id for n in await mine.filter(read_at__isnull=True).only("id")]
    if names:
        await Notification.filter(id__in=names, read_at__isnull=True).update(read_at=clock.now())
    return await Notification.filter(id__in=names).order_by("-id")
