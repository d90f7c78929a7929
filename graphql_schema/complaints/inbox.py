"""Marking one's notifications read."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_schema.complaints.notifications import StaffNotification
from graphql_schema.errors import (
    AuthenticationError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    run_mutation,
)
from graphql_schema.ids import parse_id
from services.complaints import inbox
from services.complaints.models import Notification as NotificationRow


@strawberry.type(description="The notifications marked read, newest first.")
class MarkNotificationsReadResult:
    notifications: list[StaffNotification] = strawberry.field(
        description="Each notification named (or every one that was unread), with its `readAt`. "
        "Ids of notifications that are not yours are left out."
    )


MarkNotificationsReadPayload = Annotated[
    MarkNotificationsReadResult
    | InputError
    | NotFoundError
    | PermissionDeniedError
    | AuthenticationError,
    strawberry.union(
        "MarkNotificationsReadPayload",
        description="The notifications now read, or why nothing was marked.",
    ),
]


@strawberry.type
class InboxMutations:
    @strawberry.mutation(
        description="Mark your notifications read: those in `ids`, or every unread one when "
        "`ids` is omitted. One already read keeps its first `readAt`."
    )
    async def mark_notifications_read(
        self, info: strawberry.Info, ids: list[strawberry.ID] | None = None
    ) -> MarkNotificationsReadPayload:
        async def call(actor: object) -> list[NotificationRow]:
            keys = (
                None
                if ids is None
                else [parse_id(i, field="ids", kind="StaffNotification") for i in ids]
            )
            return await inbox.mark_notifications_read(actor=actor, ids=keys)  # type: ignore[arg-type]

        return await run_mutation(  # type: ignore[no-any-return]
            info,
            call,
            lambda rows, _: MarkNotificationsReadResult(
                notifications=[StaffNotification.from_row(r) for r in rows]
            ),
        )
