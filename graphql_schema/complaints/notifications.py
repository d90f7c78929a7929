"""What a member of staff must know: breached deadlines, escalations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graphql_schema.ids import Node, global_id
from graphql_schema.permissions import IsAuthenticated
from graphql_schema.wording import localize
from services.complaints import inbox
from services.complaints.models import Notification as NotificationRow


@strawberry.type(description="A notice to a member of staff about a complaint (C-5, C-7).")
class StaffNotification(Node):
    id: strawberry.ID = strawberry.field(
        description="Global id (Relay); pass it to any id argument."
    )
    pk: strawberry.Private[int]
    kind: str = strawberry.field(description="`deadline_breached` or `escalation`.")
    message: str = strawberry.field(
        description="What happened, in Chinese, to show as is; a system reason it quotes "
        "(why a supervision started, a deadline's note) in Chinese too, unless "
        "`Accept-Language: en`."
    )
    complaint_id: strawberry.ID = strawberry.field(description="The complaint concerned.")
    created_at: datetime = strawberry.field(description="When it was raised.")
    read_at: datetime | None = strawberry.field(description="When you marked it read.")

    @classmethod
    def from_row(cls, row: NotificationRow) -> StaffNotification:
        return cls(
            id=global_id("StaffNotification", row.id),
            pk=row.id,
            kind=row.kind,
            message=localize(row.message),
            complaint_id=global_id("Complaint", row.complaint_id),
            created_at=row.created_at,
            read_at=row.read_at,
        )


@strawberry.type
class NotificationQueries:
    @strawberry.field(
        description="Your notifications, newest first (at most 100).",
        permission_classes=[IsAuthenticated],
    )
    async def my_notifications(
        self, info: strawberry.Info, unread_only: bool = False, first: int = 50
    ) -> list[StaffNotification]:
        found = await inbox.my_notifications(
            actor=info.context.staff, unread_only=unread_only, first=first
        )
        return [StaffNotification.from_row(r) for r in found]
